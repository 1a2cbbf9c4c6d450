// The JSON API (/api/...) on the session cookie: every change carries the page's CSRF token,
// a signed-out session goes to the sign-in page, and lists are read a page at a time.
const csrf = document.querySelector('meta[name="csrf-token"]').content;

export async function call(method, url, payload, headers = {}) {
  const init = { method, credentials: "same-origin", headers: { ...headers } };
  if (method !== "GET") init.headers["X-CSRF-Token"] = csrf;
  if (payload !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(payload);
  }
  const response = await fetch(url, init);
  if (response.status === 401) { location.href = "/signin"; throw new Error("signed out"); }
  return response;
}
export async function getJSON(url) {
  const response = await call("GET", url);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return { data: await response.json(), headers: response.headers };
}
// The words of the API's error answer, for the person.
export async function problem(response) {
  try { return (await response.json()).errors[0].message; }
  catch { return `Something went wrong (HTTP ${response.status}); try again.`; }
}

// A list the server gives a page at a time: each page's X-Next-Cursor asks for the next, none
// at the end. One page is asked for at a time.
export function cursorPages(first) {
  let next = first;
  let loading = false;
  return {
    // A fresh first page was drawn: its cursor is the next one.
    restart(headers) { next = headers.get("X-Next-Cursor"); },
    // The next page drawn by `draw(rows)`; false when there is none or one is on its way.
    // `url(cursor)` is its address, the cursor already encoded.
    async more(url, draw) {
      if (!next || loading) return false;
      loading = true;
      try {
        const { data, headers } = await getJSON(url(encodeURIComponent(next)));
        draw(data);
        next = headers.get("X-Next-Cursor");
        return true;
      } finally { loading = false; }
    },
  };
}
