// The conversation page: its messages, older ones a page at a time, kept live; "Seen" under
// yours; reactions, replies (and the jump to a quoted message), edits and deletions; the full
// view of a photo; block. The composer below it is composer.js, its live events
// conversation-live.js; what a group adds (its people, their panel, "Seen by", folded messages
// of someone you block) is group.js.
import { call, cursorPages, problem } from "./api.js";
import { el, keepFocus } from "./dom.js";
import { setupComposer } from "./composer.js";
import { followLive } from "./conversation-live.js";
import { openEditor } from "./editor.js";
import { becomeGroup } from "./group.js";
import { carryMenu, showMenu } from "./menu.js";
import { messageItem } from "./message.js";
import { refreshTimes, timeEl } from "./times.js";

const REACTION_CHOICES = [["👍", "thumbs up"], ["❤️", "heart"], ["😂", "laughing"], ["😮", "surprised"],
                          ["😢", "sad"], ["🎉", "party"], ["🙏", "thanks"], ["🔥", "fire"]];

class Conversation {
  constructor(data) {
    this.group = data.group;
    this.me = data.me;
    this.otherName = data.otherName;
    this.otherHandle = data.otherHandle;
    this.list = document.getElementById("messages");
    this.pages = cursorPages(data.nextMessages || null);
    this.readUntil = data.readUntil || null;
    this.readAt = data.readAt || null;
    this.sendError = document.getElementById("send-error");
    this.setReply = () => {};  // the composer's, once it is set up
    this.kind = data.kind || "direct";
    this.people = null;  // a group's (people.js), and its panel (members.js)
    this.panel = null;
    this.leaving = false;  // you asked to leave the group: its disappearance is no news
    this.data = new Map();  // each message drawn, as the server last gave it: drawn again at will
  }
  showError(text) { this.sendError.textContent = text; this.sendError.hidden = !text; }
  item(m) { this.data.set(m.uuid, m); return messageItem(m, this.me, this.people); }
  known() { return new Set([...this.list.children].map((li) => li.dataset.uuid)); }
  atBottom() { return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 80; }
  // "Seen" under your newest message the other member has read; in a group, "Seen by …" and
  // the names over each run of messages (people.js). A reader at the bottom stays there as the
  // list grows by it (the newest message's "Seen" was drawn below the fold).
  showSeen() {
    const stay = this.atBottom();
    this.list.querySelectorAll(".seen").forEach((s) => s.remove());
    if (this.people) this.people.arrange(this.list);
    else this.showDirectSeen();
    if (stay) this.list.scrollTop = this.list.scrollHeight;
  }
  showDirectSeen() {
    if (!this.readUntil) return;
    const read = [...this.list.querySelectorAll("li.mine")].filter((li) => li.dataset.created <= this.readUntil);
    const last = read.pop();
    if (!last) return;
    last.append(el("span", { class: "seen" }, timeEl(this.readAt || this.readUntil, "Seen ")));
  }
  read(until, at) { this.readUntil = until; this.readAt = at; }
  // The messages not shown yet, added at the bottom (followed there when you were at it or
  // wrote one of them); returned.
  append(messages) {
    const seen = this.known();
    const fresh = messages.filter((m) => !seen.has(m.uuid));
    const stay = this.atBottom();
    this.list.append(...fresh.map((m) => this.item(m)));
    refreshTimes(this.list);
    this.showSeen();
    if (stay || fresh.some((m) => m.handle === this.me)) this.list.scrollTop = this.list.scrollHeight;
    return fresh;
  }
  // A message redrawn (a reaction, an edit, a deletion, here or live from the other member) keeps
  // the keyboard on the same control, a chip that went falling back to React. An edit being
  // written stays open through someone else's change (closing: the edit itself ended it).
  replace(m, { closing = false } = {}) {
    const old = this.list.querySelector(`li[data-uuid="${m.uuid}"]`);
    if (!old) return;
    const restore = keepFocus(old, '[data-action="react"]');
    const fresh = this.item(m);
    const editor = !closing && !m.deleted && old.querySelector(".editor");
    if (editor) {
      fresh.querySelector("p").replaceWith(editor);
      fresh.querySelector(".tools").hidden = true;
    }
    carryMenu(old, fresh);
    old.replaceWith(fresh);
    restore(fresh);
    this.showSeen();
  }
  // Every message drawn again from what it was (a group's blocks now known).
  redraw() { [...this.data.values()].forEach((m) => this.replace(m)); }
  // A folded message of someone you block, shown as asked.
  reveal(item) {
    this.people.unfolded.add(item.dataset.uuid);
    this.replace(this.data.get(item.dataset.uuid));
  }
  async refetch(uuid, options) {
    const response = await call("GET", `/api/messages/${this.group}/${uuid}`);
    if (response.ok) this.replace(await response.json(), options);
  }
  // The page of messages before the oldest shown, the reader kept where they were; false when
  // there is none (or one is on its way).
  older() {
    const { list } = this;
    return this.pages.more((cursor) => `/api/messages/${this.group}?limit=30&cursor=${cursor}`, (data) => {
      const seen = this.known();
      const before = list.scrollHeight;
      list.prepend(...data.filter((m) => !seen.has(m.uuid)).map((m) => this.item(m)));
      list.scrollTop += list.scrollHeight - before;  // keep the reader where they were
      refreshTimes(list);
      this.showSeen();
    });
  }
  async react(uuid, emoji, present) {
    const url = `/api/messages/${this.group}/${uuid}/reactions/${encodeURIComponent(emoji)}`;
    const response = await call(present ? "PUT" : "DELETE", url);
    if (!response.ok) { this.showError(await problem(response)); return; }
    this.showError("");
    await this.refetch(uuid);
  }
  async goTo(uuid) {
    const { list } = this;
    // The quoted message may be on an older page: load pages until it is there (at most 20).
    for (let n = 0; n < 20 && !list.querySelector(`li[data-uuid="${uuid}"]`); n++) {
      if (!(await this.older())) break;
    }
    const target = list.querySelector(`li[data-uuid="${uuid}"]`);
    if (!target) { this.showError("That message is no longer in this conversation."); return; }
    target.scrollIntoView({ block: "center" });
    target.classList.remove("flash");
    void target.offsetWidth;  // restart the highlight
    target.classList.add("flash");
    target.focus({ preventScroll: true });
  }
}

