"""A TCP proxy on loopback that delays every chunk: Redis as if across a network.

On one machine a Redis round trip takes ~0.1 ms, so the window between two
replicas' reads and writes is too short to hit reliably. Replicas in production
reach Redis over a network (about 1 ms or more); the proxy makes that distance
explicit, the same for every lock store under test.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Optional, Set


class LatencyProxy:
    """`with LatencyProxy(host, port, one_way_s) as proxy:` then use `proxy.port`."""

    def __init__(self, host: str, port: int, one_way_s: float) -> None:
        self.target = (host, port)
        self.delay = one_way_s
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._server: Optional[asyncio.base_events.Server] = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._writers: Set[asyncio.StreamWriter] = set()

    async def _pump(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while data := await reader.read(65536):
                await asyncio.sleep(self.delay)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _connect(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        server_reader, server_writer = await asyncio.open_connection(*self.target)
        self._writers.update((client_writer, server_writer))
        await asyncio.gather(
            self._pump(client_reader, server_writer),
            self._pump(server_reader, client_writer),
        )

    async def _start(self) -> int:
        self._server = await asyncio.start_server(self._connect, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()

    def __enter__(self) -> LatencyProxy:
        self._thread.start()
        started = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        self.port = started.result(5)
        return self

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
