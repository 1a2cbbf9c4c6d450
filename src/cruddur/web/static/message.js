// One message drawn from the API's answer: its sender, the message it quotes, its text, files,
// time, reactions, and the tools on it. In a group, also the items that say who joined, left or
// renamed it, and the folded messages of someone you block.
import { el } from "./dom.js";
import { timeEl } from "./times.js";

export function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
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
// A group's event ("Ada added Chen"): the server's sentence, set apart, nothing to do on it.
function eventItem(m) {
  return el("li", { "data-uuid": m.uuid, "data-created": m.created_at, tabindex: "-1", class: "event" },
    el("p", {}, m.message), " ", timeEl(m.created_at));
}
// A message of someone you block, in a group you are both in: folded until you ask to see it.
// No name, no text, no tools; it keeps its place (and its time) in the conversation.
function foldedItem(m) {
  return el("li", { "data-uuid": m.uuid, "data-created": m.created_at, "data-user": m.user_uuid || "",
    tabindex: "-1", class: "theirs folded" },
    el("p", {}, "A message from someone you blocked — ",
       el("button", { type: "button", class: "quiet", "data-action": "reveal" }, "show")));
}
// `me`: the handle of the one reading, whose messages are "mine". `people` (people.js), in a
// group: who is blocked, and which of their messages were unfolded.
export function messageItem(m, me, people = null) {
  if (m.event) return eventItem(m);
  if (people && people.folds(m)) return foldedItem(m);
  const classes = [m.handle === me ? "mine" : "theirs"];
  if (m.deleted) classes.push("deleted");
  const item = el("li", { "data-uuid": m.uuid, "data-created": m.created_at, tabindex: "-1",
    class: classes.join(" "), "data-preview": m.message.slice(0, 120), "data-name": m.display_name,
    "data-user": m.user_uuid || m.handle },
    el("span", { class: "sender" }, m.display_name));
  if (m.reply_to) item.append(quote(m.reply_to));
  item.append(el("p", {}, m.deleted ? "Message deleted" : m.message));
  if (!m.deleted && m.attachments.length) item.append(attachments(m.attachments));
  item.append(timeEl(m.created_at));
  if (m.edited_at && !m.deleted) item.append(" ", el("span", { class: "edited" }, "(edited)"));
  if (!m.deleted) item.append(reactionBar(m));
  return decorate(item);
}
