/* A part of a form that belongs to one choice (<div data-show-when="kind" data-show-value="rectify">) is
 * shown only while that choice is made. Without script it stays visible, and its hint says which choice it
 * is for; the server ignores it for the other choices either way. No build step, no dependencies. */
(function () {
  "use strict";

  function setup(part) {
    var form = part.closest("form");
    if (!form) { return; }
    var name = part.dataset.showWhen;
    var wanted = part.dataset.showValue;

    function update() {
      // A radio group gives a RadioNodeList, a select the element itself: both have the chosen value.
      var control = form.elements.namedItem(name);
      // data-show-value may name several choices, separated by spaces.
      part.hidden = !control || wanted.split(" ").indexOf(control.value) < 0;
    }

    form.addEventListener("change", function (ev) {
      if (ev.target && ev.target.name === name) { update(); }
    });
    update();
  }

  function init() {
    document.querySelectorAll("[data-show-when]").forEach(setup);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
