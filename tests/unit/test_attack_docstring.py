"""The attack suite's docstring says what it asserts. (It said the uninvolved pair's inbox lag
stays under a second, and sending was raised to 400 a minute, while the suite asserted under 15×
a quiet baseline and raised sending to 150: issue 40.)"""

from __future__ import annotations

from tests.attack import test_attack as attack


def test_the_attack_suites_docstring_names_the_limits_it_asserts():
    said = " ".join((attack.__doc__ or "").split())
    assert f"peak RSS under {attack.RSS_LIMIT_MB} MB" in said
    assert f"within {attack.LAG_FACTOR:g}× the quiet baseline" in said
    assert f"The first {attack.QUIET_PROBES} probes" in said
    assert f"within {attack.PROBE_CEILING_S:g} s" in said
    assert f"raised to {attack.SEND_PER_MINUTE} a minute" in said
    assert "within a second" not in said
    assert "under 1 s" not in said
