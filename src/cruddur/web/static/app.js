// Cruddur Messages pages: the inbox beside the conversation, live over Server-Sent Events.
// Every read and write goes through the JSON API (/api/...) on the session cookie; changes
// carry the page's CSRF token. Only user suggestions and the event stream live under /web.
// Native ES modules, no build step: base.html loads this one as type="module".
import { setupConversation } from "./conversation.js";
import { setupInbox } from "./inbox.js";
import { live } from "./live.js";
import { setupNew } from "./new-conversation.js";
import { setupNotifications } from "./notify.js";
import { refreshTimes } from "./times.js";

const page = document.body.dataset.page;

refreshTimes();
setInterval(refreshTimes, 30000);
setupNotifications();
if (page === "inbox" || page === "conversation") { setupInbox(); live(); }
if (page === "conversation") setupConversation();
if (page === "new") setupNew();
