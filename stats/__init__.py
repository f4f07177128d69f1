"""Anonymous referral statistics: counts, never people.

When the assistant refers a child, the action server (and, for the safety net it
sends itself, the guard of the Rasa server) adds 1 to a counter of the day, in
the table `referral_counts` of the tracker store's database. A counter names a
day, a measure, a category (a situation, a reason, an outcome), a language and
a channel: no sender id, no pseudonym, no text, no time finer than a day.

Everything shown (`make stats`, the operator page, CSV, JSON) is a sum of
weekly cells of at least `STATS_MIN_COUNT` (5) over complete weeks only;
docs/safety.md says why and what that costs.

| module        | what                                                          |
|---------------|---------------------------------------------------------------|
| `measures`    | what is counted: measures, categories, allowed values         |
| `table`       | the counter table and its one-statement upsert                |
| `recorder`    | counting from a server: in the background, never raising      |
| `database`    | the tracker store's database, read from an endpoints file     |
| `suppression` | the smallest number shown, and how a smaller one is written   |
| `report`      | the weekly cells that may be shown, and every figure from them |
| `render`      | the text table, the CSV and the JSON of a report              |
| `chart`       | the weekly chart (matplotlib, Agg, PNG)                       |
| `__main__`    | `make stats`                                                  |

It imports nothing from `bot` or `actions`; both count through it.
"""
