"""`cruddur cost` prices what infra/ deploys: its Deployment figures equal the templates'."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cruddur.costs.inputs import Deployment
from cruddur.metrics.exposition import COUNTERS
from cruddur.stream.lambda_handler import batch_metrics
from cruddur.stream.processor import BatchResult
from tests.infra.conftest import template


def _resources(cdk_out: Path, kind: str) -> list[dict[str, Any]]:
    return [
        resource.get("Properties", {})
        for path in sorted(cdk_out.glob("*.template.json"))
        for resource in template(cdk_out, path.name.removesuffix(".template.json"))[
            "Resources"
        ].values()
        if resource["Type"] == kind
    ]


def test_the_cost_model_prices_the_deployed_shape(cdk_out: Path):
    deploy = Deployment()
    [task] = _resources(cdk_out, "AWS::ECS::TaskDefinition")
    assert float(task["Cpu"]) / 1024 == deploy.api_task_vcpu
    assert float(task["Memory"]) / 1024 == deploy.api_task_gb
    [container] = task["ContainerDefinitions"]
    assert len(container["Secrets"]) == deploy.secrets
    [target] = _resources(cdk_out, "AWS::ApplicationAutoScaling::ScalableTarget")
    assert target["MinCapacity"] == deploy.api_min_tasks
    assert target["MaxCapacity"] == deploy.api_max_tasks
    [policy] = _resources(cdk_out, "AWS::ApplicationAutoScaling::ScalingPolicy")
    tracking = policy["TargetTrackingScalingPolicyConfiguration"]
    assert tracking["TargetValue"] / 100 == deploy.api_cpu_target
    [function] = [
        f
        for f in _resources(cdk_out, "AWS::Lambda::Function")
        if f.get("Handler", "").startswith("cruddur.")
    ]
    assert function["MemorySize"] / 1024 == deploy.lambda_gb
    assert len(_resources(cdk_out, "AWS::EC2::NatGateway")) == deploy.nat_gateways
    [balancer] = _resources(cdk_out, "AWS::ElasticLoadBalancingV2::LoadBalancer")
    assert len(balancer["Subnets"]) == deploy.load_balancer_zones
    assert len(_resources(cdk_out, "AWS::KMS::Key")) == deploy.kms_keys
    alarms = _resources(cdk_out, "AWS::CloudWatch::Alarm")
    read = sum(
        1 if "MetricName" in a else sum("MetricStat" in q for q in a["Metrics"]) for a in alarms
    )
    assert read == deploy.alarm_metrics
    assert len(_resources(cdk_out, "AWS::CloudWatch::Dashboard")) == deploy.dashboards
    lambda_metrics = json.loads(batch_metrics(BatchResult(lags_ms=[1.0])))
    emitted = len(COUNTERS) + 1 + len(lambda_metrics["_aws"]["CloudWatchMetrics"][0]["Metrics"])
    assert emitted == deploy.custom_metrics
