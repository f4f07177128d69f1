"""Rules that span records of the referral dataset.

`find_problems` returns every broken rule with the path of the field at fault,
e.g. `("situations", "sextortion", "helplines", 1)`; the loader adds the file.
The safety rules (which helplines a child in danger sees first) live here, in code,
so that editing the data cannot quietly drop them.
"""

from __future__ import annotations

import re
import string
from typing import Dict, Iterator, List, NamedTuple, Set, Tuple, Union

from referrals.schema import LANGUAGES, ReferralDataset, Sourced
from referrals.schema import SNAKE_CASE as ID_PATTERN

Location = Tuple[Union[str, int], ...]


class Problem(NamedTuple):
    location: Location
    message: str


SNAKE_CASE = re.compile(ID_PATTERN)

# Situations, templates and button sets the code uses by name (actions/, the
# guard, and the situations `bot/nlu/adult_voice.py` turns into the parents' one);
# tests/unit/referrals/test_required_records.py derives them from the code.
REQUIRED_SITUATIONS = (
    "ask_rights",
    "ask_compensation",
    "check_compensation",
    "sextortion",
    "images_shared",
    "grooming",
    "immediate_danger",
    "suicidal_thoughts",
    "request_human",
    "out_of_scope",
    "not_sure",
    "safety_net",
    "not_safe",
    "channel_privacy",
    "conversation_deleted",
    "parent_teacher",
    "cyberbullying",
    "stalking",
    "bystander",
    "am_i_in_trouble",
    "trouble_own_images",
    "trouble_sent_own",
    "trouble_others_images",
    "ask_reporting",
)
REQUIRED_TEMPLATES = (
    "helpline_line",
    "helplines_language_note",
    "helplines_language_note_adult",
    "steps_heading",
    "facts_heading",
    "call_button",
    "safety_question",
    "compensation_offer",
    "glad_safe",
    "anything_else",
    "also_pictures",
    "compensation_result_therapy",
    "compensation_result_therapy_depends",
    "compensation_result_lump_sum",
    "compensation_result_losses",
    "compensation_result_estimate",
    "compensation_result_none",
    "compensation_disclaimer",
    "compensation_stopped",
    "compensation_ask_crime_kind",
    "compensation_ask_injury",
    "compensation_ask_therapy_costs_czk",
    "compensation_ask_losses_czk",
    "compensation_ask_received_czk",
    "compensation_choice_not_understood",
    "compensation_amount_unknown",
    "compensation_amount_not_understood",
    "compensation_amount_in_crowns",
    "compensation_amount_negative",
    "compensation_amount_too_large",
    "rate_limited",
    "empty_message",
)
REQUIRED_BUTTON_SETS = (
    "main_situations",
    "yes_no",
    "more_topics",
    "ask_law",
    "picture_situations",
    "compensation_crime_kinds",
    "compensation_injuries",
    "compensation_amounts",
)

# The placeholders a template may use, where the actions fill them from data.
TEMPLATE_FIELDS: Dict[str, Set[str]] = {
    "helpline_line": {"number", "name", "description"},
    "call_button": {"number"},
    # actions/compensation/actions.py: amounts written by referrals.format_czk
    "compensation_result_therapy": {"maximum"},
    "compensation_result_therapy_depends": set(),
    "compensation_result_lump_sum": {"amount", "serious"},
    "compensation_result_losses": set(),
    "compensation_result_estimate": {"amount"},
    "compensation_disclaimer": {"maximum"},
}

# A child in danger must see these helplines first, in this order.
FIRST_HELPLINES = {
    "immediate_danger": ("emergency", "police"),
    "not_safe": ("emergency", "police"),
    "suicidal_thoughts": ("linka_bezpeci", "emergency"),
}
# ...and these situations must name these helplines somewhere.
NAMED_HELPLINES = {
    "sextortion": ("linka_bezpeci", "police"),
    "images_shared": ("linka_bezpeci", "police"),
    "grooming": ("linka_bezpeci", "police"),
    "not_sure": ("linka_bezpeci",),
    "safety_net": ("linka_bezpeci", "police", "emergency"),
    # "Am I in trouble?": whatever the case, 116 111 helps.
    "am_i_in_trouble": ("linka_bezpeci",),
    "trouble_own_images": ("linka_bezpeci",),
    "trouble_sent_own": ("linka_bezpeci",),
    "trouble_others_images": ("linka_bezpeci",),
}
URGENCIES_THAT_NEED_HELPLINES = ("urgent", "high")

# Law citations hold digits that are not phone numbers: "§ 192", "Section 24",
# Ukrainian "статті 192" / "параграфа 192", "Act No. 45/2013". They are removed
# before looking for numbers.
LAW_CITATION = re.compile(
    r"(?:§|\bSections?\b|\bстатт[яіюе]\w*|\bпараграф\w*)\s*\d+[a-z]?" r"|\b\d+/\d{4}\b"
)
# Digit groups joined by one space, dot or comma: "116 111", "50 000", "200,000".
DIGIT_RUN = re.compile(r"\d+(?:[ \u00a0.,]\d+)*")
SHORTEST_PHONE_NUMBER = 3

