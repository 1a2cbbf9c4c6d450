"""CruddurMonitoring on the synthesized template: each alarm's metric, threshold, period and
action, the encrypted topic and its subscription, and the dashboard that shows them all."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import ALARM_EMAIL, template

GE, GT = "GreaterThanOrEqualToThreshold", "GreaterThanThreshold"
# id: (namespace, metric names read, statistic, period s, threshold, periods, comparison)
EXPECTED: dict[str, tuple[str, set[str], str, int, float, int, str]] = {
    "LambdaErrors": ("AWS/Lambda", {"Errors"}, "Sum", 300, 5, 1, GE),
    "LambdaThrottles": ("AWS/Lambda", {"Throttles"}, "Sum", 300, 1, 2, GE),
    "StreamIteratorAge": ("AWS/Lambda", {"IteratorAge"}, "Maximum", 60, 60_000, 3, GT),
    "FailureQueueNotEmpty": (
        "AWS/SQS",
        {"ApproximateNumberOfMessagesVisible"},
        "Maximum",
        300,
        1,
        1,
        GE,
    ),
    "TableThrottles": (
        "AWS/DynamoDB",
        {"ReadThrottleEvents", "WriteThrottleEvents"},
        "Sum",
        300,
        1,
        3,
        GE,
    ),
    "IndexThrottles": (
        "AWS/DynamoDB",
        {"ReadThrottleEvents", "WriteThrottleEvents"},
        "Sum",
        300,
        1,
        3,
        GE,
    ),
    "TableSystemErrors": ("AWS/DynamoDB", {"SystemErrors"}, "Sum", 300, 5, 1, GE),
    "ApiErrorRate": (
        "AWS/ApplicationELB",
        {"HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count", "RequestCount"},
        "Sum",
        300,
        1,
        2,
        GT,
    ),
    "ApiLatencyP99": ("AWS/ApplicationELB", {"TargetResponseTime"}, "p99", 300, 1.0, 3, GT),
    "ApiCpu": ("AWS/ECS", {"CPUUtilization"}, "Average", 300, 80, 3, GT),
    "ApiMemory": ("AWS/ECS", {"MemoryUtilization"}, "Average", 300, 80, 3, GT),
    "SendFailures": ("Cruddur/Messages", {"SendFailures"}, "Sum", 300, 5, 1, GE),
    "StreamDeadLetters": ("Cruddur/Messages", {"DeadLetters"}, "Sum", 300, 1, 1, GE),
    "CacheThrottles": ("AWS/ElastiCache", {"ThrottledCmds"}, "Sum", 300, 1, 2, GE),
    "CacheLatency": (
        "AWS/ElastiCache",
        {"SuccessfulWriteRequestLatency"},
        "Average",
        300,
        2000,
        3,
        GT,
    ),
}


@pytest.fixture(scope="module")
def monitoring(cdk_out: Path) -> dict[str, Any]:
    return template(cdk_out, "CruddurMonitoring")


def _of_type(body: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in body["Resources"].items() if r["Type"] == kind}


def _reads(alarm: dict[str, Any]) -> list[tuple[Any, ...]]:
    """(namespace, metric, statistic, period, dimensions) of every metric the alarm reads."""
    if "MetricName" in alarm:
        dims = {d["Name"]: d["Value"] for d in alarm.get("Dimensions", [])}
        stat = alarm.get("Statistic") or alarm.get("ExtendedStatistic")
        return [(alarm["Namespace"], alarm["MetricName"], stat, alarm["Period"], dims)]
    found = []
    for query in alarm["Metrics"]:
        if "MetricStat" in query:
            stat = query["MetricStat"]
            metric = stat["Metric"]
            dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            found.append(
                (metric["Namespace"], metric["MetricName"], stat["Stat"], stat["Period"], dims)
            )
    return found


def test_each_alarm_watches_its_metric_at_its_threshold_and_tells_the_topic(monitoring):
    topic = next(iter(_of_type(monitoring, "AWS::SNS::Topic")))
    alarms = {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in _of_type(monitoring, "AWS::CloudWatch::Alarm").values()
    }

    assert sorted(alarms) == sorted(f"cruddur-{name}" for name in EXPECTED)
    for name, (namespace, metrics, stat, period, threshold, periods, op) in EXPECTED.items():
        alarm = alarms[f"cruddur-{name}"]
        reads = _reads(alarm)
        assert {r[0] for r in reads} == {namespace}, name
        assert {r[1] for r in reads} == metrics, name
        assert {r[2] for r in reads} == {stat}, name
        assert {r[3] for r in reads} == {period}, name
        assert alarm["Threshold"] == threshold, name
        assert alarm["EvaluationPeriods"] == periods, name
        assert alarm["ComparisonOperator"] == op, name
        assert alarm["AlarmActions"] == [{"Ref": topic}], name
        assert alarm["OKActions"] == [{"Ref": topic}], name
        assert alarm["TreatMissingData"] == "notBreaching", name
        assert "docs/operations.md#alarms" in alarm["AlarmDescription"], name


def test_the_index_alarm_reads_the_index_and_the_app_alarms_their_service(monitoring):
    alarms = {
        r["Properties"]["AlarmName"]: r["Properties"]
        for r in _of_type(monitoring, "AWS::CloudWatch::Alarm").values()
    }
    index = _reads(alarms["cruddur-IndexThrottles"])
    assert {r[4].get("GlobalSecondaryIndexName") for r in index} == {"inbox-by-recency"}
    assert all(
        "GlobalSecondaryIndexName" not in r[4] for r in _reads(alarms["cruddur-TableThrottles"])
    )
    assert _reads(alarms["cruddur-SendFailures"])[0][4] == {"Service": "api"}
    assert _reads(alarms["cruddur-StreamDeadLetters"])[0][4] == {"Service": "stream"}
    cache = _reads(alarms["cruddur-CacheThrottles"])[0][4]
    assert cache == {"clusterId": "cruddur-live-events"}


def test_the_topic_is_encrypted_cloudwatch_may_use_its_key_and_the_address_is_subscribed(
    monitoring,
):
    (topic,) = _of_type(monitoring, "AWS::SNS::Topic").values()
    (key,) = _of_type(monitoring, "AWS::KMS::Key").values()
    (subscription,) = _of_type(monitoring, "AWS::SNS::Subscription").values()

    assert "KmsMasterKeyId" in topic["Properties"]
    assert key["Properties"]["EnableKeyRotation"] is True
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    assert any(
        s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
        and set(s["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
        for s in statements
    )
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == ALARM_EMAIL
    (policy,) = _of_type(monitoring, "AWS::SNS::TopicPolicy").values()
    assert "aws:SecureTransport" in json.dumps(policy)  # TLS only


def test_one_dashboard_shows_every_alarm_and_the_stream_lag(monitoring):
    (board,) = _of_type(monitoring, "AWS::CloudWatch::Dashboard").values()
    body = json.dumps(board["Properties"]["DashboardBody"])
    alarm_ids = _of_type(monitoring, "AWS::CloudWatch::Alarm")

    for logical_id in alarm_ids:
        assert logical_id in body
    for shown in (
        "StreamLag",
        "IteratorAge",
        "MessagesSent",
        "RateLimitRefusals",
        "LiveStreamsOpen",
    ):
        assert shown in body
