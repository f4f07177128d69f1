"""bot/ and actions/ build on referrals/ (and stats/) and never import each other;
the guard imports nothing from the channels. (`make lint` checks the same with
import-linter's contracts in pyproject.toml; this test says it in the suite.)"""

from __future__ import annotations

import ast
from typing import Iterator, Tuple

import pytest

from tests.support import ROOT

# (package, what it must not import)
RULES = [
    ("bot", ("actions",)),
    ("actions", ("bot",)),
    ("referrals", ("actions", "bot")),
    ("stats", ("actions", "bot")),
    ("bot/guard", ("bot.channels",)),
    ("bot/server", ("bot.channels",)),
    ("bot/stores", ("bot.channels",)),
    ("bot/operator", ("bot.channels",)),
]


def imports(package: str) -> Iterator[Tuple[str, int, str]]:
    """(file, line, imported module) for every import in `package`."""
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                yield str(path.relative_to(ROOT)), node.lineno, name


@pytest.mark.parametrize("package, forbidden", RULES)
def test_the_import_rule(package: str, forbidden: Tuple[str, ...]) -> None:
    broken = [
        f"{file}:{line} imports {name}"
        for file, line, name in imports(package)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    ]
    assert broken == []
