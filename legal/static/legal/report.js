// Report forms. A name picker searches as you type (two characters or more), lists up to 20 matches
// under the field, and is worked with the keyboard (arrows, Enter, Escape) or the mouse; the id of
// the match picked travels in a hidden field. Without a pick, the server looks the typed name up.
// The impact report takes exactly one subject: picking one clears the others.
(function () {
  "use strict";
  var DELAY_MS = 200;
  var MIN_CHARS = 2;

  function picker(box, onPick) {
    var text = box.querySelector(".picker-text");
    var value = box.querySelector(".picker-value");
    var list = box.querySelector(".picker-list");
    var matches = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function close() {
      list.hidden = true;
      text.setAttribute("aria-expanded", "false");
      text.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var items = list.querySelectorAll("li[role=option]");
      items.forEach(function (item, i) { item.setAttribute("aria-selected", i === index ? "true" : "false"); });
      active = index;
      if (index >= 0 && items[index]) {
        text.setAttribute("aria-activedescendant", items[index].id);
        items[index].scrollIntoView({ block: "nearest" });
      } else {
        text.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var match = matches[index];
      if (!match) return;
      text.value = match.label;
      value.value = String(match.id);
      close();
      onPick(box);
    }

    function show(results) {
      matches = results;
      list.textContent = "";
      results.forEach(function (match, i) {
        var item = document.createElement("li");
        item.id = list.id + "_" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.textContent = match.label;
        item.addEventListener("mousedown", function (event) { event.preventDefault(); choose(i); });
        list.appendChild(item);
      });
      if (!results.length) {
        var empty = document.createElement("li");
        empty.className = "picker-empty";
        empty.textContent = "No match";
        list.appendChild(empty);
      }
      list.hidden = false;
      text.setAttribute("aria-expanded", "true");
      highlight(results.length ? 0 : -1);
    }

    function search() {
      var query = text.value.trim();
      if (query.length < MIN_CHARS) { close(); return; }
      var ticket = ++asked;
      fetch(text.dataset.searchUrl + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (body) { if (ticket === asked) show(body.results || []); })
        .catch(close);
    }

    text.addEventListener("input", function () {
      value.value = "";
      if (text.value.trim()) onPick(box);
      clearTimeout(timer);
      timer = setTimeout(search, DELAY_MS);
    });
    text.addEventListener("keydown", function (event) {
      var open = !list.hidden && matches.length;
      if (event.key === "ArrowDown") {
        event.preventDefault();
        if (open) highlight((active + 1) % matches.length); else search();
      } else if (event.key === "ArrowUp" && open) {
        event.preventDefault();
        highlight((active - 1 + matches.length) % matches.length);
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        close();
      }
    });
    text.addEventListener("blur", close);
    return { clear: function () { text.value = ""; value.value = ""; close(); } };
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("report-form");
    if (!form) return;
    var pickOne = form.classList.contains("pick-one");
    var boxes = [];
    function picked(box) {
      if (!pickOne) return;
      boxes.forEach(function (other) { if (other.box !== box) other.picker.clear(); });
    }
    form.querySelectorAll(".picker").forEach(function (box) {
      boxes.push({ box: box, picker: picker(box, picked) });
    });
    if (pickOne) {
      form.querySelectorAll("select").forEach(function (select) {
        select.addEventListener("change", function () { if (select.value) picked(null); });
      });
    }
  });
})();
