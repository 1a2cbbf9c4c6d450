"""The one home of the tables' key literals: the messages table's, and the keys table's one
kind (each person's key, kept apart: see adapters/dynamodb/stores/user_keys.py). Nothing else
builds or parses a key.

| item       | pk                        | sk                          |
|------------|---------------------------|-----------------------------|
| message    | MSG#{group}               | {created_at}#{message_uuid} |
| inbox row  | GRP#{owner}               | GRP#{group}                 |
| pair       | PAIR#{low_uuid}#{high_uuid} | PAIR                      |
| idempotency| IDEM#{user}#{sha256(key)} | IDEM                        |
| data key   | DATAKEY                   | {key_id}: hex, time-ordered |
| block      | BLOCK#{owner}             | USER#{blocked}              |
| revocation | REVOKED                   | {sha256(token)}             |
| pins       | GRP#{owner}               | PINS                        |
| members    | MEMBERS#{group}           | MEMBERS                     |
| upload     | UPLOAD#{attachment}       | UPLOAD                      |
| files      | FILES#{user}              | FILES                       |
| push device| PUSH#{user}               | {sha256(endpoint)}          |
| user key (keys table) | USERKEY#{user} | KEY                          |
"""

from __future__ import annotations

import hashlib

PK = "pk"  # the table's partition key attribute
SK = "sk"  # and its sort key
MESSAGE_PREFIX = "MSG#"
INBOX_PREFIX = "GRP#"
PAIR_PREFIX = "PAIR#"
PAIR_SK = "PAIR"
IDEMPOTENCY_PREFIX = "IDEM#"
IDEMPOTENCY_SK = "IDEM"
DATA_KEY_PK = "DATAKEY"
BLOCK_PREFIX = "BLOCK#"
USER_PREFIX = "USER#"
REVOKED_PK = "REVOKED"
USER_KEY_PREFIX = "USERKEY#"  # the keys table's
USER_KEY_SK = "KEY"
PINS_SK = "PINS"
# The pins item's sort key in the inbox index: above every activity key (they start with the
# year's digits) and above "~", the key before every row that a page's position may name.
PINS_INDEX_SK = "~pins"
LEGACY_PINS_PREFIX = "PINS#"
UPLOAD_PREFIX = "UPLOAD#"
UPLOAD_SK = "UPLOAD"
MEMBERS_PREFIX = "MEMBERS#"
MEMBERS_SK = "MEMBERS"
FILES_PREFIX = "FILES#"
FILES_SK = "FILES"
PUSH_PREFIX = "PUSH#"
# Items with this attribute (epoch seconds) are deleted by DynamoDB's TTL once it passes.
EXPIRES_AT = "expires_at"
INBOX_INDEX = "inbox-by-recency"

Key = dict[str, str]
# The fields of a page's last key, which a cursor carries (an inbox page sorts by its index).
MESSAGE_KEY_FIELDS = frozenset({"pk", "sk"})
INBOX_KEY_FIELDS = frozenset({"pk", "sk", "last_message_sk"})


def message_pk(group_uuid: str) -> str:
    return f"{MESSAGE_PREFIX}{group_uuid}"


def message_sk(created_at: str, message_uuid: str) -> str:
    # created_at is fixed width, so string order is time order; the uuid breaks ties.
    return f"{created_at}#{message_uuid}"


def created_at_of_sk(message_sk: str) -> str:
    """The time part of a message's sort key."""
    return message_sk.split("#", 1)[0]


def message_key(group_uuid: str, created_at: str, message_uuid: str) -> Key:
    return {"pk": message_pk(group_uuid), "sk": message_sk(created_at, message_uuid)}


def inbox_pk(owner_uuid: str) -> str:
    return f"{INBOX_PREFIX}{owner_uuid}"


def inbox_key(owner_uuid: str, group_uuid: str) -> Key:
    return {"pk": inbox_pk(owner_uuid), "sk": f"{INBOX_PREFIX}{group_uuid}"}


def pair_key(user_a: str, user_b: str) -> Key:
    low, high = sorted((user_a, user_b))
    return {"pk": f"{PAIR_PREFIX}{low}#{high}", "sk": PAIR_SK}


def idempotency_key(user_uuid: str, key_digest: str) -> Key:
    # The client's key is hashed: any characters, fixed length, nothing of it in the table.
    return {"pk": f"{IDEMPOTENCY_PREFIX}{user_uuid}#{key_digest}", "sk": IDEMPOTENCY_SK}


def data_key_key(key_id: str) -> Key:
    return {"pk": DATA_KEY_PK, "sk": key_id}


def revocation_key(token_digest: str) -> Key:
    # One partition: signed-out tokens live at most a token's lifetime, and the partition is
    # read whole only when a cache in front of it starts empty.
    return {"pk": REVOKED_PK, "sk": token_digest}


def is_message_pk(pk: str) -> bool:
    return pk.startswith(MESSAGE_PREFIX)


def block_key(owner_uuid: str, blocked_uuid: str) -> Key:
    return {"pk": f"{BLOCK_PREFIX}{owner_uuid}", "sk": f"{USER_PREFIX}{blocked_uuid}"}


def pins_key(owner_uuid: str) -> Key:
    """Which of the owner's conversations are pinned: one small item in the owner's inbox
    partition, at the top of the inbox index, so the first page's one Query reads it too."""
    return {"pk": inbox_pk(owner_uuid), "sk": PINS_SK}


def legacy_pins_key(owner_uuid: str) -> Key:
    """Where the pins item lived before it joined the inbox partition, and what a release before
    that reads: kept up to date beside it, and read as well (at most every 10 minutes an owner
    and process), so a rolling deployment or a rollback keeps everyone's pins. A later release
    drops it."""
    return {"pk": f"{LEGACY_PINS_PREFIX}{owner_uuid}", "sk": PINS_SK}


def blocks_pk(owner_uuid: str) -> str:
    return f"{BLOCK_PREFIX}{owner_uuid}"


def upload_key(attachment_id: str) -> Key:
    """An upload not attached yet (with a TTL): who may attach it, where, until when."""
    return {"pk": f"{UPLOAD_PREFIX}{attachment_id}", "sk": UPLOAD_SK}


def members_key(group_uuid: str) -> Key:
    """A group's membership item: its members and their roles, its title, its version. The
    stream processor fans a message out from it; each member's own row answers pattern E."""
    return {"pk": f"{MEMBERS_PREFIX}{group_uuid}", "sk": MEMBERS_SK}


def files_key(user_uuid: str) -> Key:
    """The ids of every file a user attached: what erasing them deletes, in one read."""
    return {"pk": f"{FILES_PREFIX}{user_uuid}", "sk": FILES_SK}


def user_key_key(user_uuid: str) -> Key:
    """A person's key's item, in the keys table."""
    return {PK: f"{USER_KEY_PREFIX}{user_uuid}", SK: USER_KEY_SK}


def user_of_key(pk: str) -> str:
    return pk.removeprefix(USER_KEY_PREFIX)


def push_pk(user_uuid: str) -> str:
    return f"{PUSH_PREFIX}{user_uuid}"


def push_device_key(user_uuid: str, endpoint: str) -> Key:
    # The endpoint hashed: one item per browser subscription, a key of fixed size.
    return {PK: push_pk(user_uuid), SK: hashlib.sha256(endpoint.encode()).hexdigest()}
