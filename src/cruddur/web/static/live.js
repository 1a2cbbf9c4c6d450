// The live events (Server-Sent Events from /web/events): the browser reconnects by itself, and
// each (re)connection is told to the listeners as "connected" so they refetch what they show.
// Typing notices ride on them: theirs shown a few seconds, ours told every few seconds.
import { call } from "./api.js";
import { someNames } from "./names.js";

const TYPING_SHOWN_MS = 6000;  // how long "… is typing" stays without another notice
const TYPING_EVERY_MS = 3000;  // how often a typist tells the server (it rate-limits)
const listeners = [];

export function onEvent(listener) { listeners.push(listener); }
export function live() {
  const source = new EventSource("/web/events");
  // "resync": the server's subscription was lost a while and events may be missing, so the
  // page refetches as on a new connection.
  source.onmessage = (e) => {
    const event = JSON.parse(e.data);
    const shown = event.type === "resync" ? { type: "connected" } : event;
    listeners.forEach((l) => l(shown));
  };
  source.onopen = () => listeners.forEach((l) => l({ type: "connected" }));
  // This session was signed out (in this tab or another): the server ended the stream.
  source.addEventListener("signed_out", () => { source.close(); location.assign("/signin"); });
}

// "… is typing" in `line`: each typist (by handle) shown until a few seconds pass without
// another notice of theirs, or their message arrives; in a group, several at once ("Ada and
// Bruno are typing…"), each on its own timer so one stopping leaves the others shown.
export function typingShown(line) {
  const typists = new Map();  // handle → {name, timer}, in the order they started
  function draw() {
    const names = [...typists.values()].map((t) => t.name);
    line.textContent = names.length ? `${someNames(names)} ${names.length === 1 ? "is" : "are"} typing…` : "";
  }
  function stop(handle) {
    const typist = typists.get(handle);
    if (!typist) return;
    clearTimeout(typist.timer);
    typists.delete(handle);
    draw();
  }
  return {
    show(handle, name) {
      const known = typists.get(handle);
      if (known) clearTimeout(known.timer);
      // Set again on a known key, a Map keeps its place: the names do not swap at each notice.
      typists.set(handle, { name, timer: setTimeout(() => stop(handle), TYPING_SHOWN_MS) });
      draw();
    },
    stop,
    hide() { [...typists.keys()].forEach(stop); },
  };
}
// Tells the other members of `group` that you are typing, at most every few seconds.
export function typingTold(group) {
  let last = 0;
  return {
    typed(text) {
      const now = Date.now();
      if (text && now - last > TYPING_EVERY_MS) {
        last = now;
        call("POST", `/api/message_groups/${group}/typing`).catch(() => {});
      }
    },
    sent() { last = 0; },
  };
}
