// Weighted total of the rubric, updated as scores are typed (the server computes the same).
(function () {
  var form = document.getElementById("rubric-form");
  var out = document.getElementById("rubric-total");
  if (!form || !out) return;
  var inputs = form.querySelectorAll("input.rubric-score");
  function update() {
    var sum = 0, weights = 0, complete = true;
    inputs.forEach(function (input) {
      var weight = Number(input.dataset.weight) || 0;
      var value = input.value.trim();
      var score = Number(value);
      if (value === "" || !Number.isInteger(score) || score < 0 || score > 100) { complete = false; return; }
      sum += score * weight; weights += weight;
    });
    out.textContent = complete && weights > 0 ? (Math.round(sum / weights * 100) / 100).toString() : "—";
  }
  form.addEventListener("input", update);
  update();
})();
