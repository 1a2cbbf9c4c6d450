// A conversation page that is a group's: its people (people.js) and their panel (members.js),
// heard from the API on opening, on every reconnection, and whenever its membership, roles, name
// or read positions change. A group you are no longer in sends you back to the inbox.
import { toInbox } from "./inbox.js";
import { setupMembers } from "./members.js";
import { fetchConversation, People } from "./people.js";

// Takes in the conversation as the API answered it: a direct one's "Seen", a group's people.
export function take(chat, conversation) {
  if (conversation.kind === "group") {
    if (!chat.people) becomeGroup(chat);
    chat.people.update(conversation);
    chat.panel.draw();
  } else if (conversation.other_read_until) {
    chat.read(conversation.other_read_until, conversation.other_read_at);
  }
  chat.showSeen();
}

// Asks the API for the conversation again and takes it in; false when it is no longer yours
// (you left, or were removed): then the inbox opens, saying so.
export async function hear(chat) {
  const conversation = await fetchConversation(chat.group);
  if (!conversation) {
    // Leaving, your page hears the change too, maybe before the answer: that one says "You left".
    if (!chat.leaving) toInbox(chat.people ? `You are no longer in “${chat.otherName}”.` : "That conversation is gone.");
    return false;
  }
  take(chat, conversation);
  return true;
}

// The page becomes a group's: known from the page itself (data-kind) before anything is drawn,
// or from the API's first answer. Whom you block is asked once: their messages fold.
export function becomeGroup(chat) {
  chat.people = new People(chat.me);
  chat.panel = setupMembers(chat, (conversation) => take(chat, conversation), () => hear(chat));
  document.getElementById("block").hidden = true;
  document.getElementById("blocked-note").hidden = true;
  document.getElementById("members").hidden = false;
  chat.people.loadBlocks().then((changed) => { if (changed) chat.redraw(); });
}

// A member read the group (a "read" event names them, `reader`): their place moves, and with it
// "Seen by"; an event without the name is heard whole.
export async function heardRead(chat, event) {
  const reader = event.reader && chat.people.members.find((m) => m.uuid === event.reader);
  if (!reader) { await hear(chat); return; }
  if (!reader.read_until || event.read_until > reader.read_until) reader.read_until = event.read_until;
  chat.panel.draw();
  chat.showSeen();
}
