"""What the use cases need from the outside, as small protocols (ports), by subject: `messages`
(the table), `people` (the directory, passwords, tokens, shared state), `files` (the object store
and uploads)."""
