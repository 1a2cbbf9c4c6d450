// The new-conversation page. To one person, the form posts as it always did (the server starts
// or reuses the conversation and sends the first message). To several, the script starts a group
// through the JSON API, with its name if one is given, sends the first message into it (if any:
// a group may start empty, its "started the group" line says it began) and opens it.
import { call, problem } from "./api.js";
import { recipients } from "./recipients.js";

// The group started by a send whose message then failed: sending again must not start another.
let started = null;

async function startGroup(handles, title, text) {
  if (!started) {
    const body = { handles };
    if (title) body.title = title;
    const response = await call("POST", "/api/message_groups", body);
    if (!response.ok) return problem(response);
    started = { uuid: (await response.json()).uuid, key: crypto.randomUUID() };
  }
  if (text) {
    const message = { message: text, message_group_uuid: started.uuid };
    const sent = await call("POST", "/api/messages", message, { "Idempotency-Key": started.key });
    if (!sent.ok) return `The group is started, but the message was not sent: ${await problem(sent)}`;
  }
  location.assign(`/messages/${started.uuid}`);
  return "";
}

export function setupNew() {
  const form = document.getElementById("new-conversation");
  const input = document.getElementById("handle");
  const titleField = document.getElementById("group-fields");
  const message = document.getElementById("message");
  const error = document.getElementById("new-error");
  const send = form.querySelector('button[type="submit"]');
  const people = recipients(input, document.getElementById("picked"), document.getElementById("suggestions"), () => {
    const group = people.handles().length > 1;
    titleField.hidden = !group;
    message.required = !group;  // a group may be started without a first message
  });
  form.addEventListener("submit", async (e) => {
    const handles = people.handles();
    if (handles.length < 2) { input.value = handles[0] || input.value; return; }  // the form posts
    e.preventDefault();
    send.disabled = true;
    error.hidden = true;
    try {
      const failed = await startGroup(handles, document.getElementById("title").value.trim(), message.value.trim());
      error.textContent = failed;
      error.hidden = !failed;
    } catch {
      error.textContent = "The connection failed; send again to retry.";
      error.hidden = false;
    } finally { send.disabled = false; }
  });
}
