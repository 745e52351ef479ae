// A form sent back with problems: bring the list of problems into view and focus it, so a
// person does not face an unchanged-looking page with the message far below.
(function () {
  var box = document.querySelector("[data-scroll-into-view]");
  if (!box) return;
  box.setAttribute("tabindex", "-1");
  box.scrollIntoView({ block: "start" });
  box.focus({ preventScroll: true });
})();
