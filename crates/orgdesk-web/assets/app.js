// orgdesk: enhancements only. Every page works without this script.
"use strict";

document.documentElement.classList.add("js");

// Enhances the controls inside `root` (the page, or a section just reloaded).
function enhance(root) {
  // Edit in place: a field saves when it loses focus after a change (or on Enter);
  // Escape puts back what was saved.
  for (const field of root.querySelectorAll("[data-save-on-change]")) {
    const saved = field.value;
    field.addEventListener("change", () => field.form.requestSubmit());
    field.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        field.value = saved;
        field.blur();
      }
    });
  }

  // Suggestions while typing (add a child, add a member): valid choices to pick as the
  // form's buttons, invalid ones greyed out with the reason.
  for (const form of root.querySelectorAll("form[data-candidates]")) {
    const input = form.querySelector("input[data-suggest]");
    const list = form.querySelector(".suggestions");
    let timer = null;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const typed = input.value.trim();
        if (!typed) {
          list.replaceChildren();
          return;
        }
        const url = `${form.dataset.candidates}?q=${encodeURIComponent(typed)}`;
        const response = await fetch(url, { credentials: "same-origin" });
        if (response.ok && input.value.trim() === typed) {
          list.innerHTML = await response.text();
        }
      }, 150);
    });
  }

  // Files dropped on a note's form join those chosen with its file input.
  for (const form of root.querySelectorAll("form[data-drop-files]")) {
    const input = form.querySelector('input[type="file"]');
    const hint = form.querySelector(".drop-hint");
    if (hint) hint.hidden = false;
    form.addEventListener("dragover", (event) => {
      if (!event.dataTransfer || !event.dataTransfer.types.includes("Files")) return;
      event.preventDefault();
      form.classList.add("dropping");
    });
    form.addEventListener("dragleave", (event) => {
      if (!form.contains(event.relatedTarget)) form.classList.remove("dropping");
    });
    form.addEventListener("drop", (event) => {
      if (!event.dataTransfer || event.dataTransfer.files.length === 0) return;
      event.preventDefault();
      form.classList.remove("dropping");
      const chosen = new DataTransfer();
      for (const file of input.files) chosen.items.add(file);
      for (const file of event.dataTransfer.files) chosen.items.add(file);
      input.files = chosen.files;
    });
  }

  // Times in the viewer's time zone, the exact instant on hover; within the last day,
  // relative ("3 hours ago").
  const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  for (const time of root.querySelectorAll("time[datetime]")) {
    const at = new Date(time.dateTime);
    if (Number.isNaN(at.getTime())) continue;
    const exact = at.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    time.title = exact;
    const minutes = Math.round((at.getTime() - Date.now()) / 60000);
    if (minutes <= 0 && minutes > -60) {
      time.textContent = relative.format(minutes, "minute");
    } else if (minutes <= -60 && minutes > -24 * 60) {
      time.textContent = relative.format(Math.round(minutes / 60), "hour");
    } else {
      time.textContent = exact;
    }
  }
}

// The flash message of `doc` in place of this page's.
function showFlash(doc) {
  const main = document.querySelector("main");
  const old = main && main.querySelector(":scope > .flash");
  const fresh = doc.querySelector("main > .flash");
  if (old) old.remove();
  if (main && fresh) main.prepend(document.importNode(fresh, true));
}

// The whole page replaced by `doc` (a refusal, a dialog, another page).
function showPage(doc, url) {
  document.title = doc.title;
  document.body.replaceWith(document.importNode(doc.body, true));
  if (url && url !== window.location.href) history.pushState(null, "", url);
  enhance(document.body);
  foldNavigation();
  window.scrollTo(0, 0);
}

// Whether the person has typed into `field` something not saved yet.
function typedInto(field) {
  return (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement) && field.value !== field.defaultValue;
}

// Partial reloads: a form inside a part of the page marked `data-partial` is sent in
// the background, and the page's parts (with the flash message) are replaced by their
// counterparts on the page that comes back; the rest (header, scroll) stays. Every part
// is refreshed, not only the one sent, because each carries the version it shows:
// a part left stale would be refused as a conflict on its next save. A part holding
// unsaved typing is left alone. A refusal or another page replaces the whole page, so
// nothing it says is hidden.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  const part = form.closest("[data-partial][id]");
  if (!part || form.method.toLowerCase() !== "post") return;
  event.preventDefault();
  const body = new URLSearchParams(new FormData(form, event.submitter));
  let response;
  try {
    response = await fetch(form.action, { method: "POST", body, credentials: "same-origin" });
  } catch {
    form.submit();
    return;
  }
  const doc = new DOMParser().parseFromString(await response.text(), "text/html");
  if (!(response.ok && response.redirected && doc.getElementById(part.id))) {
    showPage(doc, response.redirected ? response.url : null);
    return;
  }
  const focused = document.activeElement;
  const focusedId = focused && focused.id;
  for (const old of document.querySelectorAll("[data-partial][id]")) {
    const fresh = doc.getElementById(old.id);
    if (!fresh) {
      old.remove(); // a warning the new page no longer gives
      continue;
    }
    if (old !== part && old.contains(focused) && typedInto(focused)) continue;
    const replacement = document.importNode(fresh, true);
    old.replaceWith(replacement);
    enhance(replacement);
  }
  showFlash(doc);
  history.replaceState(null, "", response.url);
  const refocus = focusedId && document.getElementById(focusedId);
  if (refocus && refocus !== document.activeElement) refocus.focus();
});

// Below 760 px the navigation folds into a menu button.
function foldNavigation() {
  const button = document.querySelector(".menu-button");
  const nav = document.getElementById("nav");
  if (!button || !nav) return;
  const narrow = window.matchMedia("(max-width: 760px)");
  const fold = () => {
    nav.classList.toggle("folded", narrow.matches);
    button.setAttribute("aria-expanded", String(!narrow.matches));
  };
  button.hidden = false;
  button.addEventListener("click", () => {
    const open = nav.classList.toggle("folded") === false;
    button.setAttribute("aria-expanded", String(open));
  });
  narrow.addEventListener("change", fold);
  fold();
}

// "/" focuses the header's search box.
document.addEventListener("keydown", (event) => {
  const target = event.target;
  const typing = target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
  if (event.key === "/" && !typing) {
    const search = document.querySelector('input[type="search"]');
    if (search) {
      event.preventDefault();
      search.focus();
    }
  }
});

document.addEventListener("DOMContentLoaded", () => {
  enhance(document);
  foldNavigation();
});
