// A ticket's page in the back office: picking a saved reply puts its text (in the ticket's
// language) into the reply box at once, to edit before sending. Without this script the
// "Insert" button reloads the page with the text filled in.
(function () {
  "use strict";

  function enhance(box) {
    var select = box.querySelector("select");
    var insert = box.querySelector("[data-saved-reply-insert]");
    var target = document.getElementById(select.dataset.target);
    if (!target) return;
    if (insert) insert.hidden = true;
    select.addEventListener("change", function () {
      var option = select.options[select.selectedIndex];
      if (!option || !option.value) return;
      target.value = option.dataset.text || "";
      target.focus();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-saved-replies]").forEach(enhance);
  });
})();
