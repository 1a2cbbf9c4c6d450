// Nodes built from the API's answers, and the keyboard's place kept across a redraw.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
}

// Messages and inbox rows are redrawn from the server's answer (a reaction, an edit, a live
// event). A focused node that is replaced takes the focus with it, to <body>: a keyboard or
// screen-reader user is thrown back to the top of the page. So the focus is noted before a
// redraw by what the control does, and given to the same control in the redrawn copy.
export function sameControl(node) {
  if (node.dataset.emoji) return `.reaction[data-emoji="${CSS.escape(node.dataset.emoji)}"]`;
  if (node.dataset.action) return `[data-action="${node.dataset.action}"]`;
  if (node.closest(".editor")) return '[data-action="edit"]';  // an editor closed: its Edit button
  return node.tagName.toLowerCase() + [...node.classList].map((c) => `.${CSS.escape(c)}`).join("");
}
// Notes where the focus is inside `item`; the function returned puts it on the same control in
// `redrawn` (the nth alike, as before), else on `fallback` there, else on the item itself.
export function keepFocus(item, fallback) {
  const active = document.activeElement;
  if (!active || !item.contains(active)) return () => {};
  const selector = active === item ? null : sameControl(active);
  const index = selector ? [...item.querySelectorAll(selector)].indexOf(active) : -1;
  const caret = active.tagName === "TEXTAREA" ? [active.selectionStart, active.selectionEnd] : null;
  return (redrawn) => {
    if (!redrawn || !redrawn.isConnected) return;
    let target = redrawn.contains(active) ? active : null;  // carried over: an editor, a menu
    if (!target && !selector) target = redrawn;  // the item itself had it
    if (!target) {
      const alike = redrawn.querySelectorAll(selector);
      target = alike[index] || alike[0];
    }
    target = target || (fallback && redrawn.querySelector(fallback)) || redrawn;
    target.focus({ preventScroll: true });
    if (caret && target === active) active.setSelectionRange(...caret);
  };
}
