"""NLU figures on the held-out test set (tests/nlu/, never trained on).

    python scripts/evaluate_nlu.py                      # config.yml, enforce thresholds
    python scripts/evaluate_nlu.py --config config_baseline.yml --no-enforce

Prints per-intent precision/recall/F1 and support, per language and overall, and
fails (exit 1) below the thresholds documented in the README.

Then it reports, without enforcing, the blind sets in tests/nlu_blind/ (one file
per language group: test_critical_blind.yml is Czech and English,
test_critical_blind_<lang>.yml one language): danger and suicide messages written by
someone who had not seen the training data, after the model was trained. Nothing is
ever tuned on them, so they are the honest figure for how the two critical intents
generalise; a threshold on them would turn them into one more training set.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.run.training import ensure_model  # noqa: E402

# Measured 2026-12-02 over cs, en and uk (README, "Intent F1"): macro-F1 0.831,
# recall 0.900 (danger) and 0.920 (suicide); the gates sit below, for noise.
MACRO_F1_MIN = 0.79
CRITICAL_RECALL_MIN = 0.85
CRITICAL_INTENTS = ("immediate_danger", "suicidal_thoughts")
TEST_FILES = {
    "cs": ROOT / "tests/nlu/test_nlu_cs.yml",
    "en": ROOT / "tests/nlu/test_nlu_en.yml",
    "uk": ROOT / "tests/nlu/test_nlu_uk.yml",
}
BLIND_DIR = ROOT / "tests/nlu_blind"
BLIND_PREFIX = "test_critical_blind"


def blind_files() -> Dict[str, Path]:
    """Every blind file by its language: "uk" for ..._uk.yml, "cs+en" for the first."""
    files = {}
    for path in sorted(BLIND_DIR.glob(f"{BLIND_PREFIX}*.yml")):
        suffix = path.stem[len(BLIND_PREFIX) :].lstrip("_")
        files[suffix or "cs+en"] = path
    return files


def load_examples() -> List[Tuple[str, str, str]]:
    """(language, text, expected intent) for every held-out example."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples = []
    for lang, path in TEST_FILES.items():
        for message in load_data(str(path)).intent_examples:
            examples.append((lang, message.get("text"), message.get("intent")))
    return examples


def load_blind() -> List[Tuple[str, str, str]]:
    """(language, text, expected intent) for every example of the blind sets."""
    from rasa.shared.nlu.training_data.loading import load_data

    return [
        (lang, message.get("text"), message.get("intent"))
        for lang, path in blind_files().items()
        for message in load_data(str(path)).intent_examples
    ]


def report_blind(
    lang: str, pairs: List[Tuple[str, str, str]], show_errors: bool
) -> None:
    """Recall of each critical intent and how often other messages are taken for one."""
    path = blind_files()[lang]
    print(
        f"\nBlind critical set [{lang}] ({path.relative_to(ROOT)}, {len(pairs)} "
        "messages, reported, not enforced)"
    )
    for intent in CRITICAL_INTENTS:
        expected = [(text, p) for text, e, p in pairs if e == intent]
        hits = sum(1 for _, p in expected if p == intent)
        recall = hits / max(len(expected), 1)
        print(f"recall [{intent}]: {hits}/{len(expected)} = {recall:.3f}")
    others = [(text, e, p) for text, e, p in pairs if e not in CRITICAL_INTENTS]
    false_alarms = sum(1 for _, _, p in others if p in CRITICAL_INTENTS)
    print(f"other messages taken for danger or suicide: {false_alarms}/{len(others)}")
    if show_errors:
        for text, e, p in pairs:
            if e != p and (e in CRITICAL_INTENTS or p in CRITICAL_INTENTS):
                print(f"BLIND MISS [{lang}] {e} -> {p}: {text}")


