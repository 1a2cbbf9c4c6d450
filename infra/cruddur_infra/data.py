"""CruddurData: the table (its definition is the app's own) and the key that encrypts it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from cruddur.adapters.dynamodb.schema import table_definition
from cruddur.adapters.dynamodb.stores.data_keys import message_key_context
from cruddur.adapters.dynamodb.stores.user_keys import keys_table_definition
from cruddur.domain.keys import EXPIRES_AT
from cruddur_infra import nag
from cruddur_infra.attachments import AttachmentsBucket
from cruddur_infra.permissions import MESSAGE_KEY_ACTIONS, TABLE_KEY_ACTIONS
from cruddur_infra.settings import DeploySettings

_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}
_PROJECTIONS = {"ALL": dynamodb.ProjectionType.ALL, "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY}
_VIEWS = {"NEW_IMAGE": dynamodb.StreamViewType.NEW_IMAGE}


class DataStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, deploy: DeploySettings, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        # The same CreateTable arguments `cruddur ddb schema-load` sends: the two cannot drift.
        definition = table_definition(
            deploy.table_name, deploy.billing_mode, deploy.read_capacity, deploy.write_capacity
        )
        types = {a["AttributeName"]: a["AttributeType"] for a in definition["AttributeDefinitions"]}

        def attribute(key_schema: list[dict[str, str]], kind: str) -> dynamodb.Attribute:
            name = next(k["AttributeName"] for k in key_schema if k["KeyType"] == kind)
            return dynamodb.Attribute(name=name, type=_TYPES[types[name]])

        provisioned = definition["BillingMode"] == "PROVISIONED"
        self.key = self._retained_key("TableKey", "Encrypts the Cruddur messages table at rest")
        # Client-side: wraps the data keys the API seals message text under (see the app's
        # adapters/dynamodb/stores/data_keys.py). Only the API's role may use it; the stream
        # processor copies sealed previews and has no grant on it.
        self.message_key = self._retained_key(
            "MessageKey", "Wraps the data keys that seal Cruddur message text (client-side)"
        )
        self.table = dynamodb.Table(
            self,
            "Table",
            table_name=definition["TableName"],
            partition_key=attribute(definition["KeySchema"], "HASH"),
            sort_key=attribute(definition["KeySchema"], "RANGE"),
            billing_mode=(
                dynamodb.BillingMode.PROVISIONED
                if provisioned
                else dynamodb.BillingMode.PAY_PER_REQUEST
            ),
            read_capacity=deploy.read_capacity if provisioned else None,
            write_capacity=deploy.write_capacity if provisioned else None,
            stream=_VIEWS[definition["StreamSpecification"]["StreamViewType"]],
            time_to_live_attribute=EXPIRES_AT,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        for index in definition["GlobalSecondaryIndexes"]:
            self.table.add_global_secondary_index(
                index_name=index["IndexName"],
                partition_key=attribute(index["KeySchema"], "HASH"),
                sort_key=attribute(index["KeySchema"], "RANGE"),
                projection_type=_PROJECTIONS[index["Projection"]["ProjectionType"]],
                read_capacity=deploy.read_capacity if provisioned else None,
                write_capacity=deploy.write_capacity if provisioned else None,
            )
        self.index_names = [index["IndexName"] for index in definition["GlobalSecondaryIndexes"]]
        cdk.CfnOutput(self, "TableName", value=self.table.table_name)
        cdk.CfnOutput(self, "TableStreamArn", value=self.table.table_stream_arn or "")
        cdk.CfnOutput(self, "MessageKeyArn", value=self.message_key.key_arn)
        # Each person's key (the app's stores/user_keys.py): erasing them deletes their item,
        # and that must be the last copy. So: no point-in-time recovery, never in a backup
        # plan (the SCP denies backing it up at all), deletion protection, retained. Its loss
        # would lose every message: infra/policies guards it, docs/security.md says why.
        keys_definition = keys_table_definition(f"{deploy.data_set}-keys")
        self.keys_table = dynamodb.Table(
            self,
            "KeysTable",
            table_name=keys_definition["TableName"],
            partition_key=dynamodb.Attribute(name="pk", type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name="sk", type=dynamodb.AttributeType.STRING),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=False
            ),
            deletion_protection=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        nag.acknowledge(
            self.keys_table,
            "AwsSolutions-DDB3",
            "the keys table must have no point-in-time recovery: a restore would bring back the"
            " keys of erased people, and with them their words (crypto-shredding)",
        )
        cdk.CfnOutput(self, "KeysTableName", value=self.keys_table.table_name)
        self.attachments = AttachmentsBucket(self, "Attachments", deploy.web_origins)
        cdk.CfnOutput(self, "AttachmentsBucket", value=self.attachments.bucket.bucket_name)
        self.allowed_regions = ",".join(deploy.allowed_regions)
        self.data_set = deploy.data_set

    def _retained_key(self, id: str, description: str) -> kms.Key:
        # Rotated yearly by KMS; kept when the stack goes: what it encrypted must stay readable.
        return kms.Key(
            self,
            id,
            description=description,
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    def message_key_statement(self) -> iam.PolicyStatement:
        """Wrapping and unwrapping data keys of this table, and nothing else with the key: the
        encryption context the app binds into each wrapped key is required."""
        return iam.PolicyStatement(
            actions=list(MESSAGE_KEY_ACTIONS),
            resources=[self.message_key.key_arn],
            conditions={
                "StringEquals": {
                    f"kms:EncryptionContext:{name}": value
                    for name, value in message_key_context(self.data_set).items()
                }
            },
        )

    def key_statement(self) -> iam.PolicyStatement:
        """Use of the table's key, only through DynamoDB on this table's behalf."""
        return iam.PolicyStatement(
            actions=list(TABLE_KEY_ACTIONS),
            resources=[self.key.key_arn],
            conditions={
                "StringEquals": {"kms:ViaService": f"dynamodb.{self.region}.amazonaws.com"}
            },
        )

    def table_access(
        self,
        scope: Construct,
        table_actions: Sequence[str],
        index_actions: Sequence[str] = (),
        *more: iam.PolicyStatement,
        keys_actions: Sequence[str] = (),
    ) -> iam.Policy:
        """A component's one policy on the table: exactly `table_actions` on this table,
        `index_actions` on its index, `more` of its own, and the key through DynamoDB only."""
        statements = [
            iam.PolicyStatement(actions=list(table_actions), resources=[self.table.table_arn])
        ]
        if keys_actions:
            statements.append(
                iam.PolicyStatement(
                    actions=list(keys_actions), resources=[self.keys_table.table_arn]
                )
            )
        if index_actions:
            statements.append(
                iam.PolicyStatement(actions=list(index_actions), resources=self.index_arns())
            )
        return iam.Policy(
            scope, "TableAccess", statements=[*statements, *more, self.key_statement()]
        )

    def index_arns(self) -> list[str]:
        return [f"{self.table.table_arn}/index/{name}" for name in self.index_names]
