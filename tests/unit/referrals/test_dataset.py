"""The referral dataset, read as a specification of what the assistant says.

These tests load the real files in `referrals/data/`. Broken copies and the
command line are in test_dataset_errors.py.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterator, List

import pytest
from ruamel.yaml import YAML

from referrals import ReferralDataset, format_czk, load_dataset
from referrals.loader import DATA_DIRECTORY
from referrals.schema import LANGUAGES
from tests.support import ROOT

# The helpline table of /work/shared/FACTS.md: the only numbers the assistant gives.
FACTS_HELPLINES = {
    "linka_bezpeci": "116 111",
    "bily_kruh": "116 006",
    "police": "158",
    "emergency": "112",
}

# The brief's Disclosures and Topics: each answered by the situation of that name.
DISCLOSURES_AND_TOPICS = [
    "sextortion",
    "images_shared",
    "grooming",
    "immediate_danger",
    "suicidal_thoughts",
    "ask_rights",
    "ask_compensation",
    "check_compensation",
    "am_i_in_trouble",
    "trouble_own_images",
    "trouble_sent_own",
    "trouble_others_images",
    "victim_process",
    "help_services",
    "ask_reporting",
    "bystander",
    "parent_teacher",
    "cyberbullying",
    "stalking",
    "takedown",
    "prevention",
]

MAX_WORDS_PER_SENTENCE = 20

yaml = YAML(typ="safe", pure=True)


@pytest.fixture(scope="module")
def dataset() -> ReferralDataset:
    return load_dataset()


def numbers(dataset: ReferralDataset, situation_id: str) -> List[str]:
    """The helpline numbers a situation's first reply names, in order."""
    situation = dataset.situations[situation_id]
    return [dataset.helpline(helpline_id).number for helpline_id in situation.helplines]


# --- The real dataset --------------------------------------------------------------


def test_the_real_files_load_and_are_loaded_once(dataset: ReferralDataset) -> None:
    assert load_dataset() is dataset
    assert load_dataset(DATA_DIRECTORY) is dataset


def test_the_helplines_are_exactly_the_table_in_facts(dataset: ReferralDataset) -> None:
    assert {
        helpline_id: helpline.number
        for helpline_id, helpline in dataset.helplines.items()
    } == FACTS_HELPLINES
    for helpline in dataset.helplines.values():
        assert helpline.dial == helpline.number.replace(" ", "")


@pytest.mark.parametrize(
    "situation_id, first_numbers",
    [
        ("immediate_danger", ["112", "158"]),
        ("not_safe", ["112", "158"]),
        ("suicidal_thoughts", ["116 111", "112"]),
    ],
)
def test_a_child_in_danger_sees_these_numbers_first(
    dataset: ReferralDataset, situation_id: str, first_numbers: List[str]
) -> None:
    assert numbers(dataset, situation_id)[: len(first_numbers)] == first_numbers


@pytest.mark.parametrize(
    "situation_id, named_numbers",
    [
        ("sextortion", {"116 111", "158"}),
        ("images_shared", {"116 111", "158"}),
        ("grooming", {"116 111", "158"}),
        ("safety_net", {"116 111", "158", "112"}),
        ("not_sure", {"116 111"}),
        ("parent_teacher", {"158", "116 006", "116 111"}),
        ("ask_rights", {"116 006"}),
        ("ask_compensation", {"116 006"}),
        ("bystander", {"116 111"}),
        ("request_human", {"116 111"}),
    ],
)
def test_the_first_reply_names_these_numbers(
    dataset: ReferralDataset, situation_id: str, named_numbers: set
) -> None:
    assert named_numbers <= set(numbers(dataset, situation_id))


@pytest.mark.parametrize("intent", DISCLOSURES_AND_TOPICS)
def test_every_disclosure_and_topic_has_its_situation(
    dataset: ReferralDataset, intent: str
) -> None:
    assert dataset.situation_id_for_intent(intent) == intent


def test_every_intent_the_rules_refer_has_a_situation(dataset: ReferralDataset) -> None:
    referred = {
        step["intent"]
        for rule in _rules()
        if {"action": "action_refer_to_help"} in rule["steps"]
        for step in rule["steps"]
        if "intent" in step
    }
    assert referred, "no rule runs action_refer_to_help"
    assert {i for i in referred if dataset.situation_id_for_intent(i) is None} == set()


