"""The services' rules, one contract suite on two implementations of the ports: the in-memory
fakes of tests/fakes.py and the DynamoDB adapters on DynamoDB Local. A fake that answers other
than what it stands for fails here (FakeEdits once said NotFound where MessageEdits says
Forbidden). The fault-injecting starts at the end run on the fakes only."""

from __future__ import annotations

import hashlib
import json

import pytest

from cruddur import bootstrap
from cruddur.adapters.dynamodb import positions
from cruddur.adapters.dynamodb.stores.claims import ClaimTable
from cruddur.adapters.dynamodb.stores.conversations import ConversationTable
from cruddur.config import Settings
from cruddur.domain import keys
from cruddur.domain.model import Message, UserRef
from cruddur.errors import Blocked, Conflict, Forbidden, Invalid, InvalidCursor, NotFound
from cruddur.services import blocking, delivery, editing, inbox, read_marks, reading, sending
from cruddur.services.context import MessagingContext
from cruddur.services.sending import Idempotency, post_message
from tests.boto import client_of
from tests.fakes import FakeClaims, FakeConversations, FakeDirectory, context
from tests.own_loop import run

GROUP_OF_NOBODY = "6f1c1f0e-2d4a-4f51-9c1e-0b7f3f1f9a11"


People = tuple[FakeDirectory, UserRef, UserRef, UserRef]


class Backend:
    """One implementation of the ports: a messaging context, idempotency claims, and what has
    been written (to compare before and after a refused request)."""

    def __init__(self, request: pytest.FixtureRequest) -> None:
        self.kind = request.param
        self._request = request
        self._context: MessagingContext | None = None

    def context(self) -> MessagingContext:
        if self.kind == "fake":
            self._context = context()
        else:
            settings: Settings = self._request.getfixturevalue("settings")
            store: ConversationTable = self._request.getfixturevalue("store")
            self._context = bootstrap.build_messaging(settings, store)
        return self._context

    def idempotency(self) -> Idempotency:
        if self.kind == "fake":
            return Idempotency(FakeClaims(), 3600, hashlib.sha256(b"fingerprints").digest())
        store: ConversationTable = self._request.getfixturevalue("store")
        return Idempotency(ClaimTable(store.table), 3600, hashlib.sha256(b"fp").digest())

    def writes(self, ctx: MessagingContext) -> list[str]:
        if isinstance(ctx.store, FakeConversations):
            return list(ctx.store.writes)
        store: ConversationTable = self._request.getfixturevalue("store")
        scanned = client_of(store).scan(TableName=store.table.name, ConsistentRead=True)
        return sorted(json.dumps(item, sort_keys=True, default=repr) for item in scanned["Items"])


@pytest.fixture(params=["fake", "dynamodb"])
def backend(request: pytest.FixtureRequest) -> Backend:
    return Backend(request)


@pytest.fixture
def people() -> People:
    directory = FakeDirectory()
    return directory, directory.add("ada"), directory.add("bob"), directory.add("eve")


def _talking(
    backend: Backend, people: People
) -> tuple[MessagingContext, FakeDirectory, UserRef, UserRef, UserRef, str]:
    """Ada has started a conversation with Bob; Eve is in none."""
    directory, ada, bob, eve = people
    ctx = backend.context()
    first = run(sending.start_conversation(ctx, ada, bob, "hello bob"))
    return ctx, directory, ada, bob, eve, first.group_uuid


def _messages(ctx: MessagingContext, group: str) -> list[Message]:
    """The conversation oldest first, through the port."""
    return list(reversed(run(ctx.store.query_messages(group, 100))[0]))


# -- membership: a group you are not in is a group that does not exist -----------------------


def test_someone_outside_a_conversation_finds_nothing_and_writes_nothing(backend, people):
    ctx, _, _, _, eve, group = _talking(backend, people)
    before = backend.writes(ctx)
    with pytest.raises(NotFound):
        run(reading.list_messages(ctx, eve.uuid, group))
    with pytest.raises(NotFound):
        run(sending.send_message(ctx, eve, group, "let me in"))
    sent = _messages(ctx, group)[0]
    with pytest.raises(NotFound):
        run(editing.get_message(ctx, eve.uuid, group, sent.message_uuid))
    with pytest.raises(NotFound):
        run(editing.delete_message(ctx, eve, group, sent.message_uuid))
    with pytest.raises(NotFound):
        run(read_marks.mark_read(ctx, eve.uuid, group))
    with pytest.raises(NotFound) as nobody:
        run(sending.send_message(ctx, eve, GROUP_OF_NOBODY, "anyone?"))
    assert nobody.value.message == "no such conversation"  # the same answer as for a stranger
    assert backend.writes(ctx) == before


