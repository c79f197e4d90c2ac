/* 红链 meeting pages: small progressive enhancements. Every page works without this file. */
(function () {
  "use strict";

  // A long <select data-filter> gets a search box above it that hides the options not matching
  // what is typed (chosen options always stay visible, so nothing is unselected by surprise).
  function addFilter(select) {
    var input = document.createElement("input");
    input.type = "search";
    input.className = "form-control form-control-sm mb-1";
    input.placeholder = select.getAttribute("data-filter-placeholder") || "…";
    input.setAttribute("aria-label", select.getAttribute("data-filter-label") || input.placeholder);
    input.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(input, select);
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(select.options, function (option) {
        var match = !needle || option.text.toLowerCase().indexOf(needle) !== -1;
        option.hidden = !(match || option.selected);
      });
    });
  }

  // A button with data-copy="<input id>" copies that field's text.
  function bindCopy(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field || !navigator.clipboard) {
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        button.classList.add("btn-success");
        button.classList.remove("btn-outline-secondary");
      });
    });
  }

  // A form with data-confirm="question" asks before it is sent.
  function bindConfirm(form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    }, true);
  }

  // A field whose widget says data-shown-if="repeat:weekly|repeat:monthly,quarterly;monthly_by:day"
  // is shown only while one of the alternatives (|) has all its conditions (;) true, a condition
  // being "field:one of these values". The server ignores the fields that do not apply.
  function fieldValue(form, name) {
    var field = form.elements[name];
    return field ? field.value : "";
  }

  function conditionHolds(form, condition) {
    return condition.split(";").every(function (part) {
      var pieces = part.split(":");
      return pieces[1].split(",").indexOf(fieldValue(form, pieces[0])) !== -1;
    });
  }

  function bindShownIf(form) {
    var widgets = Array.prototype.slice.call(form.querySelectorAll("[data-shown-if]"));
    if (!widgets.length) {
      return;
    }
    function update() {
      widgets.forEach(function (widget) {
        var wrapper = widget.closest("[id^='div_id_'], .form-row, fieldset") || widget;
        var shown = widget.getAttribute("data-shown-if").split("|").some(function (alternative) {
          return conditionHolds(form, alternative);
        });
        wrapper.hidden = !shown;
      });
    }
    form.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(bindShownIf);
    document.querySelectorAll("select[data-filter]").forEach(addFilter);
    document.querySelectorAll("[data-copy]").forEach(bindCopy);
    document.querySelectorAll("form[data-confirm]").forEach(bindConfirm);
    document.querySelectorAll("input[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () {
        input.select();
      });
    });
  });
})();
