"""Loopback ports for the servers a test starts: one scheme, the kernel's choice.

`free_port()` asks the kernel for a port nothing listens on (bind to port 0);
`free_ports(n)` holds each one until all are chosen, so they are distinct.
`refusing_port()` is a port that is taken but refuses every connection: where a
platform's API would be when the network is down.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Collection, Iterator, List

HOST = "127.0.0.1"


def free_ports(count: int, taken: Collection[int] = ()) -> List[int]:
    """`count` distinct ports nothing listens on right now, none of `taken`."""
    with contextlib.ExitStack() as held:
        ports: List[int] = []
        while len(ports) < count:
            sock = held.enter_context(socket.socket())
            sock.bind((HOST, 0))
            port = int(sock.getsockname()[1])
            if port not in taken:
                ports.append(port)
        return ports


def free_port(taken: Collection[int] = ()) -> int:
    return free_ports(1, taken)[0]


@contextlib.contextmanager
def refusing_port() -> Iterator[int]:
    """A port that is bound (so no server gets it) but never accepts."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind((HOST, 0))
        yield int(held.getsockname()[1])
