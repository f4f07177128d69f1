"""The Rasa server's start-up: hooks every channel registers, and the one module
that touches Rasa 3.6's private internals (`rasa_internals`)."""
