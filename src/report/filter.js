// Filters the coverage heatmaps by code or title, or to their problems.
// The page reads in full without it.
(function () {
  var box = document.querySelector(".filter");
  var text = document.getElementById("cov-filter");
  var problems = document.getElementById("cov-problems");
  if (!box || !text || !problems) { return; }
  box.hidden = false;
  function apply() {
    var wanted = text.value.trim().toLowerCase();
    var rows = document.querySelectorAll("table.heatmap tbody tr");
    for (var i = 0; i < rows.length; i++) {
      var row = rows[i];
      var show = (!wanted || row.textContent.toLowerCase().indexOf(wanted) >= 0) &&
        (!problems.checked || row.hasAttribute("data-problem"));
      row.classList.toggle("filtered-out", !show);
    }
  }
  text.addEventListener("input", apply);
  problems.addEventListener("change", apply);
})();