def scores(pairs: List[Tuple[str, str]]) -> Dict[str, Dict[str, float]]:
    """Per-intent precision, recall, F1 and support from (expected, predicted)."""
    intents = sorted({expected for expected, _ in pairs})
    table: Dict[str, Dict[str, float]] = {}
    for intent in intents:
        tp = sum(1 for e, p in pairs if e == intent and p == intent)
        fp = sum(1 for e, p in pairs if e != intent and p == intent)
        fn = sum(1 for e, p in pairs if e == intent and p != intent)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = (
            2 * precision * recall / (precision + recall) if precision + recall else 0.0
        )
        table[intent] = {
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": tp + fn,
        }
    return table


def macro_f1(table: Dict[str, Dict[str, float]]) -> float:
    return sum(row["f1"] for row in table.values()) / len(table)


async def predict(model: Path, texts: List[str]) -> Tuple[List[str], float]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    predictions = []
    started = time.perf_counter()
    for text in texts:
        parsed = await agent.parse_message(text)
        predictions.append(parsed["intent"]["name"])
    return predictions, (time.perf_counter() - started) / max(len(texts), 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--model", help="score this model file instead of training")
    parser.add_argument("--no-enforce", action="store_true")
    parser.add_argument("--errors", action="store_true", help="list every miss")
    args = parser.parse_args()
    logging.disable(logging.WARNING)

    model = Path(args.model) if args.model else ensure_model(args.config)
    examples = load_examples()
    blind = load_blind()
    texts = [text for _, text, _ in examples] + [text for _, text, _ in blind]
    all_predictions, per_message = asyncio.run(predict(model, texts))
    predictions = all_predictions[: len(examples)]
    blind_pairs: Dict[str, List[Tuple[str, str, str]]] = defaultdict(list)
    for (lang, text, expected), predicted in zip(
        blind, all_predictions[len(examples) :], strict=False
    ):
        blind_pairs[lang].append((text, expected, predicted))
    by_lang: Dict[str, List[Tuple[str, str]]] = defaultdict(list)
    for (lang, text, expected), predicted in zip(examples, predictions, strict=False):
        by_lang[lang].append((expected, predicted))
        by_lang["all"].append((expected, predicted))
        if args.errors and expected != predicted:
            print(f"MISS [{lang}] {expected} -> {predicted}: {text}")

    overall = scores(by_lang["all"])
    print(
        f"\nNLU on the held-out set ({args.config}, {len(examples)} messages, "
        f"{per_message * 1000:.1f} ms/message)"
    )
    print(f"{'intent':<22}{'precision':>10}{'recall':>8}{'f1':>7}{'n':>5}")
    for intent, row in overall.items():
        print(
            f"{intent:<22}{row['precision']:>10.2f}{row['recall']:>8.2f}"
            f"{row['f1']:>7.2f}{row['support']:>5.0f}"
        )
    for lang in [*TEST_FILES, "all"]:
        print(f"macro-F1 [{lang}]: {macro_f1(scores(by_lang[lang])):.3f}")
    failures = []
    if macro_f1(overall) < MACRO_F1_MIN:
        failures.append(f"macro-F1 {macro_f1(overall):.3f} < {MACRO_F1_MIN}")
    for intent in CRITICAL_INTENTS:
        recall = overall[intent]["recall"]
        by_language = ", ".join(
            f"{lang} {scores(by_lang[lang]).get(intent, {}).get('recall', 0.0):.3f}"
            for lang in TEST_FILES
        )
        print(f"recall [{intent}]: {recall:.3f} ({by_language})")
        if recall < CRITICAL_RECALL_MIN:
            failures.append(f"recall of {intent} {recall:.3f} < {CRITICAL_RECALL_MIN}")
    for lang, pairs in blind_pairs.items():
        report_blind(lang, pairs, args.errors)
    if failures and not args.no_enforce:
        print("FAILED: " + "; ".join(failures))
        return 1
    print("NLU thresholds: " + ("not enforced" if args.no_enforce else "met"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
