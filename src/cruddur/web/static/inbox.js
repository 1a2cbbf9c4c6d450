// The inbox: its own page on phones, the left pane at desktop widths. Rows redrawn live, more
// on scroll, the archived ones on demand; each row's menu mutes, archives or pins it. A group's
// row names its people's count where a person's names their handle.
import { call, cursorPages, getJSON, problem } from "./api.js";
import { el, keepFocus } from "./dom.js";
import { onEvent } from "./live.js";
import { carryMenu, openMenuIn, showMenu } from "./menu.js";
import { notify, showUnreadTotal } from "./notify.js";
import { refreshTimes, timeEl } from "./times.js";

const UNREAD_CAP = Number(document.body.dataset.unreadCap);
const ROW = "#inbox li[data-group]";
const NOTE = "cruddur-inbox-note";

// Off to the inbox, which then says `note` once ("You left …"): a group you are no longer in.
export function toInbox(note) {
  sessionStorage.setItem(NOTE, note);
  location.assign("/");
}
function showNote() {
  const note = sessionStorage.getItem(NOTE);
  const status = document.getElementById("inbox-status");
  if (!note || !status) return;
  sessionStorage.removeItem(NOTE);
  status.replaceChildren(el("p", { class: "note" }, note));
}

function badge(count) {
  // The server counts exactly up to its cap (100); at the cap it means "that many or more".
  const shown = count >= UNREAD_CAP ? `${UNREAD_CAP - 1}+` : String(count);
  return el("span", { class: "badge", "data-count": String(count), "aria-label": `${shown} unread` }, shown);
}
function inboxRow(row, selected) {
  const attrs = { href: `/messages/${row.uuid}` };
  if (row.uuid === selected) attrs["aria-current"] = "page";
  const group = row.kind === "group";
  const link = el("a", attrs,
    el("span", { class: "who" }, el("strong", {}, row.display_name), " ",
       el("span", { class: "handle" }, group ? `${row.member_count} people` : `@${row.handle}`)),
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
    "aria-expanded": "false",
    "aria-label": `Options for ${group ? "the group" : "the conversation with"} ${row.display_name}` }, "⋯");
  return el("li", item, link, options);
}

// The inbox's state: what it shows (the inbox, or the archived conversations instead), how far
// it has been read, and which of its overlapping refreshes is the latest.
function inboxOf(list) {
  return {
    list,
    selected: document.body.dataset.group || null,
    archivedButton: document.getElementById("show-archived"),
    archived: false,
    pages: cursorPages(document.body.dataset.next || null),
    reloads: 0,
    view() { return this.archived ? "&archived=true" : ""; },
    emptyRow() {
      return this.archived ? el("li", { class: "empty" }, "No archived conversations.")
        : el("li", { class: "empty" }, "No conversations yet. ", el("a", { href: "/messages/new" }, "Start one"), ".");
    },
    total() {
      return [...list.querySelectorAll("li:not([data-muted]) .badge")]
        .reduce((sum, b) => sum + Number(b.dataset.count || 0), 0);
    },
  };
}

async function reload(inbox, event) {
  const { list } = inbox;
  // As many rows as are shown (the first page at least): a live refresh after "load more"
  // must not fold the list back to its first page under the reader's eyes.
  const shown = list.querySelectorAll("li[data-group]").length;
  const limit = Math.min(100, Math.max(20, shown));
  const asked = ++inbox.reloads;
  const { data, headers } = await getJSON(`/api/message_groups?limit=${limit}${inbox.view()}`);
  // Refreshes overlap (a live event during a change of yours): only the latest one asked for
  // is drawn, or an older answer arriving last would put back the order it replaced.
  if (asked !== inbox.reloads) return;
  // A live refresh keeps the keyboard where it was: the same row's link, options or open menu.
  const focused = document.activeElement && document.activeElement.closest(ROW);
  const restore = focused ? keepFocus(focused, "a") : () => {};
  const menuRow = openMenuIn(ROW);
  list.replaceChildren(...data.map((row) => inboxRow(row, inbox.selected)));
  if (!data.length) list.append(inbox.emptyRow());
  const again = (old) => old && list.querySelector(`li[data-group="${CSS.escape(old.dataset.group)}"]`);
  if (menuRow) carryMenu(menuRow, again(menuRow));
  if (focused && !again(focused)) inbox.archivedButton.focus();  // its row left the list
  restore(again(focused));
  inbox.pages.restart(headers);
  if (!inbox.archived) showUnreadTotal(inbox.total());
  const row = event && event.message_uuid && data.find((r) => r.uuid === event.group);
  if (row && row.unread_count && !row.muted) notify(row);  // only while the tab is hidden
}
async function more(inbox) {
  const { list } = inbox;
  await inbox.pages.more((cursor) => `/api/message_groups?limit=20&cursor=${cursor}${inbox.view()}`, (data) => {
    const seen = new Set([...list.children].map((li) => li.dataset.group));
    list.append(...data.filter((r) => !seen.has(r.uuid)).map((row) => inboxRow(row, inbox.selected)));
    refreshTimes(list);
    if (!inbox.archived) showUnreadTotal(inbox.total());
  });
}
// Mute, archive, pin: the row's menu changes your row only.
function showRowMenu(inbox, button) {
  const item = button.closest("li");
  const group = item.dataset.group;
  const is = (name) => item.hasAttribute(`data-${name}`);
  const change = (choice) => async () => {
    const response = await call("PATCH", `/api/message_groups/${group}`, choice);
    if (!response.ok) { alert(await problem(response)); return; }
    await reload(inbox);
  };
  showMenu(button, "Conversation options", [
    [is("pinned") ? "Unpin" : "Pin to the top", change({ pinned: !is("pinned") })],
    [is("muted") ? "Unmute" : "Mute", change({ muted: !is("muted") })],
    [is("archived") ? "Unarchive" : "Archive", change({ archived: !is("archived") })],
  ]);
}

export function setupInbox() {
  const inbox = inboxOf(document.getElementById("inbox"));
  window.addEventListener("scroll", () => {
    if (window.innerHeight + window.scrollY > document.body.offsetHeight - 200) more(inbox);
  });
  inbox.archivedButton.addEventListener("click", async () => {
    inbox.archived = !inbox.archived;
    inbox.archivedButton.setAttribute("aria-pressed", String(inbox.archived));
    document.getElementById("inbox-heading").textContent = inbox.archived ? "Archived" : "Conversations";
    await reload(inbox);
  });
  inbox.list.addEventListener("click", (e) => {
    const button = e.target.closest(".row-menu");
    if (button) showRowMenu(inbox, button);
  });
  showUnreadTotal(inbox.total());
  showNote();
  // "members": a group's name, or who is in it, changed: its row's name may read otherwise.
  onEvent((event) => { if (["inbox", "members", "connected"].includes(event.type)) reload(inbox, event); });
}
