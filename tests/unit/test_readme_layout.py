"""The README's layout table matches the tree: every path it names exists, every
top-level folder and every package of `bot/`, `actions/`, `referrals/` and
`stats/` has its row, and each row names every module of its folder."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Dict, List

from tests.support import ROOT

# Top-level folders that are tooling, not the project's code or data.
NOT_IN_THE_TABLE = {".ci"}


def layout_rows() -> Dict[str, str]:
    """The layout table: each path of a row's first cell → the row's second cell."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    rows: Dict[str, str] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].startswith("`"):
            continue
        for path in re.findall(r"`([^`]+)`", cells[0]):
            rows[path] = "|".join(cells[1:])
    return rows


def tracked_files() -> List[Path]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [ROOT / name for name in listed]


def test_every_path_the_table_names_exists() -> None:
    missing = [path for path in layout_rows() if not (ROOT / path).exists()]
    assert missing == []


def test_every_top_level_folder_has_a_row() -> None:
    rows = layout_rows()
    folders = {
        path.relative_to(ROOT).parts[0]
        for path in tracked_files()
        if len(path.relative_to(ROOT).parts) > 1
    }
    named = {row.split("/")[0] for row in rows}
    assert sorted(folders - named - NOT_IN_THE_TABLE) == []


def test_each_package_row_names_every_module_of_its_folder() -> None:
    """A module is named in the row of its folder; a folder without a row of its
    own is named (`loader/`) in the row of the folder above it."""
    rows = layout_rows()
    unnamed = []
    for package in ("actions", "bot", "referrals", "stats"):
        for module in sorted((ROOT / package).rglob("*.py")):
            if module.name == "__init__.py":
                continue
            parts = module.relative_to(ROOT).parts
            owners = [
                "/".join(parts[:depth]) + "/"
                for depth in range(len(parts) - 1, 0, -1)
                if "/".join(parts[:depth]) + "/" in rows
            ]
            if not owners:
                unnamed.append(f"{module.relative_to(ROOT)} (no row)")
                continue
            owner = owners[0]
            depth = len(owner.strip("/").split("/"))
            name = parts[depth] + ("/" if len(parts) > depth + 1 else "")
            if name not in rows[owner]:
                unnamed.append(f"{module.relative_to(ROOT)} (row {owner})")
    assert unnamed == []
