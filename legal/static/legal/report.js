// The impact report takes exactly one subject: picking one clears the others.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("form.pick-one");
  if (!form) return;
  var selects = form.querySelectorAll("select");
  selects.forEach(function (select) {
    select.addEventListener("change", function () {
      if (!select.value) return;
      selects.forEach(function (other) { if (other !== select) other.value = ""; });
    });
  });
});
