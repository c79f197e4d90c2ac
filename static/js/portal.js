/* 红链 portal: small progressive enhancements. Everything works without this file. */
(function () {
  "use strict";

  // Forms marked data-submit-once disable their submit buttons after the first submit, so a
  // double click on a slow network does not post twice (and does not count as two failed logins).
  function guardDoubleSubmit(form) {
    form.addEventListener("submit", function () {
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
          button.disabled = true;
        });
      }, 0);
    });
  }

  // A button with data-password-toggle="<input id>" shows or hides that password field.
  function bindPasswordToggle(button) {
    var input = document.getElementById(button.getAttribute("data-password-toggle"));
    if (!input) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      button.setAttribute("aria-pressed", show ? "true" : "false");
      var icon = button.querySelector(".bi");
      if (icon) {
        icon.classList.toggle("bi-eye", !show);
        icon.classList.toggle("bi-eye-slash", show);
      }
      input.focus();
    });
  }

  // A page restored from the back-forward cache must not keep its buttons disabled.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("form[data-submit-once] [type=submit]").forEach(function (button) {
        button.disabled = false;
      });
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-submit-once]").forEach(guardDoubleSubmit);
    document.querySelectorAll("[data-password-toggle]").forEach(bindPasswordToggle);
  });
})();