def test_a_member_reads_the_page_a_stranger_does_not(backend, people):
    ctx, _, ada, _, eve, group = _talking(backend, people)
    with pytest.raises(NotFound):
        run(reading.list_messages(ctx, eve.uuid, group))
    page = run(reading.list_messages(ctx, ada.uuid, group))
    assert [m.text for m in page.items] == ["hello bob"]


# -- bad input writes nothing -----------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "x" * 1025, "bell \x07", "nul \x00"], ids=repr)
def test_a_refused_text_writes_nothing_in_any_use_case(backend, people, text):
    ctx, directory, ada, _bob, eve, group = _talking(backend, people)
    sent = _messages(ctx, group)[0]
    before = backend.writes(ctx)
    with pytest.raises(Invalid):
        run(sending.send_message(ctx, ada, group, text))
    with pytest.raises(Invalid):
        run(sending.start_conversation(ctx, ada, eve, text))
    with pytest.raises(Invalid):
        run(post_message(ctx, directory, ada, text, handle="eve"))
    with pytest.raises(Invalid):
        run(editing.edit_message(ctx, ada, group, sent.message_uuid, text))
    assert backend.writes(ctx) == before


@pytest.mark.parametrize(
    ("group", "handle"),
    [(None, None), ("not-a-uuid", None), (GROUP_OF_NOBODY, "bob")],
)
def test_a_send_that_names_no_one_clearly_is_refused_before_any_write(
    backend, people, group, handle
):
    directory, ada, *_ = people
    ctx = backend.context()
    with pytest.raises(Invalid):
        run(post_message(ctx, directory, ada, "hi", group_uuid=group, handle=handle))
    assert backend.writes(ctx) == []


def test_nobody_writes_to_themselves(backend, people):
    directory, ada, *_ = people
    ctx = backend.context()
    with pytest.raises(Invalid, match="yourself"):
        run(post_message(ctx, directory, ada, "note to self", handle="@ADA"))
    with pytest.raises(Invalid, match="yourself"):
        run(sending.start_conversation(ctx, ada, ada, "note to self"))
    with pytest.raises(Invalid, match="yourself"):
        run(blocking.block(ctx, ada, ada))
    assert backend.writes(ctx) == []


def test_a_block_either_way_refuses_the_send_and_writes_nothing(backend, people):
    ctx, _, ada, bob, _, group = _talking(backend, people)
    run(blocking.block(ctx, bob, ada))
    before = backend.writes(ctx)
    with pytest.raises(Blocked, match="does not accept"):
        run(sending.send_message(ctx, ada, group, "hello?"))
    with pytest.raises(Blocked, match="you blocked"):
        run(sending.send_message(ctx, bob, group, "hello?"))
    assert backend.writes(ctx) == before


# -- idempotency ------------------------------------------------------------------------------


def test_a_retried_key_returns_the_first_message_and_stores_one(backend, people):
    ctx, directory, ada, _bob, _, group = _talking(backend, people)
    once = backend.idempotency()
    first = run(
        post_message(ctx, directory, ada, "once", group_uuid=group, idempotency=once, key="k1")
    )
    again = run(
        post_message(ctx, directory, ada, "once", group_uuid=group, idempotency=once, key="k1")
    )
    assert again == first
    assert [m.text for m in _messages(ctx, group)].count("once") == 1


def test_a_key_reused_for_another_request_is_a_conflict_that_writes_nothing(backend, people):
    ctx, directory, ada, _, _, group = _talking(backend, people)
    once = backend.idempotency()
    run(post_message(ctx, directory, ada, "first", group_uuid=group, idempotency=once, key="k2"))
    before = backend.writes(ctx)
    with pytest.raises(Conflict, match="Idempotency-Key"):
        run(
            post_message(ctx, directory, ada, "other", group_uuid=group, idempotency=once, key="k2")
        )
    with pytest.raises(Conflict, match="Idempotency-Key"):
        run(post_message(ctx, directory, ada, "first", handle="eve", idempotency=once, key="k2"))
    assert backend.writes(ctx) == before


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\tkey", "clé"], ids=repr)
def test_a_malformed_key_is_refused_before_any_write(backend, people, key):
    ctx, directory, ada, _, _, group = _talking(backend, people)
    before = backend.writes(ctx)
    with pytest.raises(Invalid) as refused:
        run(
            post_message(
                ctx,
                directory,
                ada,
                "hi",
                group_uuid=group,
                idempotency=backend.idempotency(),
                key=key,
            )
        )
    assert refused.value.field == "Idempotency-Key"
    assert backend.writes(ctx) == before


def test_the_same_key_of_two_people_is_two_messages(backend, people):
    ctx, directory, ada, bob, _, group = _talking(backend, people)
    once = backend.idempotency()
    mine = run(
        post_message(ctx, directory, ada, "same", group_uuid=group, idempotency=once, key="k")
    )
    theirs = run(
        post_message(ctx, directory, bob, "same", group_uuid=group, idempotency=once, key="k")
    )
    assert mine.message_uuid != theirs.message_uuid


