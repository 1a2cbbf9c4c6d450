"""CruddurCache: ElastiCache Serverless (Valkey) for live events; TLS is always on for it."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_elasticache as elasticache
from constructs import Construct

from cruddur_infra.network import NetworkStack


class CacheStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, network: NetworkStack, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        subnets = network.vpc.select_subnets(subnet_group_name="isolated").subnet_ids
        self.cache = elasticache.CfnServerlessCache(
            self,
            "Cache",
            engine="valkey",
            serverless_cache_name="cruddur-live-events",
            description="Cruddur live events (pub/sub) and shared limits",
            security_group_ids=[network.cache_sg.security_group_id],
            subnet_ids=subnets,
        )

    @property
    def redis_url(self) -> str:
        """rediss://: serverless caches accept TLS connections only."""
        return f"rediss://{self.cache.attr_endpoint_address}:{self.cache.attr_endpoint_port}"
