"""Conversations for a look at the referral statistics: `make run`, then this.

    make run                                        # in one terminal
    python scripts/referral_stats_demo.py           # in another
    make stats STATS_ARGS="--as-of 2026-12-07 --weeks 4"

Sends every message of the held-out NLU set (tests/nlu/test_nlu_{cs,en}.yml,
never trained on) over REST, each as a new conversation, and answers "are you
safe right now?" with "no" in every third. What it counts lands in today's
week, which only becomes a complete week, and so shown, next Monday: `--as-of`
with that Monday shows it now (`make stats` reads the database directly).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
NO = {"cs": "Ne", "en": "No"}


def held_out(language: str) -> List[str]:
    path = ROOT / "tests" / "nlu" / f"test_nlu_{language}.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        line[2:].strip()
        for block in data["nlu"]
        for line in block["examples"].splitlines()
        if line.startswith("- ")
    ]


def say(url: str, sender: str, message: str) -> List[Dict[str, Any]]:
    request = urllib.request.Request(
        f"{url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode("utf-8"),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    args = parser.parse_args(argv)
    sent = 0
    for language in ("cs", "en"):
        for index, message in enumerate(held_out(language)):
            sender = f"demo-{uuid.uuid4().hex}"
            replies = say(args.url, sender, message)
            asked = any(
                button.get("title") == NO[language]
                for reply in replies
                for button in reply.get("buttons") or []
            )
            if asked and index % 3 == 0:
                say(args.url, sender, NO[language])
            sent += 1
    print(f"{sent} conversations sent to {args.url}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
