"""Buckets that receive access logs: private, versioned, TLS only, kept when a stack goes."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cruddur_infra import nag


def access_log_bucket(scope: Construct, id: str, of_what: str) -> s3.Bucket:
    bucket = s3.Bucket(
        scope,
        id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        versioned=True,
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    nag.acknowledge(
        bucket,
        "AwsSolutions-S1",
        f"this bucket holds the {of_what}'s access logs; logging its own access would recurse",
    )
    return bucket