# A question of the source document, as `source` names it: "Q6.1", "Q14",
# "Q9.7 c-d". What the document does not say is marked "general: ...".
QUESTION = re.compile(r"\bQ(\d+(?:\.\d+)?)\b")
GENERAL = "general:"


def find_problems(dataset: ReferralDataset) -> List[Problem]:
    return [
        *_ids_are_snake_case(dataset),
        *_required_records_exist(dataset),
        *_references_exist(dataset),
        *_intents_are_answered_once(dataset),
        *_helpline_rules(dataset),
        *_numbers_in_openers(dataset),
        *_template_placeholders(dataset),
        *_numbers_in_texts(dataset),
        *_sources_are_traceable(dataset),
    ]


def sourced_records(dataset: ReferralDataset) -> Iterator[Tuple[Location, Sourced]]:
    """Every record with a `source`, with its location."""
    sections: Dict[str, Dict[str, Sourced]] = {
        "helplines": dict(dataset.helplines),
        "facts": dict(dataset.facts),
        "situations": dict(dataset.situations),
        "templates": dict(dataset.templates),
    }
    for section, records in sections.items():
        for record_id, record in records.items():
            yield (section, record_id), record
    yield ("compensation",), dataset.compensation


def cited_questions(source: str) -> List[str]:
    """The questions a `source` names: "Q6.1, Q9.7 c-d; general: ..." -> 6.1, 9.7."""
    return QUESTION.findall(source)


def _sources_are_traceable(dataset: ReferralDataset) -> Iterator[Problem]:
    """A claim from the document quotes it; any other claim says "general: ..."."""
    for location, record in sourced_records(dataset):
        source = str(record.source)
        questions = cited_questions(source)
        if questions and not record.quotes():
            yield Problem(
                (*location, "quote"),
                f"source names {', '.join('Q' + q for q in questions)}: quote the "
                "words of the source document it rests on",
            )
        if not questions:
            if not source.startswith(GENERAL):
                yield Problem(
                    (*location, "source"),
                    'name the questions of the source document ("Q6.1") or say '
                    '"general: ..."',
                )
            if record.quotes():
                yield Problem(
                    (*location, "source"),
                    "a quote needs the question it comes from in `source`",
                )


def _ids_are_snake_case(dataset: ReferralDataset) -> Iterator[Problem]:
    sections: Dict[str, Dict[str, object]] = {
        "helplines": dict(dataset.helplines),
        "facts": dict(dataset.facts),
        "situations": dict(dataset.situations),
        "templates": dict(dataset.templates),
        "buttons": dict(dataset.button_sets),
    }
    for section, records in sections.items():
        for record_id in records:
            if not SNAKE_CASE.match(record_id):
                yield Problem((section, record_id), "ids must be snake_case")


def _required_records_exist(dataset: ReferralDataset) -> Iterator[Problem]:
    required = (
        ("situations", REQUIRED_SITUATIONS, dataset.situations),
        ("templates", REQUIRED_TEMPLATES, dataset.templates),
        ("buttons", REQUIRED_BUTTON_SETS, dataset.button_sets),
    )
    for section, ids, records in required:
        for record_id in ids:
            if record_id not in records:
                yield Problem((section,), f"missing '{record_id}' (the actions use it)")


def _references_exist(dataset: ReferralDataset) -> Iterator[Problem]:
    for situation_id, situation in dataset.situations.items():
        where = ("situations", situation_id)
        seen: Set[str] = set()
        for index, helpline_id in enumerate(situation.helplines):
            if helpline_id not in dataset.helplines:
                yield Problem(
                    (*where, "helplines", index), f"unknown helpline '{helpline_id}'"
                )
            elif helpline_id in seen:
                yield Problem(
                    (*where, "helplines", index), f"'{helpline_id}' is named twice"
                )
            seen.add(helpline_id)
        for index, fact_id in enumerate(situation.facts):
            if fact_id not in dataset.facts:
                yield Problem((*where, "facts", index), f"unknown fact '{fact_id}'")
        if situation.buttons and situation.buttons not in dataset.button_sets:
            yield Problem(
                (*where, "buttons"), f"unknown button set '{situation.buttons}'"
            )


def _intents_are_answered_once(dataset: ReferralDataset) -> Iterator[Problem]:
    answered_by: Dict[str, str] = {}
    for situation_id, situation in dataset.situations.items():
        for index, intent in enumerate(situation.intents):
            if intent in answered_by:
                yield Problem(
                    ("situations", situation_id, "intents", index),
                    f"intent '{intent}' is already answered by "
                    f"situation '{answered_by[intent]}'",
                )
            answered_by.setdefault(intent, situation_id)


