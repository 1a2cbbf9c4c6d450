"""Every stack of the app and how they depend on each other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aws_cdk as cdk

from cruddur_infra import nag
from cruddur_infra.api import ApiStack
from cruddur_infra.audit import AuditStack
from cruddur_infra.cache import CacheStack
from cruddur_infra.data import DataStack
from cruddur_infra.monitoring import MonitoringStack, Watched
from cruddur_infra.network import NetworkStack
from cruddur_infra.settings import DeploySettings
from cruddur_infra.stream import StreamStack


@dataclass
class Stacks:
    data: DataStack
    network: NetworkStack
    cache: CacheStack
    stream: StreamStack
    api: ApiStack
    audit: AuditStack
    monitoring: MonitoringStack


def build(app: cdk.App, deploy: DeploySettings | None = None) -> Stacks:
    deploy = deploy or DeploySettings.from_context(app.node)
    # No bootstrap version rule: templates deploy on any CloudFormation (moto's, in the tests).
    synthesizer = cdk.DefaultStackSynthesizer(generate_bootstrap_version_rule=False)
    common: dict[str, Any] = {"synthesizer": synthesizer, "env": deploy.env}
    data = DataStack(app, "CruddurData", deploy, **common)
    network = NetworkStack(
        app,
        "CruddurNetwork",
        deploy,
        data.table.table_arn,
        data.index_arns(),
        **common,
    )
    cache = CacheStack(app, "CruddurCache", network, **common)
    stream = StreamStack(app, "CruddurStream", data, network, cache.redis_url, **common)
    api = ApiStack(app, "CruddurApi", deploy, data, network, cache.redis_url, **common)
    audit = AuditStack(app, "CruddurAudit", deploy, data, **common)
    monitoring = MonitoringStack(
        app, "CruddurMonitoring", deploy, Watched(data, stream, api, cache), **common
    )
    nag.check(app)
    return Stacks(data, network, cache, stream, api, audit, monitoring)
