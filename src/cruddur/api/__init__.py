"""The JSON API: routes, their dependencies and schemas, and the one edge from typed errors to
HTTP. The app that serves it together with the pages is assembled in `cruddur.app`."""
