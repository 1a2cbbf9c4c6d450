// Times in words ("5 min ago"), rewritten as they age.
import { el } from "./dom.js";

// The server draws times with the same words (web/times.py), so rewriting them after load
// changes nothing on screen; keep the two alike.
export function relative(iso) {
  const seconds = (Date.now() - Date.parse(iso)) / 1000;
  if (seconds < 45) return "just now";
  const steps = [[60, "min", 60], [24, "h", 3600], [30, "d", 86400], [12, "mo", 2592000]];
  for (const [limit, unit, size] of steps) {
    const value = Math.round(seconds / size);
    if (value < limit) return `${value} ${unit} ago`;
  }
  return new Date(iso).toLocaleDateString("en", { day: "numeric", month: "short", year: "numeric" });
}
export function refreshTimes(root = document) {
  root.querySelectorAll("time[datetime]").forEach((t) => {
    const words = (t.dataset.prefix || "") + relative(t.getAttribute("datetime"));
    if (t.textContent !== words) t.textContent = words;
    t.title = new Date(t.getAttribute("datetime")).toLocaleString();
  });
}
// A <time> drawn in its final words at once: drawn as an ISO string and rewritten later, it
// changed width and moved what followed.
export function timeEl(iso, prefix = "") {
  const attrs = { datetime: iso, title: new Date(iso).toLocaleString() };
  if (prefix) attrs["data-prefix"] = prefix;
  return el("time", attrs, prefix + relative(iso));
}
