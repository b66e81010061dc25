// The chat simulator page: plays WeChat against this server's /wechat.
// The server builds and signs (and in safe mode encrypts) each message
// (/simulator/envelope), the page posts it to /wechat exactly as WeChat
// would, and the server opens the reply (/simulator/open).
"use strict";

const settings = JSON.parse(document.getElementById("sim-settings").textContent);
const notes = settings.notes;
const messages = document.getElementById("messages");
const openidInput = document.getElementById("openid");
const safeMode = document.getElementById("safe-mode");
const textInput = document.getElementById("text");
let queue = Promise.resolve();  // one exchange at a time, so replies keep their order

function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? values[key] : whole));
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// --- the chat window

function scrollToEnd() {
  messages.scrollTop = messages.scrollHeight;
}

function addRow(side, content) {
  const row = element("div", "msg " + side);
  row.append(element("div", "avatar", side === "bot" ? settings.avatar : settings.me), content);
  messages.append(row);
  scrollToEnd();
}

function bubble(side, text) {
  addRow(side, side === "bot" ? withLinks(text) : element("div", "bubble", text));
}

// WeChat shows <a href="...">words</a> in a text reply as a link; everything else stays text.
// A link to one of our member pages opens it as the simulator's current member.
function withLinks(text) {
  const node = element("div", "bubble");
  let last = 0;
  for (const match of text.matchAll(/<a href="([^"<>]*)">([^<]*)<\/a>/g)) {
    node.append(text.slice(last, match.index));
    const [, url, words] = match;
    const ours = url.startsWith("/") && settings.pagesAs;
    if (ours || isWebLink(url)) {
      const link = element("a", "", words);
      link.href = ours ? settings.pagesAs + "?" + new URLSearchParams({openid: openidInput.value, next: url}) : url;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      node.append(link);
    } else {
      node.append(words);
    }
    last = match.index + match[0].length;
  }
  node.append(text.slice(last));
  return node;
}

function note(text) {
  messages.append(element("div", "note", text));
  scrollToEnd();
}

function isWebLink(url) {
  return /^https?:\/\//i.test(url || "");
}

function articleCard(article) {
  const card = element(isWebLink(article.url) ? "a" : "div", "card");
  if (card.tagName === "A") {
    card.href = article.url;
    card.target = "_blank";
    card.rel = "noopener noreferrer";
  }
  card.append(element("div", "card-title", article.title));
  const body = element("div", "card-body");
  body.append(element("div", "card-desc", article.description),
              element("div", "card-thumb", settings.avatar));
  card.append(body, element("div", "card-more", notes.read_more));
  return card;
}

function showReply(reply) {
  if (reply.type === "text") {
    bubble("bot", reply.content);
  } else if (reply.type === "news") {
    reply.articles.forEach((article) => addRow("bot", articleCard(article)));
  } else if (reply.type === "none") {
    note(notes.no_reply);
  } else {
    note(fill(notes.other_reply, {type: reply.type}));
  }
}

// --- talking to the server, as WeChat

