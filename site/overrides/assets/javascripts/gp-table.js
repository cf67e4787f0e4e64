/* greenpark: sort, filter and CSV download for the all-parks table (no dependencies, works from
   file://). The table is complete without this script; the controls appear only when it runs. */
(function () {
  "use strict";
  function cellValue(row, i) { return row.cells[i].getAttribute("data-v") || ""; }
  function csvField(text) {
    if (/^[=+\-@]/.test(text) && isNaN(Number(text))) { text = "'" + text; }  // no formula injection
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function setup(form) {
    var table = document.getElementById(form.getAttribute("data-gp-controls"));
    if (!table) { return; }
    var body = table.tBodies[0];
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var rows = Array.prototype.slice.call(body.rows);
    var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-filter]"));
    var count = form.querySelector(".gp-count");
    function visible() { return rows.filter(function (r) { return !r.hidden; }); }
    function filter() {
      rows.forEach(function (r) {
        r.hidden = !selects.every(function (s) { return !s.value || r.getAttribute("data-" + s.getAttribute("data-filter")) === s.value; });
      });
      count.textContent = "显示 " + visible().length + " / " + rows.length + " 个园区";
    }
    function sort(i, button) {
      var th = heads[i];
      var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir);
      var numeric = th.getAttribute("data-type") === "num";
      var sign = dir === "ascending" ? 1 : -1;
      rows.sort(function (a, b) {
        var x = cellValue(a, i), y = cellValue(b, i);
        if (x === "" || y === "") { return (x === "") - (y === ""); }  // empty cells last
        var d = numeric ? Number(x) - Number(y) : x.localeCompare(y, "zh-CN");
        return sign * d;
      });
      rows.forEach(function (r) { body.appendChild(r); });
      button.focus();
    }
    heads.forEach(function (th, i) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "gp-sort";
      button.textContent = th.textContent;
      button.addEventListener("click", function () { sort(i, button); });
      th.textContent = "";
      th.appendChild(button);
    });
    selects.forEach(function (s) { s.addEventListener("change", filter); });
    form.querySelector("[data-csv]").addEventListener("click", function () {
      var lines = [heads.map(function (h) { return csvField(h.textContent); }).join(",")];
      visible().forEach(function (r) {
        lines.push(heads.map(function (h, i) { return csvField(cellValue(r, i)); }).join(","));
      });
      var blob = new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = this.getAttribute("data-csv");
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.hidden = false;
    filter();
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-gp-controls]"), setup);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
