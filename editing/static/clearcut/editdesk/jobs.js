/* Following edit jobs without reloading: the list's status cells, the job page (replaced in place
   when the job ends), the before/after view, and a notice when one of my jobs finishes. */
(function () {
  "use strict";

  var POLL_MS = 1500, NOTICE_MS = 4000, SINCE_KEY = "clearcut.jobs.finished-since";

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }

  function paint(cell, state) {
    var badge = cell.querySelector(".cc-badge"), bar = cell.querySelector(".cc-progress"), stage = cell.querySelector(".cc-step");
    badge.textContent = state.status_label;
    badge.style.background = state.color;
    if (bar) { bar.value = state.percent; }
    if (stage) { stage.textContent = state.finished ? "" : (state.percent + "% " + (state.stage || "")).trim(); }
    cell.setAttribute("data-live", state.finished ? "" : "1");
    cell.setAttribute("data-status", state.status);
  }

  // --- the job list ---------------------------------------------------------------------------
  function followList(base) {
    function tick() {
      var cells = document.querySelectorAll("#result_list .cc-status[data-live='1']");
      if (!cells.length) { return; }
      var ids = Array.prototype.map.call(cells, function (c) { return c.getAttribute("data-job-id"); });
      getJSON(base + "progress/?ids=" + ids.join(",")).then(function (answer) {
        answer.jobs.forEach(function (state) {
          var cell = document.querySelector("#result_list .cc-status[data-job-id='" + state.id + "']");
          if (cell) { paint(cell, state); }
          var thumb = document.querySelector("[data-job-thumb='" + state.id + "']");
          if (thumb && state.output && state.output.poster) {
            var img = document.createElement("img");
            img.className = "cc-thumb";
            img.src = state.output.poster;
            img.setAttribute("data-job-thumb", state.id);
            thumb.replaceWith(img);
          }
        });
      }).catch(function () {}).then(function () { window.setTimeout(tick, POLL_MS); });
    }
    window.setTimeout(tick, POLL_MS);
  }

  // --- the job page ---------------------------------------------------------------------------
  function followJob(detail) {
    var url = detail.getAttribute("data-progress-url");
    function tick() {
      getJSON(url).then(function (state) {
        var cell = detail.querySelector(".cc-status");
        if (cell) { paint(cell, state); }
        var cancel = document.getElementById("cancel-form");
        if (cancel && !state.cancellable) { cancel.hidden = true; }
        if (state.finished) { return refresh(detail); }
        window.setTimeout(tick, POLL_MS);
      }).catch(function () { window.setTimeout(tick, POLL_MS * 2); });
    }
    window.setTimeout(tick, POLL_MS);
  }

  function refresh(detail) {
    // The page's server-rendered body for the finished job, swapped in without a reload.
    return fetch(window.location.href, { credentials: "same-origin" }).then(function (r) { return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("job-detail");
        if (fresh) { detail.replaceWith(fresh); setupCompare(fresh); }
      });
  }

  function setupCompare(root) {
    root.querySelectorAll(".cc-compare-box").forEach(function (box) {
      var slider = box.querySelector(".cc-compare-slider"), after = box.querySelector(".cc-after"), divider = box.querySelector(".cc-divider");
      function move() {
        var at = slider.value;
        after.style.clipPath = "inset(0 0 0 " + at + "%)";
        divider.style.left = at + "%";
      }
      if (slider) { slider.addEventListener("input", move); move(); }
      box.querySelectorAll("[data-view]").forEach(function (button) {
        button.addEventListener("click", function () {
          var view = button.getAttribute("data-view");
          box.querySelectorAll("[data-view]").forEach(function (b) { b.setAttribute("aria-pressed", b === button ? "true" : "false"); });
          box.querySelectorAll("[data-pane]").forEach(function (pane) { pane.hidden = pane.getAttribute("data-pane") !== view; });
        });
      });
    });
  }

  // --- notices when my jobs finish ------------------------------------------------------------
  function notices(box) {
    var url = box.getAttribute("data-url");
    function since() { try { return window.localStorage.getItem(SINCE_KEY) || ""; } catch (e) { return ""; } }
    function remember(now) { try { window.localStorage.setItem(SINCE_KEY, now); } catch (e) { /* private mode */ } }
    function notice(job) {
      var item = document.createElement("div");
      item.className = "cc-notice";
      item.setAttribute("role", "status");
      item.style.setProperty("--notice-color", job.color);
      var link = document.createElement("a");
      link.href = job.url;
      link.textContent = "Edit #" + job.id + " (" + job.operation + ")";
      item.appendChild(link);
      item.appendChild(document.createTextNode(" " + job.status_label.toLowerCase() + "."));
      var close = document.createElement("button");
      close.type = "button";
      close.setAttribute("aria-label", "Dismiss");
      close.textContent = "×";
      close.addEventListener("click", function () { item.remove(); });
      item.appendChild(close);
      box.appendChild(item);
    }
    function tick() {
      var from = since();
      getJSON(url + (from ? "?since=" + encodeURIComponent(from) : "")).then(function (answer) {
        answer.jobs.forEach(notice);
        remember(answer.now);
      }).catch(function () {}).then(function () { window.setTimeout(tick, NOTICE_MS); });
    }
    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var list = document.querySelector("#changelist #result_list");
    if (list) { followList(window.location.pathname.replace(/[^/]*$/, "")); }
    var detail = document.getElementById("job-detail");
    if (detail) {
      setupCompare(detail);
      if (detail.getAttribute("data-live") === "1") { followJob(detail); }
    }
    var box = document.getElementById("cc-notices");
    if (box) { notices(box); }
  });
})();
