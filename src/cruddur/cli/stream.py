"""`cruddur stream …`: the local stream poller and its dead letters."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click

from cruddur import bootstrap, storage
from cruddur.adapters.aws_clients import AwsClients
from cruddur.adapters.dynamodb.capacity import CapacityMeter
from cruddur.cli.common import (
    capacity_of,
    data_dir_option,
    emit_json,
    exit_work_left,
    json_option,
    metrics_option,
    on_aws,
    setting_option,
    settings_from,
    start_metrics,
    stop_on_signals,
    with_target,
)
from cruddur.config import Settings
from cruddur.heap import freeze_startup_heap
from cruddur.stream.checkpoints import DeadLetters
from cruddur.stream.redrive import Redrive
from cruddur.stream.runner import build_poller, dead_letter_path


@click.group()
def stream() -> None:
    """Follow the table's stream and keep every inbox current (what Lambda does on AWS)."""


@stream.command("run")
@with_target()
@data_dir_option
@metrics_option
@setting_option(
    "--max-attempts",
    field="stream_max_attempts",
    type=click.IntRange(min=1),
    help="Tries of a failing record before it goes to the dead-letter file.",
)
@setting_option(
    "--poll-interval",
    field="stream_poll_interval",
    type=click.FloatRange(min=0.001),
    help="Seconds between reads of the stream (sooner only to catch up on a backlog).",
)
def run(settings: Settings) -> None:
    """Run the poller in the foreground until Ctrl-C or SIGTERM.

    It checkpoints under DATA_DIR/stream/ after each applied batch, so a restart resumes after
    the last record fully applied.
    """
    # With REDIS_URL, every API process hears about each applied change (live browser updates).
    hub = bootstrap.build_hub(settings) if settings.redis_url else None
    poller = build_poller(settings, hub=hub)
    metrics = start_metrics(settings, "stream")
    if metrics:
        click.echo(f"Metrics at {metrics}")
    freeze_startup_heap()
    stop = stop_on_signals()
    poller.run(stop)


DEAD_LETTER_FIELDS = ("sequence_number", "shard_id", "reason", "dead_lettered_at")


@stream.command("dead-letters")
@data_dir_option
@json_option
def dead_letters(data_dir: Path | None, as_json: bool) -> None:
    """List the records the poller gave up on (sequence number, shard, reason; no bodies):
    one JSON object a line, or with --json one object holding them all."""
    folder = settings_from(data_dir=data_dir).data_dir
    shown = [
        {k: entry[k] for k in DEAD_LETTER_FIELDS}
        for entry in DeadLetters(dead_letter_path(folder)).entries()
    ]
    if as_json:
        emit_json({"dead_letters": shown})
        return
    for entry in shown:
        click.echo(json.dumps(entry))


@stream.command("redrive")
@with_target()
@data_dir_option
@setting_option(
    "--queue-url",
    field="stream_failure_queue_url",
    help="The Lambda's on-failure queue (the stream stack's DeadLetterQueueUrl output); "
    "needed with --prod. Unset without --prod: the local poller's dead letters.",
)
@click.option(
    "--max-messages",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Queue messages handled in this run, at most (reaching it counts as work left).",
)
@json_option
def redrive(settings: Settings, max_messages: int, as_json: bool) -> None:
    """Apply again what the stream processor gave up on.

    With --prod (or --queue-url), the Lambda's on-failure queue: each failed batch's records
    are read again while the stream holds them (24 hours), else the conversations active in
    the batch's time window are rebuilt from the table. Without, the local poller's dead
    letters in DATA_DIR. A queue message or dead letter is removed only once it was mended;
    run again after a failure. Safe while the processor runs.

    Exit status: 0 everything mended; 3 some left for the next run (failed again, not a
    failure record, or --max-messages reached); 1 an error; 2 a usage error.
    """
    meter = CapacityMeter()
    mend = Redrive(
        storage.build_inbox_updates(settings), storage.build_inbox_repair(settings, meter)
    )
    if on_aws(settings) and not settings.stream_failure_queue_url:
        raise click.UsageError(
            "with --prod, pass --queue-url (the stream stack's DeadLetterQueueUrl output) or "
            "set CRUDDUR_STREAM_FAILURE_QUEUE_URL"
        )
    if settings.stream_failure_queue_url:
        report = mend.queue(
            AwsClients(settings).sqs(),
            settings.stream_failure_queue_url,
            AwsClients(settings).streams_wire,
            most=max_messages,
        )
    else:
        report = mend.dead_letters(DeadLetters(dead_letter_path(settings.data_dir)))
    # The queue may hold more than one run takes: reaching the cap is work left too.
    capped = bool(settings.stream_failure_queue_url) and report.batches >= max_messages
    if as_json:
        emit_json({**dataclasses.asdict(report), "capped": capped, "capacity": capacity_of(meter)})
    else:
        click.echo(report.line())
    if capped:
        click.echo(f"stopped at --max-messages {max_messages}: run again for the rest", err=True)
    click.echo(meter.summary(), err=True)
    if report.left or capped:
        exit_work_left()
