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
  // The browser's time zone: sent with the sign-up form (<input data-browser-time-zone>) and
  // kept in a cookie, so that a visitor's times are shown in it (accounts/middleware.py).
  function shareBrowserTimeZone() {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    // IANA names ("Asia/Seoul") are safe in a cookie as they are.
    if (!zone || !/^[A-Za-z0-9_+\/-]+$/.test(zone)) return;
    document.querySelectorAll("input[data-browser-time-zone]").forEach(function (input) {
      input.value = zone;
    });
    var cookie = "roamcard_tz=" + zone;
    if (document.cookie.split("; ").indexOf(cookie) === -1) {
      document.cookie = cookie + "; path=/; max-age=31536000; samesite=lax" +
        (location.protocol === "https:" ? "; secure" : "");
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    shareBrowserTimeZone();
    setUpCopyButtons(document);
    setUpPrintButtons(document);
  });
  document.addEventListener("htmx:load", function (event) { setUpCopyButtons(event.target); });
})();
