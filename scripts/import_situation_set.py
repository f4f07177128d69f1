"""Bring writers' drafts into the situation evaluation set, split into dev and sealed.

    python scripts/import_situation_set.py DRAFT.jsonl [...]

Each draft is JSON Lines from one writer (`{"situation", "lang", "text", "note"}`),
written from its own brief and persona without seeing data/nlu/. Every message
goes, by a hash of its folded text, to the development part (studied: its misses
are read to learn *kinds* of messages) or the sealed part (only scored): about
half each, the same split every time. Messages that equal a training example or
another message after folding are dropped and counted. Output:
tests/nlu_situations/{dev,sealed}/<draft name>.yml.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Dict, List

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.unit.data.test_nlu_data import fold  # noqa: E402

SET_DIR = ROOT / "tests" / "nlu_situations"
SEALED_SHARE = 0.5


def training_texts() -> set:
    texts = set()
    for path in (ROOT / "data" / "nlu").rglob("*.yml"):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(
            "nlu", []
        ):
            for line in str(item.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    texts.add(fold(line.strip()[2:]))
    return texts


def part_of(folded: str) -> str:
    digest = hashlib.sha256(folded.encode("utf-8")).digest()
    return "sealed" if digest[0] / 256 < SEALED_SHARE else "dev"


def main(paths: List[str]) -> int:
    trained = training_texts()
    seen = set()
    for path in map(Path, paths):
        parts: Dict[str, List[dict]] = {"dev": [], "sealed": []}
        dropped = 0
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            folded = fold(row["text"])
            if folded in trained or folded in seen:
                dropped += 1
                continue
            seen.add(folded)
            parts[part_of(folded)].append(
                {
                    key: row[key]
                    for key in ("situation", "lang", "text", "note")
                    if key in row
                }
            )
        for part, messages in parts.items():
            out = SET_DIR / part / f"{path.stem}.yml"
            out.parent.mkdir(parents=True, exist_ok=True)
            header = (
                f"# {path.stem}: written apart from data/nlu/ from its own brief; "
                f"{part} part (scripts/import_situation_set.py)\n"
            )
            out.write_text(
                header
                + yaml.safe_dump(
                    {"messages": messages},
                    allow_unicode=True,
                    sort_keys=False,
                    width=1000,
                ),
                encoding="utf-8",
            )
        print(
            f"{path.name}: dev {len(parts['dev'])}, sealed {len(parts['sealed'])}, "
            f"dropped {dropped} (equal to training or to another message)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
