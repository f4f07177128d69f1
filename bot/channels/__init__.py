"""Input channels: the ways a child reaches the assistant."""
