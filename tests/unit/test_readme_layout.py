"""The README's layout map matches the tree: every module of the package is named in it, and
every folder it names exists. A module added, moved or renamed without the map fails here."""

from __future__ import annotations

import re
from pathlib import Path

import cruddur

ROOT = Path(__file__).resolve().parents[2]
SOURCE = Path(cruddur.__file__).parent


def _layout() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Layout\n", 1)[1]
    return section.split("```", 2)[1]


def test_every_module_is_named_in_the_map():
    words = set(re.findall(r"[a-z_0-9]+", _layout()))
    modules = {
        path.stem
        for path in SOURCE.rglob("*.py")
        if path.stem not in {"__init__", "__main__", "env"} and "versions" not in path.parts
    }
    assert sorted(modules - words) == []


def test_every_folder_in_the_map_exists():
    folders = re.findall(r"^ *([a-z_]+)/ ", _layout(), flags=re.MULTILINE)
    found = {p.name for p in SOURCE.rglob("*") if p.is_dir()} | {
        p.name for p in ROOT.iterdir() if p.is_dir()
    }
    assert folders
    assert sorted(set(folders) - found) == []
