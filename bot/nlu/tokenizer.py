"""Czech and English tokens with dictionary lemmas, robust to missing diacritics."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Text

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


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class BilingualSpacyTokenizer(Tokenizer):
    """Tokenises with spaCy's blank `cs`/`en` tokenizer chosen per message.

    Each token's lemma is the dictionary lemma, lower case and without diacritics,
    so "vydírá", "vydira" and "Vydírají" meet in the featurizers.
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
        self._folded: Dict[Text, Dict[Text, Text]] = {
            lang: _folded_lemmas(lang) for lang in LANGUAGES
        }

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> BilingualSpacyTokenizer:
        return cls(config)

    def lemma(self, word: Text, language: Text) -> Text:
        key = fold(word)
        return self._folded[language].get(key, key)

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
