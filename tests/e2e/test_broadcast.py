"""ws-broadcast end to end, with python3-websockets as the client."""
import asyncio
import json
import os
import signal
import socket
import subprocess
import time

import pytest
import websockets

from conftest import ROOT, metrics, prog, recv_until_close, wait_for, ws_recv


async def _connect(url, **kw):
    return await websockets.connect(url, max_size=None, **kw)


async def _take(ws, n, timeout=5):
    return [await asyncio.wait_for(ws.recv(), timeout) for _ in range(n)]


def run_async(coro, timeout=30):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def wait_in(b, n):
    wait_for(lambda: metrics(b)["wsfeed_messages_in_total"] >= n,
             what=f"{n} messages in")


def test_live_delivery_in_order(procs):
    b = procs.broadcast()

    async def go():
        async with websockets.connect(b.url("/")) as ws:
            for i in range(200):
                b.write(f'{{"n": {i}}}\n')
            return await _take(ws, 200)

    assert run_async(go()) == [f'{{"n": {i}}}' for i in range(200)]


def test_snapshot_on_late_join_then_live(procs):
    b = procs.broadcast()
    b.write('{"v": 1}\n{"v": 2}\n{"v": 3}\n')
    wait_in(b, 3)

    async def go():
        async with websockets.connect(b.url("/")) as ws:
            first = await _take(ws, 1)
            b.write('{"v": 4}\n')
            return first + await _take(ws, 1)

    assert run_async(go()) == ['{"v": 3}', '{"v": 4}']


def test_rooms_kept_apart_with_room_by(procs):
    b = procs.broadcast("--room-by", ".room")

    async def go():
        a = await _connect(b.url("/alpha"))
        z = await _connect(b.url("/zeta"))
        b.write('{"room": "alpha", "n": 1}\n{"room": "zeta", "n": 2}\n'
                '{"room": "alpha", "n": 3}\n')
        got_a = await _take(a, 2)
        got_z = await _take(z, 1)
        await a.close()
        await z.close()
        return got_a, got_z

    got_a, got_z = run_async(go())
    assert got_a == ['{"room": "alpha", "n": 1}', '{"room": "alpha", "n": 3}']
    assert got_z == ['{"room": "zeta", "n": 2}']


def test_room_by_bad_names_are_reported_and_skipped(procs):
    b = procs.broadcast("--room-by", ".room")
    b.write('{"room": "../etc"}\n{"room": 7}\n{"x": 1}\n'
            '{"room": "_metrics"}\n{"room": "ok"}\n')
    wait_in(b, 1)
    b.wait_stderr(r'line 1: --room-by gave "\.\./etc", not a valid room')
    b.wait_stderr(r"line 2: --room-by gave 7, not a valid room name")
    b.wait_stderr(r"line 3: --room-by gave null, not a valid room name")
    b.wait_stderr(r'line 4: --room-by gave "_metrics"')
    status, _, body = b.http("/ok")
    assert (status, body) == (200, b'{"room": "ok"}')


def test_filter_one_to_many_and_none(procs):
    b = procs.broadcast("-f", ".items[] | select(. > 1) | {v: .}")

    async def go():
        async with websockets.connect(b.url("/")) as ws:
            b.write('{"items": [1, 2, 3]}\n{"items": []}\n'
                    '{"items": [5]}\n')
            return await _take(ws, 3)

    assert run_async(go()) == ['{"v":2}', '{"v":3}', '{"v":5}']


def test_numbers_are_forwarded_byte_for_byte(procs):
    b = procs.broadcast()
    line = '{"big": 12345678901234567890, "price": 1.50, "e": 1E+2}'

    async def go():
        async with websockets.connect(b.url("/")) as ws:
            b.write(line + "\n")
            return await _take(ws, 1)

    assert run_async(go()) == [line]


def test_bad_json_and_failing_filter_are_skipped(procs):
    b = procs.broadcast("-f", ".a | 10 / .")

    async def go():
        async with websockets.connect(b.url("/")) as ws:
            b.write('{"a": 2}\n{"a": \n{"a": "x"}\nnan\n{"a": 5}\n')
            return await _take(ws, 2)

    assert run_async(go()) == ["5", "2"]
    b.wait_stderr(r"line 4: not valid JSON")
    err = b.stderr()
    assert "line 2: not valid JSON" in err
    assert "one value per line" in err
    assert "line 3: filter failed: number (10) and string" in err
    assert "line 4: not valid JSON" in err
    assert metrics(b)["wsfeed_bad_lines_total"] == 3


@pytest.mark.parametrize("fmt", ["json", "raw"])
def test_invalid_utf8_is_never_sent(procs, fmt):
    b = procs.broadcast("--format", fmt)

    async def go():
        async with websockets.connect(b.url("/")) as ws:
            b.write(b'"bad \xff\xfe"\n"over \xc0\xaf"\n"ok \xc3\xa9"\n')
            return await _take(ws, 1)

    assert run_async(go()) == ['"ok \u00e9"']
    assert metrics(b)["wsfeed_bad_lines_total"] == 2
    b.wait_stderr(r"line 2:")
    assert "line 1:" in b.stderr()


