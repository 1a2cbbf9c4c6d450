// Your own message edited in place: its text becomes a form; Enter (without Shift) saves,
// Escape or Cancel puts the message back as it is on the server.
import { call, problem } from "./api.js";
import { el } from "./dom.js";

// `chat`: the conversation (conversation.js) the message `item` is in.
export function openEditor(chat, item) {
  const url = `/api/messages/${chat.group}/${item.dataset.uuid}`;
  const text = item.querySelector("p");
  const editor = el("form", { class: "editor" },
    el("label", { for: `edit-${item.dataset.uuid}`, class: "visually-hidden" }, "New text"),
    el("textarea", { id: `edit-${item.dataset.uuid}`, rows: "2", maxlength: document.body.dataset.maxChars }),
    el("button", { type: "submit" }, "Save"),
    el("button", { type: "button", class: "quiet", "data-cancel": "" }, "Cancel"));
  const area = editor.querySelector("textarea");
  area.value = text.textContent;
  text.replaceWith(editor);
  item.querySelector(".tools").hidden = true;
  area.focus();
  editor.querySelector("[data-cancel]").addEventListener("click", () => chat.refetch(item.dataset.uuid, { closing: true }));
  area.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); editor.requestSubmit(); }
    if (ev.key === "Escape") editor.querySelector("[data-cancel]").click();
  });
  editor.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const response = await call("PATCH", url, { message: area.value.trim() });
    if (response.ok) { chat.showError(""); chat.replace(await response.json(), { closing: true }); }
    else chat.showError(await problem(response));
  });
}
