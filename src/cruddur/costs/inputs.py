"""The model's three inputs: the workload (the operator's), DynamoDB units per operation (the
bench's) and the deployment's shape (infra/'s, with its run-time assumptions named)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cruddur.errors import Invalid

# A group's members, the creator included: 3 at least (2 is the direct conversation), and at
# most what the setting allows (CRUDDUR_GROUP_MAX_MEMBERS, 98 at most: a group's start writes
# every member's row in one transaction of 100 items).
GROUP_SIZE_MIN, GROUP_SIZE_MAX = 3, 98


@dataclass(frozen=True)
class Workload:
    messages_per_day: float
    active_users: int
    messages_per_conversation: float
    visits_per_user: float = 10.0  # per active user and day
    peak_to_mean: float = 3.0  # busiest hour's rate over the day's mean rate
    months_kept: int = 12  # storage is priced as it stands after this many months
    message_chars: int = 100
    # Messages into group conversations: (members, share of all messages) per group size; the
    # rest are direct. `parse_group_mix` reads "3:0.2,10:0.1,50:0.02".
    group_mix: tuple[tuple[int, float], ...] = ()
    # Changes of a group's members or title (adds, removals, renames) per group conversation:
    # each writes the membership item, refreshes every row and fans out an event item.
    group_changes_per_conversation: float = 0.0

    def __post_init__(self) -> None:
        for name in (
            "messages_per_day",
            "active_users",
            "visits_per_user",
            "months_kept",
            "group_changes_per_conversation",
        ):
            if getattr(self, name) < 0:
                raise Invalid(f"{name} must not be negative", field=name)
        _check_group_mix(self.group_mix)
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

    @property
    def direct_share(self) -> float:
        """The share of messages sent in direct conversations: what the group mix leaves."""
        return max(0.0, 1.0 - sum(share for _, share in self.group_mix))

    @property
    def members_per_message(self) -> float:
        """Members a mean message goes to (each one's row, each one's live event)."""
        return 2 * self.direct_share + sum(size * share for size, share in self.group_mix)


def parse_group_mix(text: str) -> tuple[tuple[int, float], ...]:
    """ "3:0.2,10:0.1,50:0.02": a fifth of the messages into groups of 3, a tenth into groups
    of 10, 2 % into groups of 50 (the rest direct). Empty: every message is direct."""
    mix = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        size, sep, share = part.partition(":")
        try:
            if not sep:
                raise ValueError(part)
            mix.append((int(size), float(share)))
        except ValueError:
            raise Invalid(
                f"a group mix is SIZE:SHARE pairs such as 3:0.2,50:0.02, not {part!r}",
                field="group_mix",
            ) from None
    result = tuple(mix)
    _check_group_mix(result)
    return result


def _check_group_mix(mix: Sequence[tuple[int, float]]) -> None:
    sizes = [size for size, _ in mix]
    if len(set(sizes)) != len(sizes):
        raise Invalid("each group size appears once in the mix", field="group_mix")
    for size, share in mix:
        if not GROUP_SIZE_MIN <= size <= GROUP_SIZE_MAX:
            raise Invalid(
                f"a group has {GROUP_SIZE_MIN} to {GROUP_SIZE_MAX} members, not {size}",
                field="group_mix",
            )
        if not 0 < share <= 1:
            raise Invalid(f"a share is above 0 and at most 1, not {share:g}", field="group_mix")
    if sum(share for _, share in mix) > 1 + 1e-9:
        raise Invalid("the groups' shares add up to more than every message", field="group_mix")


@dataclass(frozen=True)
class Units:
    """DynamoDB capacity units and calls for one operation, stream processing included."""

    wcu: float
    rcu: float
    calls: float


@dataclass(frozen=True)
class GroupUnits:
    """A group of `size` members: a message sent into it (the stream's update of every
    member's row and its read of the membership item included), its start (the membership
    item, every row and the event item, in one transaction; the event fanned out) and a change
    of its members or title (the same, and every row refreshed)."""

    size: int
    send: Units
    start: Units
    change: Units


@dataclass(frozen=True)
class MeasuredUnits:
    send: Units
    start: Units
    visit: Units
    measured: str  # when the bench measured them
    groups: tuple[GroupUnits, ...] = ()  # by size, as the bench's step (3b) measured them

    @classmethod
    def from_bench(cls, results: Mapping[str, Any]) -> MeasuredUnits:
        """From the `capacity` section of the bench's results.json (and the group sizes of its
        `groups` section, when the run had it)."""
        try:
            capacity = results["capacity"]
            return cls(
                send=_units(capacity["ours_single"], "message"),
                start=_units(capacity["ours_start"], "start"),
                visit=_units(capacity["ours_visit"], "visit"),
                measured=str(capacity.get("when") or results["when"]),
                groups=tuple(
                    GroupUnits(
                        size=int(entry["size"]),
                        send=_units(entry["single"], "message"),
                        start=_units(entry["start"], "start"),
                        change=_units(entry["change"], "change"),
                    )
                    for entry in results.get("groups", {}).get("capacity", {}).get("sizes", [])
                ),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise Invalid(
                f"the bench results lack capacity per operation ({exc}): run `make bench` again"
            ) from exc

    def group(self, size: int) -> GroupUnits:
        """A group of `size`: as measured, or on the line through the two nearest sizes the
        bench measured (a message's fan-out is one row update per member: linear in size)."""
        measured = sorted(self.groups, key=lambda g: g.size)
        for entry in measured:
            if entry.size == size:
                return entry
        if len(measured) < 2:
            raise Invalid(
                f"the bench results hold no capacity of groups of {size} (measured: "
                f"{', '.join(str(g.size) for g in measured) or 'none'}): run `make bench` again",
                field="group_mix",
            )
        below = [g for g in measured if g.size < size]
        above = [g for g in measured if g.size > size]
        if below and above:
            low, high = below[-1], above[0]
        elif below:
            low, high = below[-2], below[-1]
        else:
            low, high = above[0], above[1]
        at = (size - low.size) / (high.size - low.size)
        return GroupUnits(
            size,
            _between(low.send, high.send, at),
            _between(low.start, high.start, at),
            _between(low.change, high.change, at),
        )


def _between(low: Units, high: Units, at: float) -> Units:
    def value(a: float, b: float) -> float:
        return max(0.0, a + (b - a) * at)

    return Units(value(low.wcu, high.wcu), value(low.rcu, high.rcu), value(low.calls, high.calls))


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
    secrets: int = 3  # the cursor secret, the VAPID secret, the users database's URL
    # The table's, the message key (wraps data keys), the audit trail's, the alarm topic's,
    # the attachments bucket's.
    kms_keys: int = 5
    # CruddurMonitoring: the metrics its alarms read (a math alarm pays for each), one
    # dashboard, and the app's own EMF metrics (the API's 10, the stream's 5).
    alarm_metrics: int = 26
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