def test_an_unknown_intent_has_no_situation(dataset: ReferralDataset) -> None:
    assert dataset.situation_id_for_intent("no_such_intent") is None
    assert dataset.situation_id_for_intent(None) is None


@pytest.mark.parametrize("situation_id", ["sextortion", "images_shared", "grooming"])
def test_disclosures_say_it_is_not_the_childs_fault(
    dataset: ReferralDataset, situation_id: str
) -> None:
    text = dataset.situations[situation_id].text
    assert "není to tvoje vina" in text["cs"].lower()
    assert "not your fault" in text["en"].lower()


def test_sextortion_steps_are_europols(dataset: ReferralDataset) -> None:
    steps = " ".join(dataset.situations["sextortion"].steps["en"]).lower()
    for advice in [
        "don't pay",
        "don't send any more",
        "screenshots",
        "username",
        "links",
        "before you block",
        "don't delete the chat",
        "block them",
        "privacy settings",
        "police on 158",
        "adult you trust",
    ]:
        assert advice in steps


# --- "Am I in trouble?": the answer depends on the case (FACTS.md) ------------------

TROUBLE_CASES = ["trouble_own_images", "trouble_sent_own", "trouble_others_images"]


def said(dataset: ReferralDataset, situation_id: str, lang: str) -> str:
    """Everything a situation says: opener, steps, facts, question; lower case."""
    situation = dataset.situations[situation_id]
    return " ".join(
        [
            situation.text[lang],
            *situation.steps[lang],
            *(dataset.fact(f).text[lang] for f in situation.facts),
            situation.question[lang] if situation.question else "",
        ]
    ).lower()


