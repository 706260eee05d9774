// Small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // Close an open <details> menu on a click elsewhere or on Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });

  // Copy buttons: <button data-copy="#selector" data-copied-text="Copied" hidden>.
  function setUpCopyButtons(root) {
    if (!navigator.clipboard) return;
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      button.hidden = false;
      if (button.dataset.copyReady) return;
      button.dataset.copyReady = "1";
      var label = button.textContent;
      button.addEventListener("click", function () {
        var source = document.querySelector(button.dataset.copy);
        if (!source) return;
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          button.textContent = button.dataset.copiedText || label;
          setTimeout(function () { button.textContent = label; }, 2000);
        });
      });
    });
  }
  // Print buttons: <button data-print hidden> (no inline handlers: the Content-Security-Policy
  // refuses them).
  function setUpPrintButtons(root) {
    root.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      if (button.dataset.printReady) return;
      button.dataset.printReady = "1";
      button.addEventListener("click", function () { window.print(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    setUpCopyButtons(document);
    setUpPrintButtons(document);
  });
  document.addEventListener("htmx:load", function (event) { setUpCopyButtons(event.target); });
})();
