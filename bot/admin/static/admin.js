/* The console's only script: "tick all" boxes and a question before actions that are hard to undo.
   Every page works without it; it only saves clicks and mistakes. */
"use strict";

document.addEventListener("change", (event) => {
  const name = event.target.dataset.checkAll;
  if (!name) return;
  const form = event.target.closest("form");
  form.querySelectorAll(`input[type=checkbox][name="${name}"]`).forEach((box) => {
    box.checked = event.target.checked;
  });
});

document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});