def _helpline_rules(dataset: ReferralDataset) -> Iterator[Problem]:
    for situation_id, situation in dataset.situations.items():
        where = ("situations", situation_id, "helplines")
        first = FIRST_HELPLINES.get(situation_id)
        if first and tuple(situation.helplines[: len(first)]) != first:
            yield Problem(where, f"must start with {', '.join(first)}")
        for helpline_id in NAMED_HELPLINES.get(situation_id, ()):
            if helpline_id not in situation.helplines:
                yield Problem(where, f"must name '{helpline_id}'")
        if situation.urgency in URGENCIES_THAT_NEED_HELPLINES:
            if not situation.helplines:
                yield Problem(
                    where, f"urgency '{situation.urgency}' needs at least one helpline"
                )


def _numbers_in_openers(dataset: ReferralDataset) -> Iterator[Problem]:
    """A number in a situation's opener is one of its first helplines, in order.

    The opener comes before the helpline list in the first reply, so a number
    there is the first number the child reads.
    """
    numbers = [str(helpline.number) for helpline in dataset.helplines.values()]
    for situation_id, situation in dataset.situations.items():
        expected = [
            str(dataset.helplines[h].number)
            for h in situation.helplines
            if h in dataset.helplines
        ]
        for lang in LANGUAGES:
            found = _first_mentions(situation.text[lang], numbers)
            if found != expected[: len(found)]:
                yield Problem(
                    ("situations", situation_id, "text", lang),
                    f"names {', '.join(found)}: an opener may only name the "
                    f"situation's first helplines, in order ({', '.join(expected)})",
                )


def _first_mentions(text: str, numbers: List[str]) -> List[str]:
    """The numbers mentioned in `text`, in the order they first appear."""
    positions = {}
    for number in numbers:
        pattern = rf"(?<!\d)(?<!\d ){re.escape(number)}(?!\d)(?! \d)"
        match = re.search(pattern, text)
        if match:
            positions[number] = match.start()
    return sorted(positions, key=positions.__getitem__)


def _template_placeholders(dataset: ReferralDataset) -> Iterator[Problem]:
    for template_id, template in dataset.templates.items():
        fields_by_lang: Dict[str, Set[str]] = {}
        for lang in LANGUAGES:
            location = ("templates", template_id, lang)
            try:
                fields_by_lang[lang] = _placeholders(template[lang])
            except ValueError as error:
                yield Problem(location, f"malformed placeholder: {error}")
                continue
            allowed = TEMPLATE_FIELDS.get(template_id)
            unknown = fields_by_lang[lang] - allowed if allowed is not None else set()
            if unknown:
                yield Problem(
                    location,
                    f"unknown placeholder(s) {sorted(unknown)}; "
                    f"allowed: {sorted(allowed or ())}",
                )
        if len(fields_by_lang) == len(LANGUAGES):
            first, *others = LANGUAGES
            for lang in others:
                if fields_by_lang[lang] != fields_by_lang[first]:
                    yield Problem(
                        ("templates", template_id),
                        f"{first} and {lang} use different placeholders "
                        f"({sorted(fields_by_lang[first])} vs "
                        f"{sorted(fields_by_lang[lang])})",
                    )


def _placeholders(template: str) -> Set[str]:
    fields = set()
    for _, field, _, _ in string.Formatter().parse(template):
        if field is not None:
            if not field.isidentifier():
                raise ValueError(f"'{{{field}}}' is not a name")
            fields.add(field)
    return fields


def _numbers_in_texts(dataset: ReferralDataset) -> Iterator[Problem]:
    """A number may only come from helplines.yml (or an amount, compensation.yml)."""
    helplines = dataset.helplines.values()
    numbers = {str(helpline.number) for helpline in helplines}
    dials = {str(helpline.dial): str(helpline.number) for helpline in helplines}
    amounts = set(dataset.compensation.amounts().values())
    for location, text in _texts(dataset.dict(by_alias=True)):
        if location[0] != "templates" and ("{" in text or "}" in text):
            yield Problem(location, "braces are only for placeholders in templates")
        for match in DIGIT_RUN.finditer(LAW_CITATION.sub(" ", text)):
            run = match.group().replace("\u00a0", " ")
            digits = re.sub(r"\D", "", run)
            if len(digits) < SHORTEST_PHONE_NUMBER or run in numbers:
                continue
            if digits in dials:
                yield Problem(location, f"write '{run}' as '{dials[digits]}'")
            elif int(digits) not in amounts:
                yield Problem(
                    location,
                    f"number '{run}' is not a helpline number from helplines.yml "
                    "nor an amount from compensation.yml",
                )


def user_texts(dataset: ReferralDataset) -> Iterator[Tuple[Location, str, str]]:
    """(location, language, text) for every string a user may read in the dataset."""
    for location, text in _texts(dataset.dict(by_alias=True)):
        language = next(str(part) for part in location if part in LANGUAGES)
        yield location, language, text


def _texts(node: object, location: Location = ()) -> Iterator[Tuple[Location, str]]:
    """Every user-facing string: the values under a language key (`cs`, `en`, ...)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in LANGUAGES:
                yield from _strings(value, (*location, key))
            else:
                yield from _texts(value, (*location, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _texts(value, (*location, index))


def _strings(node: object, location: Location) -> Iterator[Tuple[Location, str]]:
    if isinstance(node, str):
        yield location, node
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, (*location, index))
