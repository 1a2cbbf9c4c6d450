"""The attachments bucket: photos and files of messages.

Browsers upload straight to it by presigned POST (the API signs; the bytes never pass through
the API) and read from it by presigned GET. So: public access blocked (presigned requests act as
the task role, not as the public), SSE-KMS under a key of its own with a bucket key (one KMS call
per object's data key, not per request), TLS only, access logs, CORS for the web origins, and a
lifecycle rule that removes uploads never attached (the app takes an upload within the hour).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cruddur.domain.attachments import FILES_PREFIX, UPLOADS_PREFIX
from cruddur_infra.buckets import access_log_bucket
from cruddur_infra.permissions import ATTACHMENT_KEY_ACTIONS, ATTACHMENT_OBJECT_ACTIONS

# Uploads not attached in a day are gone (the app allows an hour; S3 expires by whole days).
UPLOAD_EXPIRY_DAYS = 1


class AttachmentsBucket(Construct):
    def __init__(self, scope: Construct, id: str, web_origins: tuple[str, ...]) -> None:
        super().__init__(scope, id)
        self.key = kms.Key(
            self,
            "Key",
            description="Encrypts the Cruddur attachments bucket (photos and files of messages)",
            enable_key_rotation=True,
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        cors = []
        if web_origins:
            cors.append(
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.POST, s3.HttpMethods.GET],
                    allowed_origins=list(web_origins),
                    allowed_headers=["*"],
                    max_age=600,
                )
            )
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            server_access_logs_bucket=access_log_bucket(self, "AccessLogs", "attachments bucket"),
            server_access_logs_prefix="attachments/",
            cors=cors or None,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="unattached-uploads",
                    prefix=UPLOADS_PREFIX,
                    expiration=cdk.Duration.days(UPLOAD_EXPIRY_DAYS),
                    abort_incomplete_multipart_upload_after=cdk.Duration.days(1),
                ),
                # A deleted message's files are deleted by the app; were the bucket ever
                # versioned, this keeps no old copy for long.
                s3.LifecycleRule(
                    id="old-versions",
                    noncurrent_version_expiration=cdk.Duration.days(1),
                ),
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    def prefix_evidence(self) -> list[str]:
        """How cdk-nag names the two prefix grants of `statements` in another stack: through the
        export of the bucket's ARN (CDK names it from the stack and the construct path)."""
        export = "CruddurData:ExportsOutputFnGetAttAttachmentsBucket134755D7Arn3EBF7014"
        return [f"Resource::{export}/{prefix}*" for prefix in (UPLOADS_PREFIX, FILES_PREFIX)]

    def statements(self) -> list[iam.PolicyStatement]:
        """The task role's: exactly the object actions the app makes, on its two prefixes, and
        the bucket's key only through S3."""
        region = cdk.Stack.of(self).region
        return [
            iam.PolicyStatement(
                actions=list(ATTACHMENT_OBJECT_ACTIONS),
                resources=[
                    self.bucket.arn_for_objects(f"{UPLOADS_PREFIX}*"),
                    self.bucket.arn_for_objects(f"{FILES_PREFIX}*"),
                ],
            ),
            iam.PolicyStatement(
                actions=list(ATTACHMENT_KEY_ACTIONS),
                resources=[self.key.key_arn],
                conditions={"StringEquals": {"kms:ViaService": f"s3.{region}.amazonaws.com"}},
            ),
        ]
