"""Plain data and rules: imports nothing from adapters."""
