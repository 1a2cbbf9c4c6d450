"""A month of AWS costs for a workload: measured capacity per operation × list prices.

Three inputs, each from where it is known best: the workload from the operator; DynamoDB units
and calls per operation from the benchmark (`make bench`, ReturnConsumedCapacity on DynamoDB
Local); the deployment's shape from `infra/` (a test keeps `Deployment` equal to the templates).
What is neither measured nor deployed is an assumption with a name, printed with the estimate.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from cruddur.adapters.crypto import sealing
from cruddur.adapters.dynamodb import items
from cruddur.costs.prices import Prices
from cruddur.domain.model import Message, UserRef
from cruddur.errors import Invalid

HOURS_PER_MONTH = 730  # AWS's own convention for monthly estimates
DAYS_PER_MONTH = HOURS_PER_MONTH / 24
SECONDS_PER_DAY = 86_400
GIB = 1024**3
# Lambda polls each stream shard four times a second and invokes once per poll that finds
# records, so invocations per day are capped by the polls, not by the messages.
LAMBDA_POLLS_PER_DAY = 4 * SECONDS_PER_DAY
# Target utilisation DynamoDB's auto scaling keeps by default: provision above the peak.
PROVISIONED_TARGET = 0.7
REQUESTS_PER_VISIT = 3  # inbox page, conversation page, mark read


@dataclass(frozen=True)
class Workload:
    messages_per_day: float
    active_users: int
    messages_per_conversation: float
    visits_per_user: float = 10.0  # per active user and day
    peak_to_mean: float = 3.0  # busiest hour's rate over the day's mean rate
    months_kept: int = 12  # storage is priced as it stands after this many months
    message_chars: int = 100

    def __post_init__(self) -> None:
        for name in ("messages_per_day", "active_users", "visits_per_user", "months_kept"):
            if getattr(self, name) < 0:
                raise Invalid(f"{name} must not be negative", field=name)
        if self.messages_per_conversation < 1:
            raise Invalid(
                "a conversation holds at least one message", field="messages_per_conversation"
            )
        if self.peak_to_mean < 1:
            raise Invalid("the peak cannot be below the mean", field="peak_to_mean")
        if not 1 <= self.message_chars <= 100_000:
            raise Invalid("message_chars must be between 1 and 100000", field="message_chars")

    @property
    def starts_per_day(self) -> float:
        """Each conversation's first message starts it; the rest are plain sends."""
        return self.messages_per_day / self.messages_per_conversation

    @property
    def visits_per_day(self) -> float:
        return self.active_users * self.visits_per_user


@dataclass(frozen=True)
class Units:
    """DynamoDB capacity units and calls for one operation, stream processing included."""

    wcu: float
    rcu: float
    calls: float


