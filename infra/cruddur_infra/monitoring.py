"""CruddurMonitoring: the alarms an operator is told of, their topic, and one dashboard.

Every alarm is a row of `ALARMS` below: what it watches, the threshold and why an SRE would
defend it, and the runbook section (docs/operations.md, "Alarms") that says what to look at and
the command that mends it. The tests read the synthesized template against the same rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from cruddur.metrics.emf import NAMESPACE
from cruddur_infra.api import ApiStack
from cruddur_infra.cache import CacheStack
from cruddur_infra.data import DataStack
from cruddur_infra.settings import DeploySettings
from cruddur_infra.stream import StreamStack

RUNBOOK = "docs/operations.md#alarms"
GT = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
GE = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
ONE_MINUTE, FIVE_MINUTES = cdk.Duration.minutes(1), cdk.Duration.minutes(5)


@dataclass(frozen=True)
class Watched:
    """What the alarms read, from the other stacks."""

    data: DataStack
    stream: StreamStack
    api: ApiStack
    cache: CacheStack

    def table(self, name: str, statistic: str = "Sum", **dimensions: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/DynamoDB",
            metric_name=name,
            dimensions_map={"TableName": self.data.table.table_name, **dimensions},
            statistic=statistic,
            period=FIVE_MINUTES,
        )

    def app(self, name: str, service: str) -> cloudwatch.Metric:
        """One of the app's own figures (EMF lines: src/cruddur/metrics/)."""
        return cloudwatch.Metric(
            namespace=NAMESPACE,
            metric_name=name,
            dimensions_map={"Service": service},
            statistic="Sum",
            period=FIVE_MINUTES,
        )

    @property
    def load_balancer(self) -> elbv2.ApplicationLoadBalancer:
        return self.api.service.load_balancer

    def cache_metric(self, name: str, statistic: str) -> cloudwatch.Metric:
        return cloudwatch.Metric(
            namespace="AWS/ElastiCache",
            metric_name=name,
            # Serverless caches are named by clusterId.
            dimensions_map={"clusterId": self.cache.cache.serverless_cache_name},
            statistic=statistic,
            period=FIVE_MINUTES,
        )


# Operations the API and the processor call: their system errors summed (DynamoDB reports them
# per operation; index queries count under Query).
TABLE_OPERATIONS = (
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "BatchGetItem",
    "TransactWriteItems",
    "BatchExecuteStatement",
)


def _system_errors(w: Watched) -> cloudwatch.IMetric:
    metrics = {
        f"e{i}": w.table("SystemErrors", Operation=op) for i, op in enumerate(TABLE_OPERATIONS)
    }
    return cloudwatch.MathExpression(
        expression=f"SUM([{', '.join(f'FILL({k}, 0)' for k in metrics)}])",
        using_metrics=metrics,
        label="DynamoDB system errors",
        period=FIVE_MINUTES,
    )


def _throttles(w: Watched, index: str | None = None) -> cloudwatch.IMetric:
    extra = {} if index is None else {"GlobalSecondaryIndexName": index}
    reads, writes = (
        w.table(name, **extra) for name in ("ReadThrottleEvents", "WriteThrottleEvents")
    )
    return cloudwatch.MathExpression(
        expression="FILL(r, 0) + FILL(w, 0)",
        using_metrics={"r": reads, "w": writes},
        label=f"throttle events ({index or 'table'})",
        period=FIVE_MINUTES,
    )


def _error_rate(w: Watched) -> cloudwatch.IMetric:
    metrics = w.load_balancer.metrics
    return cloudwatch.MathExpression(
        expression="100 * (FILL(t, 0) + FILL(e, 0)) / FILL(n, 1)",
        using_metrics={
            "t": metrics.http_code_target(
                elbv2.HttpCodeTarget.TARGET_5XX_COUNT, period=FIVE_MINUTES
            ),
            "e": metrics.http_code_elb(elbv2.HttpCodeElb.ELB_5XX_COUNT, period=FIVE_MINUTES),
            "n": metrics.request_count(period=FIVE_MINUTES),
        },
        label="5xx % of requests",
        period=FIVE_MINUTES,
    )


@dataclass(frozen=True)
class Alarm:
    id: str
    metric: Callable[[Watched], cloudwatch.IMetric]
    threshold: float
    evaluation_periods: int
    why: str  # the threshold's defence, and the alarm's description
    comparison: cloudwatch.ComparisonOperator = GE
    datapoints: int | None = None  # of evaluation_periods; None: all of them


