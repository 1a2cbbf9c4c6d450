// The new-conversation page: the people whose handle or name matches what is typed, offered
// as the "To" field's suggestions.
import { getJSON } from "./api.js";
import { el } from "./dom.js";

export function setupNew() {
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
