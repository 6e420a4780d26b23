/* Evidence upload for Plaint's forms (form[data-upload]): drag and drop, several files at once, a kind
 * per file, previews, and per-file progress. The form is sent once, by XHR, to the same URL it posts to
 * without script; the server answers {url} (go there) or {error}. No build step, no dependencies. */
(function () {
  "use strict";

  function sizeText(bytes) {
    return bytes < 1024 * 1024 ? Math.ceil(bytes / 1024) + " KB" : (bytes / 1024 / 1024).toFixed(1) + " MB";
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? values[key] : all; });
  }

  function extensionOf(file) {
    var dot = file.name.lastIndexOf(".");
    return dot > 0 ? file.name.slice(dot).toLowerCase() : "";
  }

  function isVideo(file) {
    return /^video\//.test(file.type) || [".mp4", ".mov", ".m4v"].indexOf(extensionOf(file)) !== -1;
  }

  // What the server would refuse at once, said before anything is sent: a type outside the input's
  // `accept` list (by the browser's type or, when it has none, as HEIC often has not, the name's
  // extension), or a size past the limit of its kind. The server still checks the bytes themselves.
  function refusal(input, file) {
    var d = input.dataset;
    var accepted = (input.getAttribute("accept") || "").split(",").map(function (t) { return t.trim().toLowerCase(); });
    var ext = extensionOf(file);
    var type = (file.type || "").toLowerCase();
    var known = (type && accepted.indexOf(type) !== -1) || (ext && accepted.indexOf(ext) !== -1);
    var listBox = document.getElementById(input.getAttribute("aria-describedby") || "");
    var list = listBox ? listBox.textContent.trim() : "";
    if (!known) { return fill(d.wordUnsupported || "", { name: file.name, accepted: list }); }
    var limit = parseInt(isVideo(file) ? d.videoMaxBytes : d.maxBytes, 10) || 0;
    if (limit && file.size > limit) {
      return fill(d.wordTooBig || "", { name: file.name, size: sizeText(file.size), limit: sizeText(limit) });
    }
    return "";
  }

  // A video's length, read by the browser from the file itself (no upload): `done(seconds)`, or
  // nothing when the browser cannot read it (the server reads it again anyway).
  function videoLength(file, done) {
    var probe = document.createElement("video");
    probe.preload = "metadata";
    probe.muted = true;
    probe.addEventListener("loadedmetadata", function () {
      if (isFinite(probe.duration) && probe.duration > 0) { done(probe.duration); }
      URL.revokeObjectURL(probe.src);
    });
    probe.src = URL.createObjectURL(file);
  }

  function setup(form) {
    var input = form.querySelector('input[type=file][name=evidence]');
    var list = form.querySelector("[data-uploads]");
    var zone = form.querySelector("[data-dropzone]");
    var template = form.querySelector("template[data-kind-template]");
    var errorBox = form.querySelector("[data-upload-error]");
    var submit = form.querySelector("[data-submit]") || form.querySelector("button[type=submit]");
    // The form's limit, for a field rendered without its own.
    if (!parseInt(input.dataset.maxBytes || "0", 10) && form.dataset.maxBytes) {
      input.dataset.maxBytes = form.dataset.maxBytes;
    }
    var words = list.dataset;
    var defaultKind = form.querySelector("[name=evidence_kind_all]");
    var entries = [];
    var counter = 0;

    // With script, each file gets its own kind; the one-kind-for-all fallback goes away.
    var noscriptKind = form.querySelector("[data-noscript-kind]");
    if (noscriptKind) { noscriptKind.hidden = true; }
    var firstKind = defaultKind ? defaultKind.value : "other";

    function markRequired() {
      var chosen = {};
      entries.forEach(function (e) { chosen[e.kind.value] = true; });
      form.querySelectorAll("[data-required-kind]").forEach(function (el) {
        var ok = !!chosen[el.dataset.requiredKind];
        el.classList.toggle("have", ok);
        el.textContent = el.textContent.replace(/ ✓$/, "") + (ok ? " ✓" : "");
      });
    }

    function add(file) {
      counter += 1;
      var id = "upload-" + counter;
      var li = document.createElement("li");
      li.className = "upload";
      var preview;
      if (/^image\//.test(file.type) && !/hei[cf]/.test(file.type)) {
        preview = document.createElement("img");
        preview.alt = "";
        preview.src = URL.createObjectURL(file);
      } else {
        preview = document.createElement("span");
        preview.className = "file";
        preview.textContent = (file.name.split(".").pop() || "file").toUpperCase();
      }
      var body = document.createElement("div");
      var name = document.createElement("strong");
      name.textContent = file.name;
      var size = document.createElement("span");
      size.className = "muted";
      size.textContent = " · " + sizeText(file.size);
      var label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = words.wordKind;
      var kind = template.content.querySelector("select").cloneNode(true);
      kind.id = id;
      kind.value = pickKind();
      kind.addEventListener("change", markRequired);
      var progress = document.createElement("progress");
      progress.max = 100;
      progress.value = 0;
      progress.setAttribute("aria-label", file.name);
      var status = document.createElement("span");
      status.className = "status";
      status.textContent = words.wordWaiting;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link";
      remove.textContent = words.wordRemove;
      var entry = { file: file, li: li, kind: kind, progress: progress, status: status };
      remove.addEventListener("click", function () {
        entries = entries.filter(function (e) { return e !== entry; });
        li.remove();
        markRequired();
      });
      var refused = refusal(input, file);
      if (refused) {
        li.classList.add("failed");
        li.dataset.refused = "1";
        status.textContent = refused;
        entry.tooLarge = true;
      } else if (isVideo(file)) {
        var maxSeconds = parseInt(input.dataset.videoMaxSeconds || "0", 10);
        videoLength(file, function (seconds) {
          size.textContent = " · " + sizeText(file.size) + " · " + Math.floor(seconds / 60) + ":" +
            ("0" + Math.round(seconds % 60)).slice(-2);
          if (maxSeconds && seconds > maxSeconds) {
            li.classList.add("failed");
            li.dataset.refused = "1";
            status.textContent = fill(input.dataset.wordTooLong || "", {
              name: file.name, seconds: String(Math.round(seconds)), limit: String(maxSeconds)
            });
            entry.tooLarge = true;
          }
        });
      }
      body.append(name, size, label, kind, progress, status, document.createTextNode(" "), remove);
      li.append(preview, body);
      list.append(li);
      entries.push(entry);
      markRequired();
    }

    // A new file takes the first required kind nobody has chosen yet, so two photos of two things
    // start right; the person can change it.
    function pickKind() {
      var chosen = entries.map(function (e) { return e.kind.value; });
      var required = Array.prototype.map.call(form.querySelectorAll("[data-required-kind]"), function (el) {
        return el.dataset.requiredKind;
      });
      for (var i = 0; i < required.length; i++) {
        if (chosen.indexOf(required[i]) === -1) { return required[i]; }
      }
      return firstKind;
    }

    function addAll(files) {
      Array.prototype.forEach.call(files, add);
    }

    input.addEventListener("change", function () {
      addAll(input.files);
      input.value = "";
    });
    // Files chosen before this script ran (a quick person, or a slow page) are taken up too.
    if (input.files && input.files.length) {
      addAll(input.files);
      input.value = "";
    }
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (ev) { ev.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (ev) {
      ev.preventDefault();
      if (ev.dataTransfer && ev.dataTransfer.files) { addAll(ev.dataTransfer.files); }
    });

    function fail(message) {
      errorBox.textContent = message;
      errorBox.hidden = false;
      if (submit) { submit.disabled = false; }
      entries.forEach(function (e) {
        if (!e.tooLarge) { e.status.textContent = words.wordFailed; }
      });
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      errorBox.hidden = true;
      // Nothing leaves while a file the server would refuse is listed: the person removes it first.
      if (entries.some(function (e) { return e.tooLarge; })) {
        errorBox.textContent = input.dataset.wordBlocked || words.wordTooLarge;
        errorBox.hidden = false;
        return;
      }
      var data = new FormData(form);
      data.delete("evidence");
      data.delete("evidence_kind");
      var sending = entries.filter(function (e) { return !e.tooLarge; });
      var offsets = [];
      var total = 0;
      sending.forEach(function (e) {
        data.append("evidence", e.file, e.file.name);
        data.append("evidence_kind", e.kind.value);
        offsets.push(total);
        total += e.file.size;
        e.status.textContent = words.wordSending;
      });
      if (submit) { submit.disabled = true; }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (p) {
        // The files go in order in one request: each one's share of the bytes sent is its progress.
        sending.forEach(function (e, i) {
          var done = Math.max(0, Math.min(e.file.size, p.loaded - offsets[i]));
          e.progress.value = e.file.size ? Math.round((100 * done) / e.file.size) : 100;
        });
      });
      xhr.addEventListener("load", function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
        if (xhr.status >= 200 && xhr.status < 300 && body.url) {
          sending.forEach(function (e) { e.progress.value = 100; e.status.textContent = words.wordSent; });
          window.location.assign(body.url);
        } else {
          fail(body.error || words.wordRefused.replace("{status}", String(xhr.status)));
        }
      });
      xhr.addEventListener("error", function () { fail(words.wordNetwork); });
      xhr.send(data);
    });
  }

  // A plain form (sent without script, so the server can show its errors in place) still takes
  // dropped files: they become the file input's files.
  function setupDropOnly(zone) {
    var input = zone.querySelector('input[type=file]');
    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (ev) { ev.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      zone.addEventListener(type, function () { zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (ev) {
      ev.preventDefault();
      if (input && ev.dataTransfer && ev.dataTransfer.files.length) {
        input.files = ev.dataTransfer.files;
        showChosen(zone, input.files);
      }
    });
    if (input) {
      input.addEventListener("change", function () { showChosen(zone, input.files); });
      showChosen(zone, input.files);
    }
  }

  // A plain form is not sent while its file input holds a file the server would refuse: the
  // browser shows the reason on the input, and the chosen list says it too.
  function validate(zone, input) {
    var reasons = Array.prototype.map.call(input.files || [], function (f) { return refusal(input, f); })
      .filter(function (r) { return r; });
    input.setCustomValidity(reasons.join(" "));
    var chosen = zone.querySelector("[data-chosen]");
    if (chosen && reasons.length) {
      chosen.textContent = reasons.join(" ");
      chosen.classList.add("error");
    } else if (chosen) {
      chosen.classList.remove("error");
    }
  }

  // With script, the browser's own file button (worded in the browser's language, not the page's)
  // gives way to a button-like label in the page's language; the input stays focusable.
  function dressUp(zone) {
    zone.classList.add("js");
    var pick = zone.querySelector("[data-pick]");
    if (pick) { pick.hidden = false; }
  }

  function showChosen(zone, files) {
    var chosen = zone.querySelector("[data-chosen]");
    if (chosen) {
      chosen.textContent = Array.prototype.map.call(files, function (f) { return f.name; }).join(", ");
    }
    var input = zone.querySelector("input[type=file]");
    if (input) { validate(zone, input); }
  }

  function init() {
    document.querySelectorAll("[data-dropzone]").forEach(dressUp);
    document.querySelectorAll("form[data-upload]").forEach(setup);
    document.querySelectorAll("form:not([data-upload]) [data-dropzone]").forEach(setupDropOnly);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
