"""`cruddur keys init-file`: the local wrapping-key file made once, before several API processes
share it; run again it changes nothing; the file opens keys that other processes wrap."""

from __future__ import annotations

import json
import stat

from click.testing import CliRunner

from cruddur.adapters.crypto.envelope import KEY_FILE, LocalWrapping
from cruddur.cli import main


def _run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def test_makes_the_file_once_private_and_leaves_it_after(tmp_path):
    made = _run("keys", "init-file", "--data-dir", str(tmp_path))
    path = tmp_path / KEY_FILE
    assert made.exit_code == 0
    assert f"made {path}" in made.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_bytes()
    [entry] = json.loads(first)["keys"]
    assert entry["key"] not in made.output  # the key itself is never printed

    again = _run("keys", "init-file", "--data-dir", str(tmp_path))
    assert again.exit_code == 0
    assert "already there, unchanged" in again.output
    assert path.read_bytes() == first
    # What a process finds there is the key it wraps with: no second key was made.
    assert LocalWrapping(path).describe() == f"cruddur-local:{entry['id']}"


def test_the_file_setting_wins_over_the_data_dir(tmp_path):
    shared = tmp_path / "shared" / "keys.json"
    made = _run(
        "keys",
        "init-file",
        "--data-dir",
        str(tmp_path / "data"),
        env={"CRUDDUR_WRAPPING_KEY_FILE": str(shared)},
    )
    assert made.exit_code == 0
    assert shared.exists()
    assert not (tmp_path / "data" / KEY_FILE).exists()


def test_with_kms_there_is_no_file_to_make(tmp_path):
    refused = _run(
        "keys",
        "init-file",
        "--data-dir",
        str(tmp_path),
        env={"CRUDDUR_KMS_KEY_IDS": "arn:aws:kms:us-east-1:111122223333:key/abc"},
    )
    assert refused.exit_code == 2
    assert "KMS" in refused.output
    assert not (tmp_path / KEY_FILE).exists()
