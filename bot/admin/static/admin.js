/* The console's only script: "tick all" boxes and a question before actions that are hard to undo.
   Every page works without it; it only saves clicks and mistakes. */
"use strict";

// What the page's polls ask for: figures, not a page, so the server leaves the messages waiting for the page
// the user opens meanwhile (console.py _polled).
const JSON_ONLY = { Accept: "application/json" };

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

/* Newsletter: the live recipient count while the audience is picked. */
const compose = document.getElementById("compose");
if (compose) {
  const shown = compose.querySelector("[data-recipient-count]");
  let latest = 0;  // answers can arrive out of order: only the last question's is shown
  const recount = async () => {
    const asked = ++latest;
    const query = new URLSearchParams();
    new FormData(compose).forEach((value, key) => {
      if (key !== "csrf_token" && key !== "body") query.append(key, value);
    });
    const answer = await fetch(`${compose.dataset.countUrl}?${query}`, { credentials: "same-origin", headers: JSON_ONLY });
    const count = answer.ok && !answer.redirected ? (await answer.json()).count : null;  // signed out: the log-in page
    if (count !== null && asked === latest) shown.textContent = count;
  };
  compose.addEventListener("change", recount);
  recount();
}

/* Newsletter: the delivery's progress, polled until every recipient has an outcome. */
const progress = document.getElementById("progress");
if (progress) {
  const bar = progress.querySelector("progress");
  const text = progress.querySelector("[data-progress-text]");
  const held = progress.querySelector("[data-held]");
  const poll = async () => {
    const answer = await fetch(progress.dataset.progressUrl, { credentials: "same-origin", headers: JSON_ONLY });
    if (!answer.ok || answer.redirected) return;  // signed out meanwhile: the log-in page
    const counts = await answer.json();
    bar.max = counts.total || 1;
    bar.value = counts.done;
    text.textContent = text.textContent.replace(/\d+ \/ \d+/, `${counts.done} / ${counts.total}`);
    for (const section of ["status", "channel"]) {
      const list = progress.querySelector(`[data-progress-list=${section}]`);
      list.replaceChildren(...counts[section].map((row) => {
        const item = document.createElement("li");
        item.textContent = `${row.name}：${row.count}`;
        return item;
      }));
    }
    if (held) {  /* why those still queued wait, and 继续发送 when it helps (none on a page all delivered) */
      held.hidden = counts.held.length === 0;
      held.querySelector("[data-held-list]").replaceChildren(...counts.held.map((line) => {
        const item = document.createElement("li");
        item.textContent = line;
        return item;
      }));
      held.querySelector("[data-resume]").hidden = !counts.stalled;
    }
    if (counts.total === 0 || counts.done < counts.total) setTimeout(poll, 1000);
  };
  poll();
}

/* After signing in again: the form sent while signed out gets back what was typed and ticked in it. */
const refill = document.querySelector("[data-refill]");
if (refill) {
  const { action, fields } = JSON.parse(refill.dataset.refill);
  const sent = new Map();
  for (const [name, value] of fields) sent.set(name, [...(sent.get(name) || []), value]);
  const form = [...document.forms].find(
    (each) => new URL(each.getAttribute("action") || "", window.location.href).pathname === action);
  if (form) {
    sent.forEach((values, name) => {
      const left = [...values];
      form.querySelectorAll(`[name="${CSS.escape(name)}"]`).forEach((field) => {
        if (["hidden", "password", "file", "submit", "button"].includes(field.type)) return;
        if (field.type === "checkbox" || field.type === "radio") field.checked = values.includes(field.value);
        else if (field.multiple) [...field.options].forEach((option) => { option.selected = values.includes(option.value); });
        else if (left.length) field.value = left.shift();
      });
    });
    form.dispatchEvent(new Event("change", { bubbles: true }));  // what listens to the form sees it
  }
}
