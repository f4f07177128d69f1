"""Load and validate the referral dataset once; name the file and field when wrong.

    python -m referrals.loader [DIRECTORY]

checks the dataset (default: `referrals/data/`), prints a one-line summary and
exits 1 with the problems when it is invalid. The Makefile runs it before
training and before the servers start. (A package with `__main__.py`, so that
`python -m` does not run it a second time after `referrals` imported it.)
"""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Sequence

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from referrals.checks import Location, Problem, find_problems
from referrals.schema import ReferralDataset

DATA_DIRECTORY = Path(__file__).parents[1] / "data"


class DatasetError(Exception):
    """The referral dataset is malformed; the message names file and field."""


def load_dataset(directory: Path | None = None) -> ReferralDataset:
    """The validated dataset in `directory` (default `referrals/data/`), cached."""
    return _load(Path(directory or DATA_DIRECTORY).resolve())


@lru_cache(maxsize=None)
def _load(directory: Path) -> ReferralDataset:
    documents = _read_documents(directory)
    file_of = {key: path for path, document in documents.items() for key in document}
    merged = {k: v for document in documents.values() for k, v in document.items()}

    def describe(problems: Sequence[Problem]) -> str:
        """One line per problem: the file that holds the section, then the field."""
        lines = []
        for problem in problems:
            section = str(problem.location[0]) if problem.location else ""
            path = file_of.get(section, directory)
            lines.append(
                f"{_display(path)}: {_dotted(problem.location)}: {problem.message}"
            )
        return "\n".join(lines)

    try:
        dataset = ReferralDataset.parse_obj(merged)
    except ValidationError as error:
        raise DatasetError(describe(_validation_problems(error))) from None
    problems = find_problems(dataset)
    if problems:
        raise DatasetError(describe(problems))
    return dataset


def _read_documents(directory: Path) -> Dict[Path, Dict[str, Any]]:
    """Every `*.yml` in `directory`, each a mapping of top-level sections."""
    paths = sorted(directory.glob("*.yml"))
    if not paths:
        raise DatasetError(f"{_display(directory)}: no *.yml files")
    yaml = YAML(typ="safe", pure=True)
    documents: Dict[Path, Dict[str, Any]] = {}
    defined_in: Dict[str, Path] = {}
    for path in paths:
        try:
            document = yaml.load(path.read_text(encoding="utf-8"))
        except MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line = f"line {mark.line + 1}: " if mark else ""
            raise DatasetError(
                f"{_display(path)}: {line}{error.problem or error.context}"
            ) from None
        except (YAMLError, OSError, UnicodeDecodeError) as error:
            raise DatasetError(f"{_display(path)}: {error}") from None
        if not isinstance(document, dict):
            raise DatasetError(f"{_display(path)}: expected a mapping of sections")
        for key in document:
            if key in defined_in:
                raise DatasetError(
                    f"{_display(path)}: {key}: already defined in "
                    f"{_display(defined_in[key])}"
                )
            defined_in[key] = path
        documents[path] = document
    return documents


def _validation_problems(error: ValidationError) -> List[Problem]:
    return [
        Problem(tuple(part for part in e["loc"] if part != "__root__"), e["msg"])
        for e in error.errors()
    ]


def _dotted(location: Location) -> str:
    """("situations", "x", "helplines", 1) -> "situations.x.helplines[1]"."""
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text.lstrip(".")


def _display(path: Path) -> str:
    """The path relative to the working directory when it is inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: Sequence[str] = ()) -> int:
    directory = Path(argv[0]) if argv else None
    try:
        dataset = load_dataset(directory)
    except DatasetError as error:
        print(f"error: the referral dataset is invalid:\n{error}", file=sys.stderr)
        return 1
    print(
        f"referral dataset OK ({_display(directory or DATA_DIRECTORY)}): "
        f"{len(dataset.helplines)} helplines, {len(dataset.facts)} facts, "
        f"{len(dataset.situations)} situations, {len(dataset.templates)} templates, "
        f"{len(dataset.button_sets)} button sets"
    )
    return 0