// The full-size view of a photo; closed, the focus goes back to the thumbnail that opened it.
function photoViewer() {
  const viewer = document.getElementById("viewer");
  const viewerImage = document.getElementById("viewer-image");
  let viewerFrom = null;
  viewer.addEventListener("close", () => { if (viewerFrom) viewerFrom.focus(); });
  viewer.addEventListener("click", (e) => { if (e.target === viewer) viewer.close(); });
  return (thumb) => {
    viewerFrom = thumb;
    viewerImage.src = thumb.dataset.full;
    viewerImage.alt = thumb.dataset.name;
    viewer.showModal();
    document.getElementById("viewer-close").focus();
  };
}

function pickReaction(chat, button, item) {
  const mine = new Set([...item.querySelectorAll('.reaction[aria-pressed="true"]')].map((b) => b.dataset.emoji));
  showMenu(button, "Pick a reaction", REACTION_CHOICES.map(([emoji, name]) =>
    [emoji, () => chat.react(item.dataset.uuid, emoji, !mine.has(emoji)), mine.has(emoji) ? `remove ${name}` : name]),
    "menu picker");
}
async function deleteMessage(chat, item) {
  if (!confirm(`Delete this message for ${chat.people ? "everyone" : "both of you"}?`)) return;
  const response = await call("DELETE", `/api/messages/${chat.group}/${item.dataset.uuid}`);
  if (!response.ok) { chat.showError(await problem(response)); return; }
  await chat.refetch(item.dataset.uuid);
}
// Open a photo, go to a quoted message, react; reply, edit and delete from a message's tools.
async function onListClick(chat, openPhoto, e) {
  const thumb = e.target.closest("button.thumb");
  if (thumb) { openPhoto(thumb); return; }
  const jump = e.target.closest("button.quote");
  if (jump) { await chat.goTo(jump.dataset.goto); return; }
  const chip = e.target.closest("button.reaction");
  if (chip) {
    await chat.react(chip.closest("li").dataset.uuid, chip.dataset.emoji, chip.getAttribute("aria-pressed") !== "true");
    return;
  }
  const button = e.target.closest("button[data-action]");
  if (!button) return;
  const item = button.closest("li");
  const action = button.dataset.action;
  if (action === "reply") chat.setReply(item);
  else if (action === "react") pickReaction(chat, button, item);
  else if (action === "delete") await deleteMessage(chat, item);
  else if (action === "reveal") chat.reveal(item);
  else openEditor(chat, item);
}

function setupBlock(chat) {
  const blockButton = document.getElementById("block");
  const blockedNote = document.getElementById("blocked-note");
  blockButton.addEventListener("click", async () => {
    const blocked = blockButton.getAttribute("aria-pressed") === "true";
    if (!blocked && !confirm(`Block @${chat.otherHandle}? Neither of you can send to the other until you unblock them.`)) return;
    const response = await call(blocked ? "DELETE" : "POST", `/api/users/@${chat.otherHandle}/block`);
    if (!response.ok) { chat.showError(await problem(response)); return; }
    blockButton.setAttribute("aria-pressed", String(!blocked));
    blockButton.textContent = blocked ? "Block" : "Unblock";
    blockedNote.hidden = blocked;
    chat.showError("");
  });
}

export function setupConversation() {
  const chat = new Conversation(document.body.dataset);
  const { list } = chat;
  if (chat.kind === "group") becomeGroup(chat);  // before the first drawing: names in runs
  const initial = JSON.parse(document.getElementById("initial-messages").textContent);
  list.replaceChildren(...initial.map((m) => chat.item(m)));
  list.addEventListener("scroll", () => { if (list.scrollTop < 60) chat.older(); });
  list.scrollTop = list.scrollHeight;
  chat.showSeen();
  // A photo's link lives a few minutes: one that has lapsed on a page left open is asked again.
  list.addEventListener("error", (e) => {
    const item = e.target.tagName === "IMG" && e.target.closest("li[data-uuid]");
    if (item && !item.dataset.retried) { item.dataset.retried = "1"; chat.refetch(item.dataset.uuid); }
  }, true);
  followLive(chat);
  const openPhoto = photoViewer();
  chat.setReply = setupComposer(chat);
  list.addEventListener("click", (e) => onListClick(chat, openPhoto, e));
  setupBlock(chat);
}
