// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var PREFIX = "overturn:";

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  // Keep what is typed in a form in this browser. Each box remembers the server's value it
  // started from ("base"); a saved copy is restored only while the server still shows that
  // base, so text saved on the server is never overwritten by a stale copy.
  function keep(form) {
    var ls = store();
    if (!ls) return;
    var key = PREFIX + form.getAttribute("data-keep");
    var saved = {};
    try { saved = JSON.parse(ls.getItem(key) || "{}"); } catch (e) { saved = {}; }
    var restored = false;
    var boxes = form.querySelectorAll("textarea[name], input[type=text][name], input:not([type])[name]");
    boxes.forEach(function (box) {
      var entry = saved[box.name];
      var base = box.defaultValue;
      if (entry && entry.base === base && entry.value !== base) {
        box.value = entry.value;
        restored = true;
      }
      box.addEventListener("input", function () {
        saved[box.name] = { base: base, value: box.value };
        try { ls.setItem(key, JSON.stringify(saved)); } catch (e) { /* storage full: typing goes on */ }
      });
    });
    var note = form.querySelector("[data-saved-note]");
    if (note) note.hidden = false;
    if (restored) {
      var msg = document.createElement("p");
      msg.className = "notice";
      msg.setAttribute("role", "status");
      msg.textContent = "Restored text you typed earlier that was not yet submitted.";
      form.insertBefore(msg, form.firstChild);
    }
  }

  // A draft page means the paste (or the LMN request) went through: its kept copy is no
  // longer needed.
  function clearPaste() {
    var ls = store();
    if (!ls || !document.querySelector("[data-clear-paste]")) return;
    ls.removeItem(PREFIX + "paste");
    ls.removeItem(PREFIX + "necessity");
  }

  // Light up a field's source in the pasted letter while the field has focus.
  function linkMarks() {
    document.querySelectorAll("[data-marks]").forEach(function (el) {
      var ids = el.getAttribute("data-marks").trim().split(/\s+/).filter(Boolean);
      if (!ids.length) return;
      function marks() {
        var out = [];
        ids.forEach(function (id) { out = out.concat(Array.from(document.getElementsByClassName(id))); });
        return out;
      }
      el.addEventListener("focus", function () {
        var found = marks();
        found.forEach(function (m) { m.classList.add("lit"); });
        if (found[0]) found[0].scrollIntoView({ block: "nearest" });
      });
      el.addEventListener("blur", function () {
        marks().forEach(function (m) { m.classList.remove("lit"); });
      });
    });
  }

  // Move focus to a problem so screen readers and keyboards land on it; else to the
  // confirmation of what was just done, in the middle of the screen beside its button.
  function focusProblem() {
    var p = document.getElementById("problem") || document.querySelector("[data-confirmation]");
    if (p) { p.scrollIntoView({ block: "center" }); p.focus({ preventScroll: true }); }
  }

  // After signing out, nothing typed for a patient stays in this browser.
  function clearAll() {
    var ls = store();
    if (!ls || !document.querySelector("[data-clear-local]")) return;
    Object.keys(ls).forEach(function (k) { if (k.indexOf(PREFIX) === 0) ls.removeItem(k); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    clearAll();
    clearPaste();
    document.querySelectorAll("form[data-keep]").forEach(keep);
    linkMarks();
    focusProblem();
  });
})();