def test_text_format_repairs_utf8_and_escapes(procs):
    b = procs.broadcast("--format", "text")

    async def go():
        async with websockets.connect(b.url("/")) as ws:
            b.write(b'caf\xc3\xa9 \xff "q" \\ \t end\r\n')
            return await _take(ws, 1)

    got = run_async(go())[0]
    assert json.loads(got) == 'caf\u00e9 \ufffd "q" \\ \t end'


def test_crlf_empty_lines_nul_and_last_line_without_newline(procs):
    b = procs.broadcast("--format", "raw")

    async def go():
        async with websockets.connect(b.url("/")) as ws:
            b.write(b"one\r\n\n\r\ntwo\x00three\nlast")
            b.close_stdin()
            return await recv_until_close(ws, 5)

    got, code = run_async(go())
    assert got == ["one", "two\x00three", "last"]
    assert code == 1000


def test_line_over_max_line_is_skipped_and_stream_goes_on(procs):
    b = procs.broadcast("--max-line", "1k", "--format", "raw")

    async def go():
        async with websockets.connect(b.url("/")) as ws:
            b.write(b"a" * 5000 + b"\n" + b"b" * 1024 + b"\nnext\n")
            return await _take(ws, 2)

    assert run_async(go()) == ["b" * 1024, "next"]
    b.wait_stderr(r"line 1: 5000 bytes, longer than --max-line \(1024\)")


def test_stdin_that_never_ends_a_line(procs):
    """Megabytes without a newline: reported, memory bounded, no hang."""
    b = procs.broadcast("--format", "raw", "--max-line", "64k")
    chunk = b"x" * 65536
    for _ in range(64):
        b.write(chunk)
    b.write(b"\nafter\n")
    wait_in(b, 1)
    status, _, body = b.http("/default")
    assert (status, body) == (200, b"after")
    rss_kb = int([l for l in open(f"/proc/{b.pid}/status")
                  if l.startswith("VmRSS")][0].split()[1])
    b.wait_stderr(r"line 1: 4194304 bytes, longer than --max-line")
    assert rss_kb < 200 * 1024


def test_http_snapshot_metrics_and_rooms(procs):
    b = procs.broadcast("-r", "main", "--room-by", ".r // \"main\"")
    status, _, body = b.http("/main")
    assert status == 204
    b.write('{"r": "main", "x": 1}\n{"r": "other", "y": 2}\n')
    wait_in(b, 2)
    status, headers, body = b.http("/main")
    assert status == 200 and body == b'{"r": "main", "x": 1}'
    assert headers["content-type"].startswith("application/json")
    assert b.http("/nosuch")[0] == 404
    assert b.http("/bad%2Fname")[0] == 404
    status, headers, body = b.http("/_rooms")
    rooms = json.loads(body)
    assert [r["room"] for r in rooms] == ["main", "other"]
    assert all(r["clients"] == 0 for r in rooms)
    assert all(isinstance(r["snapshot_age_ms"], int) for r in rooms)
    assert [r["room"] for r in json.loads(b.http("/")[2])] == \
        ["main", "other"]
    m = metrics(b)
    assert m["wsfeed_messages_in_total"] == 2
    assert m["wsfeed_rooms"] == 2
    for name in ("wsfeed_clients", "wsfeed_messages_out_total",
                 "wsfeed_messages_dropped_total",
                 "wsfeed_clients_closed_slow_total",
                 "wsfeed_bad_lines_total", "wsfeed_client_messages_total"):
        assert name in m
    assert b.http("/main", method="POST")[0] == 405


def test_raw_snapshot_is_text_plain(procs):
    b = procs.broadcast("--format", "raw")
    b.write("hello there\n")
    wait_in(b, 1)
    status, headers, body = b.http("/default")
    assert body == b"hello there"
    assert headers["content-type"].startswith("text/plain")


def _listening(port):
    out = subprocess.run(["ss", "-ltnH"], capture_output=True, text=True,
                         timeout=10).stdout
    return [l.split()[3] for l in out.splitlines()
            if l.split()[3].endswith(f":{port}")]


def test_bound_address_is_exactly_loopback(procs):
    b = procs.broadcast()
    assert _listening(b.port) == [f"127.0.0.1:{b.port}"]


def test_ipv6_loopback_bind(procs, env):
    b = procs.run([prog("ws-broadcast"), "-l", "[::1]:0"])
    m = b.wait_stderr(r"listening on ws://\[::1\]:(\d+)/")
    port = int(m.group(1))
    assert _listening(port) == [f"[::1]:{port}"]
    msgs = ws_recv(f"ws://[::1]:{port}/", 0)
    assert msgs == []


