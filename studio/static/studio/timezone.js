// Tells the server the browser's time zone, so pages show times where the user is.
(function () {
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("clearcut_tz=" + encodeURIComponent(zone)) === -1) {
      document.cookie = "clearcut_tz=" + encodeURIComponent(zone) + ";path=/;max-age=31536000;SameSite=Lax";
    }
  } catch (e) { /* an old browser: times stay in the server's zone */ }
})();
