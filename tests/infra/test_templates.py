"""What the synthesized templates promise, property by property (aws_cdk.assertions reads them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from cruddur.adapters.dynamodb.schema import table_definition
from cruddur.domain.keys import EXPIRES_AT, MESSAGE_PREFIX
from cruddur_infra.permissions import (
    API_INDEX_ACTIONS,
    API_TABLE_ACTIONS,
    STREAM_READ_ACTIONS,
    STREAM_TABLE_ACTIONS,
)
from tests.infra.conftest import template


def _one(body: dict[str, Any], kind: str) -> dict[str, Any]:
    found: list[dict[str, Any]] = [
        r["Properties"] for r in body["Resources"].values() if r["Type"] == kind
    ]
    assert len(found) == 1, kind
    return found[0]


def _messages_table(body: dict[str, Any]) -> dict[str, Any]:
    """The messages table's properties (the keys table is the data stack's other table)."""
    found: dict[str, Any]
    [found] = [
        r["Properties"]
        for r in body["Resources"].values()
        if r["Type"] == "AWS::DynamoDB::Table"
        and not r["Properties"]["TableName"].endswith("-keys")
    ]
    return found


def test_the_table_is_the_one_schema_load_creates(cdk_out: Path):
    table = _messages_table(template(cdk_out, "CruddurData"))
    expected = table_definition("cruddur-messages")
    assert table["TableName"] == expected["TableName"]
    assert table["KeySchema"] == expected["KeySchema"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(
        expected["AttributeDefinitions"], key=str
    )
    assert table["GlobalSecondaryIndexes"] == expected["GlobalSecondaryIndexes"]
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_IMAGE"}
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TimeToLiveSpecification"] == {"AttributeName": EXPIRES_AT, "Enabled": True}


def test_the_table_is_protected_encrypted_with_its_own_key_and_retained(cdk_out: Path):
    data = Template.from_json(template(cdk_out, "CruddurData"))
    data.has_resource(
        "AWS::DynamoDB::Table",
        {
            "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain",
            "Properties": Match.object_like(
                {
                    "DeletionProtectionEnabled": True,
                    "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
                    "SSESpecification": {
                        "SSEEnabled": True,
                        "SSEType": "KMS",
                        "KMSMasterKeyId": Match.any_value(),
                    },
                }
            ),
        },
    )
    data.has_resource(
        "AWS::KMS::Key",
        {"DeletionPolicy": "Retain", "Properties": Match.object_like({"EnableKeyRotation": True})},
    )


def test_provisioned_capacity_comes_from_context(tmp_path: Path):
    from cruddur_infra.check import synth

    synth(tmp_path, {"billing_mode": "PROVISIONED", "read_capacity": "7", "write_capacity": "3"})
    table = _messages_table(template(tmp_path, "CruddurData"))
    assert table["ProvisionedThroughput"] == {"ReadCapacityUnits": 7, "WriteCapacityUnits": 3}
    assert "BillingMode" not in table or table["BillingMode"] == "PROVISIONED"


def test_the_mapping_filters_to_message_inserts_bisects_retries_and_dead_letters(cdk_out: Path):
    body = template(cdk_out, "CruddurStream")
    mapping = _one(body, "AWS::Lambda::EventSourceMapping")
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert 0 < mapping["MaximumRetryAttempts"] <= 10
    assert 0 < mapping["MaximumRecordAgeInSeconds"] <= 24 * 3600
    assert "OnFailure" in mapping["DestinationConfig"]
    [pattern] = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
    assert pattern == {
        "eventName": ["INSERT", "MODIFY"],
        "dynamodb": {"Keys": {"pk": {"S": [{"prefix": MESSAGE_PREFIX}]}}},
    }
    queue = _one(body, "AWS::SQS::Queue")
    assert queue["KmsMasterKeyId"] == "alias/aws/sqs"


def test_the_lambda_runs_the_packaged_handler_in_isolated_subnets(cdk_out: Path):
    function = _one(template(cdk_out, "CruddurStream"), "AWS::Lambda::Function")
    assert function["Handler"] == "cruddur.stream.lambda_handler.lambda_handler"
    assert function["Runtime"].startswith("python3.")
    # Its one line per batch arrives as JSON fields, as the API's lines do.
    assert function["LoggingConfig"]["LogFormat"] == "JSON"
    assert function["LoggingConfig"]["ApplicationLogLevel"] == "INFO"
    subnets = json.dumps(function["VpcConfig"]["SubnetIds"])
    assert "isolated" in subnets
    assert "app" not in subnets
    assert "public" not in subnets
    network = template(cdk_out, "CruddurNetwork")
    isolated = [
        name
        for name, r in network["Resources"].items()
        if r["Type"] == "AWS::EC2::Route" and "isolated" in name
    ]
    assert isolated == []  # no route at all out of the isolated subnets: no NAT, no internet


def test_dynamodb_traffic_stays_in_the_vpc_through_an_endpoint_for_this_table_only(cdk_out: Path):
    endpoint = _one(template(cdk_out, "CruddurNetwork"), "AWS::EC2::VPCEndpoint")
    assert endpoint["VpcEndpointType"] == "Gateway"
    assert "dynamodb" in json.dumps(endpoint["ServiceName"])
    [statement] = endpoint["PolicyDocument"]["Statement"]
    resources = json.dumps(statement["Resource"])
    assert "Table" in resources
    assert "index/inbox-by-recency" in resources
    assert "*" not in json.dumps(statement["Action"])


def test_the_cache_is_serverless_valkey_reachable_only_from_the_lambda_and_the_api(cdk_out: Path):
    cache = _one(template(cdk_out, "CruddurCache"), "AWS::ElastiCache::ServerlessCache")
    assert cache["Engine"] == "valkey"
    ingress = [
        r["Properties"]
        for stack in ("CruddurNetwork", "CruddurApi")
        for r in template(cdk_out, stack)["Resources"].values()
        if r["Type"] == "AWS::EC2::SecurityGroupIngress" and r["Properties"].get("FromPort") == 6379
    ]
    assert len(ingress) == 2
    assert all("SourceSecurityGroupId" in rule and "CidrIp" not in rule for rule in ingress)
    stream_env = _one(template(cdk_out, "CruddurStream"), "AWS::Lambda::Function")["Environment"]
    assert "rediss://" in json.dumps(stream_env["Variables"]["REDIS_URL"])


def _policies(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [r["Properties"] for r in body["Resources"].values() if r["Type"] == "AWS::IAM::Policy"]


def _touches_table(policy: dict[str, Any]) -> bool:
    return "dynamodb:" in json.dumps(policy["PolicyDocument"])


def test_no_policy_that_touches_the_table_has_a_wildcard(cdk_out: Path):
    for stack in ("CruddurStream", "CruddurApi"):
        touching = [p for p in _policies(template(cdk_out, stack)) if _touches_table(p)]
        assert touching, stack
        for policy in touching:
            for statement in policy["PolicyDocument"]["Statement"]:
                assert "*" not in json.dumps(statement["Action"]), statement
                assert '"*"' not in json.dumps(statement["Resource"]), statement


def _dynamodb_actions(body: dict[str, Any]) -> set[str]:
    actions: set[str] = set()
    for policy in _policies(body):
        for statement in policy["PolicyDocument"]["Statement"]:
            listed = statement["Action"]
            listed = [listed] if isinstance(listed, str) else listed
            actions |= {a for a in listed if a.startswith("dynamodb:")}
    return actions


def test_each_role_has_exactly_the_actions_its_component_calls(cdk_out: Path):
    assert _dynamodb_actions(template(cdk_out, "CruddurStream")) == set(STREAM_TABLE_ACTIONS) | set(
        STREAM_READ_ACTIONS
    )
    assert _dynamodb_actions(template(cdk_out, "CruddurApi")) == set(API_TABLE_ACTIONS) | set(
        API_INDEX_ACTIONS
    )


def test_no_iam_users_or_access_keys_anywhere(cdk_out: Path):
    for path in cdk_out.glob("*.template.json"):
        kinds = {r["Type"] for r in json.loads(path.read_text())["Resources"].values()}
        assert not kinds & {"AWS::IAM::User", "AWS::IAM::AccessKey"}, path.name


def test_the_api_runs_behind_https_with_readyz_checks_autoscaling_and_secrets(cdk_out: Path):
    api = Template.from_json(template(cdk_out, "CruddurApi"))
    api.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::Listener", {"Protocol": "HTTPS", "Port": 443}
    )
    api.has_resource_properties(
        "AWS::ElasticLoadBalancingV2::TargetGroup", {"HealthCheckPath": "/readyz"}
    )
    api.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        Match.object_like(
            {
                "TargetTrackingScalingPolicyConfiguration": Match.object_like(
                    {
                        "PredefinedMetricSpecification": {
                            "PredefinedMetricType": "ECSServiceAverageCPUUtilization"
                        }
                    }
                )
            }
        ),
    )
    task = _one(template(cdk_out, "CruddurApi"), "AWS::ECS::TaskDefinition")
    [container] = task["ContainerDefinitions"]
    assert container["Command"][:2] == ["serve", "--prod"]
    assert {s["Name"] for s in container["Secrets"]} == {
        "CRUDDUR_CURSOR_SECRET",
        "CRUDDUR_VAPID_SECRET",  # the Web Push key is derived from it, never in the template
        "DATABASE_URL",
    }
    assert container["Environment"]  # Cognito and table settings, no secret among them
    names = {e["Name"] for e in container["Environment"]}
    assert not {"CRUDDUR_CURSOR_SECRET", "CRUDDUR_VAPID_SECRET"} & names
    assert "COGNITO_USER_POOL_ID" in names
    assert "CRUDDUR_TRUSTED_PROXIES" in names  # the VPC's range: the load balancer


def test_the_trail_records_the_table_data_events_into_a_locked_down_bucket(cdk_out: Path):
    body = template(cdk_out, "CruddurAudit")
    trail = _one(body, "AWS::CloudTrail::Trail")
    assert trail["EnableLogFileValidation"] is True
    assert "KMSKeyId" in trail
    selectors = json.dumps(trail["AdvancedEventSelectors"])
    assert "AWS::DynamoDB::Table" in selectors
    assert '"Data"' in selectors
    audit = Template.from_json(body)
    audit.has_resource_properties(
        "AWS::S3::Bucket",
        Match.object_like(
            {
                "VersioningConfiguration": {"Status": "Enabled"},
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "BlockPublicPolicy": True,
                    "IgnorePublicAcls": True,
                    "RestrictPublicBuckets": True,
                },
                "BucketEncryption": Match.object_like(
                    {
                        "ServerSideEncryptionConfiguration": [
                            Match.object_like(
                                {
                                    "ServerSideEncryptionByDefault": Match.object_like(
                                        {"SSEAlgorithm": "aws:kms"}
                                    )
                                }
                            )
                        ]
                    }
                ),
            }
        ),
    )
    assert not [r for r in body["Resources"].values() if r["Type"] == "AWS::Config::ConfigRule"]


def test_config_rules_for_the_table_come_with_a_context_flag(tmp_path: Path):
    from cruddur_infra.check import synth

    synth(tmp_path, {"config_rules": "true"})
    rules = [
        r["Properties"]["Source"]["SourceIdentifier"]
        for r in template(tmp_path, "CruddurAudit")["Resources"].values()
        if r["Type"] == "AWS::Config::ConfigRule"
    ]
    assert sorted(rules) == [
        "DYNAMODB_PITR_ENABLED",
        "DYNAMODB_TABLE_DELETION_PROTECTION_ENABLED",
        "DYNAMODB_TABLE_ENCRYPTED_KMS",
    ]


def _container(out: Path) -> dict[str, Any]:
    task = _one(template(out, "CruddurApi"), "AWS::ECS::TaskDefinition")
    container: dict[str, Any] = task["ContainerDefinitions"][0]
    return container


def test_local_accounts_share_one_signing_key_from_secrets_manager(tmp_path: Path, cdk_out: Path):
    from cruddur_infra.check import synth

    synth(tmp_path, {"auth_mode": "local", "cognito_user_pool_id": "", "cognito_client_id": ""})
    local = _container(tmp_path)
    assert {s["Name"] for s in local["Secrets"]} == {
        "CRUDDUR_CURSOR_SECRET",
        "CRUDDUR_VAPID_SECRET",
        "DATABASE_URL",
        "CRUDDUR_SIGNING_KEY",
    }
    environment = {e["Name"]: e["Value"] for e in local["Environment"]}
    assert environment["CRUDDUR_AUTH_MODE"] == "local"
    assert "COGNITO_USER_POOL_ID" not in environment
    default = {e["Name"]: e["Value"] for e in _container(cdk_out)["Environment"]}
    assert default["CRUDDUR_AUTH_MODE"] == "cognito"


def test_cognito_sign_in_without_a_pool_is_refused_at_synth(tmp_path: Path):
    from cruddur_infra.check import synth

    with pytest.raises(ValueError, match="cognito_user_pool_id"):
        synth(tmp_path, {"cognito_user_pool_id": ""})


def _kms_statements(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        statement
        for policy in _policies(body)
        for statement in policy["PolicyDocument"]["Statement"]
        if "kms:" in json.dumps(statement["Action"])
    ]


def test_only_the_api_may_use_the_message_key_and_only_for_this_tables_data_keys(
    cdk_out: Path,
):
    data = template(cdk_out, "CruddurData")
    keys = {k: r for k, r in data["Resources"].items() if r["Type"] == "AWS::KMS::Key"}
    (message_key,) = [k for k in keys if k.startswith("MessageKey")]
    assert keys[message_key]["Properties"]["EnableKeyRotation"] is True
    assert keys[message_key]["DeletionPolicy"] == "Retain"

    api_statements = [s for s in _kms_statements(template(cdk_out, "CruddurApi"))]
    on_message_key = [s for s in api_statements if message_key in json.dumps(s["Resource"])]
    (grant,) = on_message_key
    assert sorted(grant["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey"]
    required = grant["Condition"]["StringEquals"]
    assert required["kms:EncryptionContext:purpose"] == "cruddur-messages data key"
    # Bound to the data set, not the table's name: a table restored under another name opens.
    env = {e["Name"]: e["Value"] for e in _container(cdk_out)["Environment"]}
    assert required["kms:EncryptionContext:data_set"] == env["CRUDDUR_DATA_SET"]
    assert "kms:EncryptionContext:table" not in required
    assert message_key in json.dumps(env["CRUDDUR_KMS_KEY_IDS"])

    # The stream processor copies sealed previews: nothing on the message key, and its only
    # KMS use is the table's own key, through DynamoDB.
    stream = template(cdk_out, "CruddurStream")
    assert message_key not in json.dumps(stream)
    for statement in _kms_statements(stream):
        assert "kms:ViaService" in statement["Condition"]["StringEquals"], statement


def test_a_region_outside_allowed_regions_is_refused_at_synth(tmp_path: Path):
    from cruddur_infra.check import synth

    with pytest.raises(ValueError, match="region us-east-1 is not in allowed_regions"):
        synth(tmp_path, {"allowed_regions": "eu-central-1,eu-west-1"})


def test_allowed_regions_reach_every_process_the_stacks_run(tmp_path: Path):
    from cruddur_infra.check import synth

    synth(tmp_path, {"allowed_regions": "us-east-1,eu-west-1"})
    env = {e["Name"]: e["Value"] for e in _container(tmp_path)["Environment"]}
    assert env["CRUDDUR_ALLOWED_REGIONS"] == "us-east-1,eu-west-1"
    function = _one(template(tmp_path, "CruddurStream"), "AWS::Lambda::Function")
    assert function["Environment"]["Variables"]["CRUDDUR_ALLOWED_REGIONS"] == "us-east-1,eu-west-1"
