// orgdesk: enhancements only. Every page works without this script.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
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
