/* The review workspace's keyboard and form helpers (a file: the pages' CSP allows no inline script).
 *
 * Shortcuts, listed on the help overlay (#shortcuts, opened with ?): c claims, j / k zoom the next /
 * previous photo, Escape closes the zoom or the help, e goes to the evidence request, d to the
 * decision's outcome, n claims the next case, Ctrl+Enter sends the form being filled in. None fires
 * while a text field has the focus, so typing a "d" in the statement stays a "d".
 *
 * The decision's statement template follows the outcome chosen: only the templates for it (or for
 * any outcome) are offered, and the first is loaded while the statement is empty or still the
 * last template's text, never over words the reviewer typed. Without script everything still
 * works by plain forms. No build step, no dependencies. */
(function () {
  "use strict";

  function typing(el) {
    if (!el) { return false; }
    var tag = el.tagName;
    return el.isContentEditable || tag === "TEXTAREA" || tag === "SELECT" ||
      (tag === "INPUT" && ["checkbox", "radio", "button", "submit"].indexOf(el.type) < 0);
  }

  function photos() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-photo]"));
  }

  function zoomed() {
    var m = /^#zoom-(.+)$/.exec(location.hash);
    return m ? m[1] : null;
  }

  function stepPhoto(delta) {
    var list = photos();
    if (!list.length) { return; }
    var current = zoomed();
    var at = -1;
    list.forEach(function (a, i) { if (a.dataset.photo === current) { at = i; } });
    var next = at < 0 ? (delta > 0 ? 0 : list.length - 1) : (at + delta + list.length) % list.length;
    location.hash = "zoom-" + list[next].dataset.photo;
  }

  function closeZoom() {
    var current = zoomed();
    if (current === null) { return false; }
    // Back to the thumbnail the zoom came from, so the page stays where the reviewer was.
    location.hash = "photo-" + current;
    var link = document.querySelector('[data-photo="' + current + '"]');
    if (link) { link.focus(); }
    return true;
  }

  var help = document.getElementById("shortcuts");
  var helpOpener = null;

  function toggleHelp(show) {
    if (!help) { return; }
    var open = show === undefined ? help.hidden : show;
    if (open) {
      helpOpener = document.activeElement;
      help.hidden = false;
      var close = help.querySelector("[data-shortcuts-close]");
      if (close) { close.focus(); }
    } else {
      help.hidden = true;
      if (helpOpener && helpOpener.focus) { helpOpener.focus(); }
    }
  }

  function press(selector) {
    var el = document.querySelector(selector);
    if (el) { el.click(); }
    return !!el;
  }

  function focusFirst(selector) {
    var el = document.querySelector(selector);
    if (!el) { return false; }
    el.scrollIntoView({ block: "center" });
    el.focus();
    return true;
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") {
      if (help && !help.hidden) { toggleHelp(false); ev.preventDefault(); return; }
      if (closeZoom()) { ev.preventDefault(); }
      return;
    }
    if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
      var form = ev.target && ev.target.closest ? ev.target.closest("form[data-keep-place]") : null;
      if (form) { ev.preventDefault(); form.requestSubmit(); }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(ev.target)) { return; }
    var done = true;
    switch (ev.key) {
      case "?": toggleHelp(); break;
      case "c": done = press(".claimbox form[action$='/claim/'] button"); break;
      case "j": stepPhoto(1); break;
      case "k": stepPhoto(-1); break;
      case "e": done = focusFirst("#more-evidence input[name='kinds']"); break;
      case "d": done = focusFirst("#decision-form input[name='outcome']:checked") ||
        focusFirst("#decision-form input[name='outcome']"); break;
      case "n": done = press("#next-case"); break;
      default: done = false;
    }
    if (done) { ev.preventDefault(); }
  });

  document.querySelectorAll("[data-shortcuts-open]").forEach(function (b) {
    b.addEventListener("click", function () { toggleHelp(true); });
  });
  document.querySelectorAll("[data-shortcuts-close]").forEach(function (b) {
    b.addEventListener("click", function () { toggleHelp(false); });
  });

  // A form that came back with errors: the summary at its top takes the focus, without a jump.
  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus({ preventScroll: location.hash !== "" }); }

  // The statement template follows the outcome.
  var decision = document.getElementById("decision-form");
  var choice = document.getElementById("template-choice");
  if (!decision || !choice) { return; }
  var filled = "";

  function statement() { return document.getElementById("decide_statement"); }

  function offer(outcome) {
    var first = null;
    Array.prototype.forEach.call(choice.options, function (opt) {
      if (!opt.value) { return; }
      var fits = !opt.dataset.outcome || opt.dataset.outcome === outcome;
      opt.hidden = !fits;
      opt.disabled = !fits;
      if (fits && !first) { first = opt; }
    });
    if (choice.selectedOptions.length && choice.selectedOptions[0].disabled) { choice.value = ""; }
    var text = statement();
    var untouched = text && (text.value.trim() === "" || text.value === filled);
    if (first && untouched && choice.value !== first.value) {
      choice.value = first.value;
      auto = true;
      choice.dispatchEvent(new Event("change", { bubbles: true }));
    }
  }

  // A template loaded because the outcome changed never lands on words typed while it was on its way.
  var auto = false;
  document.body.addEventListener("htmx:beforeSwap", function (ev) {
    var text = statement();
    if (auto && ev.detail.target === text && text.value.trim() !== "" && text.value !== filled) {
      ev.detail.shouldSwap = false;
    }
    auto = false;
  });
  document.body.addEventListener("htmx:afterSwap", function (ev) {
    if (ev.target && ev.target.id === "decide_statement") { filled = ev.target.value; }
  });
  decision.addEventListener("change", function (ev) {
    if (ev.target && ev.target.name === "outcome") { offer(ev.target.value); }
  });
  var chosen = decision.querySelector("input[name='outcome']:checked");
  if (chosen) { offer(chosen.value); }
}());
