"""The messages table (single-table design, DESIGN.md §3), reached over our own wire."""
