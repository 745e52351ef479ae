// Check-in desk: refresh the counts and the latest arrivals every few seconds; scan QR codes
// where BarcodeDetector and a camera exist, and say so on the page where they do not.
(function () {
  "use strict";
  var counts = document.getElementById("counts");
  var arrivals = document.getElementById("arrivals");

  var showArrivals = function (list) {
    if (!arrivals || !Array.isArray(list)) { return; }
    arrivals.textContent = "";
    if (!list.length) {
      var none = document.createElement("li");
      none.className = "muted";
      none.textContent = arrivals.dataset.empty || "";
      arrivals.appendChild(none);
      return;
    }
    list.forEach(function (person) {
      var item = document.createElement("li");
      item.appendChild(document.createTextNode(person.time + " " + person.name + " "));
      var organisation = document.createElement("span");
      organisation.className = "muted";
      organisation.textContent = person.organisation || "";
      item.appendChild(organisation);
      arrivals.appendChild(item);
    });
  };

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
          showArrivals(data.arrivals);
        })
        .catch(function () { /* offline for a moment: keep the last numbers */ });
    };
    setInterval(refresh, 5000);
  }

  var button = document.getElementById("scan");
  var video = document.getElementById("scanner");
  var form = document.getElementById("checkin-form");
  var unavailable = document.getElementById("scan-unavailable");
  var canScan = "BarcodeDetector" in window && navigator.mediaDevices &&
    typeof navigator.mediaDevices.getUserMedia === "function";
  if (!button || !video || !form || !canScan) {
    return;  // the page keeps saying that scanning is not available here
  }
  if (unavailable) { unavailable.hidden = true; }
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
    }).catch(function () {
      // no camera, or permission refused: say so instead of doing nothing
      button.hidden = true;
      if (unavailable) { unavailable.hidden = false; }
    });
  });
})();
