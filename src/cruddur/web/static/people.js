// A group conversation's people, as the server last told them: who is in it and with what role,
// how far each has read, whom you block (their messages folded) and which of those you opened.
// Drawn into the messages here (names over each run, "Seen by"); the panel is members.js.
import { call, getJSON } from "./api.js";
import { el } from "./dom.js";
import { someNames } from "./names.js";

// The conversation as the server has it now; null once it is not yours (404: you left, or were
// removed from the group). Anything else is thrown, as getJSON does.
export async function fetchConversation(group) {
  const response = await call("GET", `/api/message_groups/${group}`);
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

export class People {
  constructor(me) {
    this.me = me;  // your handle
    this.conversation = null;
    this.members = [];
    this.blocked = new Set();  // the uuids of the people you block
    this.unfolded = new Set();  // the messages of theirs you asked to see anyway
  }
  update(conversation) {
    this.conversation = conversation;
    this.members = conversation.members || [];
  }
  get name() { return this.conversation ? this.conversation.display_name : ""; }
  you() { return this.members.find((m) => m.handle === this.me) || null; }
  isAdmin() { const you = this.you(); return Boolean(you && you.role === "admin"); }
  // Whether the message `m` is drawn folded: someone you block wrote it, and it is not opened.
  folds(m) {
    return !m.event && m.handle !== this.me && this.blocked.has(m.user_uuid) && !this.unfolded.has(m.uuid);
  }
  // Whether the member with this handle is someone you block (their typing is not shown either).
  blocksHandle(handle) {
    const member = this.members.find((m) => m.handle === handle);
    return Boolean(member && this.blocked.has(member.uuid));
  }
  // Whom you block, from the API; true when that changed what is folded. A failed read keeps
  // what was known: folding is a courtesy, the conversation shows either way.
  async loadBlocks() {
    try {
      const { data } = await getJSON("/api/blocks");
      const blocked = new Set(data.map((b) => b.user.uuid));
      const changed = blocked.size !== this.blocked.size || [...blocked].some((u) => !this.blocked.has(u));
      this.blocked = blocked;
      return changed;
    } catch { return false; }
  }
  // The other members who have read up to `created` (a message's time), by name.
  seenBy(created) {
    return this.members.filter((m) => m.handle !== this.me && m.read_until && m.read_until >= created)
      .map((m) => m.display_name);
  }
  // After any change to the messages in `list`: a name over each run of one person's messages
  // (the later ones keep theirs for screen readers only), and "Seen by …" under your newest.
  arrange(list) {
    const plain = (li) => Boolean(li) && !li.classList.contains("event") && !li.classList.contains("folded");
    let previous = null;
    for (const item of list.children) {
      item.classList.toggle("follows", plain(item) && plain(previous) && previous.dataset.user === item.dataset.user);
      previous = item;
    }
    const newest = [...list.querySelectorAll("li.mine")].pop();
    const names = newest ? this.seenBy(newest.dataset.created) : [];
    if (names.length) newest.append(el("span", { class: "seen" }, `Seen by ${someNames(names)}`));
  }
}
