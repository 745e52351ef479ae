// Check-in desk: refresh the counts every few seconds; scan QR codes where BarcodeDetector exists.
(function () {
  "use strict";
  var counts = document.getElementById("counts");
  if (counts) {
    var refresh = function () {
      fetch(counts.dataset.url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          counts.querySelectorAll("[data-count]").forEach(function (el) {
            var value = data[el.dataset.count];
            if (value !== undefined) { el.textContent = String(value); }
          });
        })
        .catch(function () { /* offline for a moment: keep the last numbers */ });
    };
    setInterval(refresh, 5000);
  }

  var button = document.getElementById("scan");
  var video = document.getElementById("scanner");
  var form = document.getElementById("checkin-form");
  if (!button || !video || !form || !("BarcodeDetector" in window) || !navigator.mediaDevices) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var stop = function () { stream.getTracks().forEach(function (t) { t.stop(); }); video.hidden = true; };
      var look = function () {
        detector.detect(video).then(function (found) {
          if (found.length) {
            stop();
            form.querySelector("input[name=code]").value = found[0].rawValue;
            form.submit();
          } else {
            requestAnimationFrame(look);
          }
        }).catch(function () { requestAnimationFrame(look); });
      };
      look();
    }).catch(function () { button.hidden = true; });
  });
})();