def test_port_in_use_is_a_clear_error(procs):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    port = s.getsockname()[1]
    try:
        p = procs.run([prog("ws-broadcast"), "-l", f"127.0.0.1:{port}"])
        assert p.wait() == 1
        assert "Address already in use" in p.stderr()
    finally:
        s.close()


def test_close_1000_at_end_of_input(procs):
    b = procs.broadcast()

    async def go():
        async with websockets.connect(b.url("/")) as ws:
            b.write('{"last": true}\n')
            b.close_stdin()
            return await recv_until_close(ws, 5)

    assert run_async(go()) == (['{"last": true}'], 1000)
    assert b.wait() == 0


def test_close_1001_on_sigterm_and_exit_0(procs):
    b = procs.broadcast()

    async def go():
        async with websockets.connect(b.url("/")) as ws:
            b.write('{"a": 1}\n')
            await _take(ws, 1)
            b.signal(signal.SIGTERM)
            return await recv_until_close(ws, 5)

    assert run_async(go()) == ([], 1001)
    assert b.wait() == 0


def test_end_of_input_without_clients_exits_at_once(procs):
    b = procs.broadcast()
    b.write('{"a": 1}\n')
    b.close_stdin()
    assert b.wait(5) == 0


def test_keep_open_serves_snapshot_after_end(procs):
    b = procs.broadcast("--keep-open")
    b.write('{"final": 1}\n')
    b.close_stdin()
    b.wait_stderr(r"end of input|listening", timeout=5)
    time.sleep(0.3)
    assert b.p.poll() is None
    assert ws_recv(b.url("/"), 1) == ['{"final": 1}']
    b.signal(signal.SIGINT)
    assert b.wait() == 0


def test_tee_copies_input_to_stdout(procs):
    b = procs.broadcast("--tee", "--format", "raw")
    b.write(b"one\r\ntwo\n\nthree")
    b.close_stdin()
    out = b.p.stdout.read()
    assert b.wait() == 0
    assert out == b"one\r\ntwo\n\nthree"


def test_bad_line_reports_are_rate_limited(procs):
    b = procs.broadcast()
    b.write("not json\n" * 25)
    b.close_stdin()
    assert b.wait() == 0
    err = b.stderr()
    assert err.count("not valid JSON") == 10
    assert "15 more bad lines" in err


@pytest.mark.parametrize("args,needle", [
    (["--bogus"], "unrecognized option"),
    (["-f", ".a |"], "syntax error"),
    (["--format", "raw", "-f", "."], "-f needs JSON input"),
    (["--format", "xml"], "'xml' is not json, raw, text or table"),
    (["--stall", "5h"], "--stall: bad duration '5h'"),
    (["-r", "a/b"], "not a valid room name"),
    (["-l", "127.0.0.1:99999"], "-l: bad address"),
])
def test_usage_errors_exit_2(procs, args, needle):
    p = procs.run([prog("ws-broadcast")] + args)
    assert p.wait() == 2
    assert needle in p.stderr()
    assert "--help" in p.stderr()


def test_help_and_version(procs):
    p = procs.run([prog("ws-broadcast"), "--help"])
    assert p.wait() == 0
    out = p.p.stdout.read().decode()
    assert out.startswith("usage: ws-broadcast")
    p = procs.run([prog("ws-broadcast"), "-V"])
    assert p.wait() == 0
    assert p.p.stdout.read().decode().startswith("ws-broadcast ")


def test_table_format_vmstat(procs):
    b = procs.broadcast("--format", "table")
    fixture = (ROOT / "tests" / "fixtures" / "vmstat.txt").read_bytes()

    async def go():
        async with websockets.connect(b.url("/")) as ws:
            b.write(fixture)
            b.close_stdin()
            return await recv_until_close(ws, 5)

    got, code = run_async(go())
    rows = [l for l in fixture.decode().splitlines()[2:] if l.strip()]
    assert len(got) == len(rows) and code == 1000
    first = json.loads(got[0])
    assert list(first)[:3] == ["r", "b", "swpd"]
    assert first["r"] == int(rows[0].split()[0])
    assert all(isinstance(v, (int, float)) for v in first.values())


def test_client_messages_are_counted_and_ignored(procs):
    b = procs.broadcast()

    async def go():
        async with websockets.connect(b.url("/")) as ws:
            await ws.send("hello")
            await ws.send(b"\x00\x01")
            b.write('{"a": 1}\n')
            return await _take(ws, 1)

    assert run_async(go()) == ['{"a": 1}']
    wait_for(lambda: metrics(b)["wsfeed_client_messages_total"] == 2,
             what="client messages counted")


def test_unknown_room_path_is_404_for_websocket(procs):
    b = procs.broadcast()

    async def go():
        try:
            await websockets.connect(b.url("/_nope"))
        except websockets.InvalidStatusCode as e:
            return e.status_code
        return None

    assert run_async(go()) == 404