async function postJson(url, payload) {
  const response = await fetch(url, {
    method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify(payload),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || "HTTP " + response.status);
  return data;
}

async function exchange(msgType, fields) {
  const encrypted = safeMode.checked;
  const {query, body} = await postJson(settings.urls.envelope,
    {openid: openidInput.value, encrypted, msg_type: msgType, fields, account: settings.account});
  const url = settings.urls.webhook + "?" + new URLSearchParams(query);
  const response = await fetch(url, {
    method: "POST",
    headers: {"Content-Type": "text/xml; charset=utf-8"},
    body,
    signal: AbortSignal.timeout(settings.timeoutMs),  // WeChat's deadline
  });
  const answer = await response.text();
  document.getElementById("last-exchange").textContent =
    `POST ${url}\n\n${body}\n\n→ HTTP ${response.status}\n\n${answer}`;
  if (!response.ok) throw new Error(`HTTP ${response.status} ${answer}`);
  return postJson(settings.urls.open, {body: answer, encrypted, account: settings.account});
}

function send(msgType, fields) {
  queue = queue
    .then(() => exchange(msgType, fields))
    .then(showReply)
    .catch((error) => {
      const timedOut = error.name === "TimeoutError";
      note(timedOut ? notes.timeout : `${notes.failed}（${error.message}）`);
    });
}

// --- the member's side

function sendText(event) {
  event.preventDefault();
  const text = textInput.value.trim();
  if (!text) return;
  textInput.value = "";
  bubble("me", text);
  send("text", {Content: text});
}

function pressMenuButton({type, key, url, name}) {
  if (type === "view") {
    note(fill(notes.opened, {url}));
    send("event", {Event: "VIEW", EventKey: url});
    if (url.startsWith("/") && settings.pagesAs) {  // one of our member pages: open it as this member
      window.open(settings.pagesAs + "?" + new URLSearchParams({openid: openidInput.value, next: url}), "_blank");
    }
  } else {
    note(fill(notes.clicked, {name}));
    send("event", {Event: "CLICK", EventKey: key});
  }
}

function closeSubmenus() {
  document.querySelectorAll(".submenu").forEach((submenu) => { submenu.hidden = true; });
}

function setupMenu() {
  document.querySelectorAll("#menu [data-submenu]").forEach((button) => {
    button.addEventListener("click", (event) => {
      event.stopPropagation();
      const submenu = button.nextElementSibling;
      const wasHidden = submenu.hidden;
      closeSubmenus();
      submenu.hidden = !wasHidden;
    });
  });
  document.querySelectorAll("#menu [data-type]").forEach((button) => {
    button.addEventListener("click", (event) => {
      event.stopPropagation();
      closeSubmenus();
      pressMenuButton(button.dataset);
    });
  });
  document.addEventListener("click", closeSubmenus);
  const bottom = document.getElementById("bottom");
  document.getElementById("to-keyboard").addEventListener("click", () => {
    bottom.classList.add("keyboard");
    textInput.focus();
  });
  document.getElementById("to-menu").addEventListener("click", () => bottom.classList.remove("keyboard"));
}

function setupPanel() {
  document.getElementById("follow").addEventListener("click", () => {
    note(notes.followed);
    send("event", {Event: "subscribe"});
  });
  document.getElementById("follow-scan").addEventListener("click", () => {
    note(notes.followed_scan);
    send("event", {Event: "subscribe", EventKey: "qrscene_simulator"});
  });
  document.getElementById("unfollow").addEventListener("click", () => {
    note(notes.unfollowed);
    send("event", {Event: "unsubscribe"});
  });
  document.getElementById("send-voice").addEventListener("click", () => {
    const text = textInput.value.trim();
    textInput.value = "";
    bubble("me", text ? fill(notes.voice, {text}) : notes.voice_empty);
    send("voice", text ? {Recognition: text} : {});
  });
  document.getElementById("send-image").addEventListener("click", () => {
    bubble("me", notes.image);
    send("image", {});
  });
  document.getElementById("send-location").addEventListener("click", () => {
    bubble("me", fill(notes.location, {label: settings.location.Label}));
    send("location", settings.location);
  });
}

// --- identity and mode, remembered between visits

function randomOpenid() {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return "o_sim_" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function useOpenid(openid) {
  const recent = JSON.parse(localStorage.getItem("sim.openids") || "[]").filter((o) => o !== openid);
  recent.unshift(openid);
  localStorage.setItem("sim.openids", JSON.stringify(recent.slice(0, 8)));
  localStorage.setItem("sim.openid", openid);
  openidInput.value = openid;
  const list = document.getElementById("recent-openids");
  list.replaceChildren(...recent.map((o) => { const option = element("option"); option.value = o; return option; }));
}

function setupIdentity() {
  useOpenid(localStorage.getItem("sim.openid") || randomOpenid());
  openidInput.addEventListener("change", () => {
    if (!openidInput.checkValidity() || !openidInput.value) {
      note(notes.bad_openid);
      openidInput.value = localStorage.getItem("sim.openid");
      return;
    }
    useOpenid(openidInput.value);
    note(fill(notes.switched, {openid: openidInput.value}));
  });
  document.getElementById("new-openid").addEventListener("click", () => {
    useOpenid(randomOpenid());
    note(fill(notes.switched, {openid: openidInput.value}));
  });
  safeMode.checked = localStorage.getItem("sim.safe") === "1";
  safeMode.addEventListener("change", () => localStorage.setItem("sim.safe", safeMode.checked ? "1" : "0"));
}

function startClock() {
  const clock = document.getElementById("clock");
  const tick = () => {
    const now = new Date();
    clock.textContent = `${now.getHours()}:${String(now.getMinutes()).padStart(2, "0")}`;
  };
  tick();
  setInterval(tick, 30000);
}

document.getElementById("composer").addEventListener("submit", sendText);
setupMenu();
setupPanel();
setupIdentity();
startClock();
