"""`cruddur cost`: a month on AWS for a workload, from the bench's measured capacity."""

from __future__ import annotations

import json
from pathlib import Path

import click

from cruddur.cli.common import handle_errors
from cruddur.costs import prices as price_data
from cruddur.costs.inputs import Deployment, MeasuredUnits, Workload, parse_group_mix
from cruddur.costs.model import Estimate, estimate
from cruddur.errors import Invalid

DEFAULT_RESULTS = Path("bench/results/results.json")


@click.command()
@click.option(
    "--messages-per-day", type=click.FloatRange(0), required=True, help="Messages sent a day."
)
@click.option(
    "--active-users", type=click.IntRange(0), required=True, help="Users active on a day."
)
@click.option(
    "--messages-per-conversation",
    type=click.FloatRange(1),
    required=True,
    help="Mean messages a conversation holds; its first one starts it.",
)
@click.option(
    "--visits-per-user",
    type=click.FloatRange(0),
    default=Workload.visits_per_user,
    show_default=True,
    help="Visits an active user makes a day: the inbox, one conversation's page, mark read.",
)
@click.option(
    "--peak-to-mean",
    type=click.FloatRange(1),
    default=Workload.peak_to_mean,
    show_default=True,
    help="The busiest hour's rate over the day's mean: sizes provisioned capacity and tasks.",
)
@click.option(
    "--months",
    type=click.IntRange(0),
    default=Workload.months_kept,
    show_default=True,
    help="Storage is priced as it stands after this many months (messages are kept).",
)
@click.option(
    "--group-mix",
    default="",
    metavar="SIZE:SHARE,…",
    help="Messages into group conversations, as members:share of all messages, e.g. "
    "3:0.2,10:0.1,50:0.02 (the rest are direct). Each is priced with the bench's units for its "
    "size: the stream updates every member's row and reads the membership item once a batch.",
)
@click.option(
    "--group-changes",
    type=click.FloatRange(0),
    default=Workload.group_changes_per_conversation,
    show_default=True,
    help="Changes of members or title per group conversation (each an event item fanned out "
    "and every row refreshed), besides its start.",
)
@click.option(
    "--bench-results",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_RESULTS,
    show_default=True,
    help="results.json written by `make bench`: capacity units and calls per operation.",
)
@click.option(
    "--prices",
    "prices_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A prices JSON file for another region or date (default: the packaged us-east-1 one).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the estimate as JSON.")
@handle_errors
def cost(
    messages_per_day: float,
    active_users: int,
    messages_per_conversation: float,
    visits_per_user: float,
    peak_to_mean: float,
    months: int,
    group_mix: str,
    group_changes: float,
    bench_results: Path,
    prices_path: Path | None,
    as_json: bool,
) -> None:
    """Estimate a month of the AWS stacks in infra/ for a workload: DynamoDB on-demand against
    provisioned (with the free tier), Lambda after the stream filter, ElastiCache Serverless,
    Fargate and the fixed parts. Capacity per operation is the bench's measurement on DynamoDB
    Local; prices are data with their region and date. Nothing is sent to AWS.

    Example: cruddur cost --messages-per-day 100000 --active-users 5000
    --messages-per-conversation 20
    """
    workload = Workload(
        messages_per_day=messages_per_day,
        active_users=active_users,
        messages_per_conversation=messages_per_conversation,
        visits_per_user=visits_per_user,
        peak_to_mean=peak_to_mean,
        months_kept=months,
        group_mix=parse_group_mix(group_mix),
        group_changes_per_conversation=group_changes,
    )
    units = MeasuredUnits.from_bench(_read_results(bench_results))
    prices = price_data.load(prices_path)
    result = estimate(workload, units, prices)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    click.echo(report(result, workload, units, prices))


def _read_results(path: Path) -> dict[str, object]:
    try:
        loaded = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise Invalid(
            f"no bench results at {path}: run `make bench` first, or pass --bench-results"
        ) from exc
    except (OSError, json.JSONDecodeError) as exc:
        raise Invalid(f"cannot read the bench results at {path}: {exc}") from exc
    if not isinstance(loaded, dict):
        raise Invalid(f"{path} is not the bench's results.json")
    return loaded


def report(
    result: Estimate, workload: Workload, units: MeasuredUnits, prices: dict[str, object]
) -> str:
    deploy = Deployment()
    width = max(
        len(line.service) for line in [*result.shared, result.on_demand, result.provisioned]
    )
    lines = [
        f"Monthly estimate, USD, {prices['region']} list prices as of {prices['as_of']}",
        f"  workload: {workload.messages_per_day:,.0f} messages/day, {workload.active_users:,}"
        f" active users, {workload.messages_per_conversation:g} messages/conversation,"
        f" {workload.visits_per_user:g} visits/user/day, peak {workload.peak_to_mean:g}× mean",
        f"  measured by the bench ({units.measured}): send {units.send.wcu:g} WCU,"
        f" start {units.start.wcu:g} WCU, visit {units.visit.rcu:g} RCU + {units.visit.wcu:g} WCU",
        *_groups(workload, units),
        "",
    ]
    # The two ways to pay for the table's requests first: they are the choice to make.
    for line in [result.on_demand, result.provisioned, *result.shared]:
        lines.append(f"  {line.service:<{width}}  {line.usd:>10,.2f}   {line.detail}")
    lines += [
        "",
        f"  {'total with on-demand':<{width}}  {result.total_on_demand:>10,.2f}",
        f"  {'total with provisioned':<{width}}  {result.total_provisioned:>10,.2f}",
        "",
        "  assumed: API CPU "
        f"{deploy.api_cpu_ms_per_request:g} ms/request, stream function"
        f" {deploy.lambda_ms_per_message:g} ms/message, {deploy.ecpus_per_message:g} ECPUs/message",
        "  not priced:",
        *(f"    - {item}" for item in result.not_priced),
    ]
    return "\n".join(lines)


def _groups(workload: Workload, units: MeasuredUnits) -> list[str]:
    """The group mix and the units each size is priced with (as measured, or between two)."""
    if not workload.group_mix:
        return []
    shares = ", ".join(f"{share:.3g} into groups of {size}" for size, share in workload.group_mix)
    lines = [
        f"  groups: {shares}; {workload.direct_share:.3g} direct;"
        f" {workload.group_changes_per_conversation:g} changes of members or title per group"
    ]
    measured = {g.size for g in units.groups}
    for size, _ in workload.group_mix:
        group = units.group(size)
        how = "" if size in measured else " (between the sizes measured)"
        lines.append(
            f"    a group of {size}{how}: send {group.send.wcu:.4g} WCU + {group.send.rcu:.3g} RCU,"
            f" start {group.start.wcu:.4g} WCU, change {group.change.wcu:.4g} WCU"
        )
    return lines
