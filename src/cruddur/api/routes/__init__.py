"""Routes, one module per resource of DESIGN §4."""
