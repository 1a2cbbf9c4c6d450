"""`cruddur` as a script drives it: an exit status that tells "work left over" (3) from "done",
`--json` as one object on stdout with the logs on stderr, progress drawn only on a terminal,
and demo users only on a local users database."""

from __future__ import annotations

import json
import uuid
from unittest.mock import ANY

import pytest
from click.testing import Result

from cruddur import demo
from cruddur.cli import progress as progress_module
from cruddur.cli.progress import CLEAR_LINE
from cruddur.domain import keys
from cruddur.services import sending
from cruddur.stream.checkpoints import DeadLetters
from cruddur.stream.runner import dead_letter_path
from tests.conftest import make_user
from tests.integration.helpers import drain
from tests.integration.test_cli import keyed, run, target
from tests.integration.test_redrive import drop_row
from tests.own_loop import run as settle

WORK_LEFT = 3
SAID = "meet at the usual place"  # a message text no output may carry


def repair(settings) -> list[str]:
    return ["ddb", "repair-inboxes", *target(settings), "--data-dir", str(settings.data_dir)]


def redrive(settings) -> list[str]:
    return ["stream", "redrive", *target(settings), "--data-dir", str(settings.data_dir)]


def with_ada() -> list[demo.Script]:
    return [s for s in demo.SCRIPTS if demo.ADA in (s.first, s.second)]


def test_repair_exits_3_when_a_conversation_is_left_as_is(store, settings):
    # Defect: a conversation it could not rebuild was listed, and the command exited 0.
    nothing = str(uuid.uuid4())  # no messages: nothing to rebuild its rows from
    plain = run(*repair(settings), "--group", nothing)
    as_json = run(*repair(settings), "--group", nothing, "--json")

    assert plain.exit_code == WORK_LEFT, plain.output
    assert f"group {nothing}: left as is (no messages)" in plain.stdout
    assert "1 conversations left as is" in plain.stderr
    assert as_json.exit_code == WORK_LEFT
    document = json.loads(as_json.stdout)
    assert document["left_as_is"] == [{"group_uuid": nothing, "reason": "no messages"}]
    assert (document["checked"], document["rows"]) == (1, [])


def test_repair_json_is_one_object_of_the_rows_it_changed(ctx, settings, store):
    alice, bob = make_user("alice"), make_user("bob")
    group = settle(sending.start_conversation(ctx, alice, bob, SAID)).group_uuid
    drain(settings, None)
    drop_row(store, bob, group)

    done = run(*repair(settings), "--group", group, "--json")

    assert done.exit_code == 0, done.output
    [line] = done.stdout.splitlines()  # nothing else on stdout
    document = json.loads(line)
    assert document["rows"] == [
        {"group_uuid": group, "owner_uuid": bob.uuid, "action": "created", "attributes": ANY}
    ]
    assert (document["checked"], document["created"], document["rewritten"]) == (1, 1, 0)
    assert (document["dry_run"], document["left_as_is"]) == (False, [])
    assert document["capacity"]["write_units"] > 0
    assert "consumed capacity" in done.stderr
    assert SAID not in done.output


def test_redrive_exits_3_when_a_dead_letter_is_kept(store, settings):
    # Defect: "1 left for the next run", and exit 0.
    unreadable = {  # a message's record without its image: it can never be applied
        "eventName": "INSERT",
        "dynamodb": {
            "SequenceNumber": "4100000000000000000001",
            "Keys": {keys.PK: {"S": keys.message_pk(str(uuid.uuid4()))}},
        },
    }
    letters = DeadLetters(dead_letter_path(settings.data_dir))
    letters.put("arn:aws:dynamodb:local", "shardId-1", unreadable, "MalformedRecord")

    plain = run(*redrive(settings))
    as_json = run(*redrive(settings), "--json")
    listed = run("stream", "dead-letters", "--data-dir", str(settings.data_dir), "--json")

    assert plain.exit_code == WORK_LEFT, plain.output
    assert "0 records applied again, 0 conversations rebuilt (0 rows changed), 1 left" in (
        plain.stdout
    )
    assert as_json.exit_code == WORK_LEFT
    document = json.loads(as_json.stdout)
    assert (document["batches"], document["left"], document["capped"]) == (1, 1, False)
    assert set(document["capacity"]) == {"read_units", "write_units", "calls"}
    assert listed.exit_code == 0
    assert json.loads(listed.stdout) == {
        "dead_letters": [
            {
                "sequence_number": "4100000000000000000001",
                "shard_id": "shardId-1",
                "reason": "MalformedRecord",
                "dead_lettered_at": ANY,
            }
        ]
    }
    assert len(letters.entries()) == 1  # kept for an operator