# -- starting a conversation: a race with another start ----------------------------------------


def test_a_start_that_loses_the_race_sends_into_the_winners_conversation(people):
    _, ada, bob, _ = people
    store = FakeConversations(lost_starts=1)
    ctx = context(store)
    sent = run(sending.start_conversation(ctx, ada, bob, "hi"))
    winner = run(store.find_pair(ada.uuid, bob.uuid))
    assert sent.group_uuid == winner
    assert [m.text for m in store.messages[winner].values()].count("hi") == 2  # theirs and ours
    assert len(store.pairs) == 1


def test_a_start_held_up_by_another_transaction_is_tried_again(people):
    _, ada, bob, _ = people
    store = FakeConversations(held_starts=2)
    sent = run(sending.start_conversation(context(store), ada, bob, "hi"))
    assert run(store.find_pair(ada.uuid, bob.uuid)) == sent.group_uuid


def test_a_start_that_never_gets_through_is_a_conflict_not_a_loop(people):
    _, ada, bob, _ = people
    store = FakeConversations(held_starts=delivery.START_TRIES)
    with pytest.raises(Conflict, match="try again"):
        run(sending.start_conversation(context(store), ada, bob, "hi"))
    assert store.writes == []


# -- cursors: signed for one reader, one list ---------------------------------------------------


def _long_conversation(
    backend: Backend, people: People
) -> tuple[MessagingContext, UserRef, UserRef, str]:
    ctx, _directory, ada, bob, _eve, group = _talking(backend, people)
    for n in range(5):
        run(
            ctx.store.put_message(
                Message(
                    group,
                    f"00000000-0000-4000-8000-00000000000{n}",
                    f"m{n}",
                    f"2030-01-01T00:00:0{n}.000000Z",
                    ada,
                    (ada.uuid, bob.uuid),
                )
            )
        )
    return ctx, ada, bob, group


def test_a_cursor_pages_on_for_its_reader_only(backend, people):
    ctx, ada, bob, group = _long_conversation(backend, people)
    page = run(reading.list_messages(ctx, ada.uuid, group, limit=2))
    assert page.next_cursor is not None
    older = run(reading.list_messages(ctx, ada.uuid, group, limit=2, cursor=page.next_cursor))
    assert older.items
    assert older.items[-1].created_at < page.items[0].created_at
    with pytest.raises(InvalidCursor):  # the other member of the same conversation
        run(reading.list_messages(ctx, bob.uuid, group, limit=2, cursor=page.next_cursor))
    with pytest.raises(InvalidCursor):  # the same reader, another list
        run(inbox.list_inbox(ctx, ada.uuid, cursor=page.next_cursor))
    with pytest.raises(InvalidCursor):  # altered
        run(
            reading.list_messages(
                ctx, ada.uuid, group, limit=2, cursor=page.next_cursor[:-2] + "xx"
            )
        )


def test_a_signed_cursor_naming_another_partition_is_refused(backend, people):
    ctx, ada, _, group = _long_conversation(backend, people)
    scope = f"messages:{ada.uuid}:{group}"
    elsewhere = {"pk": keys.message_pk(GROUP_OF_NOBODY), "sk": "2030"}
    with pytest.raises(InvalidCursor):
        run(
            reading.list_messages(
                ctx,
                ada.uuid,
                group,
                cursor=ctx.cursors.encode(scope, positions.position_of(elsewhere)),
            )
        )


@pytest.mark.parametrize("limit", [0, -1, 101])
def test_a_page_size_out_of_range_is_refused(backend, people, limit):
    ctx, _, ada, _, _, group = _talking(backend, people)
    with pytest.raises(Invalid, match="limit"):
        run(reading.list_messages(ctx, ada.uuid, group, limit=limit))
    with pytest.raises(Invalid, match="limit"):
        run(inbox.list_inbox(ctx, ada.uuid, limit=limit))


# -- edits: the author's, while the message stands ---------------------------------------------


def test_only_the_author_edits_and_a_deleted_message_stays_deleted(backend, people):
    ctx, _, ada, bob, _, group = _talking(backend, people)
    sent = _messages(ctx, group)[0]
    with pytest.raises(Forbidden):  # as the real adapter says (a member sees the message)
        run(editing.edit_message(ctx, bob, group, sent.message_uuid, "not mine to change"))
    run(editing.delete_message(ctx, ada, group, sent.message_uuid))
    with pytest.raises(Conflict, match="deleted"):
        run(editing.edit_message(ctx, ada, group, sent.message_uuid, "back again"))
    assert run(editing.get_message(ctx, bob.uuid, group, sent.message_uuid)).text == ""
