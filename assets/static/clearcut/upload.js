/* The upload page: several files, each sent in its own request with a progress bar; people are
   offered only from the chosen production. Without this script the form posts all files at once. */
(function () {
  "use strict";

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function filterPeople(form) {
    var production = form.querySelector("[name=production]").value;
    var shown = 0;
    form.querySelectorAll("input[name=people]").forEach(function (box) {
      var on = production && (" " + box.dataset.productions + " ").indexOf(" " + production + " ") >= 0;
      var row = box.closest("li") || box.parentNode;
      row.hidden = !on;
      if (!on) box.checked = false;
      if (on) shown += 1;
    });
    var hint = form.querySelector(".cc-people-hint");
    if (hint) {
      hint.textContent = !production ? "Choose a production to pick the people in it."
        : shown ? "" : "Nobody is on this production yet.";
    }
  }

  function fieldErrors(errors) {
    var lines = [];
    Object.keys(errors || {}).forEach(function (field) {
      (errors[field] || []).forEach(function (message) {
        lines.push((field === "__all__" || field === "file" ? "" : field + ": ") + message);
      });
    });
    return lines;
  }

  function Row(list, file) {
    this.node = element("li", "cc-upload-row");
    this.node.appendChild(element("span", "cc-name", file.name));
    this.bar = element("progress");
    this.bar.max = file.size || 1;
    this.bar.value = 0;
    this.node.appendChild(this.bar);
    this.status = element("span", "cc-upload-status cc-muted", "waiting");
    this.node.appendChild(this.status);
    list.appendChild(this.node);
  }

  Row.prototype.done = function (outcome) {
    this.bar.value = this.bar.max;
    this.status.className = "cc-upload-status cc-ok";
    this.status.replaceChildren();
    var link = element("a", "", outcome.message);
    link.href = outcome.url;
    this.status.appendChild(link);
    if (outcome.people) this.status.appendChild(document.createTextNode(" · " + outcome.people + " in shot"));
  };

  Row.prototype.failed = function (lines) {
    this.status.className = "cc-upload-status cc-failed";
    this.status.textContent = lines.join(" ");
  };

  function send(form, file, row) {
    return new Promise(function (resolve) {
      var data = new FormData(form);
      data.delete("file");
      data.append("file", file, file.name);
      var request = new XMLHttpRequest();
      request.open("POST", form.action || window.location.href);
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) {
          row.bar.max = event.total;
          row.bar.value = event.loaded;
          row.status.textContent = Math.round(100 * event.loaded / event.total) + " %";
        }
      });
      request.upload.addEventListener("load", function () { row.status.textContent = "checking…"; });
      request.addEventListener("load", function () {
        var body = null;
        try { body = JSON.parse(request.responseText); } catch (e) { body = null; }
        if (body && body.files && body.files.length) row.done(body.files[0]);
        var errors = body ? fieldErrors(body.errors) : ["The server answered " + request.status + "."];
        if (errors.length) row.failed(errors);
        resolve({ ok: request.status === 200, formError: body && body.errors && !body.errors.file && errors.length });
      });
      request.addEventListener("error", function () {
        row.failed(["The upload was interrupted."]);
        resolve({ ok: false });
      });
      row.status.textContent = "0 %";
      request.send(data);
    });
  }

  function uploadAll(form) {
    var input = form.querySelector("input[type=file]");
    var files = Array.prototype.slice.call(input.files);
    var list = document.querySelector(".cc-upload-list");
    var summary = document.querySelector(".cc-upload-summary");
    var submit = form.querySelector("[type=submit]");
    list.replaceChildren();
    summary.replaceChildren();
    if (!files.length) {
      summary.appendChild(element("p", "errornote", "Choose at least one file to upload."));
      return;
    }
    submit.disabled = true;
    var rows = files.map(function (file) { return new Row(list, file); });
    var uploaded = 0;
    var chain = Promise.resolve(true);
    files.forEach(function (file, index) {
      chain = chain.then(function (go) {
        if (!go) { rows[index].failed(["Not sent."]); return false; }
        return send(form, file, rows[index]).then(function (result) {
          if (result.ok) uploaded += 1;
          return !result.formError;  // a form error is the same for every file: stop there
        });
      });
    });
    chain.then(function () {
      submit.disabled = false;
      var text = uploaded + " of " + files.length + " file" + (files.length === 1 ? "" : "s") + " uploaded.";
      var line = element("p", uploaded === files.length ? "cc-ok" : "errornote", text + " ");
      var back = element("a", "", "See all assets");
      back.href = form.dataset.listUrl;
      line.appendChild(back);
      summary.appendChild(line);
      if (uploaded) input.value = "";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.cc-upload");
    if (!form) return;
    var production = form.querySelector("[name=production]");
    production.addEventListener("change", function () { filterPeople(form); });
    filterPeople(form);
    if (!window.FormData || !window.XMLHttpRequest) return;
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      uploadAll(form);
    });
  });
})();