def test_listings_print_one_json_object_and_no_message_text(store, settings):
    assert run("ddb", "seed", *keyed(settings)).exit_code == 0

    inbox = run("ddb", "list-conversations", demo.ADA.uuid, *target(settings), "--json")
    generations = run("keys", "list", *keyed(settings), "--json")

    assert inbox.exit_code == generations.exit_code == 0
    conversations = json.loads(inbox.stdout)["conversations"]
    others = {s.second.handle if s.first == demo.ADA else s.first.handle for s in with_ada()}
    assert {c["with"]["handle"] for c in conversations} == others
    assert all(isinstance(c["unread_count"], int) for c in conversations)
    assert "consumed capacity" in inbox.stderr
    assert not any(line in inbox.stdout for s in demo.SCRIPTS for line in s.lines)
    [generation] = json.loads(generations.stdout)["generations"]
    assert set(generation) == {"key_id", "created_at", "wrapped_by"}


def test_nothing_but_the_output_when_stderr_is_piped(store, settings):
    assert run("db", "setup", "--demo", "--data-dir", str(settings.data_dir)).exit_code == 0
    seeded = run("ddb", "seed", *keyed(settings))
    repaired = run(*repair(settings), "--user", demo.ADA.handle)
    assert seeded.exit_code == 0
    assert repaired.exit_code == 0, repaired.output
    for done in (seeded, repaired):
        assert "\r" not in done.stderr
        assert "/s" not in done.stderr
    # Rows the stream has not yet brought up to date (nothing drained it): a line each.
    assert repaired.stdout
    assert all(line.startswith("group ") for line in repaired.stdout.splitlines())


def test_a_terminal_sees_progress_with_a_count_and_a_rate(
    store, settings, tmp_path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(progress_module, "on_terminal", lambda stream: True)
    monkeypatch.setenv("COLUMNS", "200")
    assert run("db", "setup", "--demo", "--data-dir", str(settings.data_dir)).exit_code == 0
    written = sum(len(s.lines) for s in demo.SCRIPTS)
    read = sum(len(s.lines) for s in with_ada())

    seeded = run("ddb", "seed", *keyed(settings))
    repaired = run(*repair(settings), "--user", demo.ADA.handle)
    exported = run(
        "users", "export", demo.ADA.handle, "--out", str(tmp_path / "a.zip"), *keyed(settings)
    )

    def last_drawn(done: Result) -> str:
        assert done.exit_code == 0, done.output
        return done.stderr.split(CLEAR_LINE)[-1].splitlines()[0]

    assert last_drawn(seeded).startswith(f"seed  {written} messages  ")
    mine = len(with_ada())
    bar = f"repair-inboxes  {mine}/{mine} conversations  [{'#' * 20}] 100%  "
    assert last_drawn(repaired).startswith(bar)
    assert last_drawn(exported).startswith(f"export  {read} messages read  ")
    assert all(last_drawn(d).endswith("/s") for d in (seeded, repaired, exported))
    assert not any(line in exported.stderr for s in demo.SCRIPTS for line in s.lines)


def test_demo_users_only_on_a_local_database(tmp_path, monkeypatch: pytest.MonkeyPatch):
    # Defect: `db setup` made demo users, with the published password, on any DATABASE_URL.
    production = tmp_path / "production"
    refused = run("db", "setup", "--demo", "--prod", "--data-dir", str(production))
    assert refused.exit_code == 2
    assert "demo users do not go to production" in refused.output
    assert not (production / "users.sqlite3").exists()  # refused before the migrations

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://app:hunter2@db.example.org/cruddur")
    data_dir = ["--data-dir", str(tmp_path)]
    for command in (["db", "setup", "--demo"], ["db", "seed"], ["up"]):
        refused = run(*command, *data_dir)
        assert refused.exit_code == 2, refused.output
        assert "only to a local users database" in refused.output
        assert "postgresql+psycopg://db.example.org/cruddur" in refused.output
        assert "hunter2" not in refused.output
    assert "start with --no-seed" in refused.output
