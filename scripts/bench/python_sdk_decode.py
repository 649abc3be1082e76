"""Feeds an NDJSON stream of ACP messages (stdin) through the official Python SDK's client-side
connection and reports how fast it decodes `session/update` notifications.

Usage: cat stream.ndjson | python_sdk_decode.py N BYTES   (prints one JSON line with messages/s and MB/s)
(stdin must be a pipe, as an agent's stdout is.)

The stream is read exactly as the SDK reads an agent's stdout (asyncio StreamReader, the SDK's own
JSON-RPC connection and pydantic models); each notification reaches a Client.session_update.
"""
import asyncio
import json
import os
import sys
import time

from acp import connect_to_agent


class CountingClient:
    def __init__(self, expected: int, done: asyncio.Event) -> None:
        self.expected = expected
        self.count = 0
        self.first = None
        self.last = None
        self.done = done

    async def session_update(self, session_id, update, **kwargs):
        if self.first is None:
            self.first = time.perf_counter()
        self.count += 1
        if self.count >= self.expected:
            self.last = time.perf_counter()
            self.done.set()

    async def request_permission(self, *args, **kwargs):
        raise NotImplementedError

    def on_connect(self, conn):
        pass


async def main() -> None:
    expected = int(sys.argv[1])
    size = int(sys.argv[2])
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=64 * 1024 * 1024)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    devnull = open(os.devnull, "wb")
    transport, protocol = await loop.connect_write_pipe(asyncio.streams.FlowControlMixin, devnull)
    writer = asyncio.StreamWriter(transport, protocol, None, loop)
    done = asyncio.Event()
    client = CountingClient(expected, done)
    start = time.perf_counter()
    conn = connect_to_agent(client, writer, reader)
    await asyncio.wait_for(done.wait(), timeout=600)
    elapsed = client.last - start
    print(json.dumps({
        "messages": client.count,
        "seconds": elapsed,
        "messages_per_second": client.count / elapsed,
        "mb_per_second": size / elapsed / 1e6,
    }))
    os._exit(0)


if __name__ == "__main__":
    asyncio.run(main())
