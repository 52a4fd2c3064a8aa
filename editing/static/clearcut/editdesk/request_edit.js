/* The edit request page: fields that follow the operation, the frame (a still, or a clip on a small
   player with in and out points), the mask drawn over it, and a dry run of the rights check. */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }
  function data(id) { return JSON.parse($(id).textContent); }
  function show(element, on) { if (element) { element.hidden = !on; element.style.display = on ? "" : "none"; } }
  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }
  function text(tag, content, cls) {
    var element = document.createElement(tag);
    element.textContent = content;
    if (cls) { element.className = cls; }
    return element;
  }

  function start() {
    var form = $("edit-request");
    if (!form) { return; }
    var operations = data("cc-operations"), assets = data("cc-assets"), adapterTasks = data("cc-adapter-tasks");
    var opSelect = $("id_operation"), inputSelect = $("id_input"), image = $("frame-image"), video = $("frame-video");
    var canvas = $("mask-canvas"), scrub = $("frame-scrub"), startField = $("id_frame_start"), endField = $("id_frame_end");
    var brushSize = $("brush-size");
    var mask = new window.ClearcutMaskCanvas(canvas, $("id_mask_polygons"), function () { hint(); });
    var asset = null;

    function op() { return operations[opSelect.value] || {}; }
    function maskSource() {
      var checked = form.querySelector("input[name=mask_source]:checked");
      return checked ? checked.value : "drawn";
    }
    function drawing() { return !!op().mask && maskSource() === "drawn"; }

    function hint() {
      var message = "";
      if (!drawing()) { message = ""; }
      else if (mask.tool === "polygon") {
        message = mask.current.length
          ? mask.current.length + " point(s): click the first point, double-click or “Close shape” to close"
          : "Click points around the region";
      } else { message = "Paint over the region"; }
      var count = mask.polygons().length;
      $("mask-hint").textContent = message + (count ? " · " + count + " shape part(s) drawn" : "");
    }

    function fields() {
      var o = op(), video = asset && asset.kind === "video";
      document.querySelectorAll(".cc-needs-mask").forEach(function (e) { show(e, !!o.mask); });
      document.querySelectorAll(".cc-mask-asset").forEach(function (e) { show(e, !!o.mask && maskSource() === "asset"); });
      document.querySelectorAll(".cc-needs-prompt").forEach(function (e) { show(e, !!o.prompt); });
      document.querySelectorAll(".cc-needs-model").forEach(function (e) { show(e, !!o.model_task); });
      document.querySelectorAll("[data-operation]").forEach(function (e) {
        show(e, e.getAttribute("data-operation") === opSelect.value);
      });
      var adapter = $("id_adapter");
      Array.prototype.forEach.call(adapter.options, function (option) {
        var fits = !option.value || adapterTasks[option.value] === o.model_task;
        option.hidden = !fits;
        option.disabled = !fits;
        if (!fits && option.selected) { adapter.value = ""; }
      });
      var prompt = document.querySelector("label[for=id_prompt]");
      if (prompt) { prompt.classList.toggle("required", !!o.prompt_required); }
      show($("mask-tools"), drawing());
      show($("player"), video && !!asset.video);
      show($("range-fields"), video);
      mask.setEnabled(drawing());
      $("stage-title").textContent = !asset ? "The frame"
        : (drawing() ? "Draw the region on the frame" : "The frame") + " · " + asset.label + " (" + asset.width + "×" + asset.height + ")";
      hint();
    }

    function loadAsset() {
      asset = assets[inputSelect.value] || null;
      var link = $("asset-link");
      show($("asset-link-row"), !!asset);
      if (asset) { link.href = asset.url; link.textContent = "Open " + asset.label + " (" + asset.production + ")"; }
      show(image, false);
      show(video, false);
      var empty = $("stage-empty");
      if (!asset) { empty.textContent = "Choose a clip or still."; show(empty, true); mask.setFrame(0, 0); fields(); return; }
      if (asset.kind === "video" && asset.video) {
        copied = false;
        video.src = asset.video;
        if (asset.poster) { video.poster = asset.poster; }
        show(video, true);
        show(empty, false);
        scrub.max = Math.max(0, asset.frames - 1);
      } else if (asset.image) {
        image.src = asset.image;
        show(image, true);
        show(empty, false);
      } else {
        empty.textContent = "No picture of this asset yet: its thumbnail and proxy are still being made.";
        show(empty, true);
      }
      // The canvas is laid over the picture; its coordinates are the frame's own pixels.
      canvas.style.aspectRatio = asset.width + " / " + asset.height;
      mask.setFrame(asset.width, asset.height);
      fields();
      summary();
    }

    // --- the clip player: frames, in and out --------------------------------------------------
    // A server that does not answer byte ranges leaves the clip unseekable: a small clip is then
    // played from a copy in memory, where every frame can be reached.
    var copied = false, COPY_LIMIT = 200 * 1024 * 1024;
    function seekable() {
      return video.seekable.length > 0 && video.seekable.end(0) >= video.duration - 0.01;
    }
    function seekableCopy() {
      if (copied || video.src.indexOf("blob:") === 0) { return; }
      copied = true;
      fetch(video.src, { credentials: "same-origin" }).then(function (r) {
        var size = parseInt(r.headers.get("Content-Length") || "0", 10);
        if (!r.ok || size > COPY_LIMIT) { throw new Error("not copied"); }
        return r.blob();
      }).then(function (blob) { video.src = URL.createObjectURL(blob); }).catch(function () {});
    }

    function frameNow() {
      if (!asset || !asset.fps) { return 0; }
      return Math.min(asset.frames - 1, Math.max(0, Math.floor(video.currentTime * asset.fps + 1e-3)));
    }
    function seek(frame) {
      if (!asset || !asset.fps) { return; }
      frame = Math.min(asset.frames - 1, Math.max(0, frame));
      video.pause();
      video.currentTime = (frame + 0.5) / asset.fps;
    }
    function showFrame() {
      var frame = frameNow();
      scrub.value = frame;
      $("frame-now").textContent = "frame " + frame + " / " + Math.max(0, asset.frames - 1);
    }
    function summary() {
      if (!asset || asset.kind !== "video") { return; }
      var first = startField.value === "" ? 0 : parseInt(startField.value, 10);
      var end = endField.value === "" ? asset.frames : parseInt(endField.value, 10);
      var out = $("range-summary");
      if (isNaN(first) || isNaN(end) || end <= first) { out.textContent = "The range is empty."; return; }
      if (startField.value === "" && endField.value === "") {
        out.textContent = "The whole clip: " + asset.frames + " frames.";
        return;
      }
      var seconds = asset.fps ? " (" + ((end - first) / asset.fps).toFixed(2) + " s)" : "";
      out.textContent = "Frames " + first + " to " + (end - 1) + ": " + (end - first) + " of " + asset.frames + " frames" + seconds + ".";
    }
    video.addEventListener("timeupdate", showFrame);
    video.addEventListener("seeked", showFrame);
    video.addEventListener("loadedmetadata", function () {
      mask.resize();
      showFrame();
      if (!seekable()) { seekableCopy(); }
    });
    video.addEventListener("play", function () { $("frame-play").textContent = "❚❚"; });
    video.addEventListener("pause", function () { $("frame-play").textContent = "▶"; });
    video.addEventListener("error", function () {
      var empty = $("stage-empty");
      empty.textContent = "This browser cannot play the clip's proxy.";
      show(empty, true);
    });
    image.addEventListener("load", function () { mask.resize(); });
    scrub.addEventListener("input", function () { seek(parseInt(scrub.value, 10)); });
    $("frame-prev").addEventListener("click", function () { seek(frameNow() - 1); });
    $("frame-next").addEventListener("click", function () { seek(frameNow() + 1); });
    $("frame-play").addEventListener("click", function () { if (video.paused) { video.play(); } else { video.pause(); } });
    $("set-in").addEventListener("click", function () {
      var frame = frameNow();
      startField.value = frame;
      if (endField.value !== "" && parseInt(endField.value, 10) <= frame) { endField.value = frame + 1; }
      summary();
    });
    $("set-out").addEventListener("click", function () {
      var frame = frameNow();
      endField.value = frame + 1;
      if (startField.value !== "" && parseInt(startField.value, 10) > frame) { startField.value = frame; }
      summary();
    });
    [startField, endField].forEach(function (f) { f.addEventListener("input", summary); });

    // --- drawing tools -----------------------------------------------------------------------
    function brushRadius() {
      var side = asset ? Math.max(asset.width, asset.height) : 100;
      return Math.max(1, (parseInt(brushSize.value, 10) / 200) * side);
    }
    document.querySelectorAll(".cc-tool").forEach(function (button) {
      button.addEventListener("click", function () {
        document.querySelectorAll(".cc-tool").forEach(function (b) { b.setAttribute("aria-pressed", b === button ? "true" : "false"); });
        mask.setTool(button.getAttribute("data-tool"));
        mask.radius = brushRadius();
        hint();
      });
    });
    brushSize.addEventListener("input", function () { mask.radius = brushRadius(); });
    $("mask-close").addEventListener("click", function () { mask.closePolygon(); hint(); });
    $("mask-undo").addEventListener("click", function () { mask.undo(); });
    $("mask-clear").addEventListener("click", function () { mask.clear(); });
    document.addEventListener("keydown", function (event) {
      if (!drawing() || event.target.closest("input, textarea, select")) { return; }
      if (event.key === "Enter") { event.preventDefault(); mask.closePolygon(); hint(); }
      if (event.key === "Escape") { mask.current = []; mask.save(); mask.draw(); }
    });

    // --- the dry run -------------------------------------------------------------------------
    function showCheck(answer, ok) {
      var box = $("check-result");
      box.innerHTML = "";
      box.className = "cc-check " + (ok && answer.allowed ? "cc-allowed" : "cc-denied");
      if (!ok) {
        box.appendChild(text("h3", "The rights cannot be checked yet"));
        var list = document.createElement("ul");
        (answer.errors || ["The check failed."]).forEach(function (e) { list.appendChild(text("li", e)); });
        box.appendChild(list);
      } else {
        var r = answer.request;
        box.appendChild(text("h3", (answer.allowed ? "Allowed: " : "Would be refused: ") + r.action + " in " + r.territory + " / " + r.media + " (dry run, nothing recorded)"));
        var reasons = document.createElement("ul");
        reasons.className = "cc-reasons";
        answer.reasons.filter(function (x) { return x.blocking; }).concat(answer.reasons.filter(function (x) { return !x.blocking; }))
          .forEach(function (x) { reasons.appendChild(text("li", x.message, x.blocking ? "cc-blocking" : "cc-ok")); });
        box.appendChild(reasons);
      }
      show(box, true);
    }
    $("check-rights").addEventListener("click", function () {
      var body = new FormData(form);
      fetch(form.getAttribute("data-check-url"), {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRFToken": cookie("csrftoken") || body.get("csrfmiddlewaretoken") },
      }).then(function (response) {
        return response.json().then(function (answer) { showCheck(answer, response.ok); });
      }).catch(function () { showCheck({ errors: ["The server did not answer."] }, false); });
    });

    form.addEventListener("submit", function () {
      if (drawing() && mask.current.length >= 3) { mask.closePolygon(); }
      mask.save();
    });

    opSelect.addEventListener("change", fields);
    inputSelect.addEventListener("change", function () { mask.clear(); loadAsset(); });
    form.querySelectorAll("input[name=mask_source]").forEach(function (r) { r.addEventListener("change", fields); });
    loadAsset();
    mask.radius = brushRadius();
  }

  document.addEventListener("DOMContentLoaded", start);
})();
