"""What the command groups share: choosing a target explicitly, mapping errors to exits, and
the `--json` output.

Exit statuses, the same for every command (docs/operations.md, "Exit codes"):

    0  done
    1  an error: one line on stderr says what (click's own for an aborted prompt too)
    2  a usage error: a wrong option, no target, a refused combination (click's)
    3  finished, with work left over: what it could not do is listed; run again or look
"""

from __future__ import annotations

import functools
import json
import signal
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar, cast

import click
from botocore.exceptions import BotoCoreError
from pydantic import ValidationError

from cruddur import production
from cruddur.config import Settings, describe_invalid, variable
from cruddur.errors import CruddurError

if TYPE_CHECKING:
    from cruddur.adapters.dynamodb.capacity import CapacityMeter

F = TypeVar("F", bound=Callable[..., Any])

# Not 1: a script must tell "it broke" from "it ran, and some of it is still to do" (a
# conversation left as is, a dead letter kept), which an operator follows up differently.
EXIT_WORK_LEFT = 3


def exit_work_left() -> NoReturn:
    """End a command that finished but left work undone (it said what, above)."""
    raise click.exceptions.Exit(EXIT_WORK_LEFT)


def json_option(func: F) -> F:
    return click.option(
        "--json",
        "as_json",
        is_flag=True,
        help="Print one JSON object on stdout instead of text lines; logs, progress and the "
        "capacity line stay on stderr.",
    )(func)


def emit_json(document: Mapping[str, Any]) -> None:
    """The --json output: one object on one line, once the command has done its work (so a
    command that fails prints none)."""
    click.echo(json.dumps(document))


def capacity_of(meter: CapacityMeter) -> dict[str, float | int]:
    return {"read_units": meter.read_units, "write_units": meter.write_units, "calls": meter.calls}


def setting_option(*decls: str, field: str, help: str, **kwargs: Any) -> Callable[[F], F]:
    """An option for a Settings field, passed to the command under the field's name. Left out,
    the field comes from Settings as everywhere else (its environment variable, then its
    default); --help names both, read from Settings."""
    default = Settings.model_fields[field].default
    shown = "unset" if default is None else str(default)
    return click.option(
        *decls,
        field,
        default=None,
        help=f"{help} [default: {shown}; env {variable(field)}]",
        **kwargs,
    )


def metrics_option(func: F) -> F:
    return setting_option(
        "--metrics-port",
        field="metrics_port",
        type=click.IntRange(0, 65535),
        help="Serve Prometheus metrics at http://127.0.0.1:PORT/metrics (0: a free port).",
    )(func)


DEFAULT_METRICS_PORT = 9464  # `cruddur up`'s, when none is set (Prometheus exporters' usual)


def start_metrics(settings: Settings, service: str, *, by_default: bool = False) -> str | None:
    """/metrics when a port is set (or `by_default`: DEFAULT_METRICS_PORT, else a free port if
    another process holds it), and EMF lines when CRUDDUR_METRICS_EMF is on. The address of
    /metrics, for the start-up lines, or None."""
    if not settings.metrics_enabled:
        from cruddur.metrics import figures

        figures.switch_off()
        return None
    if settings.metrics_emf:
        from cruddur.metrics.exposition import EmfReporter

        EmfReporter(service).start()
    port = settings.metrics_port
    if port is None and not by_default:
        return None
    from cruddur.metrics.exposition import serve_prometheus

    if port is not None:
        return serve_prometheus(settings.metrics_host, port)
    try:
        return serve_prometheus(settings.metrics_host, DEFAULT_METRICS_PORT)
    except OSError:  # another `cruddur up` side by side holds it
        return serve_prometheus(settings.metrics_host, 0)


def settings_from(**given: Any) -> Settings:
    """Settings from the options given on the command line; the rest as Settings reads them."""
    return Settings(**{name: value for name, value in given.items() if value is not None})


_TARGET_OPTIONS = [
    setting_option(
        "--endpoint-url",
        field="aws_endpoint_url",
        metavar="URL",
        help="DynamoDB endpoint, e.g. http://127.0.0.1:8000",
    ),
    click.option(
        "--prod",
        is_flag=True,
        help="Target AWS DynamoDB (credentials and region from the AWS environment).",
    ),
    setting_option("--table", field="table_name", help="Table name."),
    setting_option("--region", field="aws_region", help="AWS region."),
]


def with_target(*, seals_text: bool = False) -> Callable[[F], F]:
    """--endpoint-url / --prod / --table / --region on a command that talks to DynamoDB. The
    command receives `settings`, built from those and from every other option of it made by
    `setting_option`, after the target was checked (and with --prod, the production checks:
    `seals_text` when the command writes messages); errors are handled as `handle_errors`
    does."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, prod: bool, **kwargs: Any) -> Any:
            given = {
                name: kwargs.pop(name) for name in list(kwargs) if name in Settings.model_fields
            }
            settings = target_settings(prod, seals_text=seals_text, **given)
            return func(*args, settings=settings, **kwargs)

        command = handle_errors(wrapper)
        for option in reversed(_TARGET_OPTIONS):
            command = option(command)
        return cast("F", command)

    return decorate


def target_settings(prod: bool, *, seals_text: bool = False, **given: Any) -> Settings:
    """Settings for an explicit target; refuses to guess between DynamoDB Local and AWS.
    With --prod, the production checks run first (`seals_text`: the command writes messages)."""
    settings = settings_from(**given)
    if prod and settings.aws_endpoint_url:
        raise click.UsageError(
            "choose one target: --prod (AWS) or --endpoint-url (or AWS_ENDPOINT_URL), not both"
        )
    if not prod and not settings.aws_endpoint_url:
        raise click.UsageError(
            "no target: pass --endpoint-url URL for DynamoDB Local (or set AWS_ENDPOINT_URL), "
            "or --prod for AWS DynamoDB"
        )
    if prod:
        production.check(settings, seals_text=seals_text)
    return settings


def on_aws(settings: Settings) -> bool:
    """Whether a checked target is AWS (--prod) rather than an endpoint such as DynamoDB Local."""
    return settings.aws_endpoint_url is None


def describe_target(settings: Settings) -> str:
    where = settings.aws_endpoint_url or f"AWS {settings.aws_region}"
    return f"table {settings.table_name!r} at {where}"


def data_dir_option(func: F) -> F:
    return setting_option(
        "--data-dir",
        field="data_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Where local state is kept.",
    )(func)


def handle_errors(func: F) -> F:
    """Typed errors become one clear line and exit status 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except CruddurError as exc:
            raise click.ClickException(f"{exc.message} [{exc.code}]") from exc
        except ValidationError as exc:  # a setting from the environment that cannot be
            raise click.ClickException(describe_invalid(exc)) from exc
        except BotoCoreError as exc:  # boto3's clients (Cognito, KMS, S3): no answer
            raise click.ClickException(f"AWS did not answer: {exc} [unavailable]") from exc

    return wrapper  # type: ignore[return-value]


def stop_on_signals() -> threading.Event:
    """An event set by Ctrl-C or SIGTERM, so foreground commands shut down cleanly."""
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def listen_options(func: click.decorators.FC) -> click.decorators.FC:
    func = setting_option(
        "--port",
        field="port",
        type=click.IntRange(0, 65535),
        help="Port of the API (0 picks a free one).",
    )(func)
    return setting_option(
        "--host",
        field="host",
        help="Address to listen on. Loopback by default; 0.0.0.0 exposes it to the network.",
    )(func)
