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

// The server draws times with the same words (web/times.py), so rewriting them after load
// changes nothing on screen; keep the two alike.
function relative(iso) {
  const seconds = (Date.now() - Date.parse(iso)) / 1000;
  if (seconds < 45) return "just now";
  const steps = [[60, "min", 60], [24, "h", 3600], [30, "d", 86400], [12, "mo", 2592000]];
  for (const [limit, unit, size] of steps) {
    const value = Math.round(seconds / size);
    if (value < limit) return `${value} ${unit} ago`;
  }
  return new Date(iso).toLocaleDateString("en", { day: "numeric", month: "short", year: "numeric" });
}
function refreshTimes(root = document) {
  root.querySelectorAll("time[datetime]").forEach((t) => {
    const words = (t.dataset.prefix || "") + relative(t.getAttribute("datetime"));
    if (t.textContent !== words) t.textContent = words;
    t.title = new Date(t.getAttribute("datetime")).toLocaleString();
  });
}
// A <time> drawn in its final words at once: drawn as an ISO string and rewritten later, it
// changed width and moved what followed.
function timeEl(iso, prefix = "") {
  const attrs = { datetime: iso, title: new Date(iso).toLocaleString() };
  if (prefix) attrs["data-prefix"] = prefix;
  return el("time", attrs, prefix + relative(iso));
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
    if (Notification.permission === "default") return;
    button.hidden = true;
    button.nextElementSibling.focus();  // the button is gone: the keyboard goes on to "New"
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
    timeEl(row.created_at),
    el("span", { class: row.deleted || row.expired ? "preview gone" : "preview" },
       row.expired ? "Older messages expired" : row.deleted ? "Message deleted" : row.message));
  const who = link.querySelector(".who");
  // The same markup as the server's rows (messages.html): redrawing them moves nothing.
  if (row.pinned) who.append(" ", el("span", { class: "flag", title: "Pinned", role: "img", "aria-label": "pinned" }, "📌"));
  if (row.muted) who.append(" ", el("span", { class: "flag", title: "Muted", role: "img", "aria-label": "muted" }, "🔕"));
  if (row.unread_count) link.append(badge(row.unread_count));
  // A muted conversation counts unread on its row, never in the tab's title nor as a notification.
  const item = { "data-group": row.uuid };
  if (row.muted) item["data-muted"] = "";
  if (row.pinned) item["data-pinned"] = "";
  if (row.archived) item["data-archived"] = "";
  const options = el("button", { type: "button", class: "row-menu quiet", "aria-haspopup": "menu",
    "aria-expanded": "false", "aria-label": `Options for the conversation with ${row.display_name}` }, "⋯");
  return el("li", item, link, options);
}

// ---- the keyboard's place, kept across a redraw -------------------------------------------
// Messages and inbox rows are redrawn from the server's answer (a reaction, an edit, a live
// event). A focused node that is replaced takes the focus with it, to <body>: a keyboard or
// screen-reader user is thrown back to the top of the page. So the focus is noted before a
// redraw by what the control does, and given to the same control in the redrawn copy.
function sameControl(node) {
  if (node.dataset.emoji) return `.reaction[data-emoji="${CSS.escape(node.dataset.emoji)}"]`;
  if (node.dataset.action) return `[data-action="${node.dataset.action}"]`;
  if (node.closest(".editor")) return '[data-action="edit"]';  // an editor closed: its Edit button
  return node.tagName.toLowerCase() + [...node.classList].map((c) => `.${CSS.escape(c)}`).join("");
}
// Notes where the focus is inside `item`; the function returned puts it on the same control in
// `redrawn` (the nth alike, as before), else on `fallback` there, else on the item itself.
function keepFocus(item, fallback) {
  const active = document.activeElement;
  if (!active || !item.contains(active)) return () => {};
  const selector = active === item ? null : sameControl(active);
  const index = selector ? [...item.querySelectorAll(selector)].indexOf(active) : -1;
  const caret = active.tagName === "TEXTAREA" ? [active.selectionStart, active.selectionEnd] : null;
  return (redrawn) => {
    if (!redrawn || !redrawn.isConnected) return;
    let target = redrawn.contains(active) ? active : null;  // carried over: an editor, a menu
    if (!target && !selector) target = redrawn;  // the item itself had it
    if (!target) {
      const alike = redrawn.querySelectorAll(selector);
      target = alike[index] || alike[0];
    }
    target = target || (fallback && redrawn.querySelector(fallback)) || redrawn;
    target.focus({ preventScroll: true });
    if (caret && target === active) active.setSelectionRange(...caret);
  };
}

