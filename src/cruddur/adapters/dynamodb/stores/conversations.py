"""Access patterns A–F of DESIGN §3 over one table, awaited on the event loop; what people write
is sealed (encrypted) on the way in and opened on the way out."""

from __future__ import annotations

from cruddur.adapters.dynamodb import (
    inbox_items,
    message_items,
    operations,
    pair_items,
    positions,
    reads,
)
from cruddur.adapters.dynamodb.async_table import AsyncTable
from cruddur.adapters.dynamodb.attributes import GROUP_UUID, JOINED_SK, KIND, OTHER_USER_UUID
from cruddur.adapters.dynamodb.errors import (
    CONDITION_FAILED,
    TRANSACTION_CANCELED,
    cancellation_codes,
)
from cruddur.adapters.dynamodb.stores import inbox_choices, read_positions
from cruddur.adapters.dynamodb.wire import DynamoError
from cruddur.cache import TtlCache
from cruddur.domain import keys
from cruddur.domain.model import (
    InboxChoices,
    InboxEntry,
    Message,
    Position,
    ReadPosition,
    RowAccess,
    UserRef,
)
from cruddur.errors import Conflict, PairExists

# How long, and for how many owners, a process remembers the pins item at its old key: one
# GetItem per owner and process at most this often (it was one beside every first page).
LEGACY_PINS_SECONDS = 600.0
PINS_OWNERS = 100_000


