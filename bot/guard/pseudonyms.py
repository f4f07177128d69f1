"""Pseudonymous conversation ids: what the tracker store keeps instead of a chat id.

A channel's sender id (a Telegram chat id, a Messenger PSID, a web chat session)
identifies a person on that platform. The tracker store, the logs and the event
broker only ever see `HMAC-SHA256(key, "<channel>:<sender id>")`, so the stored
conversations cannot be linked back to a platform account without the key,
while the same person keeps the same conversation.

The key comes from `SENDER_ID_KEY`; when unset, a random key is generated once
into `var/sender_id.key` (mode 0600) and reused. Deleting that file makes every
stored conversation unreachable (a new key, new ids).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
KEY_FILE = ROOT / "var" / "sender_id.key"
KEY_ENV = "SENDER_ID_KEY"
# 128 bits of the HMAC, as hex: short enough for logs, far from collisions.
ID_HEX_CHARS = 32


def _read_or_create_key(path: Path) -> bytes:
    """The key in `path`, created with mode 0600 if it does not exist."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
    else:
        key = secrets.token_hex(32)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(key + "\n")
    if not key:
        raise ValueError(f"{path} is empty: delete it to generate a new key")
    return key.encode("ascii")


@functools.lru_cache(maxsize=None)
def sender_id_key(key_file: Path = KEY_FILE) -> bytes:
    """`SENDER_ID_KEY` from the environment, else the key file's (cached)."""
    from_env = os.environ.get(KEY_ENV, "")
    if from_env:
        return from_env.encode("utf-8")
    return _read_or_create_key(key_file)


def pseudonymous_sender_id(channel: str, sender_id: str, key: bytes) -> str:
    """The id stored for `sender_id` of `channel` (deterministic for one key)."""
    message = f"{channel}:{sender_id}".encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:ID_HEX_CHARS]


def stored_sender_id(channel: str, sender_id: str, key: bytes | None = None) -> str:
    """The id under which Rasa stores the conversation of a platform sender.

    Use it whenever a channel asks the tracker store about a sender (e.g. "has
    this conversation had a reply yet?"): the store only knows pseudonyms.
    `key` defaults to the server's (`sender_id_key()`).
    """
    return pseudonymous_sender_id(channel, sender_id, key or sender_id_key())
