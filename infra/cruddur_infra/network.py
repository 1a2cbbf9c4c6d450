"""CruddurNetwork: the VPC, DynamoDB's gateway endpoint, and who may reach the cache.

Isolated subnets (no NAT, no internet route) hold the stream Lambda and the cache; the API's
tasks sit in private subnets with egress (image pulls, Cognito's JWKS), the load balancer in
public ones. DynamoDB traffic never leaves the VPC: a gateway endpoint whose policy names only
this table and its index.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from cruddur_infra.permissions import API_TABLE_ACTIONS, STREAM_TABLE_ACTIONS
from cruddur_infra.settings import DeploySettings

REDIS_PORT = 6379


class NetworkStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        deploy: DeploySettings,
        table_arn: str,
        index_arns: list[str],
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            availability_zones=deploy.zones,
            nat_gateways=1,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC),
                ec2.SubnetConfiguration(name="app", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS),
                ec2.SubnetConfiguration(
                    name="isolated", subnet_type=ec2.SubnetType.PRIVATE_ISOLATED
                ),
            ],
        )
        flow_logs = logs.LogGroup(self, "FlowLogs", retention=logs.RetentionDays.ONE_MONTH)
        self.vpc.add_flow_log(
            "FlowLog", destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs)
        )
        endpoint = self.vpc.add_gateway_endpoint(
            "DynamoDb", service=ec2.GatewayVpcEndpointAwsService.DYNAMODB
        )
        # The endpoint's policy: only this table and its index, only the calls our code makes.
        endpoint.add_to_policy(
            iam.PolicyStatement(
                principals=[iam.AnyPrincipal()],
                actions=sorted(set(API_TABLE_ACTIONS) | set(STREAM_TABLE_ACTIONS)),
                resources=[table_arn, *index_arns],
            )
        )
        self.lambda_sg = ec2.SecurityGroup(
            self, "StreamLambda", vpc=self.vpc, description="stream processor Lambda"
        )
        self.cache_sg = ec2.SecurityGroup(
            self,
            "Cache",
            vpc=self.vpc,
            description="live-event cache: reachable from the Lambda and the API only",
            allow_all_outbound=False,
        )
        admit_to_cache(self, "CacheFromLambda", self.cache_sg, self.lambda_sg, "the stream Lambda")

    @property
    def isolated_subnets(self) -> ec2.SubnetSelection:
        return ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_ISOLATED)


def admit_to_cache(
    scope: Construct, id: str, cache: ec2.SecurityGroup, client: ec2.SecurityGroup, name: str
) -> None:
    """One ingress rule, created in the client's stack: the cache admits exactly these groups."""
    ec2.CfnSecurityGroupIngress(
        scope,
        id,
        group_id=cache.security_group_id,
        source_security_group_id=client.security_group_id,
        ip_protocol="tcp",
        from_port=REDIS_PORT,
        to_port=REDIS_PORT,
        description=f"Redis over TLS from {name}",
    )
