"""CruddurStream: the stream processor Lambda, its event source mapping and its dead letters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cruddur.domain.keys import MESSAGE_PREFIX
from cruddur_infra import nag
from cruddur_infra.data import DataStack
from cruddur_infra.lambda_package import DEFAULT_OUT, HANDLER, LAMBDA_PYTHON
from cruddur_infra.network import NetworkStack
from cruddur_infra.permissions import STREAM_READ_ACTIONS, STREAM_TABLE_ACTIONS

MAX_RETRIES = 5
MAX_RECORD_AGE = cdk.Duration.hours(6)
BATCH_SIZE = 100


def lambda_runtime(version: tuple[int, int] = LAMBDA_PYTHON) -> lambda_.Runtime:
    """The CDK's own constant for the Lambda's Python (with the flags the CDK gives it); an
    AttributeError if this CDK does not know that version."""
    runtime: lambda_.Runtime = getattr(lambda_.Runtime, "PYTHON_{}_{}".format(*version))
    return runtime


class StreamStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        id: str,
        data: DataStack,
        network: NetworkStack,
        redis_url: str | None,
        package: Path = DEFAULT_OUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, id, **kwargs)
        if not package.exists():
            raise FileNotFoundError(f"{package} is missing: run `make lambda` first")
        table = data.table
        stream_arn = table.table_stream_arn or ""
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            encryption=sqs.QueueEncryption.KMS_MANAGED,
            enforce_ssl=True,
            retention_period=cdk.Duration.days(14),
        )
        nag.acknowledge(
            self.dead_letters,
            "AwsSolutions-SQS3",
            "this queue is the on-failure destination itself: records that reach it are kept"
            " for an operator, not processed again",
        )
        log_group = logs.LogGroup(self, "Logs", retention=logs.RetentionDays.ONE_MONTH)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="stream processor: inbox updates on this table only",
        )
        # The event source mapping reads the stream with this role.
        stream_read = iam.PolicyStatement(actions=list(STREAM_READ_ACTIONS), resources=[stream_arn])
        self.role.attach_inline_policy(
            data.table_access(self, STREAM_TABLE_ACTIONS, (), stream_read)
        )
        delivery = iam.Policy(
            self,
            "Delivery",
            statements=[
                iam.PolicyStatement(
                    actions=["sqs:SendMessage", "sqs:GetQueueAttributes"],
                    resources=[self.dead_letters.queue_arn],
                ),
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[log_group.log_group_arn, f"{log_group.log_group_arn}:*"],
                ),
            ],
        )
        self.role.attach_inline_policy(delivery)
        nag.acknowledge(
            delivery,
            f"AwsSolutions-IAM5[Resource::<{self.get_logical_id(log_group.node.default_child)}.Arn>:*]",  # type: ignore[arg-type]
            "log streams of this function's own log group: their names are made at run time",
        )
        interfaces = iam.Policy(
            self,
            "VpcNetworkInterfaces",
            statements=[
                iam.PolicyStatement(
                    actions=[
                        "ec2:CreateNetworkInterface",
                        "ec2:DescribeNetworkInterfaces",
                        "ec2:DeleteNetworkInterface",
                        "ec2:AssignPrivateIpAddresses",
                        "ec2:UnassignPrivateIpAddresses",
                    ],
                    resources=["*"],
                )
            ],
        )
        self.role.attach_inline_policy(interfaces)
        nag.acknowledge(
            interfaces,
            "AwsSolutions-IAM5[Resource::*]",
            "EC2's network-interface actions for a Lambda in a VPC accept no resource ARN;"
            " this policy touches nothing else",
        )
        environment = {"CRUDDUR_TABLE_NAME": table.table_name}
        if data.allowed_regions:
            environment["CRUDDUR_ALLOWED_REGIONS"] = data.allowed_regions
        if redis_url:
            environment["REDIS_URL"] = redis_url
        self.function = lambda_.Function(
            self,
            "Processor",
            description="DynamoDB stream → inbox rows (pattern D), live events to the cache",
            runtime=lambda_runtime(),
            handler=HANDLER,
            code=lambda_.Code.from_asset(str(package)),
            role=self.role,
            memory_size=256,
            timeout=cdk.Duration.seconds(30),
            vpc=network.vpc,
            vpc_subnets=network.isolated_subnets,
            security_groups=[network.lambda_sg],
            allow_public_subnet=False,
            environment=environment,
            log_group=log_group,
            # Lambda's JSON log format: the processor's one line per batch (records, groups,
            # applied, skipped, failed, lag) arrives as fields, as the API's lines do.
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
        )
        nag.acknowledge(
            self.function,
            "AwsSolutions-L1",
            "the runtime is the Python the zip is built and tested under (LAMBDA_PYTHON in"
            " lambda_package.py), not the newest Lambda offers: moving up is a change there,"
            " with the tests run on that Python",
        )
        self.mapping = lambda_.EventSourceMapping(
            self,
            "FromStream",
            target=self.function,
            event_source_arn=stream_arn,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=BATCH_SIZE,
            bisect_batch_on_error=True,
            retry_attempts=MAX_RETRIES,
            max_record_age=MAX_RECORD_AGE,
            report_batch_item_failures=True,
            on_failure=sources.SqsDlq(self.dead_letters),
            # Only messages invoke the function (sent: INSERT; edited or deleted: MODIFY), not
            # inbox rows, pairs, blocks or claims.
            filters=[
                lambda_.FilterCriteria.filter(
                    {
                        "eventName": lambda_.FilterRule.or_("INSERT", "MODIFY"),
                        "dynamodb": {
                            "Keys": {"pk": {"S": lambda_.FilterRule.begins_with(MESSAGE_PREFIX)}}
                        },
                    }
                )
            ],
        )
        # The role's policies must exist before the mapping reads the stream with it.
        self.mapping.node.add_dependency(self.role)
        cdk.CfnOutput(self, "DeadLetterQueueUrl", value=self.dead_letters.queue_url)
