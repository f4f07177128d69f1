"""Czech, English and Ukrainian tokens with dictionary lemmas, robust to missing
diacritics."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Callable, Dict, List, Text

import spacy
import spacy_lookups_data
import srsly
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.detection import detect_language
from referrals.schema import LANGUAGES
from referrals.text import DEFAULT_LANGUAGE, fold

LOOKUPS_DATA = Path(spacy_lookups_data.__file__).parent / "data"
# Languages whose lemmas come from spaCy's own lemmatizer, in this mode, instead of
# a lookup table of spacy-lookups-data (which has none for them). Ukrainian:
# pymorphy2's dictionary (pymorphy2-dicts-uk); a form with one analysis gets its
# lemma, an ambiguous form stays as it is.
LEMMATIZER_MODES = {"uk": "pymorphy2_lookup"}
# Distinct word forms whose lemma is remembered (pymorphy2 takes about 0.5 ms a word).
LEMMA_CACHE_SIZE = 100_000
# Ukrainian apostrophes as children type them; pymorphy2's dictionary has "'".
APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "`": "'"})

Lemmatize = Callable[[Text], Text]


def _folded_lemmas(language: Text) -> Dict[Text, Text]:
    """spaCy's lookup-lemmatiser table, keyed and valued without diacritics.

    The table is the one spaCy's `lemmatizer` (mode "lookup") loads for a blank
    pipeline; it ships inside the spacy-lookups-data wheel, so nothing is
    downloaded. spaCy keeps only hashes of the forms, so the JSON is read here.
    Where two forms fold to the same key with different lemmas, the first wins:
    the key is ambiguous anyway, and either lemma is better than none.
    """
    path = LOOKUPS_DATA / f"{language}_lemma_lookup.json.gz"
    table: Dict[Text, Text] = srsly.read_gzip_json(path)
    folded: Dict[Text, Text] = {}
    for form, lemma in table.items():
        key = fold(form)
        folded.setdefault(key, fold(lemma))
    return folded


def _table_lemmatizer(language: Text) -> Lemmatize:
    table = _folded_lemmas(language)

    def lemma(word: Text) -> Text:
        key = fold(word)
        return table.get(key, key)

    return lemma


def _pipeline_lemmatizer(pipeline: Any, mode: Text) -> Lemmatize:
    """spaCy's lemmatizer component of `pipeline` in `mode`, one word at a time."""
    component = pipeline.add_pipe("lemmatizer", config={"mode": mode})
    pipeline.initialize()

    @functools.lru_cache(maxsize=LEMMA_CACHE_SIZE)
    def lemma(word: Text) -> Text:
        doc = pipeline.make_doc(word.translate(APOSTROPHES))
        found = component.lemmatize(doc[0]) if len(doc) == 1 else []
        return fold(found[0] if found else word)

    return lemma


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class MultilingualSpacyTokenizer(Tokenizer):
    """Tokenises with spaCy's blank tokenizer of the message's language (cs, en, uk).

    Each token's lemma is the dictionary lemma, lower case and without diacritics
    on Latin letters, so "vydírá", "vydira" and "Vydírají" meet in the featurizers,
    and so do "шантажують" and "шантажує". Cyrillic letters are kept whole
    (`referrals.text.fold`): й and ї are letters of their own, and the Ukrainian
    dictionary would not find a word without them.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self._pipelines: Dict[Text, Any] = {
            lang: spacy.blank(lang) for lang in LANGUAGES
        }
        self._lemmatizers: Dict[Text, Lemmatize] = {
            lang: (
                _pipeline_lemmatizer(self._pipelines[lang], LEMMATIZER_MODES[lang])
                if lang in LEMMATIZER_MODES
                else _table_lemmatizer(lang)
            )
            for lang in LANGUAGES
        }

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> MultilingualSpacyTokenizer:
        return cls(config)

    def lemma(self, word: Text, language: Text) -> Text:
        return self._lemmatizers[language](word)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        language: Text = detect_language(text) or DEFAULT_LANGUAGE
        doc = self._pipelines[language].make_doc(text)
        tokens = [
            Token(
                token.text,
                token.idx,
                lemma=self.lemma(token.text, language),
            )
            for token in doc
            if not token.is_space and not token.is_punct
        ]
        if not tokens and text.strip():
            tokens = [Token(text.strip(), text.index(text.strip()))]
        return self._apply_token_pattern(tokens)
