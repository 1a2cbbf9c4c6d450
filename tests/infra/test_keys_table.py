"""The keys table on the synthesized templates: no point-in-time recovery (the messages table
has it), deletion protection, retained; the API reads, makes and destroys keys there and nothing
else touches it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cruddur_infra.permissions import API_KEYS_ACTIONS
from cruddur_infra.settings import DeploySettings
from tests.infra.conftest import template


def _tables(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        r["Properties"]["TableName"]: r
        for r in body["Resources"].values()
        if r["Type"] == "AWS::DynamoDB::Table"
    }


def test_the_keys_table_has_no_backups_and_the_messages_table_has_them(cdk_out: Path):
    tables = _tables(template(cdk_out, "CruddurData"))
    keys_table = tables[f"{DeploySettings.data_set}-keys"]
    messages = tables[DeploySettings.table_name]
    recovery = keys_table["Properties"].get("PointInTimeRecoverySpecification", {})
    assert recovery.get("PointInTimeRecoveryEnabled", False) is False
    assert "StreamSpecification" not in keys_table["Properties"]  # no export of it either
    assert keys_table["Properties"]["DeletionProtectionEnabled"] is True
    assert keys_table["DeletionPolicy"] == "Retain"
    assert keys_table["Properties"]["SSESpecification"]["SSEEnabled"] is True
    assert messages["Properties"]["PointInTimeRecoverySpecification"] == {
        "PointInTimeRecoveryEnabled": True
    }
    every = json.dumps([template(cdk_out, s) for s in ("CruddurData", "CruddurAudit")])
    assert "AWS::Backup::BackupPlan" not in every or "Keys" not in every


def test_only_the_api_touches_the_keys_table_with_exactly_its_actions(cdk_out: Path):
    found = []
    for stack in ("CruddurApi", "CruddurStream"):
        for resource in template(cdk_out, stack)["Resources"].values():
            if resource["Type"] != "AWS::IAM::Policy":
                continue
            for statement in resource["Properties"]["PolicyDocument"]["Statement"]:
                if "KeysTable" in json.dumps(statement["Resource"]):
                    found.append((stack, sorted(statement["Action"])))
    assert found == [("CruddurApi", sorted(API_KEYS_ACTIONS))]
    container = next(
        r["Properties"]["ContainerDefinitions"][0]
        for r in template(cdk_out, "CruddurApi")["Resources"].values()
        if r["Type"] == "AWS::ECS::TaskDefinition"
    )
    assert "CRUDDUR_KEYS_TABLE_NAME" in {e["Name"] for e in container["Environment"]}
