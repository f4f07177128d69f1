"""The compensation check (Act No. 45/2013 Coll.): "may I get money from the state?"

| module    | what                                                             |
|-----------|------------------------------------------------------------------|
| `rules`   | pure: the answers -> the options the person may be eligible for  |
| `answers` | reading a free-text answer: a choice or an amount (`answers.yml`) |
| `form`    | the Rasa form: its questions and one path that validates answers |
| `actions` | starting the check, the result, stopping it                      |
"""
