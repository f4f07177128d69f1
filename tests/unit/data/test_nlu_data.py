"""The NLU training data (data/nlu/) and the held-out test set (tests/nlu/).

The held-out set measures how the assistant understands messages it has never
seen, so none of its examples may be a training example, not even with another
case, other diacritics or other punctuation. Button titles are checked in
tests/unit/referrals/test_dataset.py.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest
from ruamel.yaml import YAML

from referrals.text import fold as fold_text
from tests.support import ROOT

# Czech and English examples in data/nlu/, Ukrainian in data/nlu/uk/, by topic.
TRAINING_FILES = sorted((ROOT / "data" / "nlu").rglob("*.yml"))
TOPICS = ["conversation", "disclosures", "legal", "topics", "urgent"]
HELD_OUT_FILES = {
    "cs": ROOT / "tests" / "nlu" / "test_nlu_cs.yml",
    "en": ROOT / "tests" / "nlu" / "test_nlu_en.yml",
    "uk": ROOT / "tests" / "nlu" / "test_nlu_uk.yml",
}
BLIND_FILES = sorted((ROOT / "tests" / "nlu_blind").glob("*.yml"))
CRITICAL_INTENTS = ("immediate_danger", "suicidal_thoughts")
HELD_OUT_MIN = 8
HELD_OUT_CRITICAL_MIN = 15
# Rasa's entity annotation, "[text](entity)" or "[text]{...}": the data has none.
ENTITY_ANNOTATION = re.compile(r"\[[^\]]*\]\s*[({]")

yaml = YAML(typ="safe")
Example = Tuple[str, str]  # (intent, text)


def fold(text: str) -> str:
    """`Vydírá mě!` -> `vydira me`: how two examples are compared."""
    return " ".join(re.sub(r"[^\w\s]", " ", fold_text(text)).split())


def load_examples(*paths: Path) -> List[Example]:
    examples: List[Example] = []
    for path in paths:
        for item in (yaml.load(path) or {}).get("nlu", []):
            for line in str(item.get("examples", "")).splitlines():
                if line.strip().startswith("- "):
                    examples.append((item["intent"], line.strip()[2:].strip()))
    return examples


def domain_intents() -> Set[str]:
    return set(yaml.load(ROOT / "domain.yml")["intents"])


TRAINING = load_examples(*TRAINING_FILES)


def test_training_data_has_exactly_the_domain_intents() -> None:
    assert {intent for intent, _ in TRAINING} == domain_intents()


def test_training_files_are_split_by_topic_and_language() -> None:
    folders = {path.parent.name for path in TRAINING_FILES}
    assert folders == {"nlu", "uk", "uk_latin"}
    for folder in folders:
        topics = [path.stem for path in TRAINING_FILES if path.parent.name == folder]
        assert sorted(topics) == TOPICS


def test_the_latin_ukrainian_examples_are_generated_from_the_cyrillic_ones() -> None:
    """data/nlu/uk_latin/ is what scripts/transliterate_uk.py makes of data/nlu/uk/."""
    from scripts.transliterate_uk import TARGET, generate

    files = generate()
    assert sorted(files) == sorted(path.name for path in TARGET.glob("*.yml"))
    for name, text in files.items():
        assert (TARGET / name).read_text(
            encoding="utf-8"
        ) == text, f"{name} is stale: run scripts/transliterate_uk.py"


@pytest.mark.parametrize(
    ("cyrillic", "scheme", "latin"),
    [
        ("Мене шантажують", "czech", "mene šantažujut"),
        ("Мене шантажують", "english", "mene shantazhuyut"),
        ("хоче щоб я з'їла", "czech", "choče ščob ja zjila"),
        ("хоче щоб я з'їла", "english", "khoche shchob ya zyila"),
        ("цей хлопець", "english", "tsey khlopets"),
    ],
)
def test_transliteration_follows_the_two_ways_children_type(
    cyrillic: str, scheme: str, latin: str
) -> None:
    from scripts.transliterate_uk import transliterate

    assert transliterate(cyrillic, scheme) == latin


def test_no_example_belongs_to_two_intents() -> None:
    owner: Dict[str, str] = {}
    clashes = []
    for intent, text in TRAINING:
        first = owner.setdefault(fold(text), intent)
        if first != intent:
            clashes.append(f"{text!r}: {first} and {intent}")
    assert clashes == []


def test_no_example_has_entity_annotations() -> None:
    annotated = [text for _, text in TRAINING if ENTITY_ANNOTATION.search(text)]
    assert annotated == []


@pytest.mark.parametrize(
    "intent, text",
    [
        ("immediate_danger", "he's outside my door"),
        ("immediate_danger", "je u nás doma"),
        ("immediate_danger", "bojím se, že mi ublíží teď"),
        ("immediate_danger", "someone is hurting me right now"),
        ("suicidal_thoughts", "nechci už žít"),
        ("suicidal_thoughts", "chci to skoncit"),
        ("suicidal_thoughts", "i want to disappear forever"),
        ("suicidal_thoughts", "chci se zabít"),
        ("suicidal_thoughts", "uz to nezvladam, chci umrit"),
        ("suicidal_thoughts", "kill myself"),
        ("suicidal_thoughts", "kms"),
    ],
)
def test_a_message_that_must_never_be_missed_is_trained(intent: str, text: str) -> None:
    assert (intent, text) in TRAINING


@pytest.mark.parametrize("language", sorted(HELD_OUT_FILES))
def test_held_out_examples_are_never_training_examples(language: str) -> None:
    trained = {fold(text) for _, text in TRAINING}
    held_out = load_examples(HELD_OUT_FILES[language])
    assert [text for _, text in held_out if fold(text) in trained] == []


@pytest.mark.parametrize("language", sorted(HELD_OUT_FILES))
def test_held_out_set_covers_every_intent(language: str) -> None:
    counts = Counter(intent for intent, _ in load_examples(HELD_OUT_FILES[language]))
    assert set(counts) == domain_intents()
    too_few = {
        intent: count
        for intent, count in counts.items()
        if count
        < (HELD_OUT_CRITICAL_MIN if intent in CRITICAL_INTENTS else HELD_OUT_MIN)
    }
    assert too_few == {}


def test_held_out_examples_are_not_repeated() -> None:
    folded = [fold(text) for _, text in load_examples(*HELD_OUT_FILES.values())]
    assert [text for text, count in Counter(folded).items() if count > 1] == []


def test_blind_examples_are_never_training_or_held_out_examples() -> None:
    seen = {fold(text) for _, text in TRAINING}
    seen |= {fold(text) for _, text in load_examples(*HELD_OUT_FILES.values())}
    blind = load_examples(*BLIND_FILES)
    assert {intent for intent, _ in blind} <= domain_intents()
    assert [text for _, text in blind if fold(text) in seen] == []


# Non-critical training examples that a critical phrase routes to danger or
# suicide: someone TELLING the child to kill themselves ("they told me to kill
# myself"), which is cyberbullying with the suicide answer first. Accepted: a
# phrase that skipped them would also skip a child who adds "and maybe I will".
CRITICAL_PHRASE_FALSE_ALARMS_MAX = 2


def test_critical_phrases_keep_to_critical_training_examples() -> None:
    """The phrases' precision on the training data (the dev part's is in the
    README): a non-critical example they reroute is a false alarm."""
    from bot.nlu.critical_phrases import critical_intent

    rerouted = [
        (intent, text)
        for intent, text in TRAINING
        if (decided := critical_intent(text)) is not None and decided != intent
    ]
    wrong_critical = [(i, t) for i, t in rerouted if i in CRITICAL_INTENTS]
    assert not wrong_critical, wrong_critical  # danger taken for suicide or back
    assert len(rerouted) <= CRITICAL_PHRASE_FALSE_ALARMS_MAX, rerouted


def test_no_child_writes_an_adult_s_words_in_the_training_data() -> None:
    """`bot/nlu/adult_voice.yml` never fires on a child's own situation."""
    from bot.nlu.adult_voice import CHILD_SITUATIONS, adult_voice

    fired = [
        (intent, text)
        for intent, text in TRAINING
        if intent in CHILD_SITUATIONS and adult_voice(text)
    ]
    assert not fired, fired
