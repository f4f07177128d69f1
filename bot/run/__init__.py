"""Starting things: `make run`/`make shell` (`cli`), `make run-scaled` (`scaled`),
and training only when an input of the model changed (`training`)."""
