"""The stacks' share of the bill besides the table: the stream's Lambda, the live events' cache,
the API's tasks and load balancer, and what the deployment costs by the month whatever the
traffic."""

from __future__ import annotations

import math
from collections.abc import Mapping

from cruddur.costs.bill import DAYS_PER_MONTH, HOURS_PER_MONTH, SECONDS_PER_DAY, Line
from cruddur.costs.inputs import Deployment, Workload
from cruddur.costs.prices import Prices

# Lambda polls each stream shard four times a second and invokes once per poll that finds
# records, so invocations per day are capped by the polls, not by the messages.
LAMBDA_POLLS_PER_DAY = 4 * SECONDS_PER_DAY
REQUESTS_PER_VISIT = 3  # inbox page, conversation page, mark read


def stream_processor(workload: Workload, deploy: Deployment, price: Mapping[str, float]) -> Line:
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


def live_events(workload: Workload, deploy: Deployment, price: Mapping[str, float]) -> Line:
    # Live events are pub/sub: nothing is stored, so the cache bills its minimum storage.
    # `ecpus_per_message` is a direct message's, to its two members; a group's reaches each.
    ecpus = (
        workload.messages_per_day
        * DAYS_PER_MONTH
        * deploy.ecpus_per_message
        * workload.members_per_message
        / 2
    )
    return Line(
        "ElastiCache Serverless (Valkey)",
        price["minimum_gb"] * price["usd_per_gb_hour"] * HOURS_PER_MONTH
        + ecpus / 1e6 * price["usd_per_million_ecpus"],
        f"{price['minimum_gb']:g} GB minimum, {ecpus / 1e6:,.1f} M ECPUs",
    )


def api(workload: Workload, deploy: Deployment, prices: Prices) -> list[Line]:
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


def fixed(deploy: Deployment, prices: Prices) -> Line:
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
