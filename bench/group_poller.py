"""`python -m bench.group_poller`: the stream poller as `cruddur stream run` builds it, in its own
process, telling the benchmark what each batch did (step 3b's stream lag).

One JSON line on stdout per batch that held messages: their groups, the newest sort key among
them, `BatchResult.lags_ms` (each new message's creation by the API to its rows applied: the
figure the processor's metric samples), and the poller's running counts (row updates, reads of
a membership item, read capacity). Stopped by SIGTERM, it checkpoints as `cruddur stream
run` does, in the same data dir: the poller started after it resumes where it stopped.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from cruddur import storage
from cruddur.adapters.dynamodb.capacity import CapacityMeter
from cruddur.cli.common import stop_on_signals
from cruddur.config import Settings
from cruddur.stream import poller as poller_module
from cruddur.stream.processor import BatchResult, InboxWriter, process_records
from cruddur.stream.records import MalformedRecord, Record, message_of
from cruddur.stream.runner import build_poller


@click.command()
@click.option("--endpoint-url", required=True)
@click.option("--table", required=True)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), required=True)
def main(endpoint_url: str, table: str, data_dir: Path) -> None:
    settings = Settings(aws_endpoint_url=endpoint_url, table_name=table, data_dir=data_dir)
    meter = CapacityMeter()
    rows = storage.build_inbox_updates(settings, meter)
    updates = [0]
    apply, apply_many = rows.apply_inbox_change, rows.apply_inbox_changes

    def counted(change: Any) -> bool:
        updates[0] += 1
        return apply(change)

    def counted_many(changes: Any) -> int:
        updates[0] += len(changes)
        return apply_many(changes)

    rows.apply_inbox_change = counted  # type: ignore[method-assign]
    rows.apply_inbox_changes = counted_many  # type: ignore[method-assign]

    def observed(records: Sequence[Record], inbox: InboxWriter) -> BatchResult:
        result = process_records(records, inbox)
        if result.messages:
            groups, newest = set(), ""
            for record in records:
                try:
                    message = message_of(record)
                except MalformedRecord:
                    continue
                if message is not None:
                    groups.add(message.group_uuid)
                    newest = max(newest, message.sort_key)
            line = {
                "groups": sorted(groups),
                "newest": newest,
                "messages": result.messages,
                "lags_ms": [round(lag, 2) for lag in result.lags_ms],
                "row_updates": updates[0],
                "membership_reads": rows.groups.reads,
                "rcu": meter.read_units,
            }
            sys.stdout.write(json.dumps(line) + "\n")
            sys.stdout.flush()
        return result

    # The poller's own name for it (imported into its module): every batch it handles.
    vars(poller_module)["process_records"] = observed
    poller = build_poller(settings, rows)
    stop = stop_on_signals()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    poller.run(stop)


if __name__ == "__main__":
    main()
