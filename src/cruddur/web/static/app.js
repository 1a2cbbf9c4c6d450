// Cruddur Messages pages: the inbox beside the conversation, live over Server-Sent Events.
// Every read and write goes through the JSON API (/api/...) on the session cookie; changes
// carry the page's CSRF token. Only user suggestions and the event stream live under /web.
"use strict";
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const body = document.body;
const page = body.dataset.page;
const UNREAD_CAP = Number(body.dataset.unreadCap);
const TYPING_SHOWN_MS = 6000;  // how long "… is typing" stays without another notice
const TYPING_EVERY_MS = 3000;  // how often a typist tells the server (it rate-limits)

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
    const prefix = t.dataset.prefix || "";
    t.textContent = prefix + relative(t.getAttribute("datetime"));
    t.title = new Date(t.getAttribute("datetime")).toLocaleString();
  });
}
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
}

// ---- the JSON API ------------------------------------------------------------------------
async function call(method, url, payload, headers = {}) {
  const init = { method, credentials: "same-origin", headers: { ...headers } };
  if (method !== "GET") init.headers["X-CSRF-Token"] = csrf;
  if (payload !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(payload);
  }
  const response = await fetch(url, init);
  if (response.status === 401) { location.href = "/signin"; throw new Error("signed out"); }
  return response;
}
async function getJSON(url) {
  const response = await call("GET", url);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return { data: await response.json(), headers: response.headers };
}
async function problem(response) {
  try { return (await response.json()).errors[0].message; }
  catch { return `Something went wrong (HTTP ${response.status}); try again.`; }
}

// ---- live events -------------------------------------------------------------------------
const listeners = [];
function onEvent(listener) { listeners.push(listener); }
function live() {
  const source = new EventSource("/web/events");
  // "resync": the server's subscription was lost a while and events may be missing, so the
  // page refetches as on a new connection.
  source.onmessage = (e) => {
    const event = JSON.parse(e.data);
    const shown = event.type === "resync" ? { type: "connected" } : event;
    listeners.forEach((l) => l(shown));
  };
  source.onopen = () => listeners.forEach((l) => l({ type: "connected" }));
  // This session was signed out (in this tab or another): the server ended the stream.
  source.addEventListener("signed_out", () => { source.close(); location.assign("/signin"); });
}

// ---- the tab title and notifications --------------------------------------------------
const baseTitle = document.title;
function showUnreadTotal(total) {
  document.title = total > 0 ? `(${total}) ${baseTitle}` : baseTitle;
}
function setupNotifications() {
  const button = document.getElementById("notify");
  if (!button || !("Notification" in window)) return;
  // Asked for only when the user presses the button, never on load.
  button.hidden = Notification.permission !== "default";
  button.addEventListener("click", async () => {
    await Notification.requestPermission();
    button.hidden = Notification.permission !== "default";
  });
}
function notify(row) {
  if (!document.hidden || !("Notification" in window) || Notification.permission !== "granted") return;
  const note = new Notification(row.display_name, { body: row.deleted ? "" : row.message, tag: row.uuid });
  note.onclick = () => { window.focus(); location.assign(`/messages/${row.uuid}`); };
}

