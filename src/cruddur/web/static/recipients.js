// The "To" field of the new-conversation page: one person as before, or several for a group.
// Each handle finished with Enter or a comma (or picked from the suggestions) becomes a chip in
// the list above the field, with its own Remove button; Backspace in the empty field takes the
// last one back. What is still typed counts too, so "bruno, chen" typed and sent is two people.
import { el } from "./dom.js";
import { suggestPeople } from "./suggestions.js";

const clean = (text) => text.trim().replace(/^@/, "");

// `changed()` runs after each change to who is picked (the page shows the group's fields).
export function recipients(input, chips, options, changed) {
  const picked = new Map();  // handle → the name shown on its chip
  const names = new Map();  // handle → name, from the suggestions seen
  function draw() {
    chips.replaceChildren(...[...picked].map(([handle, name]) => el("li", { class: "chip" },
      name && name !== handle ? `${name} ` : "", el("span", { class: "handle" }, `@${handle}`),
      el("button", { type: "button", class: "quiet", "data-handle": handle,
        "aria-label": `Remove ${name || handle} (@${handle})` }, "×"))));
    chips.hidden = !picked.size;
    input.required = !picked.size;  // the chips are the answer: the empty field may be sent
    changed();
  }
  function add(text) {
    const handle = clean(text);
    if (handle && !picked.has(handle)) picked.set(handle, names.get(handle) || "");
  }
  // Every part before a comma becomes a chip; the last part stays in the field, being typed.
  function take() {
    const parts = input.value.split(",");
    const rest = parts.pop();
    parts.forEach(add);
    input.value = rest.trimStart();
    draw();
  }
  input.addEventListener("input", (e) => {
    // A suggestion picked from the list is a whole handle: it becomes a chip at once.
    if (e.inputType === "insertReplacementText") { input.value += ","; take(); }
    else if (input.value.includes(",")) take();
    else changed();
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && clean(input.value)) {  // Enter in an empty field sends the form
      e.preventDefault();
      add(input.value);
      input.value = "";
      draw();
    } else if (e.key === "Backspace" && !input.value && picked.size) {
      const last = [...picked.keys()].pop();
      picked.delete(last);
      input.value = last;
      draw();
    }
  });
  chips.addEventListener("click", (e) => {
    const button = e.target.closest("button[data-handle]");
    if (!button) return;
    picked.delete(button.dataset.handle);
    draw();
    input.focus();
  });
  suggestPeople(input, options, { skip: (handle) => picked.has(handle), found: (h, n) => names.set(h, n) });
  return {
    // Everyone picked, and whatever is still typed.
    handles() {
      const typed = input.value.split(",").map(clean).filter(Boolean);
      return [...new Set([...picked.keys(), ...typed])];
    },
  };
}
