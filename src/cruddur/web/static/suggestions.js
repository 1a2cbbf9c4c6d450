// The people whose handle or name matches what is typed in `input`, offered as its <datalist>
// `options` (a person's name shown beside their handle); `skip(handle)` leaves some out, such as
// the people already picked. `found` is told each answer, handle → name.
import { getJSON } from "./api.js";
import { el } from "./dom.js";

export function suggestPeople(input, options, { skip = () => false, found = () => {} } = {}) {
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const typed = input.value.trim().replace(/^@/, "");
    if (!typed) { options.replaceChildren(); return; }
    timer = setTimeout(async () => {
      const { data } = await getJSON(`/web/users?q=${encodeURIComponent(typed)}`);
      const people = data.filter((u) => !skip(u.handle));
      people.forEach((u) => found(u.handle, u.display_name));
      options.replaceChildren(...people.map((u) => el("option", { value: u.handle }, u.display_name)));
    }, 150);
  });
}
