"""What the tests stand on: ports, servers, trackers, stand-ins (no test here)."""

from pathlib import Path

# The checkout: every path a test names is relative to it.
ROOT = Path(__file__).resolve().parents[2]
