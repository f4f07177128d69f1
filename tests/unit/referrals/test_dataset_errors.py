"""A malformed referral dataset fails at load time, naming the file and field.

Each test writes a broken copy of `referrals/data/` to a temporary folder; the
loader must refuse it with a message like
`.../situations.yml: situations.sextortion.helplines[1]: unknown helpline 'polic'`.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Sequence

import pytest
from ruamel.yaml import YAML

from referrals import DatasetError, load_dataset
from referrals.loader import DATA_DIRECTORY
from referrals.schema import LANGUAGES
from tests.support import ROOT

yaml = YAML(typ="safe", pure=True)
yaml.default_flow_style = False
yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]


# --- Broken copies -------------------------------------------------------------------


Change = Callable[[Dict[str, Any]], None]


def _parent(document: Dict[str, Any], path: Sequence[Any]) -> Any:
    node: Any = document
    for key in path[:-1]:
        node = node[key]
    return node


def set_in(path: Sequence[Any], value: Any) -> Change:
    def change(document: Dict[str, Any]) -> None:
        _parent(document, path)[path[-1]] = value

    return change


def delete(path: Sequence[Any]) -> Change:
    def change(document: Dict[str, Any]) -> None:
        del _parent(document, path)[path[-1]]

    return change


def in_every_language(text: str) -> Dict[str, str]:
    return dict.fromkeys(LANGUAGES, text)


def append_text(path: Sequence[Any], extra: str) -> Change:
    def change(document: Dict[str, Any]) -> None:
        _parent(document, path)[path[-1]] += extra

    return change


BROKEN_COPIES = [
    pytest.param(
        "situations.yml",
        set_in(["situations", "sextortion", "helplines", 1], "polic"),
        ["situations.sextortion.helplines[1]: unknown helpline 'polic'"],
        id="unknown helpline id",
    ),
    pytest.param(
        "facts.yml",
        delete(["facts", "law_blackmail", "text", "en"]),
        ["facts.law_blackmail.text.en: field required"],
        id="missing English text",
    ),
    pytest.param(
        "ui.yml",
        delete(["webchat", "send", "uk"]),
        ["webchat.send.uk: field required"],
        id="missing Ukrainian text",
    ),
    pytest.param(
        "helplines.yml",
        set_in(["helplines", "police", "dial"], "159"),
        ["helplines.police.dial:", "'159' is not the number '158'"],
        id="dial is not the number",
    ),
    pytest.param(
        "helplines.yml",
        set_in(["helplines", "police", "dial"], "15 8"),
        ["helplines.police.dial:"],
        id="dial is not digits only",
    ),
    pytest.param(
        "helplines.yml",
        set_in(["helplines", "police", "dial"], 158),
        ["helplines.police.dial: str type expected"],
        id="dial not quoted",
    ),
    pytest.param(
        "situations.yml",
        append_text(["situations", "grooming", "text", "cs"], " Volej 777 123 456."),
        ["situations.grooming.text.cs: number '777 123 456'"],
        id="invented number in a text",
    ),
    pytest.param(
        "situations.yml",
        set_in(["situations", "sextortion", "steps", "en", 5], "Call 777123456."),
        ["situations.sextortion.steps.en[5]: number '777123456'"],
        id="invented number in a step",
    ),
    pytest.param(
        "facts.yml",
        append_text(["facts", "ospod", "text", "en"], " Or call 116111."),
        ["facts.ospod.text.en: write '116111' as '116 111'"],
        id="helpline number written differently",
    ),
    pytest.param(
        "compensation.yml",
        set_in(["compensation", "proven_losses_max_czk"], 300000),
        ["facts.compensation_proven_losses.text.cs: number '200 000'"],
        id="amount in a text differs from compensation.yml",
    ),
    pytest.param(
        "situations.yml",
        delete(["situations", "bystander", "source"]),
        ["situations.bystander.source: field required"],
        id="missing source",
    ),
    pytest.param(
        "situations.yml",
        set_in(["situations", "bystander", "source"], "  "),
        ["situations.bystander.source:"],
        id="blank source",
    ),
    pytest.param(
        "facts.yml",
        delete(["facts", "rights_interview", "quote"]),
        ["facts.rights_interview.quote: source names Q6.2: quote the words"],
        id="sourced fact without a quote",
    ),
    pytest.param(
        "ui.yml",
        delete(["templates", "compensation_result_therapy", "quote"]),
        ["templates.compensation_result_therapy.quote: source names Q6.1"],
        id="sourced template without a quote",
    ),
    pytest.param(
        "helplines.yml",
        delete(["helplines", "bily_kruh", "quote"]),
        ["helplines.bily_kruh.quote: source names Q6.1, Q7"],
        id="sourced helpline without a quote",
    ),
    pytest.param(
        "facts.yml",
        set_in(["facts", "platform_report", "source"], "helpline practice"),
        ["facts.platform_report.source: name the questions of the source document"],
        id="source neither a question nor general",
    ),
    pytest.param(
        "facts.yml",
        set_in(["facts", "platform_report", "quote"], "every big social network"),
        ["facts.platform_report.source: a quote needs the question it comes from"],
        id="quote without a question",
    ),
    pytest.param(
        "ui.yml",
        delete(["templates", "steps_heading", "source"]),
        ["templates.steps_heading.source: field required"],
        id="template without a source",
    ),
    pytest.param(
        "situations.yml",
        delete(["situations", "am_i_in_trouble", "buttons"]),
        ["situations.am_i_in_trouble: a question needs the buttons"],
        id="question without buttons",
    ),
    pytest.param(
        "situations.yml",
        set_in(["situations", "trouble_others_images", "helplines"], ["police"]),
        ["situations.trouble_others_images.helplines: must name 'linka_bezpeci'"],
        id="a trouble case without 116 111",
    ),
    pytest.param(
        "situations.yml",
        set_in(
            ["situations", "immediate_danger", "helplines"], ["police", "emergency"]
        ),
        ["situations.immediate_danger.helplines: must start with emergency, police"],
        id="danger does not start with 112",
    ),
    pytest.param(
        "situations.yml",
        set_in(["situations", "suicidal_thoughts", "helplines"], ["emergency"]),
        ["situations.suicidal_thoughts.helplines: must start with linka_bezpeci"],
        id="suicidal thoughts do not start with 116 111",
    ),
    pytest.param(
        "situations.yml",
        # sextortion's first helpline is 116 111: naming the police alone comes
        # before it (the suicide opener now names 116 111, then 112, in order).
        append_text(["situations", "sextortion", "text", "en"], " Call 158."),
        ["situations.sextortion.text.en: names 158: an opener may only"],
        id="opener names a number before the first helpline",
    ),
    pytest.param(
        "situations.yml",
        append_text(["situations", "greet", "text", "cs"], " Volej 158."),
        ["situations.greet.text.cs: names 158: an opener may only"],
        id="opener names a number that is not its helpline",
    ),
    pytest.param(
        "situations.yml",
        set_in(["situations", "sextortion", "helplines"], ["linka_bezpeci"]),
        ["situations.sextortion.helplines: must name 'police'"],
        id="sextortion without the police",
    ),
    pytest.param(
        "situations.yml",
        set_in(["situations", "ask_rights", "facts", 0], "rights_made_up"),
        ["situations.ask_rights.facts[0]: unknown fact 'rights_made_up'"],
        id="unknown fact id",
    ),
    pytest.param(
        "situations.yml",
        set_in(["situations", "bystander", "intents"], ["bystander", "sextortion"]),
        ["situations.bystander.intents[1]: intent 'sextortion' is already answered"],
        id="intent answered twice",
    ),
    pytest.param(
        "situations.yml",
        delete(["situations", "safety_net"]),
        ["situations: missing 'safety_net'"],
        id="safety net missing",
    ),
    pytest.param(
        "situations.yml",
        delete(["situations", "sextortion", "steps", "en", 0]),
        ["situations.sextortion.steps: every language needs the same items"],
        id="steps differ between languages",
    ),
    pytest.param(
        "situations.yml",
        set_in(["situations", "sextortion", "urgency"], "very"),
        ["situations.sextortion.urgency: unexpected value"],
        id="unknown urgency",
    ),
    pytest.param(
        "situations.yml",
        set_in(["situations", "sextortion", "priority"], 1),
        ["situations.sextortion.priority: extra fields not permitted"],
        id="unknown field",
    ),
    pytest.param(
        "ui.yml",
        set_in(
            ["templates", "Thanks-Again"],
            {**in_every_language("Díky"), "source": "general: interface text"},
        ),
        ["templates.Thanks-Again: ids must be snake_case"],
        id="id not snake_case",
    ),
    pytest.param(
        "ui.yml",
        set_in(["templates", "helpline_line", "en"], "{number} – {name}"),
        ["templates.helpline_line: cs and en use different placeholders"],
        id="placeholders differ between languages",
    ),
    pytest.param(
        "ui.yml",
        set_in(["templates", "helpline_line", "uk"], "{number} – {name}"),
        ["templates.helpline_line: cs and uk use different placeholders"],
        id="Ukrainian placeholders differ",
    ),
    pytest.param(
        "ui.yml",
        set_in(
            ["templates", "helpline_line"],
            {**in_every_language("{phone}"), "source": "general: interface text"},
        ),
        ["templates.helpline_line.cs: unknown placeholder(s) ['phone']"],
        id="unknown placeholder",
    ),
    pytest.param(
        "ui.yml",
        delete(["buttons", "yes_no"]),
        ["buttons: missing 'yes_no'"],
        id="button set missing",
    ),
    pytest.param(
        "ui.yml",
        set_in(["buttons", "yes_no", 0, "answer"], "yes"),
        ["buttons.yes_no[0]: a button needs either an intent or an answer"],
        id="button with an intent and an answer",
    ),
    pytest.param(
        "ui.yml",
        delete(["buttons", "compensation_injuries", 2, "answer"]),
        ["buttons.compensation_injuries[2]: a button needs either an intent or"],
        id="button with neither an intent nor an answer",
    ),
    pytest.param(
        "ui.yml",
        delete(["templates", "compensation_ask_injury"]),
        ["templates: missing 'compensation_ask_injury'"],
        id="compensation question missing",
    ),
    pytest.param(
        "compensation.yml",
        set_in(["compensation", "lump_sum_injury_czk"], "10000"),
        ["compensation.lump_sum_injury_czk: value is not a valid integer"],
        id="amount as a string",
    ),
]


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    directory = tmp_path / "data"
    shutil.copytree(DATA_DIRECTORY, directory)
    return directory


@pytest.mark.parametrize("filename, change, expected", BROKEN_COPIES)
def test_a_broken_copy_names_the_file_and_field(
    data_copy: Path,
    filename: str,
    change: Change,
    expected: List[str],
) -> None:
    path = data_copy / filename
    document = yaml.load(path)
    change(document)
    yaml.dump(document, path)

    message = _load_error(data_copy)

    line = next((line for line in message.splitlines() if expected[0] in line), "")
    assert line, message
    blamed = "facts.yml" if expected[0].startswith("facts.") else filename
    assert line.startswith(str(data_copy / blamed) + ": "), message
    for fragment in expected[1:]:
        assert fragment in message


def test_a_duplicate_key_names_the_file_and_line(data_copy: Path) -> None:
    path = data_copy / "helplines.yml"
    path.write_text(path.read_text().replace("  police:\n", "  emergency:\n"))
    message = _load_error(data_copy)
    assert message.startswith(f"{path}: line ")
    assert 'duplicate key "emergency"' in message


def test_a_yaml_syntax_error_names_the_file_and_line(data_copy: Path) -> None:
    path = data_copy / "ui.yml"
    path.write_text(path.read_text() + "  broken: [\n")
    assert _load_error(data_copy).startswith(f"{path}: line ")


def test_a_section_in_two_files_is_an_error(data_copy: Path) -> None:
    (data_copy / "more_facts.yml").write_text("facts: {}\n")
    message = _load_error(data_copy)
    assert "more_facts.yml: facts: already defined in" in message


def test_a_missing_file_is_an_error(data_copy: Path) -> None:
    (data_copy / "compensation.yml").unlink()
    assert f"{data_copy}: compensation: field required" in _load_error(data_copy)


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    assert "no *.yml files" in _load_error(tmp_path)


# --- The command line the Makefile runs ---------------------------------------------


def test_the_command_line_prints_a_summary() -> None:
    result = _run_loader()
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("referral dataset OK")
    assert len(result.stdout.splitlines()) == 1
    assert "Warning" not in result.stderr


def test_the_command_line_fails_with_the_message(data_copy: Path) -> None:
    path = data_copy / "helplines.yml"
    path.write_text(path.read_text().replace('dial: "158"', 'dial: "159"'))
    result = _run_loader(str(data_copy))
    assert result.returncode == 1
    assert f"{path}: helplines.police.dial:" in result.stderr


# --- Helpers -------------------------------------------------------------------


def _load_error(directory: Path) -> str:
    with pytest.raises(DatasetError) as error:
        load_dataset(directory)
    return str(error.value)


def _run_loader(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "referrals.loader", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
