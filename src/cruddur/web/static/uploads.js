// Files for the next message, picked, dropped or pasted: each uploaded at once, straight to
// the file store on a form the API signs, with its progress; removable until the message is sent.
import { call, problem } from "./api.js";
import { el } from "./dom.js";
import { size } from "./message.js";

const ACCEPTED_TYPES = new Set(["image/jpeg", "image/png", "image/webp", "image/gif",
                                "application/pdf", "text/plain", "application/zip"]);

function declared(file) {
  if (ACCEPTED_TYPES.has(file.type)) return file.type;
  if (file.type.startsWith("text/")) return "text/plain";  // the server decides from the bytes
  return file.type || "application/octet-stream";
}
// The file posted on the signed `form`: the HTTP status, 0 when the connection failed, -1 when
// the upload was aborted (the file removed). XMLHttpRequest, not fetch: only it reports an
// upload's progress.
function post(upload, form, file) {
  const data = new FormData();
  for (const [name, value] of Object.entries(form.fields)) data.append(name, value);
  data.append("file", file);  // last: S3 takes the fields before the file
  const xhr = new XMLHttpRequest();
  upload.xhr = xhr;
  xhr.upload.addEventListener("progress", (e) => { if (e.lengthComputable) upload.progress.value = e.loaded / e.total; });
  return new Promise((resolve) => {
    xhr.addEventListener("load", () => resolve(xhr.status));
    xhr.addEventListener("error", () => resolve(0));
    xhr.addEventListener("abort", () => resolve(-1));
    xhr.open("POST", form.url);
    xhr.send(data);
  });
}
function uploadRow(file) {
  const progress = el("progress", { max: "1", value: "0", "aria-label": `Uploading ${file.name}` });
  const remove = el("button", { type: "button", class: "quiet", "aria-label": `Remove ${file.name}` }, "×");
  const item = el("li", { class: "upload" }, el("span", { class: "name" }, file.name), " ",
                  el("span", { class: "size" }, size(file.size)), progress, remove);
  return { name: file.name, id: null, done: false, failed: false, item, progress, remove, xhr: null };
}

// The files being attached in `chat` (conversation.js), listed in `list`; `removed()` runs
// after the person removes one.
export function uploadsFor(chat, list, removed) {
  let uploads = [];
  function drop(upload) {
    uploads = uploads.filter((u) => u !== upload);
    upload.item.remove();
    if (upload.xhr && !upload.done) upload.xhr.abort();
  }
  async function addFile(file) {
    const upload = uploadRow(file);
    upload.remove.addEventListener("click", () => { drop(upload); removed(); });
    uploads.push(upload);
    list.append(upload.item);
    const begun = await call("POST", `/api/message_groups/${chat.group}/attachments`,
                             { name: file.name, content_type: declared(file), size: file.size });
    if (!begun.ok) { chat.showError(await problem(begun)); drop(upload); return; }
    const { attachment_id: id, upload: form } = await begun.json();
    upload.id = id;
    const status = await post(upload, form, file);
    if (status >= 200 && status < 300) {
      upload.done = true;
      upload.progress.value = 1;
      upload.progress.setAttribute("aria-label", `${file.name} uploaded`);
      upload.item.classList.add("done");
    } else if (status !== -1) {
      upload.failed = true;
      upload.item.classList.add("failed");
      chat.showError(`${file.name} did not upload; remove it and try again.`);
    }
  }
  return {
    async add(files) { for (const file of files) await addFile(file); },
    busy: () => uploads.some((u) => !u.done && !u.failed),
    ids: () => uploads.filter((u) => u.done).map((u) => u.id),
    // Sent with the message: the list starts empty again.
    clear() { uploads.forEach((u) => u.item.remove()); uploads = []; },
  };
}
