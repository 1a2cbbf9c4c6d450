"""`cruddur users export` and `cruddur users erase` on the demo data: the zip, the audit line
(who, whose — never content), the refusal without --yes, and an erased account gone."""

from __future__ import annotations

import io
import json
import logging
import zipfile
from pathlib import Path

import pytest

from cruddur import demo
from tests.integration.test_cli import keyed, run


def test_an_operator_exports_then_erases_an_account(
    store, settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    assert run("db", "setup", "--demo", "--data-dir", str(settings.data_dir)).exit_code == 0
    assert run("ddb", "seed", *keyed(settings)).exit_code == 0
    out = tmp_path / "ada.zip"
    with caplog.at_level(logging.INFO, logger="cruddur.audit"):
        exported = run("users", "export", demo.ADA.handle, "--out", str(out), *keyed(settings))
    assert exported.exit_code == 0, exported.output
    assert out.stat().st_mode & 0o077 == 0
    document = json.loads(zipfile.ZipFile(io.BytesIO(out.read_bytes())).read("cruddur-export.json"))
    said = {m["text"] for c in document["conversations"] for m in c["messages"]}
    assert demo.SCRIPTS[0].lines[0] in said  # Ada's first conversation, in clear
    [line] = [r.getMessage() for r in caplog.records if r.name == "cruddur.audit"]
    assert line.startswith("audit export by=")
    assert f"user_uuid={demo.ADA.uuid}" in line
    assert not any(text in line for text in said)

    refused = run("users", "erase", demo.ADA.handle, *keyed(settings))
    assert refused.exit_code == 2
    assert "--yes" in refused.output
    erased = run("users", "erase", demo.ADA.handle, "--yes", *keyed(settings))
    assert erased.exit_code == 0, erased.output
    assert f"erased @{demo.ADA.handle}" in erased.output
    again = run("users", "export", demo.ADA.handle, "--out", str(out), *keyed(settings))
    assert again.exit_code == 1
    assert "no such user" in again.output
