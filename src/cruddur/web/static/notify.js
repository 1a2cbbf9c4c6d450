// The unread total in the tab's title, and a notification of a new message while the tab is
// hidden (asked for only when the user presses "Notify me").
const baseTitle = document.title;

export function showUnreadTotal(total) {
  document.title = total > 0 ? `(${total}) ${baseTitle}` : baseTitle;
}
export function setupNotifications() {
  const button = document.getElementById("notify");
  if (!button || !("Notification" in window)) return;
  // Asked for only when the user presses the button, never on load.
  button.hidden = Notification.permission !== "default";
  button.addEventListener("click", async () => {
    await Notification.requestPermission();
    if (Notification.permission === "default") return;
    button.hidden = true;
    button.nextElementSibling.focus();  // the button is gone: the keyboard goes on to "New"
  });
}
export function notify(row) {
  if (!document.hidden || !("Notification" in window) || Notification.permission !== "granted") return;
  const note = new Notification(row.display_name, { body: row.deleted ? "" : row.message, tag: row.uuid });
  note.onclick = () => { window.focus(); location.assign(`/messages/${row.uuid}`); };
}
