"""CruddurAudit: CloudTrail data events on the table, and (optionally) AWS Config rules for it."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_config as config
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cruddur_infra.buckets import access_log_bucket
from cruddur_infra.data import DataStack
from cruddur_infra.settings import DeploySettings

# AWS Config managed rules that watch what DataStack promises.
CONFIG_RULES = {
    "TablePitr": "DYNAMODB_PITR_ENABLED",
    "TableDeletionProtection": "DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED",
    "TableKmsEncryption": "DYNAMODB_TABLE_ENCRYPTED_KMS",
}


class AuditStack(cdk.Stack):
    def __init__(
        self, scope: Construct, id: str, deploy: DeploySettings, data: DataStack, **kwargs: Any
    ) -> None:
        super().__init__(scope, id, **kwargs)
        key = kms.Key(
            self,
            "TrailKey",
            description="Encrypts the Cruddur audit trail",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        access_logs = access_log_bucket(self, "TrailAccessLogs", "trail bucket")
        bucket = s3.Bucket(
            self,
            "TrailBucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=access_logs,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        self.trail = cloudtrail.Trail(
            self,
            "Trail",
            bucket=bucket,
            encryption_key=key,
            enable_file_validation=True,
            send_to_cloud_watch_logs=True,
            management_events=cloudtrail.ReadWriteType.ALL,
        )
        # Data events of this table only (every GetItem, Query, PutItem …): advanced selectors,
        # which the L2 Trail does not expose for DynamoDB.
        trail = self.trail.node.default_child
        assert isinstance(trail, cloudtrail.CfnTrail)
        trail.add_property_override(
            "AdvancedEventSelectors",
            [
                {
                    "Name": "management events",
                    "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}],
                },
                {
                    "Name": "data events of the Cruddur messages table",
                    "FieldSelectors": [
                        {"Field": "eventCategory", "Equals": ["Data"]},
                        {"Field": "resources.type", "Equals": ["AWS::DynamoDB::Table"]},
                        {"Field": "resources.ARN", "Equals": [data.table.table_arn]},
                    ],
                },
            ],
        )
        trail.add_property_deletion_override("EventSelectors")
        if deploy.config_rules:
            scope_ = config.RuleScope.from_resource(
                config.ResourceType.DYNAMODB_TABLE, data.table.table_name
            )
            for name, identifier in CONFIG_RULES.items():
                config.ManagedRule(self, name, identifier=identifier, rule_scope=scope_)
