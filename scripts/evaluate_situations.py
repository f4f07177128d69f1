"""What the child experiences: the first reply's situation, per situation and language.

    python scripts/evaluate_situations.py                 # sealed set, enforce floors
    python scripts/evaluate_situations.py --part dev --errors  # the part we study

Each message of the situation evaluation set (tests/nlu_situations/, written apart
from the training data by writers who never saw data/nlu/) is sent as the first
message of a fresh conversation. The trained model parses it and the dialogue
policies choose the first action, exactly as `rasa run` would; the action is then
resolved to the situation whose text the child would read first:

    action_refer_to_help            the situation of the intent (referrals dataset)
    action_not_sure                 not_sure
    action_start_compensation_check check_compensation
    action_safety_net               safety_net
    action_what_now                 not_sure (a first message has no steps to repeat)

Figures: accuracy (the first reply is the expected situation's), the share answered
"not sure", the share sent to a wrong situation; for danger and suicide also whether
the first bubble names 112 (danger) or 116 111 and 112 (suicide). Intent F1 on the
held-out set stays in scripts/evaluate_nlu.py as a diagnostic.

The sealed part is only ever scored: its misses are not printed (`--errors` refuses
it), so nothing is learned from it. The floors below are enforced on it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.nlu.trouble_cases import CASE_INTENTS, GENERAL_INTENT  # noqa: E402
from bot.run.training import ensure_model  # noqa: E402

SET_DIR = ROOT / "tests/nlu_situations"
PARTS = ("dev", "sealed")
CRITICAL = ("immediate_danger", "suicidal_thoughts")
# What the first bubble must name, by critical situation (dial digits).
FIRST_BUBBLE_NUMBERS = {
    "immediate_danger": ("112",),
    "suicidal_thoughts": ("116111", "112"),
}
NOT_SURE = "not_sure"
# "Am I in trouble?": the three cases have different legal answers; the general
# answer says only what is true in every case and asks which it is.
TROUBLE_GENERAL = GENERAL_INTENT
TROUBLE_CASES = tuple(sorted(CASE_INTENTS))

# The targets (issue 11, 12), printed beside the figures; not met yet.
TARGETS = {
    "accuracy": 0.97,
    "accuracy_cs": 0.95,
    "accuracy_en": 0.95,
    "accuracy_uk": 0.95,
    "critical_recall": 0.99,
    "first_bubble_critical": 1.0,
    "max_false_critical": 0.02,
    "max_not_sure_disclosures": 0.03,
    "max_parse_ms": 15.0,
}
# Floors on the sealed set, enforced by make nlu-eval: the sealed figures measured
# on 2026-12-07 (README, "NLU figures") less a margin for another training's noise
# (three DIET seeds differed by up to 3 points on one language); critical recall and
# the first bubble follow the set as it grew on 2026-12-08 (a third batch of writers,
# mostly indirect suicidal thoughts and danger now: 0.883 and 0.906 measured),
# so a change that makes the first reply worse fails the build. The parse-time floor
# allows a loaded 2-core machine (54 ms measured under a load average of 13; 10 ms
# unloaded).
FLOORS = {
    "accuracy": 0.78,
    "accuracy_cs": 0.80,
    "accuracy_en": 0.75,
    "accuracy_uk": 0.76,
    "critical_recall": 0.86,
    "first_bubble_critical": 0.88,
    "max_false_critical": 0.05,
    "max_not_sure_disclosures": 0.05,
    "max_parse_ms": 80.0,
}
ACTION_SITUATIONS = {
    "action_not_sure": NOT_SURE,
    "action_start_compensation_check": "check_compensation",
    "action_safety_net": "safety_net",
    # "What do I do now?" with no answer before it: the "not sure" reply.
    "action_what_now": NOT_SURE,
}


@dataclass(frozen=True)
class Case:
    situation: str
    lang: str
    text: str
    note: str = ""


@dataclass(frozen=True)
class Outcome:
    case: Case
    situation: str
    reply_lang: str
    first_bubble: str


def load_part(part: str, files: str = "*") -> List[Case]:
    """The messages of one part of the set; languages follow the set's files.

    `files` narrows the part to the writers' files that match it (a glob without
    `.yml`), so one batch of writers can be scored apart from the others.
    """
    cases: List[Case] = []
    for path in sorted((SET_DIR / part).glob(f"{files}.yml")):
        for row in yaml.safe_load(path.read_text(encoding="utf-8"))["messages"]:
            cases.append(
                Case(row["situation"], row["lang"], row["text"], row.get("note", ""))
            )
    if not cases:
        raise SystemExit(f"error: no messages in {SET_DIR / part}/{files}.yml")
    return cases


def names_numbers(bubble: str, numbers: Iterable[str]) -> bool:
    """Whether every number appears in the bubble, spaces ignored."""
    packed = bubble.replace(" ", "").replace("\u00a0", "")
    return all(number in packed for number in numbers)


async def first_replies(model: Path, cases: List[Case]) -> Tuple[List[Outcome], float]:
    """Parse each case as a fresh conversation's first message and resolve the reply."""
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import UserMessage

    from referrals import load_dataset
    from referrals.render import situation_replies

    dataset = load_dataset()
    agent = Agent.load(str(model))
    outcomes: List[Outcome] = []
    parse_seconds = 0.0
    for number, case in enumerate(cases):
        started = time.perf_counter()
        tracker = await agent.processor.log_message(
            UserMessage(case.text, sender_id=f"situation-eval-{number}"),
            should_save_tracker=False,
        )
        parse_seconds += time.perf_counter() - started
        prediction = agent.processor.predict_next_with_tracker(tracker) or {}
        best = max(prediction.get("scores", []), key=lambda row: row["score"])
        action = best["action"]
        parse = tracker.latest_message.parse_data
        intent = (parse.get("intent") or {}).get("name")
        if action == "action_refer_to_help":
            situation = dataset.situation_id_for_intent(intent) or NOT_SURE
        else:
            situation = ACTION_SITUATIONS.get(action, action)
        reply_lang = parse.get("language") or "cs"
        bubble = ""
        if situation in dataset.situations:
            bubble = situation_replies(dataset, situation, reply_lang)[0].text
        outcomes.append(Outcome(case, situation, reply_lang, bubble))
    return outcomes, parse_seconds / max(len(cases), 1)


