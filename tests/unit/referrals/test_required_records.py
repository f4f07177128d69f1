"""What the dataset must hold is derived from what the code uses.

The loader refuses a dataset without a situation, template or button set that the
code names (`referrals.checks.REQUIRED_*`), so a missing one stops the server at
start-up, not on a child's message. These tests read every string literal in
actions/, bot/ and referrals/ and every key the web chat's page uses, and check that the
required lists are exactly what the code names, and that the dataset holds no
text that nothing uses.
"""

from __future__ import annotations

import ast
import re
from typing import Iterable, Set

from referrals import load_dataset
from referrals.checks import (
    REQUIRED_BUTTON_SETS,
    REQUIRED_SITUATIONS,
    REQUIRED_TEMPLATES,
)
from referrals.schema import LANGUAGES
from tests.support import ROOT

CODE = ("actions", "bot", "referrals")
# Where the required lists are kept: its literals are what is checked, not uses.
LISTS = ROOT / "referrals" / "checks.py"
WEB = ROOT / "web" / "static"
# Page keys: data-text="x", data-label="x", data-placeholder="x", t("x"), t("x", lang),
# strings.x, and the speakers the script names.
PAGE_KEY = re.compile(
    r"""data-(?:text|label|placeholder)="([a-z_]+)"|\bt\("([a-z_]+)"[,)]"""
    r"""|\bstrings\.([a-z_]+)|"(you|assistant)"|\b(deleted|delete_failed)\b"""
)


def string_literals(folders: Iterable[str]) -> Set[str]:
    found: Set[str] = set()
    for folder in folders:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == LISTS:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            found |= {
                node.value
                for node in ast.walk(tree)
                if isinstance(node, ast.Constant) and isinstance(node.value, str)
            }
    return found


USED = string_literals(CODE)
DATASET = load_dataset()


def test_the_required_templates_are_the_templates_the_code_names() -> None:
    assert set(REQUIRED_TEMPLATES) == USED & set(DATASET.templates)


def test_the_required_button_sets_are_the_button_sets_the_code_names() -> None:
    assert set(REQUIRED_BUTTON_SETS) == USED & set(DATASET.button_sets)


def test_every_situation_the_code_names_is_required() -> None:
    # The others required are the ones the safety rules of referrals.checks name.
    assert USED & set(DATASET.situations) <= set(REQUIRED_SITUATIONS)


def test_every_template_is_used() -> None:
    assert set(DATASET.templates) - USED == set()


def test_the_web_chat_texts_are_the_keys_its_page_uses() -> None:
    used = {
        key
        for path in sorted(WEB.glob("*.*"))
        if path.suffix in (".html", ".js")
        for match in PAGE_KEY.finditer(path.read_text(encoding="utf-8"))
        for key in match.groups()
        if key and key not in LANGUAGES
    }
    assert used == set(DATASET.webchat)
