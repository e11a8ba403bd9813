// orgdesk: enhancements only. Every page works without this script.
"use strict";

document.documentElement.classList.add("js");

document.addEventListener("DOMContentLoaded", () => {
  // Edit in place: a field saves when it loses focus after a change (or on Enter);
  // Escape puts back what was saved.
  for (const field of document.querySelectorAll("[data-save-on-change]")) {
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
  for (const form of document.querySelectorAll("form[data-candidates]")) {
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

  // Times in the viewer's time zone; the exact instant on hover.
  for (const time of document.querySelectorAll("time[datetime]")) {
    const at = new Date(time.dateTime);
    if (!Number.isNaN(at.getTime())) {
      time.title = time.dateTime;
      time.textContent = at.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
    }
  }

  // Below 760 px the navigation folds into a menu button.
  const button = document.querySelector(".menu-button");
  const nav = document.getElementById("nav");
  if (button && nav) {
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

  // "/" focuses the page's search box.
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
});
