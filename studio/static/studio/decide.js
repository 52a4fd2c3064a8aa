// The decide page: picking a license shows at once what the gate would answer after approval.
document.addEventListener("DOMContentLoaded", function () {
  var select = document.getElementById("id_license");
  var preview = document.getElementById("preview-button");
  if (!select || !preview) return;
  select.addEventListener("change", function () { preview.click(); });
});
