// A small menu of buttons (role=menu) beside `anchor`: arrow keys move, Escape closes and gives
// focus back, choosing one closes it. One open at a time.
import { el, sameControl } from "./dom.js";

let openMenu = null;

function closeMenu() {
  if (!openMenu) return;
  const { menu, anchor } = openMenu;
  openMenu = null;
  menu.remove();
  anchor.setAttribute("aria-expanded", "false");
  anchor.focus();
}
// The open menu's closest ancestor matching `selector` (a row, a message), else null.
export function openMenuIn(selector) {
  return openMenu && openMenu.menu.closest(selector);
}
// position: fixed, from the anchor's place on screen: inside the messages' scroll box an
// absolutely placed menu was cut off by it (the newest message's picker most of all). Under the
// anchor, or over it when the screen has no room below; always inside the screen's width.
function placeMenu() {
  if (!openMenu) return;
  const { menu, anchor } = openMenu;
  const at = anchor.getBoundingClientRect();
  const { width, height } = menu.getBoundingClientRect();
  const gap = 4;
  const below = at.bottom + gap + height <= window.innerHeight || at.top - gap - height < 0;
  const alignLeft = menu.classList.contains("picker");
  const left = alignLeft ? at.left : at.right - width;
  menu.style.left = `${Math.max(gap, Math.min(left, window.innerWidth - width - gap))}px`;
  menu.style.top = `${below ? at.bottom + gap : at.top - gap - height}px`;
}
function moveWithKeys(menu, e) {
  const items = [...menu.querySelectorAll("[role=menuitem]")];
  const at = items.indexOf(document.activeElement);
  const step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[e.key];
  if (step) { e.preventDefault(); items[(at + step + items.length) % items.length].focus(); }
  else if (e.key === "Home") { e.preventDefault(); items[0].focus(); }
  else if (e.key === "End") { e.preventDefault(); items[items.length - 1].focus(); }
  else if (e.key === "Escape" || e.key === "Tab") { e.preventDefault(); closeMenu(); }
}
// `choices`: [text, action, accessible name (optional)] each.
export function showMenu(anchor, label, choices, className = "menu") {
  closeMenu();
  const menu = el("div", { role: "menu", class: className, "aria-label": label });
  for (const [text, action, name] of choices) {
    const item = el("button", { type: "button", role: "menuitem", tabindex: "-1" }, text);
    if (name) item.setAttribute("aria-label", name);
    item.addEventListener("click", async () => { closeMenu(); await action(); });
    menu.append(item);
  }
  menu.addEventListener("keydown", (e) => moveWithKeys(menu, e));
  anchor.after(menu);  // next in the reading order, wherever it shows
  anchor.setAttribute("aria-expanded", "true");
  openMenu = { menu, anchor };
  placeMenu();
  menu.querySelector("[role=menuitem]").focus({ preventScroll: true });
}
// An open menu whose row or message is redrawn moves to the redrawn copy's button, open as it
// was (keepFocus then finds the focused choice in it).
export function carryMenu(old, redrawn) {
  if (!openMenu || !old.contains(openMenu.menu)) return;
  const anchor = redrawn && redrawn.querySelector(sameControl(openMenu.anchor));
  if (!anchor) { openMenu.menu.remove(); openMenu = null; return; }
  anchor.after(openMenu.menu);
  anchor.setAttribute("aria-expanded", "true");
  openMenu.anchor = anchor;
  placeMenu();
}
document.addEventListener("click", (e) => {
  if (openMenu && !openMenu.menu.contains(e.target) && e.target !== openMenu.anchor) closeMenu();
});
// Scrolling (the page or the messages' box) and resizing move the anchor: the menu follows it.
document.addEventListener("scroll", placeMenu, { capture: true, passive: true });
window.addEventListener("resize", placeMenu);
