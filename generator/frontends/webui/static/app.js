// The upload form: drag and drop onto the zone, pick with the file dialog, refuse oversize files
// before sending them, and say that the server is working. Without scripts the form still works.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var input = document.getElementById("files");
  var zone = document.getElementById("drop-zone");
  var chosen = document.getElementById("chosen");
  var message = document.getElementById("client-message");
  var busy = document.getElementById("busy");
  var button = document.getElementById("upload-button");
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
  var limitText = form.getAttribute("data-limit-text") || "";
  var sending = false;

  function say(text) {
    message.textContent = text;
    message.hidden = !text;
  }

  function names(files) {
    var list = [];
    for (var i = 0; i < files.length; i += 1) { list.push(files[i].name); }
    return list.join("、");
  }

  function acceptable(files) {
    if (!files || files.length === 0) {
      say("请先选择要上传的工作簿（.xlsx），或把它拖到上面的区域。");
      return false;
    }
    var total = 0;
    for (var i = 0; i < files.length; i += 1) { total += files[i].size; }
    if (maxBytes && total > maxBytes) {
      say("所选文件合计 " + (total / 1048576).toFixed(1) + " MB，超过了 " + limitText + " 的上限。请分批上传，或检查是否选错了文件。");
      return false;
    }
    say("");
    return true;
  }

  function send() {
    if (sending || !acceptable(input.files)) { return; }
    sending = true;
    chosen.textContent = "已选择：" + names(input.files);
    busy.hidden = false;
    button.disabled = true;
    form.submit();
  }

  input.addEventListener("change", send);
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    send();
  });

  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (event) {
      event.preventDefault();
      zone.classList.add("over");
    });
  });
  ["dragleave", "dragend"].forEach(function (type) {
    zone.addEventListener(type, function () { zone.classList.remove("over"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("over");
    var files = event.dataTransfer && event.dataTransfer.files;
    if (!files || files.length === 0) { return; }
    input.files = files;
    send();
  });
  // A file dropped next to the zone would make the browser open it and leave the page.
  window.addEventListener("dragover", function (event) { event.preventDefault(); });
  window.addEventListener("drop", function (event) { event.preventDefault(); });
  // Coming back with the Back button: the page may come from the cache with the form disabled.
  window.addEventListener("pageshow", function () {
    sending = false;
    busy.hidden = true;
    button.disabled = false;
  });
}());

// The page of a queued upload: ask the server where the job is every second, say it, and show
// the results once they are there. Without scripts the page refreshes itself (<noscript>).
(function () {
  "use strict";
  var status = document.getElementById("status");
  var url = status && status.getAttribute("data-status-url");
  if (!url) { return; }
  var text = document.getElementById("job-text");

  function poll() {
    fetch(url, {cache: "no-store", credentials: "same-origin"}).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (job) {
      if (job.state === "done") {
        window.location.reload();
        return;
      }
      text.textContent = job.text;
      window.setTimeout(poll, 1000);
    }).catch(function () {
      window.setTimeout(function () { window.location.reload(); }, 3000);
    });
  }
  window.setTimeout(poll, 500);
}());
