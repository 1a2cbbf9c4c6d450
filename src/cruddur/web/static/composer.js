// The message box below a conversation: its count, "typing" told, Enter to send, Escape to drop
// the reply; files attached by picking, dropping or pasting; a reply's bar; sending with one
// Idempotency-Key per composed message, kept across retries.
import { call, problem } from "./api.js";
import { typingTold } from "./live.js";
import { uploadsFor } from "./uploads.js";

// The bar above the box naming the message replied to; `to()`, its uuid or null.
function replyBar(box) {
  const replying = document.getElementById("replying");
  let replyTo = null;
  function set(item) {
    replyTo = item ? item.dataset.uuid : null;
    replying.hidden = !item;
    if (item) {
      document.getElementById("replying-name").textContent = item.dataset.name;
      document.getElementById("replying-preview").textContent = item.dataset.preview || "a file";
      box.focus();
    }
  }
  document.getElementById("replying-cancel").addEventListener("click", () => { set(null); box.focus(); });
  return { set, to: () => replyTo };
}
// Files picked with the button or dropped on the conversation's pane.
function attachFrom(uploads) {
  const picker = document.getElementById("attach");
  const pane = document.querySelector(".pane-conversation");
  picker.addEventListener("change", async () => { const files = [...picker.files]; picker.value = ""; await uploads.add(files); });
  pane.addEventListener("dragover", (e) => {
    if ([...e.dataTransfer.types].includes("Files")) { e.preventDefault(); pane.classList.add("dropping"); }
  });
  pane.addEventListener("dragleave", (e) => { if (e.target === pane) pane.classList.remove("dropping"); });
  pane.addEventListener("drop", (e) => {
    pane.classList.remove("dropping");
    if (!e.dataTransfer.files.length) return;
    e.preventDefault();
    uploads.add([...e.dataTransfer.files]);
  });
}

async function send(composer) {
  const { chat, box, uploads, reply } = composer;
  const text = box.value.trim();
  if (uploads.busy()) { chat.showError("Wait for the files to finish uploading."); return; }
  const ids = uploads.ids();
  if (!text && !ids.length) return;
  const message = { message: text, message_group_uuid: chat.group };
  if (reply.to()) message.reply_to = reply.to();
  if (ids.length) message.attachments = ids;
  const what = JSON.stringify(message);
  if (!composer.pending || composer.pending.what !== what) composer.pending = { what, key: crypto.randomUUID() };
  let response;
  try {
    response = await call("POST", "/api/messages", message, { "Idempotency-Key": composer.pending.key });
  } catch {
    chat.showError("Not sent: the connection failed. Send again to retry (it will not be sent twice).");
    return;
  }
  if (!response.ok) { chat.showError(await problem(response)); return; }
  composer.pending = null;
  composer.typing.sent();
  chat.showError("");
  chat.append([await response.json()]);
  // Only what was sent goes: a next message begun while this one was on its way stays.
  if (box.value.trim() === text) box.value = "";
  uploads.clear();
  reply.set(null);
  composer.count();
}

// `chat`: the conversation (conversation.js) written to. Returns the reply bar's setter, for
// the Reply button on each message.
export function setupComposer(chat) {
  const box = document.getElementById("message");
  const counter = document.getElementById("counter");
  const max = Number(box.getAttribute("maxlength"));
  const composer = {
    pending: null,  // {what, key}: a retry of the same message reuses its key
    chat, box, typing: typingTold(chat.group), reply: replyBar(box),
    uploads: uploadsFor(chat, document.getElementById("uploads"), () => box.focus()),
    count() { counter.textContent = `${box.value.trim().length} / ${max}`; },
  };
  attachFrom(composer.uploads);
  box.addEventListener("input", () => { composer.count(); composer.typing.typed(box.value.trim()); });
  box.addEventListener("paste", (e) => {
    const files = [...(e.clipboardData ? e.clipboardData.files : [])];
    if (files.length) { e.preventDefault(); composer.uploads.add(files); }
  });
  const form = document.getElementById("composer");
  box.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
    if (e.key === "Escape" && composer.reply.to()) composer.reply.set(null);
  });
  form.addEventListener("submit", (e) => { e.preventDefault(); send(composer); });
  composer.count();
  return composer.reply.set;
}
