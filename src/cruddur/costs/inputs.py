"""The model's three inputs: the workload (the operator's), DynamoDB units per operation (the
bench's) and the deployment's shape (infra/'s, with its run-time assumptions named)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cruddur.errors import Invalid


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