ALARMS: tuple[Alarm, ...] = (
    Alarm(
        "LambdaErrors",
        lambda w: w.stream.function.metric_errors(period=FIVE_MINUTES, statistic="Sum"),
        5,
        1,
        "The stream processor raised 5+ times in 5 minutes. Failed batches are bisected and "
        "retried, so one error is noise; five mean a cause that retrying does not cure.",
    ),
    Alarm(
        "LambdaThrottles",
        lambda w: w.stream.function.metric_throttles(period=FIVE_MINUTES, statistic="Sum"),
        1,
        2,
        "The processor was throttled in two 5-minute periods running: the account's "
        "concurrency is spent elsewhere and inbox updates queue up behind it.",
    ),
    Alarm(
        "StreamIteratorAge",
        lambda w: w.stream.function.metric("IteratorAge", statistic="Maximum", period=ONE_MINUTE),
        60_000,
        3,
        "The oldest unprocessed stream record is over a minute old for 3 minutes running: "
        "inboxes are a minute behind (normal: well under a second). Records older than 24 hours "
        "are lost to the stream.",
        comparison=GT,
    ),
    Alarm(
        "FailureQueueNotEmpty",
        lambda w: w.stream.dead_letters.metric_approximate_number_of_messages_visible(
            period=FIVE_MINUTES, statistic="Maximum"
        ),
        1,
        1,
        "A stream batch failed for good and its metadata waits on the on-failure queue: some "
        "inbox rows are behind until `cruddur stream redrive --prod` mends them (within 24 hours "
        "the records are re-read; after, the conversations are rebuilt).",
    ),
    Alarm(
        "TableThrottles",
        lambda w: _throttles(w),
        1,
        3,
        "Requests to the table were throttled in three 5-minute periods running. On demand, a "
        "burst past twice the previous peak throttles for a moment; sustained throttling means "
        "a hot partition or a provisioned limit, and users see 503s.",
    ),
    Alarm(
        "IndexThrottles",
        lambda w: _throttles(w, w.data.index_names[0]),
        1,
        3,
        "The inbox index was throttled in three 5-minute periods running: its writes are the "
        "inbox updates, so throttling here delays every inbox (and back-pressures the table).",
    ),
    Alarm(
        "TableSystemErrors",
        _system_errors,
        5,
        1,
        "DynamoDB answered 5+ requests in 5 minutes with a 500. The clients retry them, so a "
        "few are AWS's noise; more is an AWS event (check the Health Dashboard).",
    ),
    Alarm(
        "ApiErrorRate",
        _error_rate,
        1,
        2,
        "Over 1% of requests got a 5xx (from the tasks or the load balancer) for 10 minutes: "
        "an error budget of 99.9% is spent in hours at that rate.",
        comparison=GT,
    ),
    Alarm(
        "ApiLatencyP99",
        lambda w: w.load_balancer.metrics.target_response_time(
            statistic="p99", period=FIVE_MINUTES
        ),
        1.0,
        3,
        "p99 time to answer is over 1 s for 15 minutes (measured: tens of ms). Live streams do "
        "not count: the target answers their headers at once.",
        comparison=GT,
    ),
    Alarm(
        "ApiCpu",
        lambda w: w.api.service.service.metric_cpu_utilization(period=FIVE_MINUTES),
        80,
        3,
        "Tasks average over 80% CPU for 15 minutes, though scaling aims at 60%: scaling is at "
        "its maximum (10 tasks) or cannot keep up.",
        comparison=GT,
    ),
    Alarm(
        "ApiMemory",
        lambda w: w.api.service.service.metric_memory_utilization(period=FIVE_MINUTES),
        80,
        3,
        "Tasks average over 80% of their memory for 15 minutes: past 100% a task is killed and "
        "its live streams drop.",
        comparison=GT,
    ),
    Alarm(
        "SendFailures",
        lambda w: w.app("SendFailures", "api"),
        5,
        1,
        "5+ sends in 5 minutes were answered with a server error: the senders were told to "
        "retry (keyed retries are safe), but some messages may not have been sent.",
    ),
    Alarm(
        "StreamDeadLetters",
        lambda w: w.app("DeadLetters", "stream"),
        1,
        1,
        "The processor met a record that can never apply (the app's own figure, before the "
        "mapping's retries end): expect the failure queue to fill; the log line names it.",
    ),
    Alarm(
        "CacheThrottles",
        lambda w: w.cache_metric("ThrottledCmds", "Sum"),
        1,
        2,
        "The cache throttled commands in two 5-minute periods running: live events and shared "
        "rate limits are delayed (limits fail open, events are lost until pages reconnect).",
    ),
    Alarm(
        "CacheLatency",
        lambda w: w.cache_metric("SuccessfulWriteRequestLatency", "Average"),
        2_000,
        3,
        "Cache writes (PUBLISH, counters) average over 2 ms for 15 minutes (normal: ~0.3 ms): "
        "every send waits on its rate-limit count.",
        comparison=GT,
    ),
)


class MonitoringStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        deploy: DeploySettings,
        watched: Watched,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        key = kms.Key(
            self,
            "AlarmTopicKey",
            description="Encrypts the Cruddur alarm topic",
            enable_key_rotation=True,
        )
        # CloudWatch publishes alarms to an encrypted topic only if the key lets it.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        self.topic = sns.Topic(
            self, "Alarms", display_name="Cruddur alarms", master_key=key, enforce_ssl=True
        )
        if deploy.alarm_email:
            self.topic.add_subscription(subscriptions.EmailSubscription(deploy.alarm_email))
        notify = actions.SnsAction(self.topic)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for spec in ALARMS:
            alarm = cloudwatch.Alarm(
                self,
                spec.id,
                alarm_name=f"cruddur-{spec.id}",
                alarm_description=f"{spec.why} Runbook: {RUNBOOK} ({spec.id}).",
                metric=spec.metric(watched),
                threshold=spec.threshold,
                evaluation_periods=spec.evaluation_periods,
                datapoints_to_alarm=spec.datapoints,
                comparison_operator=spec.comparison,
                # No data is no trouble: a quiet hour sends no records, no requests, no errors.
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(notify)
            alarm.add_ok_action(notify)
            self.alarms[spec.id] = alarm
        self.dashboard = self._dashboard(watched)
        cdk.CfnOutput(self, "AlarmTopicArn", value=self.topic.topic_arn)

    def _dashboard(self, w: Watched) -> cloudwatch.Dashboard:
        board = cloudwatch.Dashboard(self, "Dashboard", dashboard_name="cruddur-messages")
        lb = w.load_balancer.metrics

        def graph(title: str, *metrics: cloudwatch.IMetric) -> cloudwatch.GraphWidget:
            return cloudwatch.GraphWidget(title=title, left=list(metrics), width=8)

        board.add_widgets(
            cloudwatch.AlarmStatusWidget(
                title="Alarms", alarms=list(self.alarms.values()), width=24
            )
        )
        board.add_widgets(
            graph("Requests", lb.request_count(period=FIVE_MINUTES), w.app("Requests", "api")),
            graph("5xx %", _error_rate(w)),
            graph(
                "Response time p50 / p99",
                lb.target_response_time(statistic="p50", period=FIVE_MINUTES),
                lb.target_response_time(statistic="p99", period=FIVE_MINUTES),
            ),
        )
        board.add_widgets(
            graph(
                "Sends",
                w.app("MessagesSent", "api"),
                w.app("ConversationsStarted", "api"),
                w.app("SendFailures", "api"),
            ),
            graph("Rate-limit refusals", w.app("RateLimitRefusals", "api")),
            graph(
                "Live streams open",
                cloudwatch.Metric(
                    namespace=NAMESPACE,
                    metric_name="LiveStreamsOpen",
                    dimensions_map={"Service": "api"},
                    statistic="Sum",
                    period=ONE_MINUTE,
                ),
            ),
        )
        stream_lag = cloudwatch.Metric(
            namespace=NAMESPACE,
            metric_name="StreamLag",
            dimensions_map={"Service": "stream"},
            statistic="p99",
            period=ONE_MINUTE,
        )
        board.add_widgets(
            graph(
                "Stream: iterator age (max) and lag p99, ms",
                w.stream.function.metric("IteratorAge", statistic="Maximum", period=ONE_MINUTE),
                stream_lag,
            ),
            graph(
                "Stream: records, failures, dead letters",
                w.app("StreamRecords", "stream"),
                w.app("RecordsFailed", "stream"),
                w.app("DeadLetters", "stream"),
                w.stream.dead_letters.metric_approximate_number_of_messages_visible(
                    period=FIVE_MINUTES
                ),
            ),
            graph(
                "Processor errors and throttles",
                w.stream.function.metric_errors(period=FIVE_MINUTES),
                w.stream.function.metric_throttles(period=FIVE_MINUTES),
            ),
        )
        board.add_widgets(
            graph(
                "DynamoDB capacity",
                w.table("ConsumedReadCapacityUnits"),
                w.table("ConsumedWriteCapacityUnits"),
            ),
            graph("DynamoDB throttles and errors", _throttles(w), _system_errors(w)),
            graph(
                "API tasks CPU / memory %",
                w.api.service.service.metric_cpu_utilization(period=FIVE_MINUTES),
                w.api.service.service.metric_memory_utilization(period=FIVE_MINUTES),
            ),
        )
        board.add_widgets(
            graph(
                "Cache",
                w.cache_metric("ThrottledCmds", "Sum"),
                w.cache_metric("SuccessfulWriteRequestLatency", "Average"),
                w.cache_metric("CurrConnections", "Maximum"),
            )
        )
        return board
