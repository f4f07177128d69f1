"""The evaluation scripts score every language the assistant has."""

from __future__ import annotations

from referrals.schema import LANGUAGES
from scripts import evaluate_nlu, evaluate_situations
from tests.support import ROOT


def test_the_held_out_set_is_scored_in_every_language() -> None:
    assert set(evaluate_nlu.TEST_FILES) == set(LANGUAGES)
    assert all(path.is_file() for path in evaluate_nlu.TEST_FILES.values())


def test_every_blind_file_is_scored_under_its_language() -> None:
    files = evaluate_nlu.blind_files()
    assert sorted(files.values()) == sorted((ROOT / "tests/nlu_blind").glob("*.yml"))
    assert set(files) == {"cs+en", "uk"}


def test_the_situation_floors_name_every_language() -> None:
    assert {f"accuracy_{lang}" for lang in LANGUAGES} <= set(evaluate_situations.FLOORS)
    assert {f"accuracy_{lang}" for lang in LANGUAGES} <= set(
        evaluate_situations.TARGETS
    )
    assert evaluate_situations.TARGETS["accuracy_uk"] == 0.95


def test_ukrainian_accuracy_is_reported_and_held_to_its_floor() -> None:
    def outcome(lang: str, expected: str, answered: str) -> evaluate_situations.Outcome:
        case = evaluate_situations.Case(expected, lang, "text")
        return evaluate_situations.Outcome(case, answered, lang, "")

    outcomes = [
        outcome("uk", "sextortion", "sextortion"),
        outcome("uk", "sextortion", "not_sure"),
        outcome("cs", "grooming", "grooming"),
    ]

    result = evaluate_situations.figures(outcomes, [])

    assert (result["accuracy_uk"], result["accuracy_cs"]) == (0.5, 1.0)
    failures = evaluate_situations.check_floors(result, parse_ms=1.0)
    floor = evaluate_situations.FLOORS["accuracy_uk"]
    assert f"accuracy_uk 0.500 < {floor}" in failures


def test_a_trouble_question_answered_with_another_case_is_counted() -> None:
    def outcome(expected: str, answered: str) -> evaluate_situations.Outcome:
        case = evaluate_situations.Case(expected, "cs", "text")
        return evaluate_situations.Outcome(case, answered, "cs", "")

    outcomes = [
        outcome("trouble_others_images", "trouble_own_images"),  # untrue for them
        outcome("am_i_in_trouble", "trouble_sent_own"),  # a case not said
        outcome("trouble_own_images", "am_i_in_trouble"),  # general: true, not exact
        outcome("trouble_sent_own", "trouble_sent_own"),
        outcome("bystander", "trouble_others_images"),  # not a trouble question
    ]

    result = evaluate_situations.figures(outcomes, [])

    assert (result["wrong_legal_case"], result["trouble_questions"]) == (2, 4)
    assert result["accuracy"] == 0.2


def test_one_batch_of_writers_is_scored_apart_from_the_others() -> None:
    everything = evaluate_situations.load_part("dev")
    first_writer = evaluate_situations.load_part("dev", "p1_*")
    assert 0 < len(first_writer) < len(everything)
    assert set(first_writer) <= set(everything)
    assert {case.lang for case in first_writer} == {"cs"}