// A small menu of buttons (role=menu) beside `anchor`: arrow keys move, Escape closes and gives
// focus back, choosing one closes it. One open at a time.
let openMenu = null;
function closeMenu() {
  if (!openMenu) return;
  const { menu, anchor } = openMenu;
  openMenu = null;
  menu.remove();
  anchor.setAttribute("aria-expanded", "false");
  anchor.focus();
}
// position: fixed, from the anchor's place on screen: inside the messages' scroll box an
// absolutely placed menu was cut off by it (the newest message's picker most of all). Under the
// anchor, or over it when the screen has no room below; always inside the screen's width.
function placeMenu() {
  if (!openMenu) return;
  const { menu, anchor } = openMenu;
  const at = anchor.getBoundingClientRect();
  const { width, height } = menu.getBoundingClientRect();
  const gap = 4;
  const below = at.bottom + gap + height <= window.innerHeight || at.top - gap - height < 0;
  const alignLeft = menu.classList.contains("picker");
  const left = alignLeft ? at.left : at.right - width;
  menu.style.left = `${Math.max(gap, Math.min(left, window.innerWidth - width - gap))}px`;
  menu.style.top = `${below ? at.bottom + gap : at.top - gap - height}px`;
}
function showMenu(anchor, label, choices, className = "menu") {
  closeMenu();
  const menu = el("div", { role: "menu", class: className, "aria-label": label });
  for (const [text, action, name] of choices) {
    const item = el("button", { type: "button", role: "menuitem", tabindex: "-1" }, text);
    if (name) item.setAttribute("aria-label", name);
    item.addEventListener("click", async () => { closeMenu(); await action(); });
    menu.append(item);
  }
  menu.addEventListener("keydown", (e) => {
    const items = [...menu.querySelectorAll("[role=menuitem]")];
    const at = items.indexOf(document.activeElement);
    const step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[e.key];
    if (step) { e.preventDefault(); items[(at + step + items.length) % items.length].focus(); }
    else if (e.key === "Home") { e.preventDefault(); items[0].focus(); }
    else if (e.key === "End") { e.preventDefault(); items[items.length - 1].focus(); }
    else if (e.key === "Escape" || e.key === "Tab") { e.preventDefault(); closeMenu(); }
  });
  anchor.after(menu);  // next in the reading order, wherever it shows
  anchor.setAttribute("aria-expanded", "true");
  openMenu = { menu, anchor };
  placeMenu();
  menu.querySelector("[role=menuitem]").focus({ preventScroll: true });
}
// An open menu whose row or message is redrawn moves to the redrawn copy's button, open as it
// was (keepFocus then finds the focused choice in it).
function carryMenu(old, redrawn) {
  if (!openMenu || !old.contains(openMenu.menu)) return;
  const anchor = redrawn && redrawn.querySelector(sameControl(openMenu.anchor));
  if (!anchor) { openMenu.menu.remove(); openMenu = null; return; }
  anchor.after(openMenu.menu);
  anchor.setAttribute("aria-expanded", "true");
  openMenu.anchor = anchor;
  placeMenu();
}
document.addEventListener("click", (e) => {
  if (openMenu && !openMenu.menu.contains(e.target) && e.target !== openMenu.anchor) closeMenu();
});
// Scrolling (the page or the messages' box) and resizing move the anchor: the menu follows it.
document.addEventListener("scroll", placeMenu, { capture: true, passive: true });
window.addEventListener("resize", placeMenu);

