// Drop-down menus are <details> and work without this script; with it, a click elsewhere or
// Escape closes an open menu, and opening one menu closes the other.
(function () {
  "use strict";
  const menus = () => Array.from(document.querySelectorAll("details.dropdown[open]"));
  document.addEventListener("click", (event) => {
    for (const menu of menus()) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const menu of menus()) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    }
  });
})();
