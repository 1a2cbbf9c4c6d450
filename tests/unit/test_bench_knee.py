"""The throughput sweep's knee: pure logic over measured points (no timing here)."""

from __future__ import annotations

from typing import Any

from bench.throughput import knee


def point(clients: int, rate: float) -> dict[str, Any]:
    return {"clients": clients, "messages_per_second": rate}


def test_the_knee_is_where_more_clients_stop_raising_the_throughput():
    # As measured on the 2-core machine: past two clients, more clients add only queue.
    points = [point(1, 89.7), point(2, 115.4), point(4, 118.0), point(8, 105.4)]
    assert knee(points)["clients"] == 2


def test_a_noisy_best_at_the_end_does_not_move_the_knee():
    # Measured too: 8 clients happened to send the most, though 4 sent no more than 2.
    points = [point(1, 59.0), point(2, 73.5), point(4, 73.0), point(8, 82.0)]
    assert knee(points)["clients"] == 2


def test_a_gain_of_exactly_the_factor_still_pays():
    assert knee([point(1, 100.0), point(2, 110.0)])["clients"] == 2
    assert knee([point(1, 100.0), point(2, 109.9)])["clients"] == 1
    assert knee([point(1, 100.0), point(2, 109.9)], gain=1.05)["clients"] == 2


def test_still_rising_at_the_end_means_the_most_clients():
    points = [point(1, 20.0), point(2, 40.0), point(4, 80.0), point(8, 160.0)]
    assert knee(points)["clients"] == 8


def test_the_order_of_the_points_does_not_matter():
    points = [point(8, 105.4), point(2, 115.4), point(1, 89.7), point(4, 118.0)]
    assert knee(points)["clients"] == 2
