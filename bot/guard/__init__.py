"""The message guard: what happens to every message between a channel and Rasa.

| module            | what                                                       |
|-------------------|------------------------------------------------------------|
| `sanitize`        | text made safe for Rasa (no `/intent`, no control chars)   |
| `turn`            | `guard_on_new_message`, which every channel wraps Rasa in  |
| `action_failures` | noticing a custom action that failed (Rasa only logs it)   |
| `rate_limit`      | the per-sender limit (in memory, or shared in Redis)       |
| `pseudonyms`      | the ids the tracker store keeps instead of platform ids    |
| `replies`         | the safety net and kind replies sent without Rasa          |
| `privacy_notice`  | Telegram and Messenger: the notice before the first reply  |

It imports nothing from `bot.channels` (an import-linter contract says so).
"""
