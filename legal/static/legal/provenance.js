// The provenance page: bring the node the page is about into view, however large the graph.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("provenance-graph");
  if (!box) return;
  var node = document.getElementById(box.dataset.focus);
  if (!node) return;
  node.classList.add("provenance-focus");
  var frame = box.getBoundingClientRect();
  var spot = node.getBoundingClientRect();
  box.scrollLeft += spot.left - frame.left - (frame.width - spot.width) / 2;
  box.scrollTop += spot.top - frame.top - (frame.height - spot.height) / 2;
  box.scrollIntoView({ block: "nearest" });
});
