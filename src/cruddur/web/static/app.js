// Cruddur Messages pages: relative times, live updates (SSE), paging on scroll, the composer.
"use strict";
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const page = document.body.dataset.page;
const UNREAD_CAP = Number(document.body.dataset.unreadCap);

function relative(iso) {
  const seconds = (Date.now() - Date.parse(iso)) / 1000;
  if (seconds < 45) return "just now";
  const steps = [[60, "min", 60], [24, "h", 3600], [30, "d", 86400], [12, "mo", 2592000]];
  for (const [limit, unit, size] of steps) {
    const value = Math.round(seconds / size);
    if (value < limit) return `${value} ${unit} ago`;
  }
  return new Date(iso).toLocaleDateString();
}
function refreshTimes(root = document) {
  root.querySelectorAll("time[datetime]").forEach((t) => {
    t.textContent = relative(t.getAttribute("datetime"));
    t.title = new Date(t.getAttribute("datetime")).toLocaleString();
  });
}
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
}
async function getJSON(url) {
  const response = await fetch(url, { credentials: "same-origin" });
  if (response.status === 401) { location.href = "/signin"; throw new Error("signed out"); }
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}
async function post(url, body) {
  return fetch(url, {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
function live(onEvent) {
  const source = new EventSource("/web/events");
  source.onmessage = (e) => onEvent(JSON.parse(e.data));
  source.onopen = () => onEvent({ type: "connected" });
  // This session was signed out (in this tab or another): the server ended the stream.
  source.addEventListener("signed_out", () => { source.close(); location.assign("/signin"); });
  return source;
}

// ---- inbox ---------------------------------------------------------------------------
function inboxRow(row) {
  const link = el("a", { href: `/messages/${row.uuid}` },
    el("span", { class: "who" }, el("strong", {}, row.display_name), " ",
       el("span", { class: "handle" }, `@${row.handle}`)),
    el("time", { datetime: row.created_at }, row.created_at),
    el("span", { class: "preview" }, row.message));
  if (row.unread_count) {
    // The server counts exactly up to its cap (100); at the cap it means "that many or more".
    const shown = row.unread_count >= UNREAD_CAP ? `${UNREAD_CAP - 1}+` : String(row.unread_count);
    link.append(el("span", { class: "badge", "aria-label": `${shown} unread` }, shown));
  }
  return el("li", { "data-group": row.uuid }, link);
}
function setupInbox() {
  const list = document.getElementById("inbox");
  let next = document.body.dataset.next || null;
  let loading = false;
  async function reload() {
    const data = await getJSON("/web/inbox");
    list.replaceChildren(...data.rows.map(inboxRow));
    next = data.next;
    refreshTimes(list);
  }
  async function more() {
    if (!next || loading) return;
    loading = true;
    try {
      const data = await getJSON(`/web/inbox?cursor=${encodeURIComponent(next)}`);
      const seen = new Set([...list.children].map((li) => li.dataset.group));
      list.append(...data.rows.filter((r) => !seen.has(r.uuid)).map(inboxRow));
      next = data.next;
      refreshTimes(list);
    } finally { loading = false; }
  }
  window.addEventListener("scroll", () => {
    if (window.innerHeight + window.scrollY > document.body.offsetHeight - 200) more();
  });
  live((event) => { if (event.type === "inbox" || event.type === "connected") reload(); });
}

// ---- conversation ----------------------------------------------------------------------
function messageItem(m, me) {
  return el("li", { "data-uuid": m.uuid, class: m.handle === me ? "mine" : "theirs" },
    el("span", { class: "sender" }, m.display_name), el("p", {}, m.message),
    el("time", { datetime: m.created_at }, m.created_at));
}
function setupConversation() {
  const { group, me } = document.body.dataset;
  const list = document.getElementById("messages");
  let next = document.body.dataset.next || null;
  let loading = false;
  const known = () => new Set([...list.children].map((li) => li.dataset.uuid));
  list.scrollTop = list.scrollHeight;
  function append(messages) {
    const seen = known();
    const fresh = messages.filter((m) => !seen.has(m.uuid));
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    list.append(...fresh.map((m) => messageItem(m, me)));
    refreshTimes(list);
    if (atBottom || fresh.some((m) => m.handle === me)) list.scrollTop = list.scrollHeight;
    return fresh.length;
  }
  async function older() {
    if (!next || loading) return;
    loading = true;
    try {
      const data = await getJSON(`/web/messages/${group}?cursor=${encodeURIComponent(next)}`);
      const seen = known();
      const before = list.scrollHeight;
      list.prepend(...data.messages.filter((m) => !seen.has(m.uuid)).map((m) => messageItem(m, me)));
      list.scrollTop += list.scrollHeight - before;  // keep the reader where they were
      next = data.next;
      refreshTimes(list);
    } finally { loading = false; }
  }
  list.addEventListener("scroll", () => { if (list.scrollTop < 60) older(); });
  live(async (event) => {
    if (event.type === "connected" || (event.type === "inbox" && event.group === group)) {
      const data = await getJSON(`/web/messages/${group}?limit=20`);
      // Opened, or new messages shown: read. (Viewing the page itself, a GET, changes nothing.)
      if (append(data.messages) || event.type === "connected") await post(`/web/messages/${group}/read`);
    }
  });
  const form = document.getElementById("composer");
  const box = document.getElementById("message");
  const counter = document.getElementById("counter");
  const max = Number(box.getAttribute("maxlength"));
  const count = () => { counter.textContent = `${box.value.trim().length} / ${max}`; };
  box.addEventListener("input", count);
  box.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = box.value.trim();
    if (!text) return;
    const response = await post(`/web/messages/${group}`, { message: text });
    if (response.ok) { append([await response.json()]); box.value = ""; count(); }
    else { const body = await response.json(); alert(body.errors[0].message); }
  });
  count();
}

// ---- new conversation -------------------------------------------------------------------
function setupNew() {
  const input = document.getElementById("handle");
  const options = document.getElementById("suggestions");
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const found = await getJSON(`/web/users?q=${encodeURIComponent(input.value)}`);
      options.replaceChildren(...found.map((u) => el("option", { value: u.handle }, u.display_name)));
    }, 150);
  });
}

refreshTimes();
setInterval(refreshTimes, 30000);
if (page === "inbox") setupInbox();
if (page === "conversation") setupConversation();
if (page === "new") setupNew();
