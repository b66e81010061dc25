// The application page keeps what the member types as a draft (the server's, for when they come
// back), a moment after each change; the form works the same without it.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("apply");
  if (!form) return;
  let timer = null;
  const save = () => {
    const body = new FormData(form);
    body.delete("action");
    fetch(form.dataset.draft, {method: "POST", body, credentials: "same-origin"}).catch(() => {});
  };
  form.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(save, 800);
  });
  form.addEventListener("change", save);
});
