// The open conversation kept live: new messages fetched and read as they come, edits and
// reactions redrawn, how far the others have read, who is typing, and (in a group) its people
// heard again when they change. `chat`: the conversation (conversation.js).
import { call } from "./api.js";
import { hear, heardRead } from "./group.js";
import { onEvent, typingShown } from "./live.js";

// The newest messages added (after a new one, a reconnection), and read: their writers no
// longer shown typing. `always`: read even when none is new: the page was just opened, or the
// stream has just written the message to your inbox row. A read is as far as that row goes, and
// a page often fetches a message before the stream has written it there (it shows it from the
// messages themselves): that read stopped short, and the message stayed unread, "Seen" unsaid.
async function catchUp(chat, typing, always) {
  const response = await call("GET", `/api/messages/${chat.group}?limit=20`);
  // Not found: you were taken out of the group; hearing it again says so and leaves for the inbox.
  if (response.status === 404) { await hear(chat); return; }
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const fresh = chat.append(await response.json());
  fresh.filter((m) => !m.event && m.handle !== chat.me).forEach((m) => typing.stop(m.handle));
  // A group's event line (a rename, someone added): the group is heard again. Its "members"
  // event may have come first, while the conversation still read as before.
  if (chat.people && fresh.some((m) => m.event)) await hear(chat);
  // Opened, or new messages shown: read. (Viewing the page itself, a GET, changes nothing.)
  if (fresh.length || always) await call("POST", `/api/message_groups/${chat.group}/read`);
}

export function followLive(chat) {
  const { group } = chat;
  const typing = typingShown(document.getElementById("typing"));
  onEvent(async (event) => {
    if (event.type === "connected") {
      // Connected (or back after a drop): how far they have read, and a group's people, may have
      // moved meanwhile; a group you were removed from meanwhile is left for the inbox.
      if (await hear(chat)) await catchUp(chat, typing, true);
      return;
    }
    if (event.group !== group) return;
    if (event.type === "inbox") {
      await catchUp(chat, typing, Boolean(event.message_uuid));  // message_uuid: from the stream
    } else if (event.type === "members") {
      // Someone joined, left, was made an admin, or the group was renamed: its line follows.
      if (await hear(chat)) await catchUp(chat, typing, false);
    } else if (event.type === "message") {
      await chat.refetch(event.message_uuid);  // edited, deleted, or reacted to
    } else if (event.type === "read" && chat.people) {
      await heardRead(chat, event);
    } else if (event.type === "read") {
      if (!chat.readUntil || event.read_until > chat.readUntil) chat.read(event.read_until, event.read_at);
      chat.showSeen();
    } else if (event.type === "typing" && !(chat.people && chat.people.blocksHandle(event.handle))) {
      typing.show(event.handle, event.display_name || chat.otherName);
    }
  });
}
