"""The users table (DESIGN §6), described once for queries; created by Alembic migrations."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, String, Table

metadata = MetaData()

users = Table(
    "users",
    metadata,
    Column("uuid", String(36), primary_key=True),
    # Stored lowercase: handles are case-insensitive, and a unique index then enforces that.
    Column("handle", String(32), nullable=False, unique=True),
    Column("display_name", String(100), nullable=False),
    Column("email", String(254), nullable=False, unique=True),
    Column("cognito_user_id", String(128), nullable=True, unique=True),
    Column("password_hash", String(255), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
