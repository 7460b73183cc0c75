"""A WebSocket server in its own process, built on python3-websockets, as
a peer for ws-listen that nobody here wrote.

Usage: wsserver.py [--port N] [--script JSON] [--status CODE]
                   [--require-header 'Name: value'] [--stdin]
                   [--cert FILE --key FILE]

It prints "listening on PORT" once bound (port 0 picks one), then one line
per event, flushed: "OPEN /path", "HEADER name: value" for each request
header, "RECV text" for each message received, "CLOSED code".

--script is a JSON list of steps run for every connection, in order:
  {"send": "text"}              a text message
  {"send_bytes": "hex"}          a binary message
  {"fragments": ["a", "b"]}     one text message sent as fragments
  {"big": N, "char": "x"}       a text message of N times char
  {"expect": "text"}            wait for a message; close 1008 if different
  {"stream": "prefix", "every": 0.02}  send {"prefix": i} for ever
  {"sleep": seconds}
  {"close": code, "reason": "text"}
  {"drop": true}                close the TCP connection, no close frame
  {"hold": true}                wait until the client goes
The default script holds the connection open.
--status refuses every handshake with that HTTP status.
--require-header refuses (401) a handshake without that exact header.
--stdin sends each line of stdin to every connected client.
"""
import argparse
import asyncio
import http
import json
import ssl
import sys

import websockets

CLIENTS = set()


def say(*words):
    print(*words, flush=True)


async def run_step(ws, step):
    if "send" in step:
        await ws.send(step["send"])
    elif "send_bytes" in step:
        await ws.send(bytes.fromhex(step["send_bytes"]))
    elif "fragments" in step:
        await ws.send(step["fragments"])
    elif "big" in step:
        await ws.send(step.get("char", "x") * step["big"])
    elif "expect" in step:
        got = await ws.recv()
        if got != step["expect"]:
            await ws.close(1008, "expected a subscribe message")
            return False
    elif "stream" in step:
        i = 0
        while True:
            await ws.send(json.dumps({step["stream"]: i}))
            i += 1
            await asyncio.sleep(step.get("every", 0.02))
    elif "sleep" in step:
        await asyncio.sleep(step["sleep"])
    elif "close" in step:
        await ws.close(step["close"], step.get("reason", ""))
        return False
    elif "drop" in step:
        ws.transport.abort()
        return False
    elif "hold" in step:
        await ws.wait_closed()
        return False
    return True


async def reader(ws):
    """Log what the client sends while a script runs."""
    try:
        async for msg in ws:
            say("RECV", msg)
    except websockets.ConnectionClosed:
        pass


async def handler(ws, path, script):
    say("OPEN", path)
    for name, value in ws.request_headers.raw_items():
        say("HEADER", f"{name}: {value}")
    CLIENTS.add(ws)
    logger = None
    try:
        for step in script:
            if "expect" not in step and logger is None:
                logger = asyncio.ensure_future(reader(ws))
            if not await run_step(ws, step):
                break
        else:
            await ws.wait_closed()
    except websockets.ConnectionClosed:
        pass
    finally:
        CLIENTS.discard(ws)
        if logger is not None:
            logger.cancel()
        say("CLOSED", ws.close_code)


def make_process_request(status, required):
    def process_request(path, headers):
        if status:
            return (http.HTTPStatus(status), [], b"refused by the test\n")
        if required:
            name, value = required.split(":", 1)
            if headers.get(name.strip()) != value.strip():
                return (http.HTTPStatus.UNAUTHORIZED, [], b"who are you\n")
        return None
    return process_request


async def pump_stdin():
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        for ws in list(CLIENTS):
            try:
                await ws.send(line.rstrip("\n"))
            except websockets.ConnectionClosed:
                pass


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--script", default='[{"hold": true}]')
    ap.add_argument("--status", type=int, default=0)
    ap.add_argument("--require-header", default="")
    ap.add_argument("--stdin", action="store_true")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    a = ap.parse_args()
    script = json.loads(a.script)
    tls = None
    if a.cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(a.cert, a.key)
    async with websockets.serve(
            lambda ws, path: handler(ws, path, script), a.host, a.port,
            process_request=make_process_request(a.status,
                                                 a.require_header),
            ping_interval=None, max_size=None, ssl=tls) as server:
        port = server.sockets[0].getsockname()[1]
        say("listening on", port)
        if a.stdin:
            await pump_stdin()
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
