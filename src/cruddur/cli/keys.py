"""`cruddur keys …`: the keys message text is sealed under (dynamodb/stores/data_keys.py)."""

from __future__ import annotations

from pathlib import Path

import click

from cruddur import storage
from cruddur.adapters.crypto.envelope import LocalWrapping
from cruddur.cli.common import (
    data_dir_option,
    describe_target,
    emit_json,
    handle_errors,
    json_option,
    settings_from,
    with_target,
)
from cruddur.config import Settings


@click.group()
def keys() -> None:
    """Inspect and rotate the keys that encrypt message text.

    Text is sealed with AES-256-GCM under a key per conversation, derived from a data key
    generation; generations are kept in the table, wrapped by AWS KMS (CRUDDUR_KMS_KEY_IDS) or,
    by default, by the key file in the data dir. A new generation starts every 30 days.
    """


@keys.command("rotate")
@with_target(seals_text=True)
@data_dir_option
def rotate(settings: Settings) -> None:
    """Start a new data key generation now: new messages are sealed under it (by every API
    process within a minute); messages sealed before still open.

    With the local key file, a new wrapping key is added to it first and wraps the new
    generation. With KMS, the first key of CRUDDUR_KMS_KEY_IDS wraps it: to move to another
    KMS key, list it first (keep the old one listed after it), then rotate.
    """
    wrapping = storage.build_wrapping(settings)
    if isinstance(wrapping, LocalWrapping):
        click.echo(f"new wrapping key {wrapping.add_key()} in {wrapping.path}")
    key_id = storage.build_data_keys(settings, wrapping).rotate()
    click.echo(
        f"data key generation {key_id} ({wrapping.describe()}) on {describe_target(settings)}"
    )


@keys.command("init-file")
@data_dir_option
@handle_errors
def init_file(data_dir: Path | None) -> None:
    """Make the local wrapping-key file (CRUDDUR_WRAPPING_KEY_FILE, else wrapping-keys.json in
    the data dir) if it is not there; an existing one is left as it is. Nothing else changes.

    Several API processes must all hold the same file: make it once with this, before any of
    them starts, and give each the same copy (a process that finds none makes its own, which
    the others cannot open). With CRUDDUR_KMS_KEY_IDS there is no file: KMS wraps the keys.
    """
    settings = settings_from(data_dir=data_dir)
    wrapping = storage.build_wrapping(settings)
    if not isinstance(wrapping, LocalWrapping):
        raise click.UsageError("CRUDDUR_KMS_KEY_IDS is set: AWS KMS wraps the keys, no file")
    made = wrapping.create()
    click.echo(f"{'made' if made else 'already there, unchanged:'} {wrapping.path}")


@keys.command("list")
@with_target()
@data_dir_option
@json_option
def list_keys(settings: Settings, as_json: bool) -> None:
    """Every data key generation, oldest first: id, when it started, what wraps it (never a
    key)."""
    found = storage.build_data_keys(settings).generations()
    if as_json:
        emit_json(
            {
                "generations": [
                    {"key_id": g.key_id, "created_at": g.created_at, "wrapped_by": g.wrapped_by}
                    for g in found
                ]
            }
        )
        return
    for generation in found:
        click.echo(f"{generation.key_id}  {generation.created_at}  {generation.wrapped_by}")
    if not found:
        click.echo("no data key yet: the first message sent makes one")
