/* Times rendered in UTC by the server, shown to the second in the reader's own time zone. */
(function () {
  "use strict";
  var format = new Intl.DateTimeFormat(undefined, {
    year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
    hourCycle: "h23", timeZoneName: "short",
  });

  function parts(iso) {
    var found = {};
    format.formatToParts(new Date(iso)).forEach(function (p) { found[p.type] = p.value; });
    return {
      date: found.year + "-" + found.month + "-" + found.day,
      time: found.hour + ":" + found.minute + ":" + found.second,
      zone: found.timeZoneName || "",
    };
  }

  function local(iso, withZone) {
    var p = parts(iso);
    return (p.date + " " + p.time + (withZone ? " " + p.zone : "")).trim();
  }

  function line(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function localise(root) {
    root.querySelectorAll("time.cc-time[datetime]").forEach(function (node) {
      if (node.dataset.localised) return;
      var iso = node.getAttribute("datetime");
      var short = node.classList.contains("cc-time-short");  // list cells: the zone is in the title
      node.title = local(iso, true) + " (" + node.title + ")";
      if (short) {
        var p = parts(iso);
        node.replaceChildren(line(p.date), document.createTextNode(" "), line(p.time));
      } else {
        node.textContent = local(iso, true);
      }
      node.dataset.localised = "1";
    });
  }

  window.ClearcutLocalTime = localise;
  document.addEventListener("DOMContentLoaded", function () { localise(document); });
})();
