// Polls background-job progress for every element with data-job-url until the job ends.
(function () {
  "use strict";
  function poll(element) {
    var url = element.getAttribute("data-job-url");
    fetch(url, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        var bar = element.querySelector("progress");
        if (bar) { bar.value = job.percent; bar.textContent = job.percent + "%"; }
        var count = element.querySelector(".job-count");
        if (count) { count.textContent = job.done + " / " + job.total; }
        var state = element.querySelector(".job-state");
        if (state) { state.textContent = job.state_label || job.state; }
        element.setAttribute("data-state", job.state);
        if (job.state === "queued" || job.state === "running") {
          setTimeout(function () { poll(element); }, 1000);
        }
      })
      .catch(function () { setTimeout(function () { poll(element); }, 5000); });
  }
  document.querySelectorAll("[data-job-url]").forEach(poll);
})();
