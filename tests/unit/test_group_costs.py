"""`cruddur cost` with group conversations: a mix of group sizes, priced with the bench's units
for each size (every member's row updated by the stream, the membership item read)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cruddur.cli import main
from cruddur.costs import prices as price_data
from cruddur.costs.inputs import GroupUnits, MeasuredUnits, Units, Workload, parse_group_mix
from cruddur.costs.model import estimate
from cruddur.costs.table import per_day, stored_gib
from cruddur.errors import Invalid


def group_units(size: int) -> GroupUnits:
    """As the bench measures them: the message, and three write units per member's row (the row
    and its inbox index entry moving); the sender's row read, and the membership item."""
    return GroupUnits(
        size,
        send=Units(wcu=1 + 3 * size, rcu=1 + -(-size * 200 // 4096), calls=2 + size),
        start=Units(wcu=4 + 3 * size, rcu=size, calls=3 + 2 * size),
        change=Units(wcu=4 + 5 * size, rcu=2, calls=3 + 2 * size),
    )


UNITS = MeasuredUnits(
    send=Units(wcu=7, rcu=0, calls=3),
    start=Units(wcu=10, rcu=3, calls=4),
    visit=Units(wcu=2, rcu=3.5, calls=5),
    measured="test",
    groups=(group_units(3), group_units(10), group_units(50)),
)
BASE = Workload(messages_per_day=100_000, active_users=5000, messages_per_conversation=20)


def with_mix(mix: str) -> Workload:
    return dataclasses.replace(BASE, group_mix=parse_group_mix(mix))


def test_a_group_mix_costs_more_than_the_same_messages_all_direct():
    prices = price_data.load()
    direct = BASE
    mixed = with_mix("3:0.2,10:0.1,50:0.02")
    alone, together = estimate(direct, UNITS, prices), estimate(mixed, UNITS, prices)
    assert together.on_demand.usd > alone.on_demand.usd
    assert together.provisioned.usd >= alone.provisioned.usd
    assert together.total_on_demand > alone.total_on_demand
    # Every member's row is stored (and again in the inbox index): more than a pair's two.
    assert stored_gib(mixed, 100) > stored_gib(direct, 100)
    cache = {line.service: line for line in together.shared}["ElastiCache Serverless (Valkey)"]
    plain = {line.service: line for line in alone.shared}["ElastiCache Serverless (Valkey)"]
    assert cache.usd > plain.usd  # a live event to each member
    assert any("group's rows" in item for item in together.not_priced)
    assert not any("group's rows" in item for item in alone.not_priced)


def test_a_message_into_a_group_of_50_is_priced_with_its_fan_out_of_50_row_writes():
    work = Workload(
        messages_per_day=1000,
        active_users=0,
        messages_per_conversation=1000,
        group_mix=((50, 1.0),),
    )
    day = per_day(work, UNITS)
    fifty = UNITS.group(50)
    # One group started a day (its start writes its event item), every message a send into it.
    assert day.wcu == pytest.approx(1000 * fifty.send.wcu + fifty.start.wcu)
    assert day.wcu > 1000 * 50 * 3  # 50 rows written per message, each with its index entry
    assert day.rcu == pytest.approx(1000 * fifty.send.rcu + fifty.start.rcu)
    changed = dataclasses.replace(work, group_changes_per_conversation=2)
    assert per_day(changed, UNITS).wcu == pytest.approx(day.wcu + 2 * fifty.change.wcu)


def test_a_size_the_bench_did_not_measure_is_on_the_line_through_the_nearest_two():
    assert UNITS.group(50) == group_units(50)
    for size in (5, 30, 98):  # between 3 and 10, between 10 and 50, past 50
        assert UNITS.group(size).send.wcu == pytest.approx(1 + 3 * size)
        assert UNITS.group(size).size == size
    only_one = MeasuredUnits(UNITS.send, UNITS.start, UNITS.visit, "test", (group_units(3),))
    with pytest.raises(Invalid, match="groups of 10"):
        only_one.group(10)


def test_the_direct_share_is_what_the_groups_leave():
    work = with_mix("3:0.2, 10:0.1 ,50:0.02")
    assert work.group_mix == ((3, 0.2), (10, 0.1), (50, 0.02))
    assert work.direct_share == pytest.approx(0.68)
    assert work.members_per_message == pytest.approx(0.68 * 2 + 0.6 + 1 + 1)
    direct = BASE
    assert per_day(direct, UNITS).wcu == pytest.approx(
        95_000 * 7 + 5000 * 10 + direct.visits_per_day * 2
    )


@pytest.mark.parametrize(
    "mix",
    ["2:0.1", "99:0.1", "3:0", "3:1.5", "3:0.6,10:0.6", "3", "3:x", "3:0.1,3:0.2"],
)
def test_a_mix_that_cannot_be_is_refused(mix: str):
    with pytest.raises(Invalid) as raised:
        parse_group_mix(mix)
    assert raised.value.field == "group_mix"


def results(with_groups: bool) -> dict[str, object]:
    entry = {"wcu_per_{0}": 7, "rcu_per_{0}": 0, "calls_per_{0}": 3}

    def per(what: str, units: Units | None = None) -> dict[str, float]:
        if units is None:
            return {name.format(what): value for name, value in entry.items()}
        return {
            f"wcu_per_{what}": units.wcu,
            f"rcu_per_{what}": units.rcu,
            f"calls_per_{what}": units.calls,
        }

    found: dict[str, object] = {
        "when": "2026-12-07T00:00:00+00:00",
        "capacity": {
            "ours_single": per("message"),
            "ours_start": per("start"),
            "ours_visit": per("visit"),
        },
    }
    if with_groups:
        sizes = []
        for size in (3, 10, 50):
            units = group_units(size)
            sizes.append(
                {
                    "size": size,
                    "single": per("message", units.send),
                    "start": per("start", units.start),
                    "change": per("change", units.change),
                }
            )
        found["groups"] = {"capacity": {"sizes": sizes}}
    return found


def test_the_bench_results_give_each_group_size_its_units():
    units = MeasuredUnits.from_bench(results(with_groups=True))
    assert [g.size for g in units.groups] == [3, 10, 50]
    assert units.group(50).send == group_units(50).send
    assert MeasuredUnits.from_bench(results(with_groups=False)).groups == ()


def test_the_command_prices_a_group_mix_and_names_each_size(tmp_path: Path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results(with_groups=True)))
    args = ["cost", "--messages-per-day", "100000", "--active-users", "5000"]
    args += ["--messages-per-conversation", "20", "--bench-results", str(path)]
    plain = CliRunner().invoke(main, [*args, "--json"])
    assert plain.exit_code == 0, plain.output
    mixed_args = [*args, "--group-mix", "3:0.2,25:0.1,50:0.02", "--group-changes", "1"]
    mixed = CliRunner().invoke(main, [*mixed_args, "--json"])
    assert mixed.exit_code == 0, mixed.output
    assert json.loads(mixed.output)["total_on_demand"] > json.loads(plain.output)["total_on_demand"]
    shown = CliRunner().invoke(main, mixed_args)
    assert shown.exit_code == 0, shown.output
    assert "a group of 50: send 151 WCU" in shown.output
    assert "a group of 25 (between the sizes measured)" in shown.output
    assert "0.68 direct" in shown.output


def test_a_mix_without_group_units_in_the_results_says_to_run_the_bench(tmp_path: Path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results(with_groups=False)))
    args = ["cost", "--messages-per-day", "1000", "--active-users", "10"]
    args += ["--messages-per-conversation", "20", "--bench-results", str(path)]
    result = CliRunner().invoke(main, [*args, "--group-mix", "10:0.5"])
    assert result.exit_code == 1
    assert "run `make bench` again" in result.output
    assert "Traceback" not in result.output
    refused = CliRunner().invoke(main, [*args, "--group-mix", "2:0.5"])
    assert refused.exit_code != 0
    assert "3 to 98 members" in refused.output
