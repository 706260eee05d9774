// "Send the code again": <button data-resend-wait="45" data-wait-text="… {time}"> is
// disabled and counts down to zero, then works again. The server keeps the same cool-down,
// so without this script an early press is answered with how long to wait.
(function () {
  "use strict";

  function clock(seconds) {
    var minutes = Math.floor(seconds / 60);
    var rest = seconds % 60;
    return minutes + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function countDown(button) {
    if (button.dataset.resendReady) return;
    button.dataset.resendReady = "1";
    var wait = parseInt(button.dataset.resendWait, 10) || 0;
    if (wait <= 0) return;
    var label = button.textContent;
    var template = button.dataset.waitText || label + " ({time})";
    var endsAt = Date.now() + wait * 1000;
    button.disabled = true;
    function tick() {
      var left = Math.ceil((endsAt - Date.now()) / 1000);
      if (left <= 0) {
        button.disabled = false;
        button.textContent = label;
        return;
      }
      button.textContent = template.replace("{time}", clock(left));
      window.setTimeout(tick, (endsAt - Date.now()) % 1000 || 1000);
    }
    tick();
  }

  function setUp() {
    document.querySelectorAll("button[data-resend-wait]").forEach(countDown);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
