"""Tie every claim of the referral dataset to the words of the source document.

    python -m referrals.review            # write docs/content-review.md
    python -m referrals.review --check    # exit 1 when it is stale or a quote is wrong

The source document lives outside the repository, in `../shared/seed/` beside the
checkout (`SEED_FILE`). A record whose `source` names a question ("Q6.1") quotes
the words it rests on (`quote:`); each quote must stand in the document, compared
with whitespace removed and case ignored, inside one of the questions the source
names. The review table lists every text a user reads, in every language, with
its source and quote and the document lines the quote is on, so that a reviewer
reads the whole knowledge base in one file.
"""

from __future__ import annotations

import argparse
import bisect
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from referrals.checks import Location, cited_questions, sourced_records
from referrals.schema import LANGUAGES, ReferralDataset, Situation, Sourced

ROOT = Path(__file__).resolve().parents[1]
SEED_DIRECTORY = ROOT.parent / "shared" / "seed"
SEED_FILE = SEED_DIRECTORY / "000_a9d15f1d7a019c18.txt"
REVIEW_FILE = ROOT / "docs" / "content-review.md"

# "Question 6. Assistance to victims" and "6.1. What specific reporting ...".
QUESTION_HEADING = re.compile(r"^\s*Question (\d+)\b")
SUBQUESTION_HEADING = re.compile(r"^\s*(\d+\.\d+)\.\s")


class SeedMissing(Exception):
    """The source document is not where the checkout expects it."""


@dataclass(frozen=True)
class Span:
    """Where a quote stands in the source document (1-based lines)."""

    first_line: int
    last_line: int
    start: int  # offsets in the document text
    end: int


class Seed:
    """The source document, searchable without regard to whitespace or case."""

    def __init__(self, text: str) -> None:
        self.text = text
        folded: List[str] = []
        offsets: List[int] = []
        for offset, char in enumerate(text):
            if char.isspace():
                continue
            for lowered in char.lower():
                folded.append(lowered)
                offsets.append(offset)
        self._folded = "".join(folded)
        self._offsets = offsets
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._sections = self._find_sections()

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self._line_starts, offset)

    def find(self, quote: str) -> List[Span]:
        """Every place the quote stands, whitespace and case ignored."""
        needle = "".join(quote.split()).lower()
        spans = []
        start = self._folded.find(needle) if needle else -1
        while start >= 0:
            first = self._offsets[start]
            last = self._offsets[start + len(needle) - 1]
            spans.append(Span(self.line_of(first), self.line_of(last), first, last + 1))
            start = self._folded.find(needle, start + 1)
        return spans

    def _find_sections(self) -> Dict[str, Tuple[int, int]]:
        """Question number ("6", "6.1") -> its (start, end) offsets."""
        headings: List[Tuple[str, int]] = []
        for line_start in self._line_starts:
            line_end = self.text.find("\n", line_start)
            line = self.text[line_start : line_end if line_end >= 0 else None]
            for pattern in (QUESTION_HEADING, SUBQUESTION_HEADING):
                match = pattern.match(line)
                if match:
                    headings.append((match.group(1), line_start))
        sections: Dict[str, Tuple[int, int]] = {}
        for index, (question, start) in enumerate(headings):
            later = headings[index + 1 :]
            if "." in question:
                # A sub-question runs to the next heading of any kind.
                end = later[0][1] if later else len(self.text)
            else:
                # A question runs to the next question.
                end = next((s for q, s in later if "." not in q), len(self.text))
            sections.setdefault(question, (start, end))
        return sections

    def section(self, question: str) -> Optional[Tuple[int, int]]:
        return self._sections.get(question)

    def within(self, span: Span, questions: Sequence[str]) -> bool:
        for question in questions:
            section = self.section(question)
            if section and section[0] <= span.start and span.end <= section[1]:
                return True
        return False


def load_seed(path: Path = SEED_FILE) -> Seed:
    if not path.is_file():
        raise SeedMissing(
            f"the source document is missing: expected {path} (the folder "
            "`shared/seed/` beside the repository checkout)"
        )
    return _load_seed(path.resolve())


@lru_cache(maxsize=None)
def _load_seed(path: Path) -> Seed:
    return Seed(path.read_text(encoding="utf-8"))


def _dotted(location: Location) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


def quote_problems(dataset: ReferralDataset, seed: Seed) -> List[str]:
    """Each quote that is not in the document, or not under the questions cited."""
    problems = []
    for location, record in sourced_records(dataset):
        questions = cited_questions(str(record.source))
        for index, quote in enumerate(record.quotes()):
            where = f"{_dotted(location)}.quote[{index}]"
            spans = seed.find(quote)
            if not spans:
                problems.append(f"{where}: not in the source document: {quote!r}")
                continue
            unknown = [q for q in questions if seed.section(q) is None]
            if unknown:
                problems.append(
                    f"{where}: the document has no question "
                    f"{', '.join('Q' + q for q in unknown)}"
                )
            elif not any(seed.within(span, questions) for span in spans):
                lines = ", ".join(str(span.first_line) for span in spans)
                problems.append(
                    f"{where}: on line {lines}, outside "
                    f"{', '.join('Q' + q for q in questions)}: {quote!r}"
                )
    return problems


# --- The review table -----------------------------------------------------------------


