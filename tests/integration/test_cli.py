"""The `cruddur` command against DynamoDB Local, through click's runner and a real subprocess."""

from __future__ import annotations

import base64
import importlib
import json
import os
import subprocess
import sys

from click.testing import CliRunner

from cruddur import demo, storage
from cruddur.cli import main
from cruddur.cli.common import settings_from
from tests.boto import client_of
from tests.own_loop import in_own_thread
from tests.own_loop import run as settle


def run(*args: str, input: str | None = None):
    # As from a shell: the commands that read or seed run their coroutines with asyncio.run.
    return in_own_thread(
        lambda: CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)
    )


def target(settings) -> list[str]:
    return ["--endpoint-url", settings.aws_endpoint_url, "--table", settings.table_name]


def keyed(settings) -> list[str]:
    """The target and the data dir whose key file seals the text (seed, scan, get-conversation)."""
    return [*target(settings), "--data-dir", str(settings.data_dir)]


def test_schema_load_twice_is_harmless_and_lists(settings):
    first = run("ddb", "schema-load", *target(settings))
    again = run("ddb", "schema-load", *target(settings))
    assert first.exit_code == again.exit_code == 0
    assert "created" in first.output
    assert "already exists" in again.output
    listed = run("ddb", "list-tables", *target(settings))
    assert settings.table_name in listed.output.split()


