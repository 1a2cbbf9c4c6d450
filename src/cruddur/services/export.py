"""Everything of yours, to take away: one zip with a machine-readable `cruddur-export.json`, a
readable `index.html` and your conversations' files under `files/`.

It holds what you can see in the app: your profile; every conversation (archived and hidden
ones too) with every message, decrypted, as it reads now — edits, deletions, reactions, the
messages replies quote, photos and files, and no message past its retention; your choices on
each (muted, archived, pinned); how far the other member has read; whom you block. Built in
memory on a thread: a person with 50,000 messages makes a zip of a few megabytes (the bench
measures it).
"""

from __future__ import annotations

import asyncio
import html
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from cruddur.domain.attachments import Attachment, download_name
from cruddur.domain.clock import format_timestamp
from cruddur.domain.model import InboxEntry, Message, Position, User
from cruddur.domain.reactions import counts
from cruddur.errors import NotFound
from cruddur.services import push_devices
from cruddur.services.context import MessagingContext
from cruddur.services.ports.messages import AccountRecords
from cruddur.services.reading import as_shown

PAGE = 100
JSON_NAME = "cruddur-export.json"
HTML_NAME = "index.html"


@dataclass(frozen=True)
class Export:
    data: bytes  # the zip
    conversations: int
    messages: int
    files: int


async def export_account(ctx: MessagingContext, records: AccountRecords, user: User) -> Export:
    document: dict[str, Any] = {
        "exported_at": format_timestamp(ctx.clock()),
        "profile": {
            "uuid": user.uuid,
            "handle": user.handle,
            "display_name": user.display_name,
            "email": user.email,
        },
        "conversations": [],
        "blocks": [
            {
                "uuid": b.blocked.uuid,
                "handle": b.blocked.handle,
                "display_name": b.blocked.display_name,
                "blocked_at": b.blocked_at,
            }
            for b in await ctx.blocks.blocks_of(user.uuid)
        ],
        # The browsers that get your notifications: where their push service takes them.
        "push_devices": [
            {"endpoint": d.endpoint, "subscribed_at": d.subscribed_at, "expires_at": d.expires_at}
            for d in await push_devices.devices(ctx, user.uuid)
        ],
    }
    files: dict[str, Attachment] = {}
    total = 0
    for group, _ in await records.conversations(user.uuid):
        try:
            row = await ctx.store.get_inbox_row(user.uuid, group)
        except NotFound:
            continue
        if row is None:
            continue
        # A group's member reads (and exports) it from their joining on.
        messages = await _every_message(ctx, group, row.joined_sk)
        total += len(messages)
        for message in messages:
            for attachment in message.attachments:
                files[_file_name(attachment)] = attachment
        conversation = _conversation(row, messages, user.uuid)
        if row.kind != "direct":
            conversation.update(await _group(ctx, group))
        document["conversations"].append(conversation)
    data = await asyncio.to_thread(_zip, ctx, document, files)
    return Export(data, len(document["conversations"]), total, len(files))


async def _group(ctx: MessagingContext, group_uuid: str) -> dict[str, Any]:
    """A group's title and members, as its members see them."""
    group = None if ctx.groups is None else await ctx.groups.get_group(group_uuid)
    if group is None:
        return {"kind": "group"}
    return {
        "kind": "group",
        "title": group.title,
        "members": [
            {
                "uuid": m.uuid,
                "handle": m.handle,
                "display_name": m.display_name,
                "role": m.role,
                "joined_at": m.joined_at,
            }
            for m in group.members
        ],
    }


async def _every_message(ctx: MessagingContext, group: str, floor: str | None) -> list[Message]:
    found: list[Message] = []
    start: Position | None = None
    while True:
        page, start = await ctx.store.query_messages(group, PAGE, start, floor)
        # As the app's pages show them: none past its retention, each quote as it reads now.
        found += await as_shown(ctx, group, page)
        if start is None:
            found.reverse()  # oldest first
            return found