@dataclass(frozen=True)
class MeasuredUnits:
    send: Units
    start: Units
    visit: Units
    measured: str  # when the bench measured them

    @classmethod
    def from_bench(cls, results: Mapping[str, Any]) -> MeasuredUnits:
        """From the `capacity` section of the bench's results.json."""
        try:
            capacity = results["capacity"]
            return cls(
                send=_units(capacity["ours_single"], "message"),
                start=_units(capacity["ours_start"], "start"),
                visit=_units(capacity["ours_visit"], "visit"),
                measured=str(capacity.get("when") or results["when"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise Invalid(
                f"the bench results lack capacity per operation ({exc}): run `make bench` again"
            ) from exc


def _units(entry: Mapping[str, Any], per: str) -> Units:
    return Units(
        wcu=float(entry[f"wcu_per_{per}"]),
        rcu=float(entry[f"rcu_per_{per}"]),
        calls=float(entry[f"calls_per_{per}"]),
    )


@dataclass(frozen=True)
class Deployment:
    """What infra/ deploys (test_cost_deployment keeps these equal to the synthesized templates)
    and what the model assumes about it at run time."""

    api_min_tasks: int = 2
    api_max_tasks: int = 10
    api_task_vcpu: float = 0.5
    api_task_gb: float = 1.0
    api_cpu_target: float = 0.6
    lambda_gb: float = 0.25
    nat_gateways: int = 1
    load_balancer_zones: int = 2
    secrets: int = 2
    # The table's, the message key (wraps data keys), the audit trail's, the alarm topic's,
    # the attachments bucket's.
    kms_keys: int = 5
    # CruddurMonitoring: the metrics its alarms read (a math alarm pays for each), one
    # dashboard, and the app's own EMF metrics (the API's 10, the stream's 5).
    alarm_metrics: int = 25
    dashboards: int = 1
    custom_metrics: int = 15
    # Assumptions: the API's CPU per request (a profile of the API: ~5 ms per send), the stream
    # function's billed time per message (two conditional updates in-region and a publish),
    # and ECPUs per message (a publish to each member's channel and its delivery, under 1 KB).
    api_cpu_ms_per_request: float = 5.0
    lambda_ms_per_message: float = 25.0
    ecpus_per_message: float = 4.0

    @property
    def public_ipv4_addresses(self) -> int:
        return self.load_balancer_zones + self.nat_gateways


@dataclass(frozen=True)
class Line:
    service: str
    usd: float
    detail: str


@dataclass(frozen=True)
class Estimate:
    """Monthly USD. `shared` is paid either way; the table is on-demand or provisioned."""

    shared: list[Line]
    on_demand: Line
    provisioned: Line
    not_priced: list[str] = field(default_factory=list)

    @property
    def total_on_demand(self) -> float:
        return round(sum(line.usd for line in self.shared) + self.on_demand.usd, 2)

    @property
    def total_provisioned(self) -> float:
        return round(sum(line.usd for line in self.shared) + self.provisioned.usd, 2)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {
            "total_on_demand": self.total_on_demand,
            "total_provisioned": self.total_provisioned,
        }


NOT_PRICED = [
    "CloudWatch Logs (VPC flow logs, Lambda and API logs): priced per GB ingested",
    "data transfer out to the internet",
    "the users' PostgreSQL database (DATABASE_URL points outside the stacks)",
    "Cognito (per monthly active user past its free tier)",
    "S3 for the attachments (photos and files: storage and requests)",
    "S3 for the CloudTrail and access logs, SQS for the dead letters, ECR for the image",
    "AWS Config rules (only with the config_rules context flag)",
]


def estimate(
    workload: Workload,
    units: MeasuredUnits,
    prices: Prices,
    deployment: Deployment | None = None,
) -> Estimate:
    deploy = deployment or Deployment()
    days, hours = DAYS_PER_MONTH, HOURS_PER_MONTH
    sends = max(0.0, workload.messages_per_day - workload.starts_per_day)
    starts, visits = workload.starts_per_day, workload.visits_per_day
    per_day = {
        name: sends * getattr(units.send, name)
        + starts * getattr(units.start, name)
        + visits * getattr(units.visit, name)
        for name in ("wcu", "rcu", "calls")
    }
    ddb = prices["dynamodb"]
    writes, reads = per_day["wcu"] * days, per_day["rcu"] * days
    on_demand = Line(
        "DynamoDB requests, on-demand",
        writes / 1e6 * ddb["usd_per_million_write_request_units"]
        + reads / 1e6 * ddb["usd_per_million_read_request_units"],
        f"{writes / 1e6:,.2f} M write units, {reads / 1e6:,.2f} M read units",
    )
    peak = workload.peak_to_mean / SECONDS_PER_DAY
    wcu = max(1, math.ceil(per_day["wcu"] * peak / PROVISIONED_TARGET))
    rcu = max(1, math.ceil(per_day["rcu"] * peak / PROVISIONED_TARGET))
    billed_wcu, billed_rcu = max(0, wcu - ddb["free_wcu"]), max(0, rcu - ddb["free_rcu"])
    provisioned = Line(
        "DynamoDB requests, provisioned",
        hours * (billed_wcu * ddb["usd_per_wcu_hour"] + billed_rcu * ddb["usd_per_rcu_hour"]),
        f"{wcu} WCU and {rcu} RCU for the peak at {PROVISIONED_TARGET:.0%} utilisation,"
        f" {ddb['free_wcu']}/{ddb['free_rcu']} free",
    )
    gb = stored_gib(workload, ddb["item_overhead_bytes"])
    billed_gb = max(0.0, gb - ddb["free_gb"])
    shared = [
        Line(
            "DynamoDB storage and PITR",
            billed_gb * ddb["usd_per_gb_month"] + gb * ddb["usd_per_gb_month_pitr"],
            f"{gb:,.2f} GiB after {workload.months_kept} months ({ddb['free_gb']} GiB free),"
            " point-in-time recovery on all of it",
        ),
        Line(
            "DynamoDB Streams",
            0.0,
            "read by Lambda: free (other readers: "
            f"{ddb['free_stream_read_requests'] / 1e6:g} M requests free, then"
            f" ${ddb['usd_per_100k_stream_read_requests']} per 100 k)",
        ),
        _lambda(workload, deploy, prices["lambda"]),
        _cache(workload, deploy, prices["elasticache_serverless_valkey"]),
        *_api(workload, deploy, prices),
        _fixed(deploy, prices),
        Line(
            "CloudTrail data events",
            per_day["calls"] * days / 1e5 * prices["cloudtrail"]["usd_per_100k_data_events"],
            f"{per_day['calls'] * days / 1e6:,.2f} M table calls",
        ),
    ]
    return Estimate(
        shared=[_rounded(line) for line in shared],
        on_demand=_rounded(on_demand),
        provisioned=_rounded(provisioned),
        not_priced=list(NOT_PRICED),
    )


def _lambda(workload: Workload, deploy: Deployment, price: Mapping[str, float]) -> Line:
    # The filter lets only message inserts through: inbox rows, pairs and claims never invoke.
    messages = workload.messages_per_day * DAYS_PER_MONTH
    invocations = min(workload.messages_per_day, LAMBDA_POLLS_PER_DAY) * DAYS_PER_MONTH
    gb_seconds = messages * deploy.lambda_ms_per_message / 1000 * deploy.lambda_gb
    usd = (
        max(0.0, invocations - price["free_requests"]) / 1e6 * price["usd_per_million_requests"]
        + max(0.0, gb_seconds - price["free_gb_seconds"]) * price["usd_per_gb_second"]
    )
    return Line(
        "Lambda (stream processor)",
        usd,
        f"{invocations / 1e6:,.2f} M invocations, {gb_seconds:,.0f} GB-s"
        f" ({price['free_requests'] / 1e6:g} M and {price['free_gb_seconds']:,.0f} GB-s free)",
    )


def _cache(workload: Workload, deploy: Deployment, price: Mapping[str, float]) -> Line:
    # Live events are pub/sub: nothing is stored, so the cache bills its minimum storage.
    ecpus = workload.messages_per_day * DAYS_PER_MONTH * deploy.ecpus_per_message
    return Line(
        "ElastiCache Serverless (Valkey)",
        price["minimum_gb"] * price["usd_per_gb_hour"] * HOURS_PER_MONTH
        + ecpus / 1e6 * price["usd_per_million_ecpus"],
        f"{price['minimum_gb']:g} GB minimum, {ecpus / 1e6:,.1f} M ECPUs",
    )


def _api(workload: Workload, deploy: Deployment, prices: Prices) -> list[Line]:
    requests_per_day = workload.messages_per_day + workload.visits_per_day * REQUESTS_PER_VISIT
    peak_rps = requests_per_day / SECONDS_PER_DAY * workload.peak_to_mean
    busy_vcpu = peak_rps * deploy.api_cpu_ms_per_request / 1000
    tasks = max(
        deploy.api_min_tasks, math.ceil(busy_vcpu / (deploy.api_task_vcpu * deploy.api_cpu_target))
    )
    # Priced at what the peak needs; past the stack's ceiling, say so rather than hide it.
    ceiling = (
        f"; the stack's autoscaling stops at {deploy.api_max_tasks}: raise it"
        if tasks > deploy.api_max_tasks
        else ""
    )
    fargate = prices["fargate"]
    task_hour = (
        deploy.api_task_vcpu * fargate["usd_per_vcpu_hour"]
        + deploy.api_task_gb * fargate["usd_per_gb_hour"]
    )
    # One LCU covers 3,000 open connections (each active user's live-event stream) and 1,000
    # rule evaluations a second; the balancer bills at least one.
    lcus = max(1.0, workload.active_users / 3000, peak_rps / 1000)
    alb = prices["alb"]
    return [
        Line(
            "Fargate (API)",
            tasks * task_hour * HOURS_PER_MONTH,
            f"{tasks} tasks of {deploy.api_task_vcpu:g} vCPU / {deploy.api_task_gb:g} GB"
            f" (peak {peak_rps:,.1f} requests/s{ceiling})",
        ),
        Line(
            "Application Load Balancer",
            HOURS_PER_MONTH * (alb["usd_per_hour"] + lcus * alb["usd_per_lcu_hour"]),
            f"{lcus:,.1f} LCU",
        ),
    ]


def _fixed(deploy: Deployment, prices: Prices) -> Line:
    vpc = prices["vpc"]
    usd = (
        HOURS_PER_MONTH * deploy.nat_gateways * vpc["usd_per_nat_gateway_hour"]
        + HOURS_PER_MONTH * deploy.public_ipv4_addresses * vpc["usd_per_public_ipv4_hour"]
        + deploy.kms_keys * prices["kms"]["usd_per_key_month"]
        + deploy.secrets * prices["secrets_manager"]["usd_per_secret_month"]
        + deploy.alarm_metrics * prices["cloudwatch"]["usd_per_alarm_metric_month"]
        + deploy.dashboards * prices["cloudwatch"]["usd_per_dashboard_month"]
        + deploy.custom_metrics * prices["cloudwatch"]["usd_per_custom_metric_month"]
    )
    return Line(
        "NAT gateway, public IPv4, KMS key, secrets, alarms",
        usd,
        f"{deploy.nat_gateways} NAT, {deploy.public_ipv4_addresses} addresses,"
        f" {deploy.kms_keys} keys, {deploy.secrets} secrets, {deploy.alarm_metrics} alarm"
        f" metrics, {deploy.dashboards} dashboard, {deploy.custom_metrics} custom metrics",
    )


def _rounded(line: Line) -> Line:
    return Line(line.service, round(line.usd, 2), line.detail)


def stored_gib(workload: Workload, overhead: float) -> float:
    """The table and its index after `months_kept`: every message; per conversation a pair
    item and two inbox rows, each row stored again in the inbox index (projection ALL)."""
    message, row, pair = sample_item_sizes(workload.message_chars)
    messages = workload.messages_per_day * DAYS_PER_MONTH * workload.months_kept
    conversations = messages / workload.messages_per_conversation
    total = messages * (message + overhead) + conversations * (
        (pair + overhead) + 2 * 2 * (row + overhead)
    )
    return total / GIB


def sample_item_sizes(message_chars: int) -> tuple[int, int, int]:
    """Bytes of a message item, an inbox row and a pair item as the adapters build them."""
    a = UserRef(str(uuid.uuid4()), "handle_1234", "Display Name Here")
    b = UserRef(str(uuid.uuid4()), "handle_5678", "Other Display Name")
    group = str(uuid.uuid4())
    message = Message(
        group_uuid=group,
        message_uuid=str(uuid.uuid4()),
        text="x" * message_chars,
        created_at="2026-01-01T00:00:00.000000+00:00",
        sender=a,
        member_uuids=(a.uuid, b.uuid),
    )
    stored = items.message_item(message, SIZE_ONLY)
    return (
        item_bytes(stored),
        item_bytes(items.inbox_item(b, a, items.last_message_of(stored))),
        item_bytes(items.pair_item(a, b, group)),
    )


class _SizeOnly:
    """Sealed values of the real length (sealing adds a fixed number of bytes), no key."""

    def seal(self, text: str, group_uuid: str, sort_key: str, author: str | None = None) -> bytes:
        overhead = sealing.OVERHEAD if author is None else sealing.AUTHORED_OVERHEAD
        return bytes(len(text.encode()) + overhead)

    def open(self, sealed: bytes, group_uuid: str, sort_key: str) -> str:
        raise NotImplementedError("sizes only")

    def unknown_keys(self, sealed: Iterable[bytes]) -> set[bytes]:
        return set()

    def load_keys(self, key_ids: Iterable[bytes]) -> None:
        return None

    def sealing_ready(self, author: str | None = None) -> bool:
        return True

    def prepare_sealing(self, author: str | None = None) -> None:
        return None


SIZE_ONLY = _SizeOnly()


def item_bytes(item: Mapping[str, Any]) -> int:
    """DynamoDB's item size: attribute names plus values (UTF-8 strings, raw binary)."""
    return sum(len(name.encode()) + _value_bytes(value) for name, value in item.items())


def _value_bytes(value: Mapping[str, Any]) -> int:
    ((kind, data),) = value.items()
    if kind == "S":
        return len(str(data).encode())
    if kind == "B":
        return len(data)
    if kind in {"SS", "BS"}:
        return sum(len(v.encode()) if isinstance(v, str) else len(v) for v in data)
    if kind == "N":
        return 1 + math.ceil(len(str(data).lstrip("-").replace(".", "")) / 2)
    if kind in {"BOOL", "NULL"}:
        return 1
    if kind == "L":
        return 3 + sum(1 + _value_bytes(v) for v in data)
    if kind == "M":
        return 3 + sum(1 + len(k.encode()) + _value_bytes(v) for k, v in data.items())
    raise ValueError(f"unknown attribute type {kind}")