def share(rows: List[Outcome], predicate) -> float:
    return sum(1 for row in rows if predicate(row)) / len(rows) if rows else 0.0


def correct(row: Outcome) -> bool:
    return row.situation == row.case.situation


def figures(outcomes: List[Outcome], disclosures: Iterable[str]) -> Dict[str, float]:
    critical = [row for row in outcomes if row.case.situation in CRITICAL]
    others = [row for row in outcomes if row.case.situation not in CRITICAL]
    disclosed = [row for row in outcomes if row.case.situation in set(disclosures)]
    return {
        "n": len(outcomes),
        "accuracy": share(outcomes, correct),
        "accuracy_cs": share([r for r in outcomes if r.case.lang == "cs"], correct),
        "accuracy_en": share([r for r in outcomes if r.case.lang == "en"], correct),
        "accuracy_uk": share([r for r in outcomes if r.case.lang == "uk"], correct),
        "not_sure": share(outcomes, lambda r: r.situation == NOT_SURE),
        "wrong_situation": share(
            outcomes, lambda r: not correct(r) and r.situation != NOT_SURE
        ),
        "critical_recall": share(critical, correct),
        "first_bubble_critical": share(
            critical,
            lambda r: names_numbers(
                r.first_bubble, FIRST_BUBBLE_NUMBERS[r.case.situation]
            ),
        ),
        "false_critical": share(others, lambda r: r.situation in CRITICAL),
        "not_sure_disclosures": share(disclosed, lambda r: r.situation == NOT_SURE),
        # a trouble question answered with another case's legal answer: read by
        # that child, it is untrue (keeping pictures "is not a crime" when they
        # are someone else's)
        "wrong_legal_case": sum(1 for row in outcomes if wrong_legal_case(row)),
        "trouble_questions": sum(
            1 for r in outcomes if r.case.situation in (TROUBLE_GENERAL, *TROUBLE_CASES)
        ),
    }


def wrong_legal_case(row: Outcome) -> bool:
    return (
        row.case.situation in (TROUBLE_GENERAL, *TROUBLE_CASES)
        and row.situation in TROUBLE_CASES
        and not correct(row)
    )


def print_table(outcomes: List[Outcome]) -> None:
    by: Dict[Tuple[str, str], List[Outcome]] = defaultdict(list)
    for row in outcomes:
        by[(row.case.situation, row.case.lang)].append(row)
        by[(row.case.situation, "all")].append(row)
    langs = sorted({row.case.lang for row in outcomes})
    header = f"{'situation':<24}" + "".join(
        f"{lang + ' acc':>9}{'n':>5}" for lang in langs
    )
    print(header + f"{'all acc':>9}{'n':>5}{'not sure':>10}{'wrong':>7}")
    for situation in sorted({row.case.situation for row in outcomes}):
        line = f"{situation:<24}"
        for lang in [*langs, "all"]:
            rows = by.get((situation, lang), [])
            line += (
                f"{share(rows, correct):>9.2f}{len(rows):>5}"
                if rows
                else f"{'-':>9}{0:>5}"
            )
        rows = by[(situation, "all")]
        line += f"{share(rows, lambda r: r.situation == NOT_SURE):>10.2f}"
        line += (
            f"{share(rows, lambda r: not correct(r) and r.situation != NOT_SURE):>7.2f}"
        )
        print(line)