def _conversation(row: InboxEntry, messages: list[Message], owner: str) -> dict[str, Any]:
    return {
        "uuid": row.group_uuid,
        "kind": row.kind,
        "with": {
            "uuid": row.other.uuid,
            "handle": row.other.handle,
            "display_name": row.other.display_name,
        },
        "muted": row.muted,
        "archived": row.archived,
        "pinned": row.pinned,
        "unread_count": row.unread_count,
        "read_until": row.read_until,  # you have read every message up to then
        "read_at": row.read_at,
        "other_read_until": row.other_read_until,
        "other_read_at": row.other_read_at,
        "messages": [_message(m, owner) for m in messages],
    }


def _message(message: Message, owner: str) -> dict[str, Any]:
    reply = message.reply_to
    return {
        "uuid": message.message_uuid,
        "created_at": message.created_at,
        "from": {"handle": message.sender.handle, "display_name": message.sender.display_name},
        "mine": message.sender.uuid == owner,
        "text": message.text,
        "event": None if message.event is None else message.event.kind,
        "edited_at": message.edited_at,
        "deleted": message.deleted,
        "reply_to": None
        if reply is None
        else {"uuid": reply.message_uuid, "preview": reply.preview, "deleted": reply.deleted},
        "reactions": [
            {"emoji": r.emoji, "count": r.count, "mine": r.mine}
            for r in counts(message.reactions, owner)
        ],
        "attachments": [
            {
                "id": a.attachment_id,
                "name": a.name,
                "content_type": a.content_type,
                "size": a.size,
                "width": a.width,
                "height": a.height,
                "file": f"files/{_file_name(a)}",
            }
            for a in message.attachments
        ],
    }


def _file_name(attachment: Attachment) -> str:
    return f"{attachment.attachment_id}-{download_name(attachment.name, attachment.content_type)}"


def _zip(ctx: MessagingContext, document: dict[str, Any], files: dict[str, Attachment]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(JSON_NAME, json.dumps(document, ensure_ascii=False, indent=1))
        archive.writestr(HTML_NAME, _page(document))
        shelf = ctx.shelf
        if shelf is not None:
            for name, attachment in files.items():
                data = shelf.files.read(attachment.key, attachment.size + 1)
                if data is not None:
                    archive.writestr(f"files/{name}", data)
    return out.getvalue()


def _page(document: dict[str, Any]) -> str:
    """The same, for reading: every conversation, every message, plain HTML, no script."""
    e = html.escape
    profile = document["profile"]
    parts = [
        "<!doctype html><meta charset='utf-8'><title>Cruddur Messages: your data</title>",
        "<style>body{font:16px/1.4 system-ui,sans-serif;max-width:46rem;margin:auto;padding:1rem}"
        ".m{margin:.4rem 0;padding:.4rem .6rem;background:#f1f3f8;border-radius:.4rem}"
        ".mine{background:#dbe7ff}.meta{color:#667;font-size:.8rem}</style>",
        f"<h1>{e(profile['display_name'])} <small>@{e(profile['handle'])}</small></h1>",
        f"<p class='meta'>Exported {e(document['exported_at'])}; {e(profile['email'])}</p>",
    ]
    for conversation in document["conversations"]:
        other = conversation["with"]
        handle = f" <small>@{e(other['handle'])}</small>" if other["handle"] else ""
        parts.append(f"<h2>With {e(other['display_name'])}{handle}</h2>")
        for m in conversation["messages"]:
            text = "<em>deleted</em>" if m["deleted"] else e(m["text"]).replace("\n", "<br>")
            quote = (
                f"<div class='meta'>↪ {e(m['reply_to']['preview'])}</div>" if m["reply_to"] else ""
            )
            files = "".join(
                f"<div><a href='{e(a['file'])}'>{e(a['name'])}</a></div>" for a in m["attachments"]
            )
            reactions = " ".join(f"{e(r['emoji'])} {r['count']}" for r in m["reactions"])
            parts.append(
                f"<div class='m{' mine' if m['mine'] else ''}'>"
                f"<div class='meta'>{e(m['from']['display_name'])} · {e(m['created_at'])}"
                f"{' · edited' if m['edited_at'] and not m['deleted'] else ''}</div>"
                f"{quote}<div>{text}</div>{files}<div class='meta'>{reactions}</div></div>"
            )
    if document["blocks"]:
        parts.append("<h2>You block</h2><ul>")
        parts += [
            f"<li>@{e(b['handle'])} since {e(b['blocked_at'])}</li>" for b in document["blocks"]
        ]
        parts.append("</ul>")
    return "\n".join(parts)
