// A group's people panel (the <details> under the conversation's header): everyone in it, their
// role and how far each has read. Admins add people, remove them, make them admins or members;
// anyone renames the group or leaves it. A change answers with the conversation, drawn at once;
// the other members' pages hear a "members" event and draw theirs (group.js).
import { call, problem } from "./api.js";
import { el } from "./dom.js";
import { toInbox } from "./inbox.js";
import { suggestPeople } from "./suggestions.js";
import { timeEl } from "./times.js";

const byId = (id) => document.getElementById(id);
const hidden = (text) => el("span", { class: "visually-hidden" }, text);

// How far `person` has read, against the newest message shown (its time, `newest`).
function readState(person, newest) {
  if (!person.read_until) return el("span", { class: "read" }, "Not read yet");
  if (newest && person.read_until >= newest) return el("span", { class: "read done" }, "Seen everything");
  return el("span", { class: "read" }, timeEl(person.read_until, "Seen up to "));
}
// One member's row; an admin's tools on everyone else's. The buttons name whom they act on for
// screen readers ("Remove Bruno", "Make admin (Bruno)"), the screen shows only the verb. (A name
// after a colon read "Make admin : Bruno": the hidden span is a box of its own, set apart.)
function memberRow(person, me, admin, newest) {
  const you = person.handle === me;
  const name = person.display_name;
  const row = el("li", { "data-handle": person.handle, "data-name": name },
    el("span", { class: "who" }, el("strong", {}, name), " ", el("span", { class: "handle" }, `@${person.handle}`),
       you ? " (you)" : ""));
  if (person.role === "admin") row.append(" ", el("span", { class: "role" }, "admin"));
  if (!you) row.append(readState(person, newest));
  if (admin && !you) {
    const isAdmin = person.role === "admin";
    row.append(el("span", { class: "member-tools" },
      el("button", { type: "button", class: "quiet", "data-action": isAdmin ? "member" : "admin" },
         isAdmin ? "Make member" : "Make admin", hidden(` (${name})`)),
      el("button", { type: "button", class: "quiet", "data-action": "remove" }, "Remove", hidden(` ${name}`))));
  }
  return row;
}

class Panel {
  constructor(chat, take, hear) {
    this.chat = chat;
    this.take = take;  // takes in a conversation the API answered with
    this.hear = hear;  // asks the API for it again
    this.list = byId("member-list");
    this.error = byId("members-error");
    this.status = byId("members-status");
  }
  url(handle = "") {
    const base = `/api/message_groups/${this.chat.group}/members`;
    return handle ? `${base}/@${encodeURIComponent(handle)}` : base;
  }
  say(text, failed = false) {
    this.error.textContent = failed ? text : "";
    this.error.hidden = !failed;
    this.status.textContent = failed ? "" : text;
  }
  // The panel and the conversation's heading, from the people as last heard; the keyboard stays
  // on the same control of the same row (the summary when that row is gone).
  draw() {
    const { people } = this.chat;
    const conversation = people.conversation;
    const count = conversation.member_count || people.members.length;
    byId("members-count").textContent = `(${count})`;
    byId("conversation-heading").replaceChildren(conversation.display_name, " ",
      el("span", { class: "handle" }, `${count} people`));
    this.chat.otherName = conversation.display_name;
    const active = document.activeElement;
    const focused = this.list.contains(active) && active.closest("li[data-handle]");
    const newest = this.chat.list.lastElementChild && this.chat.list.lastElementChild.dataset.created;
    this.list.replaceChildren(...people.members.map((p) => memberRow(p, people.me, people.isAdmin(), newest)));
    byId("add-people").hidden = !people.isAdmin();
    const title = byId("group-title");
    if (document.activeElement !== title) title.value = conversation.title || "";
    if (focused) {
      const row = this.list.querySelector(`li[data-handle="${CSS.escape(focused.dataset.handle)}"]`);
      const again = row && row.querySelector(`[data-action="${active.dataset.action}"]`);
      (again || row || byId("members").querySelector("summary")).focus();
    }
  }
  // A change that answers with the conversation (200), or with nothing (204: heard again).
  async change(method, url, body, done) {
    const response = await call(method, url, body);
    if (!response.ok) { this.say(await problem(response), true); return false; }
    if (response.status === 204) await this.hear();
    else this.take(await response.json());
    this.say(done);
    return true;
  }
  async onRow(button) {
    const row = button.closest("li[data-handle]");
    const { handle, name } = row.dataset;
    const action = button.dataset.action;
    if (action === "remove") {
      if (!confirm(`Remove ${name} from the group?`)) return;
      await this.change("DELETE", this.url(handle), undefined, `${name} was removed.`);
    } else {
      await this.change("PATCH", this.url(handle), { role: action },
                        action === "admin" ? `${name} is an admin now.` : `${name} is a member now.`);
    }
  }
  async leave() {
    const name = this.chat.people.name;
    if (!confirm(`Leave “${name}”? You will no longer see its messages.`)) return;
    this.chat.leaving = true;
    const response = await call("DELETE", this.url(this.chat.me));
    if (!response.ok && response.status !== 404) {
      this.chat.leaving = false;
      this.say(await problem(response), true);
      return;
    }
    toInbox(`You left “${name}”.`);
  }
}

function onSubmit(form, handler) {
  form.addEventListener("submit", async (e) => { e.preventDefault(); await handler(); });
}

// `take(conversation)` takes in the API's answer; `hear()` asks for the conversation again.
export function setupMembers(chat, take, hear) {
  const panel = new Panel(chat, take, hear);
  panel.list.addEventListener("click", (e) => {
    const button = e.target.closest("button[data-action]");
    if (button) panel.onRow(button);
  });
  const adding = byId("add-handles");
  suggestPeople(adding, byId("add-suggestions"), {
    skip: (handle) => chat.people.members.some((m) => m.handle === handle),
  });
  onSubmit(byId("add-people"), async () => {
    const handles = [...new Set(adding.value.split(/[\s,]+/).map((h) => h.replace(/^@/, "")).filter(Boolean))];
    if (await panel.change("POST", panel.url(), { handles }, `Added ${handles.map((h) => `@${h}`).join(", ")}.`)) {
      adding.value = "";
    }
  });
  onSubmit(byId("rename"), async () => {
    const title = byId("group-title").value.trim();
    await panel.change("PATCH", `/api/message_groups/${chat.group}`, { title }, `Renamed “${title}”.`);
  });
  byId("leave").addEventListener("click", () => panel.leave());
  return panel;
}