def _texts(
    node: object, path: Tuple[str, ...] = ()
) -> Iterator[Tuple[str, Dict[str, str]]]:
    """(field path, {lang: text}) for every localised text under `node`, in order."""
    if isinstance(node, dict):
        if set(LANGUAGES) <= set(node):
            values: Dict[str, Any] = {lang: node[lang] for lang in LANGUAGES}
            if all(isinstance(v, str) for v in values.values()):
                yield ".".join(path), values
                return
            if all(isinstance(v, list) for v in values.values()):
                # The loader gives every language the same number of items.
                items_by_index = zip(*values.values(), strict=True)
                for index, items in enumerate(items_by_index):
                    by_lang = zip(LANGUAGES, items, strict=True)
                    yield f"{'.'.join(path)}[{index}]", {
                        lang: str(item) for lang, item in by_lang
                    }
                return
        for key, value in node.items():
            if key not in ("source", "quote"):
                yield from _texts(value, (*path, str(key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _texts(value, (*path, str(index)))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _seed_link(seed_link: str, span: Span) -> str:
    lines = (
        f"L{span.first_line}"
        if span.first_line == span.last_line
        else f"L{span.first_line}-L{span.last_line}"
    )
    return f"[{lines.replace('L', '')}]({seed_link}#{lines})"


def _quote_cell(record: Sourced, seed: Seed, seed_link: str) -> str:
    questions = cited_questions(str(record.source))
    parts = []
    for quote in record.quotes():
        spans = seed.find(quote)
        inside = [s for s in spans if seed.within(s, questions)] or spans
        where = f" ({_seed_link(seed_link, inside[0])})" if inside else " (NOT FOUND)"
        parts.append(f"“{_cell(' '.join(quote.split()))}”{where}")
    return "<br>".join(parts) if parts else "—"


def review_table(dataset: ReferralDataset, seed: Seed) -> str:
    """Markdown: one row per text, every language side by side, source and quote."""
    seed_link = f"../../shared/seed/{SEED_FILE.name}"
    header = (
        "# Content review: every text the assistant sends\n\n"
        "Generated by `make content-review` from `referrals/data/`; do not edit by "
        "hand (a test fails when this file is stale).\n\n"
        "Each entry's `source` names the questions of the source document "
        f"(`shared/seed/{SEED_FILE.name}`, beside the checkout) its claims rest on, "
        "and `quote` the exact words there, with the document lines (a link). "
        "`general: ...` marks what rests on general helpline practice, not on the "
        "document. Button titles are what the user taps, and the web chat page's "
        "own labels frame the chat; they claim nothing.\n\n"
    )
    columns = ["entry", "field", *LANGUAGES, "source", "quote (document lines)"]
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for location, record in sourced_records(dataset):
        entry = _dotted(location)
        source = _cell(str(record.source))
        quote = _quote_cell(record, seed, seed_link)
        node = record.dict(by_alias=True)
        rows = [(field or "text", texts) for field, texts in _texts(node)]
        if isinstance(record, Situation):
            # What the situation shows after its own text, each with its own row.
            shown = ", ".join([*(f"☎ {h}" for h in record.helplines), *record.facts])
            rows.append(("helplines, facts", dict.fromkeys(LANGUAGES, shown)))
        for index, (field, texts) in enumerate(rows):
            first = index == 0
            lines.append(
                "| "
                + " | ".join(
                    [
                        f"**{entry}**" if first else "",
                        field,
                        *(_cell(texts[lang]) for lang in LANGUAGES),
                        source if first else "",
                        quote if first else "",
                    ]
                )
                + " |"
            )
    for set_id, buttons in dataset.button_sets.items():
        for index, button in enumerate(buttons):
            target = button.intent or f"answer {button.answer}"
            lines.append(
                "| "
                + " | ".join(
                    [
                        f"**buttons.{set_id}**" if index == 0 else "",
                        f"[{index}] → {target}",
                        *(_cell(button.title[lang]) for lang in LANGUAGES),
                        "button title" if index == 0 else "",
                        "",
                    ]
                )
                + " |"
            )
    # The web chat page's own labels and hints (web/static/ names the keys).
    for index, (key, page_text) in enumerate(dataset.webchat.items()):
        lines.append(
            "| "
            + " | ".join(
                [
                    f"**webchat.{key}**",
                    "page text",
                    *(_cell(page_text[lang]) for lang in LANGUAGES),
                    "page text" if index == 0 else "",
                    "",
                ]
            )
            + " |"
        )
    return header + "\n".join(lines) + "\n"


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail when stale")
    args = parser.parse_args(list(argv))
    from referrals.loader import DatasetError, load_dataset

    try:
        dataset = load_dataset()
        seed = load_seed()
    except (DatasetError, SeedMissing) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    problems = quote_problems(dataset, seed)
    if problems:
        print("error: quotes not in the source document:", file=sys.stderr)
        print("\n".join(problems), file=sys.stderr)
        return 1
    table = review_table(dataset, seed)
    if args.check:
        exists = REVIEW_FILE.exists()
        current = REVIEW_FILE.read_text(encoding="utf-8") if exists else ""
        if current != table:
            print(
                f"error: {REVIEW_FILE.relative_to(ROOT)} is stale: run "
                "`make content-review`",
                file=sys.stderr,
            )
            return 1
        return 0
    REVIEW_FILE.parent.mkdir(parents=True, exist_ok=True)
    REVIEW_FILE.write_text(table, encoding="utf-8")
    print(f"wrote {REVIEW_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
