"""The web app: server-rendered pages, a little JavaScript, live updates over SSE."""
