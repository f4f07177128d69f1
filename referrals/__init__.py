"""The referral dataset: every number, fact and piece of advice the assistant states.

The knowledge is in `referrals/data/*.yml`; `load_dataset()` reads and validates it
once (`referrals.loader`). `referrals.text` holds what both sides share about text
(folding, languages), `referrals.render` how a situation becomes chat bubbles.
"""

from __future__ import annotations

from referrals.loader import DatasetError, load_dataset
from referrals.schema import Language, ReferralDataset, format_czk

__all__ = ["DatasetError", "Language", "ReferralDataset", "format_czk", "load_dataset"]
