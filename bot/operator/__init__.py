"""The operator page on the Rasa server: anonymous referral statistics.

| module | what                                                                 |
|--------|----------------------------------------------------------------------|
| `page` | `GET /operator/stats` (chart and tables), `.csv`, `.json`; the token |

Off unless OPERATOR_TOKEN is set (`bot.run.cli` then adds the page to the
credentials Rasa loads). It reads the figures with `stats` from the tracker
store's database and imports nothing from the channels.
"""