function setupInbox() {
  const list = document.getElementById("inbox");
  const selected = body.dataset.group || null;
  const archivedButton = document.getElementById("show-archived");
  let archived = false;  // the archived conversations instead of the inbox
  let next = body.dataset.next || null;
  let loading = false;
  let reloads = 0;
  const view = () => (archived ? "&archived=true" : "");
  const emptyRow = () => (archived ? el("li", { class: "empty" }, "No archived conversations.")
    : el("li", { class: "empty" }, "No conversations yet. ", el("a", { href: "/messages/new" }, "Start one"), "."));
  const total = () => [...list.querySelectorAll("li:not([data-muted]) .badge")]
    .reduce((sum, b) => sum + Number(b.dataset.count || 0), 0);
  async function reload(event) {
    // As many rows as are shown (the first page at least): a live refresh after "load more"
    // must not fold the list back to its first page under the reader's eyes.
    const shown = list.querySelectorAll("li[data-group]").length;
    const limit = Math.min(100, Math.max(20, shown));
    const asked = ++reloads;
    const { data, headers } = await getJSON(`/api/message_groups?limit=${limit}${view()}`);
    // Refreshes overlap (a live event during a change of yours): only the latest one asked for
    // is drawn, or an older answer arriving last would put back the order it replaced.
    if (asked !== reloads) return;
    // A live refresh keeps the keyboard where it was: the same row's link, options or open menu.
    const focused = document.activeElement && document.activeElement.closest("#inbox li[data-group]");
    const restore = focused ? keepFocus(focused, "a") : () => {};
    const menuRow = openMenu && openMenu.menu.closest("#inbox li[data-group]");
    list.replaceChildren(...data.map((row) => inboxRow(row, selected)));
    if (!data.length) list.append(emptyRow());
    const again = (old) => old && list.querySelector(`li[data-group="${CSS.escape(old.dataset.group)}"]`);
    if (menuRow) carryMenu(menuRow, again(menuRow));
    if (focused && !again(focused)) archivedButton.focus();  // its row left the list
    restore(again(focused));
    next = headers.get("X-Next-Cursor");
    if (!archived) showUnreadTotal(total());
    const row = event && event.message_uuid && data.find((r) => r.uuid === event.group);
    if (row && row.unread_count && !row.muted) notify(row);  // only while the tab is hidden
  }
  async function more() {
    if (!next || loading) return;
    loading = true;
    try {
      const { data, headers } = await getJSON(`/api/message_groups?limit=20&cursor=${encodeURIComponent(next)}${view()}`);
      const seen = new Set([...list.children].map((li) => li.dataset.group));
      list.append(...data.filter((r) => !seen.has(r.uuid)).map((row) => inboxRow(row, selected)));
      next = headers.get("X-Next-Cursor");
      refreshTimes(list);
      if (!archived) showUnreadTotal(total());
    } finally { loading = false; }
  }
  window.addEventListener("scroll", () => {
    if (window.innerHeight + window.scrollY > document.body.offsetHeight - 200) more();
  });
  archivedButton.addEventListener("click", async () => {
    archived = !archived;
    archivedButton.setAttribute("aria-pressed", String(archived));
    document.getElementById("inbox-heading").textContent = archived ? "Archived" : "Conversations";
    await reload();
  });
  // Mute, archive, pin: the row's menu changes your row only.
  list.addEventListener("click", (e) => {
    const button = e.target.closest(".row-menu");
    if (!button) return;
    const item = button.closest("li");
    const group = item.dataset.group;
    const is = (name) => item.hasAttribute(`data-${name}`);
    const change = (choice) => async () => {
      const response = await call("PATCH", `/api/message_groups/${group}`, choice);
      if (!response.ok) { alert(await problem(response)); return; }
      await reload();
    };
    showMenu(button, "Conversation options", [
      [is("pinned") ? "Unpin" : "Pin to the top", change({ pinned: !is("pinned") })],
      [is("muted") ? "Unmute" : "Mute", change({ muted: !is("muted") })],
      [is("archived") ? "Unarchive" : "Archive", change({ archived: !is("archived") })],
    ]);
  });
  showUnreadTotal(total());
  onEvent((event) => { if (event.type === "inbox" || event.type === "connected") reload(event); });
}

