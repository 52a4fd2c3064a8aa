/* "Can I use this for…?": asks the rights gate for a dry run (POST /api/v1/clearance/check, the
   endpoint MAMs use) and shows its decision with every reason. Nothing is stored. */
(function () {
  "use strict";

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function render(box, decision, asked) {
    box.replaceChildren();
    var verdict = element("p", "cc-verdict " + (decision.allowed ? "cc-allowed" : "cc-denied"),
      decision.allowed ? "Allowed" : "Not allowed");
    box.appendChild(verdict);
    box.appendChild(element("p", "cc-muted", asked));
    var list = element("ul", "cc-reasons");
    decision.reasons.forEach(function (reason) {
      var item = element("li", reason.blocking ? "cc-blocking" : "cc-relied",
        (reason.blocking ? "✗ " : "✓ ") + reason.message);
      list.appendChild(item);
    });
    if (!decision.reasons.length) list.appendChild(element("li", "cc-muted", "No reasons given."));
    box.appendChild(list);
  }

  function renderError(box, body, status) {
    box.replaceChildren();
    var note = element("p", "errornote", "The question could not be asked (" + status + ").");
    box.appendChild(note);
    var errors = (body && body.errors) || [];
    var list = element("ul", "errorlist");
    errors.forEach(function (e) {
      list.appendChild(element("li", "", (e.field ? e.field + ": " : "") + e.message));
    });
    if (!errors.length && body && body.detail) list.appendChild(element("li", "", body.detail));
    box.appendChild(list);
  }

  function ask(form, box) {
    var data = new FormData(form);
    var date = data.get("date");
    var payload = {
      production: form.dataset.production,
      assets: [parseInt(form.dataset.asset, 10)],
      action: data.get("action"),
      territory: String(data.get("territory") || "").trim().toUpperCase(),
      media: data.get("media"),
      language: String(data.get("language") || "").trim(),
    };
    if (date) payload.at = new Date(date + "T12:00:00").toISOString();
    var asked = "Asked: " + form.querySelector("[name=action] option:checked").textContent +
      " in " + payload.territory + " on " + form.querySelector("[name=media] option:checked").textContent +
      (payload.language ? " (" + payload.language + ")" : "") + (date ? ", " + date : "");
    box.replaceChildren(element("p", "cc-muted", "Checking…"));
    form.setAttribute("aria-busy", "true");
    return fetch(form.dataset.url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": data.get("csrfmiddlewaretoken"),
      },
      body: JSON.stringify(payload),
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (response.ok && body) render(box, body, asked); else renderError(box, body, response.status);
      });
    }).catch(function (error) {
      renderError(box, { detail: String(error) }, "network");
    }).finally(function () { form.removeAttribute("aria-busy"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.cc-check").forEach(function (form) {
      var box = form.parentNode.querySelector(".cc-answer");
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        ask(form, box);
      });
    });
  });
})();
