/* Times rendered in UTC by the server, shown to the second in the reader's own time zone. */
(function () {
  "use strict";
  var format = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
    hourCycle: "h23", timeZoneName: "short",
  });

  function local(iso) {
    var parts = {};
    format.formatToParts(new Date(iso)).forEach(function (p) { parts[p.type] = p.value; });
    return parts.year + "-" + parts.month + "-" + parts.day + " " +
      parts.hour + ":" + parts.minute + ":" + parts.second + " " + (parts.timeZoneName || "");
  }

  function localise(root) {
    root.querySelectorAll("time.cc-time[datetime]").forEach(function (node) {
      if (node.dataset.localised) return;
      node.title = node.textContent;
      node.textContent = local(node.getAttribute("datetime")).trim();
      node.dataset.localised = "1";
    });
  }

  window.ClearcutLocalTime = localise;
  document.addEventListener("DOMContentLoaded", function () { localise(document); });
})();