// ---- conversation ----------------------------------------------------------------------
const REACTION_CHOICES = [["👍", "thumbs up"], ["❤️", "heart"], ["😂", "laughing"], ["😮", "surprised"],
                          ["😢", "sad"], ["🎉", "party"], ["🙏", "thanks"], ["🔥", "fire"]];
const ACCEPTED_TYPES = new Set(["image/jpeg", "image/png", "image/webp", "image/gif",
                                "application/pdf", "text/plain", "application/zip"]);
function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
function setupConversation() {
  const { group, me } = body.dataset;
  const otherName = body.dataset.otherName;
  const otherHandle = body.dataset.otherHandle;
  const list = document.getElementById("messages");
  let next = body.dataset.nextMessages || null;
  let loading = false;
  let readUntil = body.dataset.readUntil || null;
  let readAt = body.dataset.readAt || null;
  const sendError = document.getElementById("send-error");
  function showError(text) { sendError.textContent = text; sendError.hidden = !text; }

  function quote(reply) {
    const shown = reply.deleted ? "Message deleted" : reply.preview;
    return el("button", { type: "button", class: reply.deleted ? "quote gone" : "quote", "data-goto": reply.uuid,
      "aria-label": `In reply to ${reply.display_name}: ${shown}. Show that message` },
      el("strong", {}, reply.display_name), " ", shown);
  }
  function attachments(files) {
    const shelf = el("div", { class: "files" });
    for (const file of files) {
      if (file.thumbnail_url) {
        const image = el("img", { src: file.thumbnail_url, alt: file.name, loading: "lazy" });
        shelf.append(el("button", { type: "button", class: "thumb", "data-full": file.url,
          "data-name": file.name, "aria-label": `Open the photo ${file.name}` }, image));
      } else {
        shelf.append(el("a", { class: "file-chip", href: file.url, download: file.name },
          el("span", { class: "emoji", "aria-hidden": "true" }, "📎"), " ", el("span", { class: "name" }, file.name),
          " ", el("span", { class: "size" }, size(file.size))));
      }
    }
    return shelf;
  }
  function reactionBar(m) {
    const bar = el("div", { class: "reactions", role: "group", "aria-label": "Reactions" });
    for (const r of m.reactions) {
      const label = `${r.emoji} ${r.count}: ${r.mine ? "yours; remove it" : "add yours"}`;
      bar.append(el("button", { type: "button", class: "reaction", "data-emoji": r.emoji,
        "aria-pressed": String(r.mine), "aria-label": label }, el("span", { class: "emoji" }, r.emoji), ` ${r.count}`));
    }
    return bar;
  }
  function messageItem(m) {
    const classes = [m.handle === me ? "mine" : "theirs"];
    if (m.deleted) classes.push("deleted");
    const item = el("li", { "data-uuid": m.uuid, "data-created": m.created_at, tabindex: "-1",
      class: classes.join(" "), "data-preview": m.message.slice(0, 120), "data-name": m.display_name },
      el("span", { class: "sender" }, m.display_name));
    if (m.reply_to) item.append(quote(m.reply_to));
    item.append(el("p", {}, m.deleted ? "Message deleted" : m.message));
    if (!m.deleted && m.attachments.length) item.append(attachments(m.attachments));
    item.append(timeEl(m.created_at));
    if (m.edited_at && !m.deleted) item.append(" ", el("span", { class: "edited" }, "(edited)"));
    if (!m.deleted) item.append(reactionBar(m));
    return decorate(item);
  }
  // Reply and React on every message still there; Edit and Delete on your own.
  function decorate(item) {
    if (item.classList.contains("deleted")) return item;
    const tools = el("span", { class: "tools" },
      el("button", { type: "button", class: "quiet", "data-action": "reply" }, "Reply"),
      el("button", { type: "button", class: "quiet", "data-action": "react", "aria-haspopup": "menu",
        "aria-expanded": "false" }, "React"));
    if (item.classList.contains("mine")) {
      tools.append(el("button", { type: "button", class: "quiet", "data-action": "edit" }, "Edit"),
                   el("button", { type: "button", class: "quiet", "data-action": "delete" }, "Delete"));
    }
    item.append(tools);
    return item;
  }
  const initial = JSON.parse(document.getElementById("initial-messages").textContent);
  list.replaceChildren(...initial.map(messageItem));
  const known = () => new Set([...list.children].map((li) => li.dataset.uuid));

  // "Seen" under your newest message the other member has read.
  function showSeen() {
    list.querySelectorAll(".seen").forEach((s) => s.remove());
    if (!readUntil) return;
    const read = [...list.querySelectorAll("li.mine")].filter((li) => li.dataset.created <= readUntil);
    const last = read.pop();
    if (!last) return;
    last.append(el("span", { class: "seen" }, timeEl(readAt || readUntil, "Seen ")));
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
  // A message redrawn (a reaction, an edit, a deletion, here or live from the other member) keeps
  // the keyboard on the same control, a chip that went falling back to React. An edit being
  // written stays open through someone else's change (closing: the edit itself ended it).
  function replace(m, { closing = false } = {}) {
    const old = list.querySelector(`li[data-uuid="${m.uuid}"]`);
    if (!old) return;
    const restore = keepFocus(old, '[data-action="react"]');
    const fresh = messageItem(m);
    const editor = !closing && !m.deleted && old.querySelector(".editor");
    if (editor) {
      fresh.querySelector("p").replaceWith(editor);
      fresh.querySelector(".tools").hidden = true;
    }
    carryMenu(old, fresh);
    old.replaceWith(fresh);
    restore(fresh);
    showSeen();
  }
  async function refetch(uuid, options) {
    const response = await call("GET", `/api/messages/${group}/${uuid}`);
    if (response.ok) replace(await response.json(), options);
  }
  async function older() {
    if (!next || loading) return false;
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
      return true;
    } finally { loading = false; }
  }
  list.addEventListener("scroll", () => { if (list.scrollTop < 60) older(); });
  list.scrollTop = list.scrollHeight;
  showSeen();
  // A photo's link lives a few minutes: one that has lapsed on a page left open is asked again.
  list.addEventListener("error", (e) => {
    const item = e.target.tagName === "IMG" && e.target.closest("li[data-uuid]");
    if (item && !item.dataset.retried) { item.dataset.retried = "1"; refetch(item.dataset.uuid); }
  }, true);

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
      await refetch(event.message_uuid);  // edited, deleted, or reacted to
    } else if (event.type === "read" && event.group === group) {
      if (!readUntil || event.read_until > readUntil) { readUntil = event.read_until; readAt = event.read_at; }
      showSeen();
    } else if (event.type === "typing" && event.group === group) {
      showTyping(event.display_name || otherName);
    }
  });

  // ---- the full-size view of a photo ----
  const viewer = document.getElementById("viewer");
  const viewerImage = document.getElementById("viewer-image");
  let viewerFrom = null;
  viewer.addEventListener("close", () => { if (viewerFrom) viewerFrom.focus(); });
  viewer.addEventListener("click", (e) => { if (e.target === viewer) viewer.close(); });

  // ---- reply, react, open a photo, go to a quoted message; edit and delete your own ----
  const replying = document.getElementById("replying");
  let replyTo = null;
  function setReply(item) {
    replyTo = item ? item.dataset.uuid : null;
    replying.hidden = !item;
    if (item) {
      document.getElementById("replying-name").textContent = item.dataset.name;
      document.getElementById("replying-preview").textContent = item.dataset.preview || "a file";
      box.focus();
    }
  }
  document.getElementById("replying-cancel").addEventListener("click", () => { setReply(null); box.focus(); });
  async function react(uuid, emoji, present) {
    const url = `/api/messages/${group}/${uuid}/reactions/${encodeURIComponent(emoji)}`;
    const response = await call(present ? "PUT" : "DELETE", url);
    if (!response.ok) { showError(await problem(response)); return; }
    showError("");
    await refetch(uuid);
  }
  async function goTo(uuid) {
    // The quoted message may be on an older page: load pages until it is there (at most 20).
    for (let n = 0; n < 20 && !list.querySelector(`li[data-uuid="${uuid}"]`); n++) {
      if (!(await older())) break;
    }
    const target = list.querySelector(`li[data-uuid="${uuid}"]`);
    if (!target) { showError("That message is no longer in this conversation."); return; }
    target.scrollIntoView({ block: "center" });
    target.classList.remove("flash");
    void target.offsetWidth;  // restart the highlight
    target.classList.add("flash");
    target.focus({ preventScroll: true });
  }
  list.addEventListener("click", async (e) => {
    const thumb = e.target.closest("button.thumb");
    if (thumb) {
      viewerFrom = thumb;
      viewerImage.src = thumb.dataset.full;
      viewerImage.alt = thumb.dataset.name;
      viewer.showModal();
      document.getElementById("viewer-close").focus();
      return;
    }
    const jump = e.target.closest("button.quote");
    if (jump) { await goTo(jump.dataset.goto); return; }
    const chip = e.target.closest("button.reaction");
    if (chip) {
      await react(chip.closest("li").dataset.uuid, chip.dataset.emoji, chip.getAttribute("aria-pressed") !== "true");
      return;
    }
    const button = e.target.closest("button[data-action]");
    if (!button) return;
    const item = button.closest("li");
    const url = `/api/messages/${group}/${item.dataset.uuid}`;
    if (button.dataset.action === "reply") { setReply(item); return; }
    if (button.dataset.action === "react") {
      const mine = new Set([...item.querySelectorAll('.reaction[aria-pressed="true"]')].map((b) => b.dataset.emoji));
      showMenu(button, "Pick a reaction", REACTION_CHOICES.map(([emoji, name]) =>
        [emoji, () => react(item.dataset.uuid, emoji, !mine.has(emoji)), mine.has(emoji) ? `remove ${name}` : name]),
        "menu picker");
      return;
    }
    if (button.dataset.action === "delete") {
      if (!confirm("Delete this message for both of you?")) return;
      const response = await call("DELETE", url);
      if (!response.ok) { showError(await problem(response)); return; }
      await refetch(item.dataset.uuid);
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
    editor.querySelector("[data-cancel]").addEventListener("click", () => refetch(item.dataset.uuid, { closing: true }));
    area.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); editor.requestSubmit(); }
      if (ev.key === "Escape") editor.querySelector("[data-cancel]").click();
    });
    editor.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const response = await call("PATCH", url, { message: area.value.trim() });
      if (response.ok) { showError(""); replace(await response.json(), { closing: true }); }
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

  // ---- attachments: picked, dropped or pasted; each uploaded at once, with its progress ----
  const uploadList = document.getElementById("uploads");
  const picker = document.getElementById("attach");
  const pane = document.querySelector(".pane-conversation");
  let uploads = [];  // {name, id, done, failed, item}
  const uploading = () => uploads.some((u) => !u.done && !u.failed);
  function declared(file) {
    if (ACCEPTED_TYPES.has(file.type)) return file.type;
    if (file.type.startsWith("text/")) return "text/plain";  // the server decides from the bytes
    return file.type || "application/octet-stream";
  }
  function drop(upload) {
    uploads = uploads.filter((u) => u !== upload);
    upload.item.remove();
    if (upload.xhr && !upload.done) upload.xhr.abort();
  }
  async function addFiles(files) {
    for (const file of files) {
      const progress = el("progress", { max: "1", value: "0", "aria-label": `Uploading ${file.name}` });
      const remove = el("button", { type: "button", class: "quiet", "aria-label": `Remove ${file.name}` }, "×");
      const item = el("li", { class: "upload" }, el("span", { class: "name" }, file.name), " ",
                      el("span", { class: "size" }, size(file.size)), progress, remove);
      const upload = { name: file.name, id: null, done: false, failed: false, item, xhr: null };
      remove.addEventListener("click", () => { drop(upload); box.focus(); });
      uploads.push(upload);
      uploadList.append(item);
      const begun = await call("POST", `/api/message_groups/${group}/attachments`,
                               { name: file.name, content_type: declared(file), size: file.size });
      if (!begun.ok) { showError(await problem(begun)); drop(upload); continue; }
      const { attachment_id: id, upload: form } = await begun.json();
      upload.id = id;
      const data = new FormData();
      for (const [name, value] of Object.entries(form.fields)) data.append(name, value);
      data.append("file", file);  // last: S3 takes the fields before the file
      // XMLHttpRequest, not fetch: only it reports an upload's progress.
      const xhr = new XMLHttpRequest();
      upload.xhr = xhr;
      xhr.upload.addEventListener("progress", (e) => { if (e.lengthComputable) progress.value = e.loaded / e.total; });
      const status = await new Promise((resolve) => {
        xhr.addEventListener("load", () => resolve(xhr.status));
        xhr.addEventListener("error", () => resolve(0));
        xhr.addEventListener("abort", () => resolve(-1));
        xhr.open("POST", form.url);
        xhr.send(data);
      });
      if (status >= 200 && status < 300) {
        upload.done = true;
        progress.value = 1;
        progress.setAttribute("aria-label", `${file.name} uploaded`);
        item.classList.add("done");
      } else if (status !== -1) {
        upload.failed = true;
        item.classList.add("failed");
        showError(`${file.name} did not upload; remove it and try again.`);
      }
    }
  }
  picker.addEventListener("change", async () => { const files = [...picker.files]; picker.value = ""; await addFiles(files); });
  pane.addEventListener("dragover", (e) => {
    if ([...e.dataTransfer.types].includes("Files")) { e.preventDefault(); pane.classList.add("dropping"); }
  });
  pane.addEventListener("dragleave", (e) => { if (e.target === pane) pane.classList.remove("dropping"); });
  pane.addEventListener("drop", (e) => {
    pane.classList.remove("dropping");
    if (!e.dataTransfer.files.length) return;
    e.preventDefault();
    addFiles([...e.dataTransfer.files]);
  });

  // ---- the composer: one Idempotency-Key per composed message, kept across retries ----
  const form = document.getElementById("composer");
  const box = document.getElementById("message");
  const counter = document.getElementById("counter");
  const max = Number(box.getAttribute("maxlength"));
  let pending = null;  // {what, key}: a retry of the same message reuses its key
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
  box.addEventListener("paste", (e) => {
    const files = [...(e.clipboardData ? e.clipboardData.files : [])];
    if (files.length) { e.preventDefault(); addFiles(files); }
  });
  box.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
    if (e.key === "Escape" && replyTo) setReply(null);
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const text = box.value.trim();
    if (uploading()) { showError("Wait for the files to finish uploading."); return; }
    const ids = uploads.filter((u) => u.done).map((u) => u.id);
    if (!text && !ids.length) return;
    const message = { message: text, message_group_uuid: group };
    if (replyTo) message.reply_to = replyTo;
    if (ids.length) message.attachments = ids;
    const what = JSON.stringify(message);
    if (!pending || pending.what !== what) pending = { what, key: crypto.randomUUID() };
    let response;
    try {
      response = await call("POST", "/api/messages", message, { "Idempotency-Key": pending.key });
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
      uploads.forEach((u) => u.item.remove());
      uploads = [];
      setReply(null);
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
