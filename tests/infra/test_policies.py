"""The organisation guard-rail policy under infra/policies/: parliament (an IAM policy linter,
run as its command) finds nothing in it, and it says what it must: DynamoDB only in the allowed
regions, and the table and its backups deleted only by the break-glass role."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cruddur_infra.settings import DeploySettings

POLICIES = sorted((Path(__file__).parents[2] / "infra" / "policies").glob("*.json"))
SCP = Path(__file__).parents[2] / "infra" / "policies" / "cruddur-data-guardrails.scp.json"


def _findings(text: str) -> list[str]:
    """parliament's findings, from its command line (as an operator would run it)."""
    done = subprocess.run(
        [str(Path(sys.executable).with_name("parliament")), "--json"],
        input=text,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    findings = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    assert done.returncode == (1 if findings else 0), done.stderr
    return [f"{f['issue']}: {f['detail']}" for f in findings]


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_parliament_finds_nothing(path: Path):
    assert _findings(path.read_text()) == []


def test_the_linter_is_live_a_misspelt_action_is_found():
    policy = json.loads(SCP.read_text())
    policy["Statement"][-1]["Action"][0] = "dynamodb:DeleteTabel"
    assert any("UNKNOWN_ACTION" in f for f in _findings(json.dumps(policy)))


def _statement(sid: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        s for s in json.loads(SCP.read_text())["Statement"] if s["Sid"] == sid
    )
    return found


def test_dynamodb_is_denied_outside_the_allowed_regions_which_include_the_default():
    region_lock = _statement("DynamoDBOnlyInAllowedRegions")
    assert region_lock["Effect"] == "Deny"
    assert region_lock["Action"] == "dynamodb:*"
    allowed = region_lock["Condition"]["StringNotEquals"]["aws:RequestedRegion"]
    assert DeploySettings.region in allowed
    replicas = _statement("NoReplicasOutsideAllowedRegions")
    assert replicas["NotResource"] == [f"arn:aws:dynamodb:{r}:*:table/*" for r in allowed]


def test_deleting_the_table_or_its_backups_is_denied_except_to_break_glass():
    guard = _statement("MessagesTableAndBackupsOnlyDeletedByBreakGlass")
    assert guard["Effect"] == "Deny"
    assert {"dynamodb:DeleteTable", "dynamodb:DeleteBackup"} <= set(guard["Action"])
    table = DeploySettings.table_name
    assert f"arn:aws:dynamodb:*:*:table/{table}" in guard["Resource"]
    assert f"arn:aws:dynamodb:*:*:table/{table}/backup/*" in guard["Resource"]
    exempt = guard["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
    assert exempt.endswith(":role/cruddur-break-glass")


def test_the_keys_table_is_never_backed_up_and_only_break_glass_deletes_it():
    keys_table = f"arn:aws:dynamodb:*:*:table/{DeploySettings.data_set}-keys"
    guard = _statement("KeysTableOnlyDeletedByBreakGlass")
    assert guard["Effect"] == "Deny"
    assert {"dynamodb:DeleteTable", "dynamodb:UpdateTable"} <= set(guard["Action"])
    assert guard["Resource"] == [keys_table]
    assert guard["Condition"]["ArnNotLike"]["aws:PrincipalArn"].endswith(
        ":role/cruddur-break-glass"
    )
    # A backup of the keys would bring erased people's words back: nobody may make one.
    never = _statement("KeysTableNeverBackedUp")
    assert never["Effect"] == "Deny"
    assert "Condition" not in never
    assert {"dynamodb:CreateBackup", "dynamodb:UpdateContinuousBackups"} <= set(never["Action"])
    assert "dynamodb:ExportTableToPointInTime" in never["Action"]
    assert never["Resource"] == [keys_table]