// ---- inbox (its own page on phones; the left pane at desktop widths) ----------------
function badge(count) {
  // The server counts exactly up to its cap (100); at the cap it means "that many or more".
  const shown = count >= UNREAD_CAP ? `${UNREAD_CAP - 1}+` : String(count);
  return el("span", { class: "badge", "data-count": String(count), "aria-label": `${shown} unread` }, shown);
}
function inboxRow(row, selected) {
  const attrs = { href: `/messages/${row.uuid}` };
  if (row.uuid === selected) attrs["aria-current"] = "page";
  const link = el("a", attrs,
    el("span", { class: "who" }, el("strong", {}, row.display_name), " ",
       el("span", { class: "handle" }, `@${row.handle}`)),
    el("time", { datetime: row.created_at }, row.created_at),
    el("span", { class: row.deleted ? "preview gone" : "preview" }, row.deleted ? "Message deleted" : row.message));
  const who = link.querySelector(".who");
  if (row.pinned) who.append(" ", el("span", { class: "flag", title: "Pinned", role: "img", "aria-label": "pinned" }, "📌"));
  if (row.muted) who.append(" ", el("span", { class: "flag", title: "Muted", role: "img", "aria-label": "muted" }, "🔕"));
  if (row.unread_count) link.append(badge(row.unread_count));
  // A muted conversation counts unread on its row, never in the tab's title nor as a notification.
  const item = { "data-group": row.uuid };
  if (row.muted) item["data-muted"] = "";
  return el("li", item, link);
}
function setupInbox() {
  const list = document.getElementById("inbox");
  const selected = body.dataset.group || null;
  let next = body.dataset.next || null;
  let loading = false;
  const total = () => [...list.querySelectorAll("li:not([data-muted]) .badge")]
    .reduce((sum, b) => sum + Number(b.dataset.count || 0), 0);
  async function reload(event) {
    // As many rows as are shown (the first page at least): a live refresh after "load more"
    // must not fold the list back to its first page under the reader's eyes.
    const shown = list.querySelectorAll("li[data-group]").length;
    const limit = Math.min(100, Math.max(20, shown));
    const { data, headers } = await getJSON(`/api/message_groups?limit=${limit}`);
    list.replaceChildren(...data.map((row) => inboxRow(row, selected)));
    if (!data.length) list.append(el("li", { class: "empty" }, "No conversations yet."));
    next = headers.get("X-Next-Cursor");
    refreshTimes(list);
    showUnreadTotal(total());
    const row = event && event.message_uuid && data.find((r) => r.uuid === event.group);
    if (row && row.unread_count && !row.muted) notify(row);  // only while the tab is hidden
  }
  async function more() {
    if (!next || loading) return;
    loading = true;
    try {
      const { data, headers } = await getJSON(`/api/message_groups?limit=20&cursor=${encodeURIComponent(next)}`);
      const seen = new Set([...list.children].map((li) => li.dataset.group));
      list.append(...data.filter((r) => !seen.has(r.uuid)).map((row) => inboxRow(row, selected)));
      next = headers.get("X-Next-Cursor");
      refreshTimes(list);
      showUnreadTotal(total());
    } finally { loading = false; }
  }
  window.addEventListener("scroll", () => {
    if (window.innerHeight + window.scrollY > document.body.offsetHeight - 200) more();
  });
  showUnreadTotal(total());
  onEvent((event) => { if (event.type === "inbox" || event.type === "connected") reload(event); });
}