def test_drop_refuses_without_yes_on_non_interactive_stdin(store, settings):
    refused = subprocess.run(
        [sys.executable, "-m", "cruddur", "ddb", "drop", *target(settings)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert refused.returncode != 0
    assert "refusing to drop" in refused.stderr
    assert settings.table_name in client_of(store).list_tables()["TableNames"]
    dropped = run("ddb", "drop", "--yes", *target(settings))
    assert dropped.exit_code == 0
    assert settings.table_name not in client_of(store).list_tables()["TableNames"]
    # the fixture's teardown drops too: put it back so that teardown has a table to drop
    run("ddb", "schema-load", *target(settings))


def test_commands_need_an_explicit_target(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    result = CliRunner().invoke(main, ["ddb", "list-tables"])
    assert result.exit_code == 2
    assert "--endpoint-url" in result.output
    assert "--prod" in result.output


def test_seed_then_read_everything_back_with_capacity(store, settings):
    seeded = run("ddb", "seed", *keyed(settings))
    assert seeded.exit_code == 0
    total = sum(len(script.lines) for script in demo.SCRIPTS)
    assert f"seeded {total} messages" in seeded.output
    assert "consumed capacity" in seeded.output
    assert "seeded 0 messages" in run("ddb", "seed", *keyed(settings)).output  # idempotent

    group = settle(store.find_pair(demo.DARA.uuid, demo.BRUNO.uuid))
    assert group is not None
    conversation = run("ddb", "get-conversation", group, *keyed(settings))
    lines = [line for line in conversation.output.splitlines() if "@" in line]
    assert len(lines) == len(demo.SCRIPTS[2].lines)  # last year's conversation, complete
    assert "consumed capacity" in conversation.output

    inbox = run("ddb", "list-conversations", demo.ADA.uuid, *target(settings))
    assert inbox.output.count("unread=") == 2
    assert "consumed capacity" in inbox.output

    scanned = run("ddb", "scan", "--max-items", "3", *keyed(settings))
    assert scanned.output.count('"pk"') == 3


def test_typed_errors_are_one_line_not_a_traceback(settings):
    result = CliRunner().invoke(main, ["ddb", "get-conversation", "not-a-uuid", *target(settings)])
    assert result.exit_code == 1
    assert "not a valid uuid" in result.output
    missing = CliRunner().invoke(
        main, ["ddb", "scan", "--endpoint-url", settings.aws_endpoint_url, "--table", "absent"]
    )
    assert missing.exit_code == 1
    assert "schema-load" in missing.output
    assert "Traceback" not in missing.output + result.output


def test_help_explains():
    result = run("--help")
    assert "up" in result.output
    assert "ddb" in result.output
    assert "stream" in result.output
    assert "Asks first unless --yes" in run("ddb", "drop", "--help").output


def test_db_setup_migrates_and_makes_demo_users_only_when_asked(tmp_path):
    # Defect: `db setup` made the demo users (a published password) wherever it ran.
    migrated = run("db", "setup", "--data-dir", str(tmp_path))
    assert migrated.exit_code == 0
    assert "demo users" not in migrated.output
    assert (tmp_path / "users.sqlite3").exists()
    users = storage.build_users(settings_from(data_dir=tmp_path))
    try:
        assert users.by_login(demo.ADA.handle) is None
        first = run("db", "setup", "--demo", "--data-dir", str(tmp_path))
        again = run("db", "setup", "--demo", "--data-dir", str(tmp_path))
        assert f"created {len(demo.USERS)} demo users" in first.output
        assert "created 0 demo users" in again.output
        assert users.by_login(demo.ADA.handle) is not None
    finally:
        users.engine.dispose()


def test_scan_prints_every_item_of_a_seeded_table_as_json(store, settings):
    # Defect (issue 14): the inbox rows' binary unread tokens crashed the scan.
    assert run("ddb", "seed", *keyed(settings)).exit_code == 0
    scanned = run("ddb", "scan", *keyed(settings))
    assert scanned.exit_code == 0
    items = [json.loads(line) for line in scanned.output.splitlines() if line.startswith("{")]
    count = client_of(store).scan(TableName=settings.table_name, Select="COUNT")["Count"]
    assert len(items) == count
    unread = [item["unread"] for item in items if "unread" in item]
    assert unread
    assert all(len(base64.b64decode(token)) == 8 for tokens in unread for token in tokens)


def test_a_bad_setting_is_named_in_one_line_without_its_value(settings, monkeypatch):
    monkeypatch.setenv("CRUDDUR_CURSOR_SECRET", "hunter2")
    monkeypatch.setenv("CRUDDUR_PAGE_MAX", "lots")
    result = CliRunner().invoke(main, ["serve", "--endpoint-url", settings.aws_endpoint_url])
    assert result.exit_code == 1
    assert "CRUDDUR_CURSOR_SECRET: Value error, must be at least 16 bytes" in result.output
    assert "CRUDDUR_PAGE_MAX" in result.output
    assert "hunter2" not in result.output
    assert "lots" not in result.output
    assert "Traceback" not in result.output


def test_the_cli_shows_ciphertext_unless_asked_to_decrypt(store, settings):
    assert run("ddb", "seed", *keyed(settings)).exit_code == 0
    said = demo.SCRIPTS[0].lines[0]
    scanned = run("ddb", "scan", *keyed(settings)).output
    assert said not in scanned
    assert '"message": "sealed:' not in scanned  # scan prints the raw binary, base64
    opened = run("ddb", "scan", "--decrypt", *keyed(settings)).output
    assert json.dumps(said) in opened
    group = settle(store.find_pair(demo.ADA.uuid, demo.BRUNO.uuid))
    assert group is not None
    sealed = run("ddb", "get-conversation", group, *keyed(settings)).output
    assert said not in sealed
    assert sealed.count(": sealed:") == len(demo.SCRIPTS[0].lines)
    plain = run("ddb", "get-conversation", group, "--decrypt", *keyed(settings)).output
    assert f"@{demo.ADA.handle}: {said}" in plain
    # Without the key (another data dir, no KMS) --decrypt fails clearly, and prints nothing.
    other = [*target(settings), "--data-dir", str(settings.data_dir) + "-elsewhere"]
    refused = in_own_thread(
        lambda: CliRunner().invoke(main, ["ddb", "get-conversation", group, "--decrypt", *other])
    )
    assert refused.exit_code == 1
    assert "[unreadable]" in refused.output
    assert said not in refused.output
    assert "Traceback" not in refused.output


def test_options_left_out_come_from_settings_and_given_ones_win(settings, monkeypatch):
    # Defect: the commands re-declared defaults, so `stream run` passed max_attempts=3 and an
    # interval of 0.05 s over CRUDDUR_STREAM_MAX_ATTEMPTS / _POLL_INTERVAL, and knew only two
    # of the region's three variables.
    # The module, not the click group that `cruddur.cli` exports under the same name.
    stream_cli = importlib.import_module("cruddur.cli.stream")
    built = []

    def capture(given, hub=None):
        built.append(given)
        raise SystemExit(0)

    monkeypatch.setattr(stream_cli, "build_poller", capture)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CRUDDUR_STREAM_MAX_ATTEMPTS", "7")
    monkeypatch.setenv("CRUDDUR_STREAM_POLL_INTERVAL", "0.25")
    monkeypatch.setenv("CRUDDUR_AWS_REGION", "eu-west-1")
    monkeypatch.setenv("CRUDDUR_DATA_DIR", str(settings.data_dir))
    run("stream", "run", *target(settings))
    run("stream", "run", *target(settings), "--max-attempts", "2", "--region", "eu-north-1")
    from_env, given = built
    assert (from_env.stream_max_attempts, from_env.stream_poll_interval) == (7, 0.25)
    assert from_env.aws_region == "eu-west-1"
    assert from_env.data_dir == settings.data_dir
    assert (given.stream_max_attempts, given.aws_region) == (2, "eu-north-1")
    assert "[default: 3; env CRUDDUR_STREAM_MAX_ATTEMPTS]" in " ".join(
        run("stream", "run", "--help").output.split()
    )


def test_production_logs_json_lines_unless_told_otherwise():
    # A production command stops at the production checks here (long-term keys), after its
    # first log line: no request leaves the machine.
    env = {k: v for k, v in os.environ.items() if k != "CRUDDUR_ALLOWED_REGIONS"}
    env |= {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLELONGTERM01", "AWS_SECRET_ACCESS_KEY": "x"}
    env.pop("AWS_ENDPOINT_URL", None)

    def first_line(*options: str) -> str:
        command = [sys.executable, "-m", "cruddur", *options, "ddb", "list-tables", "--prod"]
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 1
        assert "AKIA" in done.stderr
        return done.stderr.splitlines()[0]

    line = json.loads(first_line())
    assert (line["level"], line["logger"]) == ("WARNING", "cruddur.production")
    assert "CRUDDUR_ALLOWED_REGIONS" in line["message"]
    assert not first_line("--log-format", "text").startswith("{")
