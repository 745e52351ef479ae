// Keyboard shortcuts for the match queue and the match card; select-all for bulk actions.
(function () {
  "use strict";
  function typing(event) {
    var tag = (event.target.tagName || "").toLowerCase();
    return tag === "input" || tag === "select" || tag === "textarea" || event.target.isContentEditable;
  }

  var selectAll = document.getElementById("select-all");
  if (selectAll) {
    selectAll.addEventListener("change", function () {
      document.querySelectorAll("table.queue input[name=ids]").forEach(function (box) {
        box.checked = selectAll.checked;
      });
    });
  }

  var rows = Array.prototype.slice.call(document.querySelectorAll("table.queue tr[data-match]"));
  var current = -1;
  function focusRow(index) {
    if (!rows.length) { return; }
    current = Math.max(0, Math.min(rows.length - 1, index));
    rows.forEach(function (row, i) { row.classList.toggle("focused", i === current); });
    rows[current].scrollIntoView({ block: "nearest" });
  }

  function submitDecision(target) {
    var form = document.querySelector("form.decide-form[data-target=" + target + "]");
    if (!form) { return false; }
    if (target === "rejected") {
      var reason = form.querySelector("select[name=reason]");
      if (reason) { reason.focus(); }
      return true;
    }
    form.requestSubmit();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var key = event.key;
    if (rows.length) {
      if (key === "j") { focusRow(current + 1); }
      else if (key === "k") { focusRow(current - 1); }
      else if (key === "x" && current >= 0) {
        var box = rows[current].querySelector("input[name=ids]");
        box.checked = !box.checked;
      } else if ((key === "o" || key === "Enter") && current >= 0) {
        window.location = rows[current].getAttribute("data-href");
      } else if (key === "a") {
        var approve = document.querySelector("[data-action=bulk-approve]");
        if (approve && document.querySelector("table.queue input[name=ids]:checked")) { approve.click(); }
      } else { return; }
      event.preventDefault();
      return;
    }
    if (key === "a" && submitDecision("approved")) { event.preventDefault(); }
    else if (key === "r" && submitDecision("rejected")) { event.preventDefault(); }
    else if (key === "n") {
      var next = document.getElementById("next-link");
      if (next) { window.location = next.href; event.preventDefault(); }
    }
  });
})();
