"""The users directory on SQLAlchemy 2 Core: SQLite by default, PostgreSQL via DATABASE_URL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, create_engine, func, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError

from cruddur.adapters.users.schema import users
from cruddur.domain.model import User
from cruddur.domain.profile import clean_display_name, login_key, normalize_email, normalize_handle
from cruddur.domain.text import refuse_controls
from cruddur.errors import Conflict, NotFound, Unavailable


def make_engine(database_url: str) -> Engine:
    # pool_pre_ping: a PostgreSQL restart must not turn the next request into an error.
    return create_engine(database_url, pool_pre_ping=True)


class UsersDirectory:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(
        self,
        handle: str,
        display_name: str,
        email: str,
        *,
        password_hash: str | None = None,
        cognito_user_id: str | None = None,
        user_uuid: str | None = None,
    ) -> User:
        row = {
            "uuid": user_uuid or str(uuid.uuid4()),
            "handle": normalize_handle(handle),
            "display_name": clean_display_name(display_name),
            "email": normalize_email(email),
            "cognito_user_id": cognito_user_id,
            "password_hash": password_hash,
            "created_at": datetime.now(UTC),
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(users.insert().values(**row))
        except IntegrityError as exc:
            raise self._which_conflict(row) from exc
        except OperationalError as exc:
            raise Unavailable("the users database did not answer") from exc
        return _user(row)

    def _which_conflict(self, row: dict[str, Any]) -> Conflict:
        for name in ("handle", "email", "uuid", "cognito_user_id"):
            if row[name] is not None and self._one(users.c[name] == row[name]) is not None:
                return Conflict(f"that {name.replace('_', ' ')} is taken", field=name)
        return Conflict("that user already exists")

    def by_handle(self, handle: str) -> User:
        return self._require(users.c.handle == normalize_handle(handle))

    def by_uuid(self, user_uuid: str) -> User | None:
        return self._one(users.c.uuid == user_uuid)

    def by_login(self, handle_or_email: str) -> User | None:
        key = login_key(handle_or_email)
        return self._one(or_(users.c.handle == key, users.c.email == key))

    def by_cognito_sub(self, sub: str) -> User | None:
        return self._one(users.c.cognito_user_id == refuse_controls(sub, "sub"))

    def link_cognito(self, handle: str, sub: str) -> bool:
        """Set the user's Cognito `sub`. False when no user has that handle; Conflict when the
        user is linked to another sign-in already, or the sub to another user (never
        overwritten: a wrong link would hand one person's messages to another)."""
        key = normalize_handle(handle)
        statement = (
            users.update()
            .where(users.c.handle == key)
            .where(or_(users.c.cognito_user_id.is_(None), users.c.cognito_user_id == sub))
            .values(cognito_user_id=sub)
        )
        try:
            with self.engine.begin() as connection:
                if connection.execute(statement).rowcount == 1:
                    return True
        except IntegrityError as exc:
            raise Conflict(
                f"that sign-in is linked to another user than @{key}", field="cognito_user_id"
            ) from exc
        if self._one(users.c.handle == key) is None:
            return False
        raise Conflict(f"@{key} is linked to another sign-in already", field="cognito_user_id")

    def set_local_sign_in(self, user_uuid: str, password_hash: str, sub: str) -> None:
        statement = (
            users.update()
            .where(users.c.uuid == user_uuid)
            .values(password_hash=password_hash, cognito_user_id=sub)
        )
        with self.engine.begin() as connection:
            connection.execute(statement)

    def delete(self, user_uuid: str) -> bool:
        """The user's row gone (their handle free for someone new); False if it was not there."""
        try:
            with self.engine.begin() as connection:
                result = connection.execute(users.delete().where(users.c.uuid == user_uuid))
        except OperationalError as exc:
            raise Unavailable("the users database did not answer") from exc
        return bool(result.rowcount)

    def search(self, query: str, limit: int = 8) -> list[User]:
        """Users whose handle starts with, or whose display name contains, `query`."""
        text = refuse_controls(query, "q").strip().removeprefix("@").lower()
        if not text:
            return []
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        condition = or_(
            users.c.handle.like(f"{escaped}%", escape="\\"),
            func.lower(users.c.display_name).like(f"%{escaped}%", escape="\\"),
        )
        statement = select(users).where(condition).order_by(users.c.handle).limit(limit)
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(statement).mappings().all()
        except OperationalError as exc:
            raise Unavailable("the users database did not answer") from exc
        return [_user(dict(row)) for row in rows]

    def ping(self) -> None:
        try:
            with self.engine.connect() as connection:
                connection.execute(select(1))
        except OperationalError as exc:
            raise Unavailable("the users database did not answer") from exc

    def count(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(users)).scalar_one())

    def _require(self, condition: Any) -> User:
        user = self._one(condition)
        if user is None:
            raise NotFound("no such user", field="handle")
        return user

    def _one(self, condition: Any) -> User | None:
        try:
            with self.engine.connect() as connection:
                row = connection.execute(select(users).where(condition)).mappings().first()
        except OperationalError as exc:
            raise Unavailable("the users database did not answer") from exc
        return None if row is None else _user(dict(row))


def _user(row: dict[str, Any]) -> User:
    return User(
        uuid=row["uuid"],
        handle=row["handle"],
        display_name=row["display_name"],
        email=row["email"],
        cognito_user_id=row["cognito_user_id"],
        password_hash=row["password_hash"],
    )
