"""`cruddur ddb local`: DynamoDB Local alone, in the foreground."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("local")
@click.option("--port", type=int, default=8000, show_default=True)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".data/dynamodb"),
    show_default=True,
    help="Keep the database here (persistent).",
)
@click.option("--in-memory", is_flag=True, help="Keep nothing: the data is gone when it stops.")
def local(port: int, data_dir: Path | None, in_memory: bool) -> None:
    """Run DynamoDB Local alone in the foreground, on 127.0.0.1, until Ctrl-C."""
    from cruddur.local.dynamodb_local import DynamoDBLocal, LauncherError

    server = DynamoDBLocal(port=port, data_dir=None if in_memory else data_dir)
    try:
        server.start()
    except LauncherError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"DynamoDB Local at {server.endpoint_url} "
        f"({'in memory' if in_memory else data_dir}). Ctrl-C stops it."
    )
    try:
        assert server.process is not None
        server.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
