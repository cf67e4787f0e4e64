// Drag and drop onto the upload form: the dropped file goes into the form's own file input and
// the form is submitted as usual (the page works the same without this script).
(function () {
  var drop = document.getElementById("drop");
  var input = document.getElementById("file");
  var form = document.getElementById("upload-form");
  var chosen = document.getElementById("chosen");
  if (!drop || !input || !form) return;
  function show() {
    if (input.files && input.files.length) chosen.textContent = "已选择:" + input.files[0].name;
  }
  input.addEventListener("change", show);
  ["dragenter", "dragover"].forEach(function (type) {
    drop.addEventListener(type, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    drop.addEventListener(type, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) {
    if (!e.dataTransfer || !e.dataTransfer.files.length) return;
    input.files = e.dataTransfer.files;
    show();
    form.requestSubmit();
  });
  form.addEventListener("submit", function () {
    var send = document.getElementById("send");
    send.disabled = true;
    send.textContent = "正在上传并审核…";
  });
})();