def check_floors(result: Dict[str, float], parse_ms: float) -> List[str]:
    failures = []
    for key in (
        "accuracy",
        "accuracy_cs",
        "accuracy_en",
        "accuracy_uk",
        "critical_recall",
        "first_bubble_critical",
    ):
        if result[key] < FLOORS[key]:
            failures.append(f"{key} {result[key]:.3f} < {FLOORS[key]}")
    if result["false_critical"] > FLOORS["max_false_critical"]:
        failures.append(
            f"false_critical {result['false_critical']:.3f} > "
            f"{FLOORS['max_false_critical']}"
        )
    if result["not_sure_disclosures"] > FLOORS["max_not_sure_disclosures"]:
        failures.append(
            f"not_sure_disclosures {result['not_sure_disclosures']:.3f} > "
            f"{FLOORS['max_not_sure_disclosures']}"
        )
    if parse_ms > FLOORS["max_parse_ms"]:
        failures.append(f"parse {parse_ms:.1f} ms > {FLOORS['max_parse_ms']} ms")
    return failures


def evaluate(
    model: Path,
    part: str,
    show_errors: bool,
    enforce: bool,
    confusions: bool = True,
    files: str = "*",
) -> int:
    from referrals import load_dataset

    cases = load_part(part, files)
    outcomes, per_message = asyncio.run(first_replies(model, cases))
    parse_ms = per_message * 1000
    dataset = load_dataset()
    disclosures = [
        sid
        for sid, s in dataset.situations.items()
        if s.urgency in ("urgent", "high") and s.intents
    ]
    result = figures(outcomes, disclosures)
    print(
        f"\nSituation of the first reply, {part} part ({result['n']:.0f} messages, "
        f"{parse_ms:.1f} ms per message incl. the policy)"
    )
    print_table(outcomes)
    print(
        f"accuracy: {result['accuracy']:.3f} (cs {result['accuracy_cs']:.3f}, "
        f"en {result['accuracy_en']:.3f}, uk {result['accuracy_uk']:.3f}); "
        f"not sure {result['not_sure']:.3f}; "
        f"wrong situation {result['wrong_situation']:.3f}"
    )
    print(
        f"danger/suicide recall: {result['critical_recall']:.3f}; first bubble names "
        f"112 / 116 111+112: {result['first_bubble_critical']:.3f}"
    )
    print(
        f"other messages routed to danger or suicide: {result['false_critical']:.3f}; "
        f"disclosures answered 'not sure': {result['not_sure_disclosures']:.3f}"
    )
    print(
        f"'am I in trouble?' answered with another case's legal answer: "
        f"{result['wrong_legal_case']:.0f} of {result['trouble_questions']:.0f}"
    )
    if confusions:
        pairs: Dict[Tuple[str, str], int] = defaultdict(int)
        for row in outcomes:
            if not correct(row):
                pairs[(row.case.situation, row.situation)] += 1
        top = sorted(pairs.items(), key=lambda item: -item[1])[:12]
        print(
            "most frequent confusions (expected -> first reply): "
            + ", ".join(f"{e}->{p} {n}" for (e, p), n in top)
        )
    if show_errors:
        for row in outcomes:
            if not correct(row):
                print(
                    f"MISS [{row.case.lang}] {row.case.situation} -> {row.situation}"
                    f" ({row.case.note}): {row.case.text}"
                )
    if not enforce:
        return 0
    failures = check_floors(result, parse_ms)
    if failures:
        print("FAILED (sealed floors): " + "; ".join(failures))
        return 1
    print(
        "situation floors: met (targets: "
        + ", ".join(f"{k} {v}" for k, v in TARGETS.items())
        + ")"
    )
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", default="config.yml")
    parser.add_argument("--model", help="score this model file instead of training")
    parser.add_argument("--part", choices=PARTS, default="sealed")
    parser.add_argument(
        "--errors", action="store_true", help="list every miss (dev only)"
    )
    parser.add_argument("--no-enforce", action="store_true")
    parser.add_argument(
        "--files",
        default="*",
        help="only the writers' files matching this glob, e.g. 'q*' (no floors)",
    )
    args = parser.parse_args(argv)
    if args.errors and args.part == "sealed":
        parser.error("the sealed part is only scored: its misses are not shown")
    logging.disable(logging.WARNING)
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    model = Path(args.model) if args.model else ensure_model(args.config)
    enforce = args.part == "sealed" and not args.no_enforce and args.files == "*"
    return evaluate(
        model,
        args.part,
        args.errors,
        enforce,
        confusions=args.part == "dev",
        files=args.files,
    )


if __name__ == "__main__":
    sys.exit(main())