# The same claims in each language ("nothing happens" is said only to be denied).
NOTHING_HAPPENS = {
    "en": ["nothing illegal", "cannot be punished", "nothing happens at all"],
    "cs": ["nic nelegálního", "nejde potrestat", "nic se nestane."],
    "uk": ["нічого незаконного", "тебе не покарають", "нічого не буде"],
}
# "The victim" in each language (Ukrainian: the stem of жертва, жертвою...).
VICTIM = {"en": "victim", "cs": "oběť", "uk": "жертв"}
# "Can be a crime" (Ukrainian: "може бути злочином").
CAN_BE_A_CRIME = {
    "en": "can be a crime",
    "cs": "může být trestné",
    "uk": "може бути злочином",
}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("situation_id", ["am_i_in_trouble", *TROUBLE_CASES])
def test_no_trouble_answer_says_nothing_happens(
    dataset: ReferralDataset, situation_id: str, lang: str
) -> None:
    text = said(dataset, situation_id, lang)
    for claim in NOTHING_HAPPENS[lang]:
        assert claim not in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_unknown_case_says_only_what_is_true_in_every_case_then_asks(
    dataset: ReferralDataset, lang: str
) -> None:
    situation = dataset.situations["am_i_in_trouble"]
    text = said(dataset, "am_i_in_trouble", lang)
    assert "linka_bezpeci" in situation.helplines
    # Neither "you are the victim" nor "it is a crime": that depends on the case.
    for claim in [
        *["oběť", "victim", "trestný čin", "a crime", "trestné", "not a crime"],
        *["жертв", "злочин"],
    ]:
        assert claim not in text
    assert situation.question is not None
    assert [b.intent for b in dataset.button_sets[str(situation.buttons)]] == (
        TROUBLE_CASES
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_forwarder_is_never_told_they_are_the_victim(
    dataset: ReferralDataset, lang: str
) -> None:
    text = said(dataset, "trouble_others_images", lang)
    not_punished = {
        "en": "not to punish you",
        "cs": "ne tě trestat",
        "uk": "тебе не покарають",
    }
    for claim in [VICTIM[lang], not_punished[lang]]:
        assert claim not in text
    # ...but that it can be a crime, what to do, and that 116 111 helps.
    can_be = {
        "en": "can be a crime",
        "cs": "může být trestný čin",
        "uk": "може бути злочином",
    }
    assert can_be[lang] in text
    assert {"en": "delete", "cs": "smaž", "uk": "видали"}[lang] in text
    assert "116 111" in text
    facts = dataset.situations["trouble_others_images"].facts
    assert {"child_forwarding_is_a_crime", "law_child_pornography"} <= set(facts)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_child_who_sent_their_own_picture_is_told_a_blackmailer_is_to_blame(
    dataset: ReferralDataset, lang: str
) -> None:
    situation = dataset.situations["trouble_sent_own"]
    opener = situation.text[lang].lower()
    you_are = {"en": "you are the victim", "cs": "ty jsi oběť", "uk": "ти — жертва"}
    assert you_are[lang] in opener
    # "can be", never a flat "is" or "is not": the source says both.
    sending = dataset.fact("child_sending_own_images").text[lang].lower()
    can_count = {
        "en": "can count as a crime",
        "cs": "může posuzovat",
        "uk": "може вважатися злочином",
    }
    assert can_count[lang] in sending
    # Waivers, prison last, penalties halved (Q9.8, Q9.9); the police are named.
    assert {"law_juvenile_waiver", "law_juvenile_penalties"} <= set(situation.facts)
    assert "police" in situation.helplines


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("situation_id", ["trouble_own_images", "trouble_sent_own"])
def test_the_own_picture_answers_say_someone_elses_are_different(
    dataset: ReferralDataset, situation_id: str, lang: str
) -> None:
    # A forwarder the NLU sends here by mistake must not read reassurance only.
    opener = dataset.situations[situation_id].text[lang].lower()
    someone_else = {"en": "someone else's", "cs": "někoho jiného", "uk": "інших людей"}
    assert someone_else[lang] in opener
    assert CAN_BE_A_CRIME[lang] in opener


@pytest.mark.parametrize("situation_id", TROUBLE_CASES)
def test_each_case_says_what_under_15_means(
    dataset: ReferralDataset, situation_id: str
) -> None:
    assert "child_under_15" in dataset.situations[situation_id].facts
    fact = dataset.fact("child_under_15").text
    assert "nothing happens" in fact["en"] and "dealt with" in fact["en"]
    assert "nic nestane" in fact["cs"] and "řešit" in fact["cs"]
    assert "нічого не станеться" in fact["uk"] and "займатися далі" in fact["uk"]


def test_the_first_bubbles_differ_by_case(dataset: ReferralDataset) -> None:
    for lang in LANGUAGES:
        situations = ["am_i_in_trouble", *TROUBLE_CASES]
        openers = [dataset.situations[s].text[lang] for s in situations]
        assert len(set(openers)) == len(openers)


def test_parent_teacher_advice(dataset: ReferralDataset) -> None:
    steps = " ".join(dataset.situations["parent_teacher"].steps["en"]).lower()
    for advice in ["calm", "don't blame", "don't copy or forward", "158", "116 006"]:
        assert advice in steps


def test_bystander_is_told_not_to_forward(dataset: ReferralDataset) -> None:
    situation = dataset.situations["bystander"]
    assert "don't forward" in situation.steps["en"][0].lower()
    assert "child_forwarding_is_a_crime" in situation.facts
    assert "192(3)" in dataset.fact("child_forwarding_is_a_crime").text["en"]


@pytest.mark.parametrize(
    "button_set, cs, en",
    [
        (
            "main_situations",
            [
                "Někdo mě vydírá fotkami",
                "Moje fotky se šíří",
                "Dospělý po mně chce fotky nebo schůzku",
                "Jsem teď v nebezpečí",
                "Chci mluvit s člověkem",
            ],
            [
                "Someone is blackmailing me with photos",
                "My photos are being shared",
                "An adult wants photos or to meet me",
                "I am in danger right now",
                "I want to talk to a person",
            ],
        ),
        ("yes_no", ["Ano", "Ne"], ["Yes", "No"]),
        (
            "more_topics",
            [
                "Jaká mám práva?",
                "Jaká pomoc existuje?",
                "Jak to nahlásit?",
                "Jak odstranit fotky z internetu?",
                "Budu mít problém?",
                "Ověřit nárok na odškodnění",
            ],
            [
                "What are my rights?",
                "What help is there?",
                "How do I report it?",
                "How do I get the photos taken down?",
                "Am I in trouble?",
                "Check if I can get compensation",
            ],
        ),
        (
            "trouble_cases",
            [
                "Svoje fotky mám jen u sebe",
                "Někdo ode mě dostal moje fotky",
                "Jde o fotky někoho jiného",
            ],
            [
                "I keep my own photos to myself",
                "I sent my own photos to someone",
                "They are someone else's photos",
            ],
        ),
    ],
)
def test_button_titles(
    dataset: ReferralDataset, button_set: str, cs: List[str], en: List[str]
) -> None:
    assert dataset.buttons(button_set, "cs") == cs
    assert dataset.buttons(button_set, "en") == en


def test_every_button_title_is_an_nlu_example_of_its_intent(
    dataset: ReferralDataset,
) -> None:
    examples = _nlu_examples()
    if not examples:
        pytest.skip("no NLU data in data/nlu/ yet")
    # A button with an `answer` instead is read by the compensation form
    # (tests/unit/actions/test_compensation.py checks those).
    missing = [
        f"{button.intent}: {button.title[lang]}"
        for buttons in dataset.button_sets.values()
        for button in buttons
        if button.intent
        for lang in LANGUAGES
        if button.title[lang] not in examples.get(button.intent, set())
    ]
    assert missing == []


def test_templates_the_actions_render(dataset: ReferralDataset) -> None:
    assert dataset.template("safety_question", "en") == "Are you safe right now?"
    assert dataset.template("compensation_offer", "en") == (
        "Shall we check, step by step, what money you might be able to get?"
    )
    line = dataset.template("helpline_line", "cs").format(
        number="116 111", name="Linka bezpečí", description="zdarma"
    )
    assert line.startswith("116 111")


def test_compensation_figures_are_those_of_section_24(dataset: ReferralDataset) -> None:
    compensation = dataset.compensation
    assert compensation.amounts() == {
        "therapy_sexual_max_czk": 50000,
        "lump_sum_injury_czk": 10000,
        "lump_sum_serious_injury_czk": 50000,
        "proven_losses_max_czk": 200000,
    }
    assert compensation.authority["en"] == "Ministry of Justice"
    assert "116 006" in compensation.where_to_apply["cs"]


@pytest.mark.parametrize(
    "fact_id, amount_field",
    [
        ("compensation_sexual_crime", "therapy_sexual_max_czk"),
        ("compensation_injury", "lump_sum_injury_czk"),
        ("compensation_injury", "lump_sum_serious_injury_czk"),
        ("compensation_proven_losses", "proven_losses_max_czk"),
    ],
)
def test_amounts_in_facts_are_written_as_format_czk_writes_them(
    dataset: ReferralDataset, fact_id: str, amount_field: str
) -> None:
    amount = dataset.compensation.amounts()[amount_field]
    for lang in LANGUAGES:
        assert format_czk(amount, lang) in dataset.fact(fact_id).text[lang]


def test_format_czk() -> None:
    assert format_czk(200000, "cs") == "200 000 Kč"
    assert format_czk(200000, "en") == "CZK 200,000"
    assert format_czk(200000, "uk") == "200 000 CZK"
    assert format_czk(1499.6, "cs") == "1 500 Kč"


def test_every_fact_is_shown_by_some_situation(dataset: ReferralDataset) -> None:
    shown = {fact for s in dataset.situations.values() for fact in s.facts}
    assert set(dataset.facts) - shown == set()


def test_every_sentence_is_short(dataset: ReferralDataset) -> None:
    long = [
        sentence
        for text in _user_texts(dataset)
        for sentence in re.split(r"(?<=[.!?])\s+", text)
        if len(sentence.split()) > MAX_WORDS_PER_SENTENCE
    ]
    assert long == []


def test_an_unknown_id_is_a_key_error(dataset: ReferralDataset) -> None:
    with pytest.raises(KeyError):
        dataset.helpline("polic")
    with pytest.raises(KeyError):
        dataset.template("safety_question", "de")


# --- Helpers -----------------------------------------------------------------------


def _rules() -> Iterator[Dict[str, Any]]:
    for path in sorted((ROOT / "data" / "rules").glob("*.yml")):
        yield from (yaml.load(path) or {}).get("rules", [])


def _nlu_examples() -> Dict[str, set]:
    examples: Dict[str, set] = {}
    for path in sorted((ROOT / "data" / "nlu").glob("**/*.yml")):
        for item in (yaml.load(path) or {}).get("nlu", []):
            if "intent" in item:
                lines = str(item.get("examples", "")).splitlines()
                examples.setdefault(item["intent"], set()).update(
                    line.strip()[2:].strip() for line in lines if line.strip()
                )
    return examples


def _user_texts(dataset: ReferralDataset) -> Iterator[str]:
    for lang in LANGUAGES:
        for situation in dataset.situations.values():
            yield situation.text[lang]
            yield from situation.steps[lang]
        for fact in dataset.facts.values():
            yield fact.text[lang]
        for template in dataset.templates.values():
            yield template[lang]
        yield dataset.compensation.where_to_apply[lang]
