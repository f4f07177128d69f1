"""`make audit`: known vulnerabilities in the pinned dependencies (requirements.lock).

Runs pip-audit (from its own venv, see requirements-audit.txt) on the lock file
without installing anything, then judges each advisory:

- accepted when its package is in scripts/audit_allowlist.yml and no fixed
  version lies inside the range Rasa 3.6.21 allows (it cannot be fixed here);
- otherwise it fails the audit, naming the package, advisory and fix.

pip-audit asks an advisory service (PyPI) over the network. Where that service
cannot be reached, nothing is audited: the script says so loudly and exits 0,
or 1 when AUDIT_REQUIRE_SERVICE=1 (set it where the service is reachable).

    python scripts/audit.py --pip-audit .venv-audit/bin/pip-audit
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Tuple

import yaml
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent
ALLOWLIST = Path(__file__).with_name("audit_allowlist.yml")


def run_pip_audit(pip_audit: str, lock: Path) -> Dict[str, Any]:
    result = subprocess.run(
        [
            pip_audit,
            "-r",
            str(lock),
            "--no-deps",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "-f",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    try:
        return dict(json.loads(result.stdout))
    except ValueError:
        sys.exit(f"error: pip-audit gave no report:\n{result.stderr.strip()}")


def judge(
    report: Dict[str, Any], allowlist: Dict[str, Dict[str, str]]
) -> Tuple[List[str], List[str], int]:
    """(accepted, failing, number of packages not audited)."""
    accepted: List[str] = []
    failing: List[str] = []
    skipped = 0
    for dependency in report.get("dependencies", []):
        if "skip_reason" in dependency:
            skipped += 1
            continue
        name = str(dependency["name"]).lower()
        for vuln in dependency.get("vulns", []):
            fixes = [str(v) for v in vuln.get("fix_versions", [])]
            version = dependency["version"]
            line = f"{name} {version}: {vuln['id']} (fixed in {fixes or 'none'})"
            entry = allowlist.get(name)
            if entry is not None and not any(
                SpecifierSet(entry["pin"]).contains(fix) for fix in fixes
            ):
                accepted.append(f"{line} - accepted: {entry['why']}")
            else:
                failing.append(line)
    return accepted, failing, skipped


def main(argv: List[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pip-audit", default="pip-audit")
    parser.add_argument("--lock", type=Path, default=ROOT / "requirements.lock")
    args = parser.parse_args(argv)

    with ALLOWLIST.open(encoding="utf-8") as handle:
        allowlist = {
            str(k).lower(): v for k, v in (yaml.safe_load(handle) or {}).items()
        }
    report = run_pip_audit(args.pip_audit, args.lock)
    accepted, failing, skipped = judge(report, allowlist)
    total = len(report.get("dependencies", []))

    for line in accepted:
        print(f"accepted  {line}")
    for line in failing:
        print(f"FAILING   {line}")
    if skipped == total and total:
        print(
            f"WARNING: NOTHING WAS AUDITED: the advisory service could not be asked "
            f"for any of the {total} packages (no network to it from here)."
        )
        return 1 if os.environ.get("AUDIT_REQUIRE_SERVICE") == "1" else 0
    if skipped:
        print(f"note: {skipped} of {total} packages could not be audited")
    print(f"{total - skipped} packages audited, {len(failing)} failing advisories")
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
