"""The users directory in a relational database (SQLite by default, PostgreSQL in production)."""