class ConversationTable:
    """Reads and writes of the API, composed around the one table object."""

    def __init__(self, table: AsyncTable) -> None:
        self.table = table
        self.sealer = table.sealer
        # What the owner's pins item at its old key held, when this process last looked: an
        # older release may still write only there during a rolling deployment.
        self._legacy_pins: TtlCache[str, list[str]] = TtlCache(LEGACY_PINS_SECONDS, PINS_OWNERS)

    async def close(self) -> None:
        await self.table.close()

    # -- A: messages of a group, newest first ---------------------------------------------
    async def query_messages(
        self,
        group_uuid: str,
        limit: int,
        after: Position | None = None,
        floor: str | None = None,
    ) -> tuple[list[Message], Position | None]:
        start = _start(after, keys.MESSAGE_KEY_FIELDS, keys.message_pk(group_uuid))
        page = reads.messages_page(self.table.name, group_uuid, limit, start, self.sealer, floor)
        found, last = await self.table.run(page)
        return found, _position(last)

    # -- B: a user's inbox, newest activity first -------------------------------------------
    async def query_inbox(
        self, owner_uuid: str, limit: int, after: Position | None = None, view: str = "inbox"
    ) -> tuple[list[InboxEntry], Position | None]:
        start = _start(after, keys.INBOX_KEY_FIELDS, keys.inbox_pk(owner_uuid))
        fill = reads.inbox_pages(self.table.name, owner_uuid, limit, start, self.sealer, view)
        read = await self.table.run(fill)
        return read.rows, _position(read.last)

    async def first_inbox_page(
        self, owner_uuid: str, limit: int
    ) -> tuple[list[InboxEntry], list[InboxEntry], Position | None]:
        """The first page's pinned rows and newest others, from one Query (the pins item comes
        with the rows) and, when the owner pinned some, one BatchGetItem."""
        fill = reads.inbox_pages(self.table.name, owner_uuid, limit, None, self.sealer)
        read = await self.table.run(fill)
        legacy = self._legacy_pins.get(owner_uuid)
        if legacy is None:
            legacy = await inbox_choices.legacy_pinned_groups(self.table, owner_uuid)
            self._legacy_pins.put(owner_uuid, legacy)
        # The rows say what is pinned now (pinned_rows keeps those with `pinned_at`): a group
        # one of the items still lists after an unpin is left out there.
        groups = sorted({*read.pinned_groups, *legacy})
        pinned = await inbox_choices.pinned_rows(self.table, owner_uuid, groups)
        return pinned, read.rows, _position(read.last)

    def inbox_position(self, owner_uuid: str, after: InboxEntry | None) -> Position:
        return positions.position_of(reads.inbox_index_key(owner_uuid, after))

    # -- C: send into a group ---------------------------------------------------------------
    async def put_message(self, message: Message) -> Message:
        await self.table.ready_to_seal(message.sender.uuid)
        item = message_items.message_item(message, self.sealer)
        try:
            # The sort key carries the message uuid, so the key is new unless this very message is
            # already stored (a retried request): then the write has happened, and the answer is
            # the message as it now stands (edited or deleted since, maybe).
            await self.table.put_new(item, passthrough=(CONDITION_FAILED,))
        except DynamoError:
            stored = await self.get_message(message.group_uuid, message.sort_key)
            if stored is None or stored.sender.uuid != message.sender.uuid:
                raise Conflict("a different message is stored under this key") from None
            return stored
        return message

    async def get_message(self, group_uuid: str, sort_key: str) -> Message | None:
        key = {keys.PK: keys.message_pk(group_uuid), keys.SK: sort_key}
        item = await self.table.get(key)
        return None if item is None else message_items.message_from_item(item, self.sealer)

    # -- E: membership ----------------------------------------------------------------------
    async def get_access(self, owner_uuid: str, group_uuid: str) -> RowAccess | None:
        request = operations.get(
            self.table.name,
            keys.inbox_key(owner_uuid, group_uuid),
            projection="#other, #kind, #joined",
        )
        request["ExpressionAttributeNames"] = {
            "#other": OTHER_USER_UUID,
            "#kind": KIND,
            "#joined": JOINED_SK,
        }
        item = (await self.table.call("GetItem", request)).get("Item")
        if item is None:
            return None
        return RowAccess(
            kind=item.get(KIND, {}).get("S", "direct"),
            other_uuid=item.get(OTHER_USER_UUID, {}).get("S", ""),
            joined_sk=item.get(JOINED_SK, {}).get("S"),
        )

    async def get_inbox_row(self, owner_uuid: str, group_uuid: str) -> InboxEntry | None:
        item = await self.table.get(keys.inbox_key(owner_uuid, group_uuid))
        return None if item is None else inbox_items.inbox_from_item(item, self.sealer)

    # -- F: start a conversation ------------------------------------------------------------
    async def find_pair(self, user_a: str, user_b: str) -> str | None:
        item = await self.table.get(keys.pair_key(user_a, user_b))
        return None if item is None else str(item[GROUP_UUID]["S"])

    async def create_conversation(
        self, sender: UserRef, recipient: UserRef, first: Message
    ) -> None:
        """Pair, both inbox rows and the first message, all or nothing.

        Raises PairExists when the pair item is already there (someone else started it first).
        """
        await self.table.ready_to_seal(sender.uuid)
        message = message_items.message_item(first, self.sealer)
        # The rows show the preview sealed with the message: the same bytes the stream copies.
        shown = message_items.last_message_of(message)
        puts = [
            pair_items.pair_item(sender, recipient, first.group_uuid),
            inbox_items.inbox_item(sender, recipient, shown),
            inbox_items.inbox_item(recipient, sender, shown),
            message,
        ]
        transact = [{"Put": operations.put_new(self.table.name, item)} for item in puts]
        try:
            await self.table.call(
                "TransactWriteItems",
                {
                    "TransactItems": transact,
                    # A retried request with the same token is a no-op, not a failed condition.
                    "ClientRequestToken": first.message_uuid,
                },
                passthrough=(TRANSACTION_CANCELED,),
            )
        except DynamoError as exc:
            reasons = cancellation_codes(exc)
            if reasons and reasons[0] == CONDITION_FAILED:
                raise PairExists("the conversation already exists") from exc
            raise Conflict("starting the conversation collided with another write") from exc

    async def apply_choices(
        self, owner_uuid: str, group_uuid: str, choices: InboxChoices, now: str
    ) -> InboxEntry:
        return await inbox_choices.apply(self.table, owner_uuid, group_uuid, choices, now)

    # -- D: the reader's share of the inbox updates -----------------------------------------
    async def mark_read(
        self, reader: str, other: str | None, group_uuid: str, now: str
    ) -> ReadPosition | None:
        return await read_positions.mark_read(self.table, reader, other, group_uuid, now)


def _start(after: Position | None, fields: frozenset[str], partition: str) -> keys.Key | None:
    return None if after is None else positions.key_of(after, fields, partition)


def _position(last: keys.Key | None) -> Position | None:
    return None if last is None else positions.position_of(last)
