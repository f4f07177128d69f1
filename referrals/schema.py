"""The shape of the referral dataset (pydantic v1 models, strict, no extra keys).

One model per kind of record in `referrals/data/*.yml`. These models check each
record on its own; the rules that span records (references, phone numbers in text,
which helplines come first) are in `referrals.checks`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Dict, List, Literal, Optional, Union

from pydantic import (
    BaseModel,
    Extra,
    Field,
    StrictBool,
    conint,
    constr,
    root_validator,
    validator,
)

# Czech, English, Ukrainian: every text of the dataset exists in each of them.
Language = Literal["cs", "en", "uk"]
LANGUAGES: tuple[Language, ...] = ("cs", "en", "uk")

# Ids of records and intents: "sextortion", "linka_bezpeci" (also `referrals.checks`).
SNAKE_CASE = r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$"

Urgency = Literal["urgent", "high", "normal", "info"]
FollowUp = Literal["safety_check", "compensation_offer"]


if TYPE_CHECKING:  # mypy sees the plain types, pydantic the constraints
    NonEmptyText = str
    Identifier = str
    PhoneNumber = str
    Digits = str
    WebAddress = str
    PositiveCzk = int
else:
    NonEmptyText = constr(strict=True, strip_whitespace=True, min_length=1)
    Identifier = constr(strict=True, regex=SNAKE_CASE)
    PhoneNumber = constr(strict=True, regex=r"^\d+(?: \d+)*$")  # "116 111"
    Digits = constr(strict=True, regex=r"^\d+$")  # "116111"
    WebAddress = constr(strict=True, regex=r"^https?://\S+$")
    PositiveCzk = conint(strict=True, gt=0)  # a whole number of crowns


# The exact words of the source document an entry rests on: one passage or
# several. `referrals.checks` requires one when `source` names a question of the
# document ("Q6.1"); `referrals.review` finds each passage in the document.
Quote = Union[NonEmptyText, List[NonEmptyText]]


class Record(BaseModel):
    class Config:
        extra = Extra.forbid
        allow_mutation = False


class Sourced(Record):
    """A record that says where its claims come from.

    `source` names question numbers of the source document ("Q6.1, Q9.7 c-d")
    and/or says "general: ..." for what rests on general helpline practice.
    """

    source: NonEmptyText
    quote: Optional[Quote] = None

    def quotes(self) -> List[str]:
        if self.quote is None:
            return []
        return [self.quote] if isinstance(self.quote, str) else list(self.quote)


class LocalizedText(Record):
    """The same text in every language; `text["cs"]` reads one."""

    cs: NonEmptyText
    en: NonEmptyText
    uk: NonEmptyText

    def __getitem__(self, lang: str) -> str:
        if lang not in LANGUAGES:
            raise KeyError(lang)
        return str(getattr(self, lang))


class LocalizedList(Record):
    """A list of texts in every language, item by item (same length in each)."""

    cs: List[NonEmptyText] = []
    en: List[NonEmptyText] = []
    uk: List[NonEmptyText] = []

    def __getitem__(self, lang: str) -> List[str]:
        if lang not in LANGUAGES:
            raise KeyError(lang)
        return [str(item) for item in getattr(self, lang)]

    @root_validator(skip_on_failure=True)
    def same_length(cls, values: Dict[str, List[str]]) -> Dict[str, List[str]]:
        lengths = {lang: len(values[lang]) for lang in LANGUAGES}
        if len(set(lengths.values())) > 1:
            counts = ", ".join(f"{lang} has {n}" for lang, n in lengths.items())
            raise ValueError(f"every language needs the same items ({counts})")
        return values


class Template(LocalizedText, Sourced):
    """A text the actions render, with where its claims come from."""


class Helpline(Sourced):
    number: PhoneNumber
    dial: Digits
    name: LocalizedText
    description: LocalizedText
    url: Optional[WebAddress] = None

    @validator("dial")
    def dial_matches_number(cls, dial: str, values: Dict[str, object]) -> str:
        number = values.get("number")
        if isinstance(number, str) and dial != number.replace(" ", ""):
            raise ValueError(f"'{dial}' is not the number '{number}' without spaces")
        return dial


class Fact(Sourced):
    text: LocalizedText


class Situation(Sourced):
    """What the assistant answers to one situation: helplines first, in order.

    `source` and `quote` are for the opener and the steps; each fact has its own.
    `facts` are sent in the first reply only when `facts_are_the_answer` (the
    question was itself legal); otherwise when the child asks for them.
    `question`, when given, is asked in a last bubble of its own, under which the
    `buttons` go (e.g. "which of these is it?"). `written_to_adult`: the texts
    address an adult (a parent, a teacher), so the interface's own sentences
    under them do too.
    """

    intents: List[Identifier]
    urgency: Urgency
    helplines: List[NonEmptyText]
    text: LocalizedText
    steps: LocalizedList = LocalizedList()
    facts: List[NonEmptyText] = []
    facts_are_the_answer: StrictBool = False
    follow_up: Optional[FollowUp] = None
    question: Optional[LocalizedText] = None
    buttons: Optional[NonEmptyText] = None
    written_to_adult: StrictBool = False

    @root_validator(skip_on_failure=True)
    def question_needs_buttons(cls, values: Dict[str, object]) -> Dict[str, object]:
        if values.get("question") is not None and values.get("buttons") is None:
            raise ValueError("a question needs the buttons that answer it")
        return values


class Button(Record):
    """A button; its title is the message it sends (titles are payloads).

    Either the NLU classifies the title as `intent`, or the title answers a
    question of `compensation_form` and its validator reads it as `answer`.
    """

    title: LocalizedText
    intent: Optional[Identifier] = None
    answer: Optional[NonEmptyText] = None

    @root_validator(skip_on_failure=True)
    def intent_or_answer(cls, values: Dict[str, object]) -> Dict[str, object]:
        if (values.get("intent") is None) == (values.get("answer") is None):
            raise ValueError("a button needs either an intent or an answer")
        return values


class CompensationRules(Sourced):
    """Act No. 45/2013 Coll., Section 24: what a victim may get (Q6.1)."""

    authority: LocalizedText
    therapy_sexual_max_czk: PositiveCzk
    lump_sum_injury_czk: PositiveCzk
    lump_sum_serious_injury_czk: PositiveCzk
    proven_losses_max_czk: PositiveCzk
    where_to_apply: LocalizedText

    def amounts(self) -> Dict[str, int]:
        return {
            name: int(value)
            for name, value in self.dict().items()
            if name.endswith("_czk")
        }


class ReferralDataset(Record):
    """Everything the assistant may say, validated; see `referrals.load_dataset`."""

    helplines: Dict[str, Helpline]
    facts: Dict[str, Fact]
    situations: Dict[str, Situation]
    templates: Dict[str, Template]
    button_sets: Dict[str, List[Button]] = Field(alias="buttons")
    compensation: CompensationRules
    # The web chat page's own words (labels, buttons), by snake_case key.
    webchat: Dict[Identifier, LocalizedText]

    def situation_id_for_intent(self, intent: Optional[str]) -> Optional[str]:
        """The id of the situation that answers `intent`, None when none does."""
        for situation_id, situation in self.situations.items():
            if intent in situation.intents:
                return situation_id
        return None

    def helpline(self, helpline_id: str) -> Helpline:
        return self.helplines[helpline_id]

    def fact(self, fact_id: str) -> Fact:
        return self.facts[fact_id]

    def template(self, template_id: str, lang: str) -> str:
        return self.templates[template_id][lang]

    def facts_wait_to_be_asked(self, situation_id: str) -> bool:
        """The situation has legal facts that its first reply leaves out."""
        situation = self.situations[situation_id]
        return bool(situation.facts) and not situation.facts_are_the_answer

    def buttons(self, button_set_id: str, lang: str) -> List[str]:
        return [button.title[lang] for button in self.button_sets[button_set_id]]


def format_czk(amount: float, lang: str) -> str:
    """An amount as the dataset writes it: "50 000 Kč" / "CZK 50,000" / "50 000 CZK".

    Ukrainian groups digits with spaces and puts the currency after the number; the
    code CZK is used rather than "крон", which would have to agree with the number
    (1 крона, 2 крони, 5 крон) in every sentence the amount is put into.
    """
    if lang not in LANGUAGES:
        raise KeyError(lang)
    grouped = f"{round(amount):,}"
    if lang == "cs":
        return grouped.replace(",", " ") + " Kč"
    if lang == "uk":
        return grouped.replace(",", " ") + " CZK"
    return f"CZK {grouped}"