// ---- conversation ----------------------------------------------------------------------
function setupConversation() {
  const { group, me } = body.dataset;
  const otherName = body.dataset.otherName;
  const otherHandle = body.dataset.otherHandle;
  const list = document.getElementById("messages");
  let next = body.dataset.nextMessages || null;
  let loading = false;
  let readUntil = body.dataset.readUntil || null;
  let readAt = body.dataset.readAt || null;

  function messageItem(m) {
    const classes = [m.handle === me ? "mine" : "theirs"];
    if (m.deleted) classes.push("deleted");
    const item = el("li", { "data-uuid": m.uuid, "data-created": m.created_at, class: classes.join(" ") },
      el("span", { class: "sender" }, m.display_name),
      el("p", {}, m.deleted ? "Message deleted" : m.message),
      el("time", { datetime: m.created_at }, m.created_at));
    if (m.edited_at && !m.deleted) item.append(" ", el("span", { class: "edited" }, "(edited)"));
    return decorate(item);
  }
  // Edit and Delete on your own messages that still have their text.
  function decorate(item) {
    if (!item.classList.contains("mine") || item.classList.contains("deleted")) return item;
    const tools = el("span", { class: "tools" },
      el("button", { type: "button", class: "quiet", "data-action": "edit" }, "Edit"),
      el("button", { type: "button", class: "quiet", "data-action": "delete" }, "Delete"));
    item.append(tools);
    return item;
  }
  list.querySelectorAll("li").forEach(decorate);
  const known = () => new Set([...list.children].map((li) => li.dataset.uuid));

  // "Seen" under your newest message the other member has read.
  function showSeen() {
    list.querySelectorAll(".seen").forEach((s) => s.remove());
    if (!readUntil) return;
    const read = [...list.querySelectorAll("li.mine")].filter((li) => li.dataset.created <= readUntil);
    const last = read.pop();
    if (!last) return;
    const when = el("time", { datetime: readAt, "data-prefix": "Seen " }, "Seen");
    last.append(el("span", { class: "seen" }, when));
    refreshTimes(last);
  }

  const atBottom = () => list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  function append(messages) {
    const seen = known();
    const fresh = messages.filter((m) => !seen.has(m.uuid));
    const stay = atBottom();
    list.append(...fresh.map(messageItem));
    refreshTimes(list);
    showSeen();
    if (stay || fresh.some((m) => m.handle === me)) list.scrollTop = list.scrollHeight;
    return fresh;
  }
  function replace(m) {
    const old = list.querySelector(`li[data-uuid="${m.uuid}"]`);
    if (!old) return;
    old.replaceWith(messageItem(m));
    refreshTimes(list);
    showSeen();
  }
  async function older() {
    if (!next || loading) return;
    loading = true;
    try {
      const { data, headers } = await getJSON(`/api/messages/${group}?limit=30&cursor=${encodeURIComponent(next)}`);
      const seen = known();
      const before = list.scrollHeight;
      list.prepend(...data.filter((m) => !seen.has(m.uuid)).map(messageItem));
      list.scrollTop += list.scrollHeight - before;  // keep the reader where they were
      next = headers.get("X-Next-Cursor");
      refreshTimes(list);
      showSeen();
    } finally { loading = false; }
  }
  list.addEventListener("scroll", () => { if (list.scrollTop < 60) older(); });
  list.scrollTop = list.scrollHeight;
  showSeen();

  // ---- typing: theirs shown for a few seconds, ours told every few seconds ----
  const typing = document.getElementById("typing");
  let typingTimer = null;
  function showTyping(name) {
    typing.textContent = `${name} is typing…`;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { typing.textContent = ""; }, TYPING_SHOWN_MS);
  }
  function hideTyping() { clearTimeout(typingTimer); typing.textContent = ""; }

  onEvent(async (event) => {
    if (event.type === "connected") {
      // Connected (or back after a drop): how far they have read may have moved meanwhile.
      const { data: conversation } = await getJSON(`/api/message_groups/${group}`);
      if (conversation.other_read_until) { readUntil = conversation.other_read_until; readAt = conversation.other_read_at; }
    }
    if (event.type === "connected" || (event.type === "inbox" && event.group === group)) {
      const { data } = await getJSON(`/api/messages/${group}?limit=20`);
      const fresh = append(data);
      if (fresh.some((m) => m.handle !== me)) hideTyping();  // their message arrived
      // Opened, or new messages shown: read. (Viewing the page itself, a GET, changes nothing.)
      if (fresh.length || event.type === "connected") await call("POST", `/api/message_groups/${group}/read`);
    } else if (event.type === "message" && event.group === group) {
      const response = await call("GET", `/api/messages/${group}/${event.message_uuid}`);
      if (response.ok) replace(await response.json());
    } else if (event.type === "read" && event.group === group) {
      if (!readUntil || event.read_until > readUntil) { readUntil = event.read_until; readAt = event.read_at; }
      showSeen();
    } else if (event.type === "typing" && event.group === group) {
      showTyping(event.display_name || otherName);
    }
  });

  // ---- edit and delete your own ----
  const sendError = document.getElementById("send-error");
  function showError(text) { sendError.textContent = text; sendError.hidden = !text; }
  list.addEventListener("click", async (e) => {
    const button = e.target.closest("button[data-action]");
    if (!button) return;
    const item = button.closest("li");
    const url = `/api/messages/${group}/${item.dataset.uuid}`;
    if (button.dataset.action === "delete") {
      if (!confirm("Delete this message for both of you?")) return;
      const response = await call("DELETE", url);
      if (!response.ok) { showError(await problem(response)); return; }
      const fresh = await call("GET", url);
      if (fresh.ok) replace(await fresh.json());
      return;
    }
    const text = item.querySelector("p");
    const editor = el("form", { class: "editor" },
      el("label", { for: `edit-${item.dataset.uuid}`, class: "visually-hidden" }, "New text"),
      el("textarea", { id: `edit-${item.dataset.uuid}`, rows: "2", maxlength: body.dataset.maxChars }),
      el("button", { type: "submit" }, "Save"),
      el("button", { type: "button", class: "quiet", "data-cancel": "" }, "Cancel"));
    const area = editor.querySelector("textarea");
    area.value = text.textContent;
    text.replaceWith(editor);
    item.querySelector(".tools").hidden = true;
    area.focus();
    const done = (message) => replace(message);
    editor.querySelector("[data-cancel]").addEventListener("click", async () => {
      const response = await call("GET", url);
      if (response.ok) done(await response.json());
    });
    area.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); editor.requestSubmit(); }
      if (ev.key === "Escape") editor.querySelector("[data-cancel]").click();
    });
    editor.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const response = await call("PATCH", url, { message: area.value.trim() });
      if (response.ok) { showError(""); done(await response.json()); }
      else showError(await problem(response));
    });
  });

  // ---- block ----
  const blockButton = document.getElementById("block");
  const blockedNote = document.getElementById("blocked-note");
  blockButton.addEventListener("click", async () => {
    const blocked = blockButton.getAttribute("aria-pressed") === "true";
    if (!blocked && !confirm(`Block @${otherHandle}? Neither of you can send to the other until you unblock them.`)) return;
    const response = await call(blocked ? "DELETE" : "POST", `/api/users/@${otherHandle}/block`);
    if (!response.ok) { showError(await problem(response)); return; }
    blockButton.setAttribute("aria-pressed", String(!blocked));
    blockButton.textContent = blocked ? "Block" : "Unblock";
    blockedNote.hidden = blocked;
    showError("");
  });

  // ---- the composer: one Idempotency-Key per composed message, kept across retries ----
  const form = document.getElementById("composer");
  const box = document.getElementById("message");
  const counter = document.getElementById("counter");
  const max = Number(box.getAttribute("maxlength"));
  let pending = null;  // {text, key}: a retry of the same text reuses its key
  let lastTyping = 0;
  const count = () => { counter.textContent = `${box.value.trim().length} / ${max}`; };
  box.addEventListener("input", () => {
    count();
    const now = Date.now();
    if (box.value.trim() && now - lastTyping > TYPING_EVERY_MS) {
      lastTyping = now;
      call("POST", `/api/message_groups/${group}/typing`).catch(() => {});
    }
  });
  box.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = box.value.trim();
    if (!text) return;
    if (!pending || pending.text !== text) pending = { text, key: crypto.randomUUID() };
    let response;
    try {
      response = await call("POST", "/api/messages", { message: text, message_group_uuid: group },
                            { "Idempotency-Key": pending.key });
    } catch {
      showError("Not sent: the connection failed. Send again to retry (it will not be sent twice).");
      return;
    }
    if (response.ok) {
      pending = null;
      lastTyping = 0;
      showError("");
      append([await response.json()]);
      box.value = "";
      count();
    } else {
      showError(await problem(response));
    }
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
      const { data } = await getJSON(`/web/users?q=${encodeURIComponent(input.value)}`);
      options.replaceChildren(...data.map((u) => el("option", { value: u.handle }, u.display_name)));
    }, 150);
  });
}

refreshTimes();
setInterval(refreshTimes, 30000);
setupNotifications();
if (page === "inbox" || page === "conversation") { setupInbox(); live(); }
if (page === "conversation") setupConversation();
if (page === "new") setupNew();
