"""One module per kind of item the messages table stores, each the adapter of a port."""
