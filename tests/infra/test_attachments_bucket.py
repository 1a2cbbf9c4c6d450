"""The attachments bucket on the synthesized templates: private, SSE-KMS under its own key with
a bucket key, TLS only, logged, CORS for the web origins only, unattached uploads expiring; the
task role holds exactly the app's object actions on its two prefixes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cruddur_infra.permissions import ATTACHMENT_KEY_ACTIONS, ATTACHMENT_OBJECT_ACTIONS
from tests.infra.conftest import WEB_ORIGIN, template


def _buckets(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in body["Resources"].items() if r["Type"] == "AWS::S3::Bucket"}


def _attachments(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    [(name, bucket)] = [
        (k, r) for k, r in _buckets(body).items() if k.startswith("AttachmentsBucket")
    ]
    return name, bucket


def test_the_bucket_is_private_encrypted_logged_and_retained(cdk_out: Path):
    data = template(cdk_out, "CruddurData")
    name, bucket = _attachments(data)
    properties = bucket["Properties"]
    assert bucket["DeletionPolicy"] == "Retain"
    assert properties["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    [rule] = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["BucketKeyEnabled"] is True
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    key = rule["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]["Fn::GetAtt"][0]
    assert key.startswith("AttachmentsKey")
    assert data["Resources"][key]["Properties"]["EnableKeyRotation"] is True
    logs = properties["LoggingConfiguration"]["DestinationBucketName"]["Ref"]
    assert logs in _buckets(data)
    policies = [
        r["Properties"]
        for r in data["Resources"].values()
        if r["Type"] == "AWS::S3::BucketPolicy" and r["Properties"]["Bucket"] == {"Ref": name}
    ]
    [statements] = [p["PolicyDocument"]["Statement"] for p in policies]
    denials = [s for s in statements if s["Effect"] == "Deny"]
    assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in denials)
    assert any("s3:TlsVersion" in json.dumps(s["Condition"]) for s in denials)


def test_unattached_uploads_expire_and_cors_admits_the_web_origin_only(cdk_out: Path):
    _, bucket = _attachments(template(cdk_out, "CruddurData"))
    properties = bucket["Properties"]
    rules = {r["Id"]: r for r in properties["LifecycleConfiguration"]["Rules"]}
    uploads = rules["unattached-uploads"]
    assert (uploads["Prefix"], uploads["ExpirationInDays"], uploads["Status"]) == (
        "uploads/",
        1,
        "Enabled",
    )
    [cors] = properties["CorsConfiguration"]["CorsRules"]
    assert cors["AllowedOrigins"] == [WEB_ORIGIN]
    assert sorted(cors["AllowedMethods"]) == ["GET", "POST"]


def test_the_task_role_has_exactly_the_object_actions_on_the_two_prefixes(cdk_out: Path):
    api = template(cdk_out, "CruddurApi")
    statements = [
        s
        for r in api["Resources"].values()
        if r["Type"] == "AWS::IAM::Policy"
        for s in r["Properties"]["PolicyDocument"]["Statement"]
    ]
    s3 = [s for s in statements if "s3:" in json.dumps(s["Action"])]
    [objects] = s3
    assert sorted(objects["Action"]) == sorted(ATTACHMENT_OBJECT_ACTIONS)
    resources = json.dumps(objects["Resource"])
    assert "/uploads/*" in resources
    assert "/files/*" in resources
    assert '"*"' not in resources
    through_s3 = [
        s for s in statements if "kms:ViaService" in json.dumps(s.get("Condition", {}))
        and "s3." in json.dumps(s["Condition"])
    ]  # fmt: skip
    [key] = through_s3
    assert sorted(key["Action"]) == sorted(ATTACHMENT_KEY_ACTIONS)
    container = next(
        r["Properties"]["ContainerDefinitions"][0]
        for r in api["Resources"].values()
        if r["Type"] == "AWS::ECS::TaskDefinition"
    )
    assert "CRUDDUR_ATTACHMENTS_BUCKET" in {e["Name"] for e in container["Environment"]}
