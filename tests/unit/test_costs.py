"""The cost model's arithmetic: units × prices, free tiers, caps, and refusals of bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cruddur.cli import main
from cruddur.costs import prices as price_data
from cruddur.costs.bill import DAYS_PER_MONTH, HOURS_PER_MONTH
from cruddur.costs.inputs import MeasuredUnits, Units, Workload
from cruddur.costs.model import estimate
from cruddur.costs.sizes import item_bytes
from cruddur.costs.stack import LAMBDA_POLLS_PER_DAY
from cruddur.costs.table import stored_gib
from cruddur.errors import Invalid

UNITS = MeasuredUnits(
    send=Units(wcu=7, rcu=0, calls=3),
    start=Units(wcu=6, rcu=3, calls=4),
    visit=Units(wcu=2, rcu=3.5, calls=5),
    measured="test",
)


def line(result, service: str):
    return next(
        x for x in [*result.shared, result.on_demand, result.provisioned] if x.service == service
    )


def test_on_demand_is_measured_units_times_the_price_per_million():
    prices = price_data.load()
    work = Workload(messages_per_day=100_000, active_users=1000, messages_per_conversation=20)
    starts, sends, visits = 5000, 95_000, 10_000
    writes = (sends * 7 + starts * 6 + visits * 2) * DAYS_PER_MONTH
    reads = (starts * 3 + visits * 3.5) * DAYS_PER_MONTH
    expected = writes / 1e6 * 0.625 + reads / 1e6 * 0.125
    assert estimate(work, UNITS, prices).on_demand.usd == pytest.approx(expected, abs=0.01)


def test_a_small_workload_fits_the_provisioned_free_tier_and_a_large_one_pays_past_it():
    prices = price_data.load()
    small = Workload(messages_per_day=1000, active_users=50, messages_per_conversation=10)
    assert estimate(small, UNITS, prices).provisioned.usd == 0
    large = Workload(
        messages_per_day=10_000_000, active_users=100_000, messages_per_conversation=10
    )
    result = estimate(large, UNITS, prices)
    per_second_peak = (9_000_000 * 7 + 1_000_000 * 6 + 1_000_000 * 2) / 86_400 * 3
    wcu = -(-per_second_peak // 0.7)  # ceil: provisioned above the peak at 70 % utilisation
    assert f"{wcu:.0f} WCU" in result.provisioned.detail
    assert result.provisioned.usd >= (wcu - 25) * 0.00065 * HOURS_PER_MONTH


def test_lambda_invocations_are_capped_by_the_pollers_and_billed_past_the_free_tier():
    prices = price_data.load()
    quiet = Workload(messages_per_day=20_000, active_users=10, messages_per_conversation=5)
    assert line(estimate(quiet, UNITS, prices), "Lambda (stream processor)").usd == 0
    busy = Workload(messages_per_day=50_000_000, active_users=10, messages_per_conversation=5)
    detail = line(estimate(busy, UNITS, prices), "Lambda (stream processor)").detail
    invocations = LAMBDA_POLLS_PER_DAY * DAYS_PER_MONTH / 1e6
    assert detail.startswith(f"{invocations:,.2f} M invocations")


def test_more_messages_per_conversation_means_fewer_starts_and_less_storage():
    prices = price_data.load()
    chatty = Workload(messages_per_day=100_000, active_users=100, messages_per_conversation=100)
    terse = Workload(messages_per_day=100_000, active_users=100, messages_per_conversation=2)
    assert stored_gib(chatty, 100) < stored_gib(terse, 100)
    assert (
        estimate(chatty, UNITS, prices).on_demand.usd > estimate(terse, UNITS, prices).on_demand.usd
    )  # sends cost more than starts


def test_totals_add_the_shared_lines_to_each_way_of_paying():
    prices = price_data.load()
    result = estimate(Workload(1000, 100, 10), UNITS, prices)
    shared = sum(x.usd for x in result.shared)
    assert result.total_on_demand == pytest.approx(shared + result.on_demand.usd, abs=0.01)
    assert result.total_provisioned == pytest.approx(shared + result.provisioned.usd, abs=0.01)
    assert json.loads(json.dumps(result.as_dict()))["total_on_demand"] == result.total_on_demand


def test_item_size_follows_dynamodbs_rules():
    item = {
        "pk": {"S": "ab"},  # 2 + 2
        "é": {"S": "ü"},  # 2 + 2 (UTF-8 bytes)
        "b": {"BS": [b"xyz", b"q"]},  # 1 + 4
        "l": {"L": [{"S": "abc"}, {"S": "d"}]},  # 1 + 3 + (1 + 3) + (1 + 1)
    }
    assert item_bytes(item) == 4 + 4 + 5 + 10


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"messages_per_conversation": 0.5}, "messages_per_conversation"),
        ({"messages_per_day": -1}, "messages_per_day"),
        ({"peak_to_mean": 0.5}, "peak_to_mean"),
        ({"message_chars": 0}, "message_chars"),
    ],
)
def test_a_workload_that_cannot_be_is_refused(changes, field):
    base = {"messages_per_day": 10, "active_users": 1, "messages_per_conversation": 2}
    with pytest.raises(Invalid) as raised:
        Workload(**(base | changes))
    assert raised.value.field == field


def test_a_prices_file_missing_a_figure_is_refused_naming_it(tmp_path: Path):
    prices = price_data.load()
    del prices["lambda"]["usd_per_gb_second"]
    prices["fargate"]["usd_per_vcpu_hour"] = "cheap"
    path = tmp_path / "prices.json"
    path.write_text(json.dumps(prices))
    with pytest.raises(Invalid, match=r"lambda\.usd_per_gb_second, fargate\.usd_per_vcpu_hour"):
        price_data.load(path)
    path.write_text("{")
    with pytest.raises(Invalid, match="not JSON"):
        price_data.load(path)


def test_bench_results_without_the_operations_are_refused_with_what_to_do():
    with pytest.raises(Invalid, match="run `make bench` again"):
        MeasuredUnits.from_bench({"when": "x", "capacity": {"ours_single": {}}})


def test_the_command_says_what_to_do_without_bench_results(tmp_path: Path):
    args = ["cost", "--messages-per-day", "10", "--active-users", "1"]
    args += ["--messages-per-conversation", "2", "--bench-results", str(tmp_path / "none.json")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "no bench results at" in result.output
    assert "make bench" in result.output
    assert "Traceback" not in result.output


def test_a_peak_past_the_stacks_task_ceiling_is_priced_and_named():
    prices = price_data.load()
    huge = Workload(messages_per_day=20_000_000, active_users=100_000, messages_per_conversation=9)
    fargate = line(estimate(huge, UNITS, prices), "Fargate (API)")
    assert "autoscaling stops at 10: raise it" in fargate.detail
    small = Workload(messages_per_day=1000, active_users=100, messages_per_conversation=9)
    assert "raise it" not in line(estimate(small, UNITS, prices), "Fargate (API)").detail
