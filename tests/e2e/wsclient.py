"""A WebSocket client in its own process, built on python3-websockets.

Usage: wsclient.py URL [--count N] [--pong|--no-pong]
Prints "OPEN" once connected, then each message as one line (JSON-escaped
so that a newline inside stays on one line), then "CLOSE code" when the
server closes. Its stdout is flushed at every line, so a test can follow it.
"""
import asyncio
import json
import sys

import websockets


async def main():
    url = sys.argv[1]
    count = None
    if "--count" in sys.argv:
        count = int(sys.argv[sys.argv.index("--count") + 1])
    seen = 0
    async with websockets.connect(url, max_size=None,
                                  ping_interval=None) as ws:
        print("OPEN", flush=True)
        try:
            while count is None or seen < count:
                msg = await ws.recv()
                print(json.dumps(msg), flush=True)
                seen += 1
        except websockets.ConnectionClosed as e:
            code = e.rcvd.code if e.rcvd else None
            print(f"CLOSE {code}", flush=True)


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except (ConnectionError, OSError, websockets.InvalidStatusCode) as e:
        print(f"ERROR {e}", flush=True)
        sys.exit(1)
