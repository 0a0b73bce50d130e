// The data-request form: show the chosen resource's data items, and preview the answer deadline
// from /api/working-days (10 working days counted from the working day after today).
(function () {
  var select = document.getElementById("f-resource_id");
  var fields = document.getElementById("resource-fields");
  var preview = document.getElementById("due-preview");
  if (!select || !preview) return;
  function today() {
    var d = new Date(Date.now() + 8 * 3600 * 1000); // China time
    return d.toISOString().slice(0, 10);
  }
  function update() {
    var option = select.options[select.selectedIndex];
    var sharing = option && option.getAttribute("data-sharing");
    fields.textContent = option && option.value ? "可申请的数据项：" + option.getAttribute("data-fields") : "";
    if (sharing === "unconditional") {
      preview.hidden = false;
      preview.textContent = "无条件共享：提交后即时通过。";
      return;
    }
    if (sharing === "not_shared") {
      preview.hidden = false;
      preview.textContent = "该数据不予共享，不能申请（理由见数据资源目录）。";
      return;
    }
    if (sharing !== "conditional") { preview.hidden = true; return; }
    fetch("/api/working-days?from=" + today() + "&days=10", {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        preview.hidden = false;
        preview.textContent = "有条件共享：若今天提交，提供部门应于 " + data.date + " 前答复" +
          (data.calendar_provisional ? "（节假日安排尚未公布，暂按周一至周五推算）" : "") + "。";
      })
      .catch(function () {});
  }
  select.addEventListener("change", update);
  update();
})();
