"""The referral dataset: every number, fact and piece of advice the assistant states.

The knowledge is in `referrals/data/*.yml`; `load_dataset()` reads and validates it
once. `from referrals import load_dataset, DatasetError` loads `referrals.loader`
on first use, so that `python -m referrals.loader` does not import it twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from referrals.schema import Language, ReferralDataset, format_czk

if TYPE_CHECKING:
    from referrals.loader import DatasetError, load_dataset

__all__ = ["DatasetError", "Language", "ReferralDataset", "format_czk", "load_dataset"]

_FROM_LOADER = ("DatasetError", "load_dataset")


def __getattr__(name: str) -> Any:
    if name in _FROM_LOADER:
        from referrals import loader

        return getattr(loader, name)
    raise AttributeError(f"module 'referrals' has no attribute '{name}'")
