"""`make audit`: which advisories fail the build and which are accepted, and why."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from types import ModuleType

import yaml

from tests.support import ROOT


def audit_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "audit", ROOT / "scripts" / "audit.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def report(*dependencies: dict) -> dict:
    return {"dependencies": list(dependencies)}


def vuln(vuln_id: str, *fixes: str) -> dict:
    return {"id": vuln_id, "fix_versions": list(fixes)}


ALLOWLIST = {"aiohttp": {"pin": ">=3.9.0,<3.10", "why": "client only"}}


def test_an_advisory_fixed_only_outside_rasas_pin_is_accepted() -> None:
    accepted, failing, _ = audit_module().judge(
        report(
            {"name": "aiohttp", "version": "3.9.5", "vulns": [vuln("A", "3.10.11")]}
        ),
        ALLOWLIST,
    )
    assert failing == [] and "accepted: client only" in accepted[0]


def test_an_advisory_with_a_fix_inside_the_pin_fails() -> None:
    _, failing, _ = audit_module().judge(
        report({"name": "aiohttp", "version": "3.9.4", "vulns": [vuln("B", "3.9.5")]}),
        ALLOWLIST,
    )
    assert failing == ["aiohttp 3.9.4: B (fixed in ['3.9.5'])"]


def test_an_advisory_in_a_package_not_listed_fails() -> None:
    _, failing, _ = audit_module().judge(
        report({"name": "requests", "version": "2.0", "vulns": [vuln("C", "9.9")]}),
        ALLOWLIST,
    )
    assert len(failing) == 1


def test_packages_that_could_not_be_audited_are_counted() -> None:
    _, _, skipped = audit_module().judge(
        report({"name": "x", "skip_reason": "not found"}), ALLOWLIST
    )
    assert skipped == 1


def test_every_allowlist_entry_names_rasas_pin_and_a_reason() -> None:
    with (ROOT / "scripts" / "audit_allowlist.yml").open(encoding="utf-8") as handle:
        allowlist = yaml.safe_load(handle)
    for package, entry in allowlist.items():
        assert entry["why"].strip()
        pin = entry["pin"]
        requires = importlib.metadata.requires(entry.get("pinned_by", "rasa")) or []
        assert any(
            line.lower().startswith(package)
            and all(part in line for part in pin.split(","))
            for line in requires
        ), f"{package}: {pin} is not what {entry.get('pinned_by', 'rasa')} requires"
