// While a demand is drafted, ask the server for published look-alikes (debounced) and show them.
(function () {
  var form = document.getElementById("demand-form");
  var box = document.getElementById("dupes");
  if (!form || !box || !window.fetch) return;
  var timer = null, last = "";
  function check() {
    var data = new FormData();
    ["csrf", "title", "description", "domain"].forEach(function (name) {
      var field = form.elements.namedItem(name);
      data.append(name, field ? field.value : "");
    });
    var key = data.get("title") + "\n" + data.get("description") + "\n" + data.get("domain");
    if (key === last || (data.get("title") + data.get("description")).trim().length < 6) return;
    last = key;
    fetch(form.dataset.dupesUrl, { method: "POST", body: data, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) { box.innerHTML = html; })
      .catch(function () {});
  }
  form.addEventListener("input", function (event) {
    if (!/^(title|description|domain)$/.test(event.target.name)) return;
    clearTimeout(timer);
    timer = setTimeout(check, 600);
  });
})();
