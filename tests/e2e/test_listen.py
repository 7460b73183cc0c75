"""ws-listen end to end, against a python3-websockets server started here
(tests/e2e/wsserver.py) and against ws-broadcast."""
import json
import os
import re
import signal
import socket
import subprocess
import time

import pytest

from conftest import ROOT, prog, wait_for

# Fast retries for tests; the jitter windows stay checkable.
FAST = ["--backoff", "100ms,400ms"]


def script(*steps):
    return ["--script", json.dumps(list(steps))]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# Output ---------------------------------------------------------------

def test_messages_in_order_nothing_lost_or_merged(procs):
    big = "x" * (1 << 20)
    msgs = [json.dumps({"n": i}) for i in range(500)]
    steps = [{"send": m} for m in msgs[:250]]
    steps += [{"big": 1 << 20, "char": "x"},
              {"fragments": ['{"frag', 'mented": ', 'true}']},
              {"send": "two\nlines\\ and \r a CR"},
              {"send": '{"json":\n  "with newlines"\r\n}'},
              {"send": "nul\u0000byte"}, {"send": ""}]
    steps += [{"send": m} for m in msgs[250:]]
    s = procs.server(*script(*steps))
    ls = procs.listen(s.url("/feed"))
    got = ls.wait_lines(506, timeout=20)
    want = [m.encode() for m in msgs[:250]]
    want += [big.encode(), b'{"fragmented": true}',
             b"two\\nlines\\\\ and \\r a CR",
             b'{"json":   "with newlines"  }', b"nul\x00byte", b""]
    want += [m.encode() for m in msgs[250:]]
    assert got == want
    s.wait_out("OPEN /feed")


def test_raw_writes_bytes_as_received(procs):
    s = procs.server(*script({"send": "a\nb"}, {"send": "c\\d"},
                             {"send": ""}, {"fragments": ["e\n", "f"]}))
    ls = procs.listen("--raw", s.url())
    assert ls.wait_lines(6) == [b"a", b"b", b"c\\d", b"", b"e", b"f"]


def test_messages_from_ws_broadcast_in_order(procs):
    b = procs.broadcast()
    b.write('{"snap": 0}\n')
    wait_for(lambda: b.http("/default")[0] == 200, what="snapshot")
    ls = procs.listen(b.url("/"))
    assert ls.wait_lines(1) == [b'{"snap": 0}']
    want = [f'{{"n": {i}, "big": 12345678901234567890}}'.encode()
            for i in range(1, 301)]
    # A message of 1 MiB, the longest line ws-broadcast takes.
    want.insert(150, b'"' + b"y" * ((1 << 20) - 2) + b'"')
    for m in want:
        b.write(m + b"\n")
    got = ls.wait_lines(302, timeout=20)
    assert got[1:] == want


def test_filter_zero_one_many_and_runtime_error(procs):
    s = procs.server(*script({"send": '{"items": [1, 2, 3]}'},
                             {"send": '{"items": "oops"}'},
                             {"send": "not json"},
                             {"send": '{"items": []}'},
                             {"send": '{"items": [9]}'}))
    ls = procs.listen("-f", ".items[] | select(. > 1) | {v: .}", s.url())
    assert ls.wait_lines(3) == [b'{"v":2}', b'{"v":3}', b'{"v":9}']
    ls.wait_stderr(r"message 2: filter failed: Cannot iterate over string")
    ls.wait_stderr(r"message 3: not JSON \(invalid literal at byte 2\): "
                   r"skipped, -f needs JSON")


def test_quiet_hides_lifecycle_lines_but_not_events(procs):
    s = procs.server(*script({"send": "a"}, {"close": 1000}))
    ls = procs.listen("-q", s.url())
    assert ls.wait() == 0
    assert ls.lines() == [b"a"] and ls.stderr() == ""
    ls = procs.listen("-q", "--events", s.url())
    assert ls.wait() == 0
    assert [e["event"] for e in ls.events()] == ["connected",
                                                 "disconnected"]
    ls = procs.listen(s.url())
    assert ls.wait() == 0
    assert ls.stderr() == (f"ws-listen: connected to {s.url()}\n"
                           f"ws-listen: disconnected from {s.url()}: "
                           f"code 1000\n")


def test_count_exits_after_n_lines(procs):
    s = procs.server(*script(*[{"send": str(i)} for i in range(10)]))
    ls = procs.listen("-n", "3", s.url())
    assert ls.wait() == 0
    assert ls.lines() == [b"0", b"1", b"2"]
    s.wait_out("CLOSED 1000")


def test_count_one_prints_the_snapshot(procs):
    b = procs.broadcast()
    b.write('{"state": "now"}\n')
    wait_for(lambda: b.http("/default")[0] == 200, what="snapshot")
    ls = procs.listen("-n", "1", b.url("/"))
    assert ls.wait() == 0
    assert ls.lines() == [b'{"state": "now"}']


def test_binary_and_too_big_are_skipped_and_stream_goes_on(procs):
    s = procs.server(*script({"send": "1"}, {"send_bytes": "00ff"},
                             {"big": 5000}, {"fragments": ["y" * 3000,
                                                           "y" * 3000]},
                             {"send": "2"}))
    ls = procs.listen("--max-message", "4k", s.url())
    assert ls.wait_lines(2) == [b"1", b"2"]
    ls.wait_stderr(r"message 2: binary message of 2 bytes: skipped")
    ls.wait_stderr(r"message 3: 5000 bytes, over --max-message \(4096\)")
    ls.wait_stderr(r"message 4: 6000 bytes, over --max-message \(4096\)")


def test_invalid_utf8_text_is_reported(procs):
    """python3-websockets will not send bad UTF-8 as text; a raw frame
    does, written by hand here."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    port = srv.getsockname()[1]
    ls = procs.listen(f"ws://127.0.0.1:{port}/")
    conn, _ = srv.accept()
    try:
        conn.settimeout(10)
        req = b""
        while b"\r\n\r\n" not in req:
            req += conn.recv(4096)
        key = re.search(rb"(?i)sec-websocket-key: *(\S+)", req).group(1)
        import base64
        import hashlib
        acc = base64.b64encode(hashlib.sha1(
            key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\n"
                     b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Accept: " + acc + b"\r\n\r\n")
        for payload in (b"ok1", b"bad \xff", b"ok2"):
            conn.sendall(bytes([0x81, len(payload)]) + payload)
        assert ls.wait_lines(2) == [b"ok1", b"ok2"]
        ls.wait_stderr(r"message 2: not valid UTF-8 at byte 5: skipped")
    finally:
        conn.close()
        srv.close()


def test_reader_gone_ends_quietly_on_a_quiet_feed(procs, env):
    s = procs.server(*script({"send": "first"}, {"send": "second"},
                             {"hold": True}))
    head = subprocess.Popen(["head", "-1"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    try:
        ls = procs.run([prog("ws-listen"), s.url()], stdout=head.stdin)
        head.stdin.close()
        assert head.stdout.read() == b"first\n"
        assert head.wait(10) == 0
        t0 = time.monotonic()
        assert ls.wait(5) == 0
        assert time.monotonic() - t0 < 2.0
        assert "error" not in ls.stderr().lower()
        s.wait_out("CLOSED 1000")
    finally:
        head.kill()
        head.wait()


def test_head_in_a_shell_pipeline_exits_at_once(procs, env):
    s = procs.server(*script({"send": '{"a": 1}'}, {"hold": True}))
    t0 = time.monotonic()
    r = subprocess.run(["sh", "-c", f'"{prog("ws-listen")}" -q '
                        f'{s.url()} | head -1; echo "status $?"'],
                       capture_output=True, env=env, timeout=15)
    assert r.stdout == b'{"a": 1}\nstatus 0\n'
    assert time.monotonic() - t0 < 5


# Reconnecting -----------------------------------------------------------

def test_close_1000_ends_with_0(procs):
    b = procs.broadcast()
    ls = procs.listen("--events", b.url("/"))
    ls.wait_event("connected")
    b.write('{"last": 1}\n')
    b.close_stdin()
    assert ls.wait() == 0
    assert ls.lines() == [b'{"last": 1}']
    ev = ls.events()
    assert [e["event"] for e in ev] == ["connected", "disconnected"]
    assert ev[1]["code"] == 1000


def test_forever_reconnects_after_1000(procs):
    s = procs.server(*script({"send": "hi"}, {"close": 1000}))
    ls = procs.listen("--forever", "--events", *FAST, s.url())
    ls.wait_event("connected", 3)
    assert ls.wait_lines(3)[:3] == [b"hi", b"hi", b"hi"]
    assert all(e["code"] == 1000 for e in ls.wait_event("disconnected", 2))


def test_restart_with_1001_reconnects_and_prints_new_snapshot(procs):
    b = procs.broadcast()
    port = b.port
    b.write('{"gen": 1}\n')
    ls = procs.listen("--events", *FAST, b.url("/"))
    assert ls.wait_lines(1) == [b'{"gen": 1}']
    b.signal(signal.SIGTERM)
    assert b.wait() == 0
    d = ls.wait_event("disconnected")[0]
    assert d["code"] == 1001
    ls.wait_event("reconnecting")
    b2 = procs.run([prog("ws-broadcast"), "-l", f"127.0.0.1:{port}"])
    b2.wait_stderr("listening on")
    b2.write('{"gen": 2}\n')
    assert ls.wait_lines(2, timeout=15) == [b'{"gen": 1}', b'{"gen": 2}']
    assert len(ls.wait_event("connected", 2)) == 2


def test_server_killed_without_close_frame_is_reconnected(procs):
    s = procs.server(*script({"send": "one"}, {"hold": True}))
    port = s.port
    ls = procs.listen("--events", *FAST, s.url())
    assert ls.wait_lines(1) == [b"one"]
    s.p.kill()
    s.wait()
    d = ls.wait_event("disconnected")[0]
    assert d["code"] == 1006
    s2 = procs.server("--port", str(port), *script({"send": "two"},
                                                   {"hold": True}))
    assert s2.port == port
    assert ls.wait_lines(2, timeout=15) == [b"one", b"two"]


def test_stopped_server_is_detected_by_ping(procs):
    s = procs.server(*script({"send": "one"}, {"hold": True}))
    ls = procs.listen("--events", "--ping", "300ms", "--connect-timeout",
                      "1s", *FAST, s.url())
    assert ls.wait_lines(1) == [b"one"]
    ls.wait_event("connected")
    time.sleep(0.5)   # a few pings answered first
    assert ls.events()[-1]["event"] == "connected"
    stopped = time.time()
    s.signal(signal.SIGSTOP)
    try:
        d = ls.wait_event("disconnected", timeout=10)[0]
        assert d["code"] == 1006
        assert "no data or pong" in d["reason"]
        # Two intervals (0.6 s) after the last pong, which came before
        # the stop; generous slack for a loaded machine.
        assert d["t"] - stopped < 0.6 + 1.0
        ls.wait_event("reconnecting")
    finally:
        s.signal(signal.SIGCONT)
    assert ls.wait_lines(2, timeout=15) == [b"one", b"one"]
    assert len(ls.wait_event("connected", 2)) == 2


def test_subscribe_is_sent_again_after_a_restart(procs, tmp_path):
    sub = '{"subscribe": "ticks"}'
    steps = script({"expect": sub}, {"stream": "tick", "every": 0.02})
    s = procs.server(*steps)
    port = s.port
    f = tmp_path / "more.txt"
    f.write_text('{"also": 1}\r\n\n{"also": 2}\n')
    ls = procs.listen("--send", sub, "--send-file", str(f), "--events",
                      *FAST, s.url())
    ls.wait_lines(5)
    s.wait_out('RECV {"also": 2}')
    s.p.kill()
    s.wait()
    ls.wait_event("disconnected")
    n = len(ls.lines())
    s2 = procs.server("--port", str(port), *steps)
    ls.wait_lines(n + 5, timeout=15)
    # The new server streamed, so it got the subscribe message first.
    recv = s2.wait_out("RECV", 2)
    assert recv[:2] == [b'RECV {"also": 1}', b'RECV {"also": 2}']
    later = [json.loads(l) for l in ls.lines()[n:]]
    assert later[:3] == [{"tick": 0}, {"tick": 1}, {"tick": 2}]


def test_retries_then_exit_3_with_delays_in_their_windows(procs):
    port = free_port()
    ls = procs.listen("--events", "--retries", "3", "--backoff",
                      "200ms,1s", f"ws://127.0.0.1:{port}/")
    assert ls.wait(15) == 3
    ev = ls.events()
    kinds = [e["event"] for e in ev]
    assert kinds == ["connect_failed", "reconnecting"] * 3 + \
        ["connect_failed", "reconnect_failed"]
    assert ev[-1]["attempts"] == 3
    assert "Connection refused" in ev[0]["error"]
    rec = [e for e in ev if e["event"] == "reconnecting"]
    fails = [e for e in ev if e["event"] == "connect_failed"]
    assert [e["attempt"] for e in rec] == [1, 2, 3]
    assert [e["attempt"] for e in fails] == [0, 1, 2, 3]
    for k, (lo, hi) in enumerate([(100, 200), (200, 400), (400, 800)]):
        d = rec[k]["delay_ms"]
        assert lo <= d <= hi
        # The next attempt came after that delay (timestamps have ms).
        waited = (fails[k + 1]["t"] - rec[k]["t"]) * 1000
        assert d - 2 <= waited <= d + 500


def test_seed_pins_the_jitter(procs, env):
    port = free_port()
    delays = []
    for _ in range(2):
        e = dict(env, WSFEED_SEED="42")
        ls = procs.listen("--events", "--retries", "3", "--backoff",
                          "10ms,1s", f"ws://127.0.0.1:{port}/", env=e)
        assert ls.wait(15) == 3
        delays.append([e["delay_ms"] for e in ls.events()
                       if e["event"] == "reconnecting"])
    assert delays[0] == delays[1]
    assert delays[0] == reference_delays(42, 10, 1000, 3)


def reference_delays(seed, lo, hi, n):
    """DESIGN.md's draws computed apart from the C code: splitmix64, a
    uniform pick in [d/2, d] with the uneven top redrawn."""
    mask = (1 << 64) - 1
    state, out = seed, []

    def rand():
        nonlocal state
        state = (state + 0x9e3779b97f4a7c15) & mask
        z = state
        z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & mask
        z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & mask
        return z ^ (z >> 31)

    for k in range(1, n + 1):
        d = min(hi, lo * 2 ** (k - 1))
        span = d - d // 2 + 1
        limit = mask - mask % span
        r = rand()
        while r >= limit:
            r = rand()
        out.append(d // 2 + r % span)
    return out


def test_401_is_not_retried(procs):
    s = procs.server("--status", "401")
    ls = procs.listen("--events", *FAST, s.url())
    assert ls.wait(10) == 1
    ev = ls.events()
    assert [e["event"] for e in ev] == ["connect_failed"]
    assert ev[0]["status"] == 401
    assert ev[0]["error"] == "HTTP 401 Unauthorized"


@pytest.mark.parametrize("status", [403, 404])
def test_403_and_404_are_not_retried(procs, status):
    s = procs.server("--status", str(status))
    ls = procs.listen(*FAST, s.url())
    assert ls.wait(10) == 1
    assert f"HTTP {status}" in ls.stderr()
    assert "reconnecting" not in ls.stderr()


def test_503_is_retried(procs):
    s = procs.server("--status", "503")
    ls = procs.listen("--events", "--retries", "2", *FAST, s.url())
    assert ls.wait(10) == 3
    fails = [e for e in ls.events() if e["event"] == "connect_failed"]
    assert len(fails) == 3 and all(e["status"] == 503 for e in fails)


def test_no_reconnect(procs):
    port = free_port()
    ls = procs.listen("--no-reconnect", f"ws://127.0.0.1:{port}/")
    assert ls.wait(10) == 1
    assert "Connection refused" in ls.stderr()
    s = procs.server(*script({"send": "x"}, {"close": 1001}))
    ls = procs.listen("--no-reconnect", s.url())
    assert ls.wait(10) == 1
    s = procs.server(*script({"send": "x"}, {"close": 1000}))
    ls = procs.listen("--no-reconnect", s.url())
    assert ls.wait(10) == 0


def test_early_drops_keep_counting_until_stable(procs):
    s = procs.server(*script({"send": "x"}, {"close": 1011}))
    ls = procs.listen("--events", "--backoff", "20ms,1s", "--stable",
                      "10s", s.url())
    rec = ls.wait_event("reconnecting", 4)
    assert [e["attempt"] for e in rec[:4]] == [1, 2, 3, 4]
    conn = ls.wait_event("connected", 4)
    assert [e["attempt"] for e in conn[:4]] == [0, 1, 2, 3]


def test_stable_connection_resets_the_count(procs):
    s = procs.server(*script({"send": "x"}, {"sleep": 0.4},
                             {"close": 1011}))
    ls = procs.listen("--events", "--backoff", "20ms,1s", "--stable",
                      "200ms", s.url())
    rec = ls.wait_event("reconnecting", 3)
    assert [e["attempt"] for e in rec[:3]] == [1, 1, 1]


def test_handshake_timeout(procs):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    try:
        ls = procs.listen("--events", "--connect-timeout", "300ms",
                          "--retries", "1", *FAST,
                          f"ws://127.0.0.1:{srv.getsockname()[1]}/")
        assert ls.wait(10) == 3
        fails = [e for e in ls.events() if e["event"] == "connect_failed"]
        assert len(fails) == 2
        assert "no handshake within --connect-timeout" in fails[0]["error"]
    finally:
        srv.close()


# Connecting ---------------------------------------------------------------

def test_ipv6_and_host_name(procs):
    s = procs.server("--host", "::1", *script({"send": "v6"}))
    ls = procs.listen("-n", "1", f"ws://[::1]:{s.port}/six?x=1")
    assert ls.wait() == 0 and ls.lines() == [b"v6"]
    s.wait_out("OPEN /six?x=1")
    assert f"HEADER Host: [::1]:{s.port}".encode() in s.out.snapshot()
    s = procs.server(*script({"send": "name"}))
    ls = procs.listen("-n", "1", f"ws://localhost:{s.port}/")
    assert ls.wait() == 0 and ls.lines() == [b"name"]
    s.wait_out(f"HEADER Host: localhost:{s.port}")


def test_sigterm_closes_with_1000_and_exits_0(procs):
    s = procs.server(*script({"send": "a"}, {"hold": True}))
    ls = procs.listen(s.url())
    ls.wait_lines(1)
    ls.signal(signal.SIGTERM)
    assert ls.wait(5) == 0
    s.wait_out("CLOSED 1000")


def test_sigint_while_waiting_to_retry(procs):
    ls = procs.listen("--events", "--backoff", "10s",
                      f"ws://127.0.0.1:{free_port()}/")
    ls.wait_event("reconnecting")
    ls.signal(signal.SIGINT)
    assert ls.wait(5) == 0


def test_second_signal_exits_at_once(procs):
    """The first SIGTERM closes cleanly, which a stopped server makes
    wait; the second ends the program at once."""
    s = procs.server(*script({"send": "a"}, {"hold": True}))
    for signals in (1, 2):
        ls = procs.listen("-vv", s.url())
        ls.wait_lines(1)
        s.signal(signal.SIGSTOP)
        try:
            ls.signal(signal.SIGTERM)
            ls.wait_stderr(r"Terminated: closing the connection")
            if signals == 2:
                ls.signal(signal.SIGTERM)
            assert ls.wait(5) == 0
        finally:
            s.signal(signal.SIGCONT)
        # Only the first run waited for the server's answer.
        assert ("the close took too long" in ls.stderr()) == \
            (signals == 1)


def test_sigterm_ends_while_stdout_is_blocked(procs):
    """A reader that stopped reading blocks our writes; SIGTERM still
    ends the program."""
    s = procs.server(*script(*[{"big": 60000}] * 40, {"hold": True}))
    r, w = os.pipe()
    try:
        ls = procs.run([prog("ws-listen"), s.url()], stdout=w)
        os.close(w)
        w = -1
        # Wait until the pipe is full and a write blocks.
        wait_for(lambda: "pipe_write" in open(f"/proc/{ls.pid}/wchan")
                 .read(), what="a blocked write")
        ls.signal(signal.SIGTERM)
        assert ls.wait(5) == 0
    finally:
        os.close(r)
        if w >= 0:
            os.close(w)


@pytest.mark.parametrize("args,needle", [
    ([], "no URL given"),
    (["http://127.0.0.1/"], "bad URL 'http://127.0.0.1/': scheme 'http' "
     "is not ws or wss"),
    (["ws://::1/"], "an IPv6 address needs brackets"),
    (["ws://h:99999/"], "port 99999 is out of range (1-65535)"),
    (["ws://h/a b"], "space or control character at byte 9"),
    (["ws://a/", "ws://b/"], "unexpected argument 'ws://b/'"),
    (["--raw", "-f", ".", "ws://h/"], "-f needs JSON messages"),
    (["-f", ".a |", "ws://h/"], "syntax error"),
    (["--no-reconnect", "--forever", "ws://h/"], "conflict"),
    (["--backoff", "2s,1s", "ws://h/"], "MAX '1s' is less than MIN '2s'"),
    (["--backoff", "0", "ws://h/"], "must be more than 0"),
    (["--ping", "5h", "ws://h/"], "--ping: bad duration '5h'"),
    (["-n", "0", "ws://h/"], "-n: bad number '0'"),
    (["--retries", "-1", "ws://h/"], "--retries: bad number '-1'"),
    (["--max-message", "0", "ws://h/"], "must be more than 0"),
    (["--send", "\udcff", "ws://h/"], "--send: not valid UTF-8"),
    (["--bogus", "ws://h/"], "unknown option '--bogus'"),
])
def test_usage_errors_exit_2(procs, args, needle):
    args = [a.encode("utf-8", "surrogateescape") for a in args]
    p = procs.run([prog("ws-listen").encode()] + args)
    assert p.wait() == 2
    assert needle in p.stderr()
    assert "--help" in p.stderr()


def test_unreadable_send_file_exits_1(procs, tmp_path):
    p = procs.run([prog("ws-listen"), "--send-file",
                   str(tmp_path / "nope"), "ws://127.0.0.1:9/"])
    assert p.wait() == 1
    assert "No such file or directory" in p.stderr()


def test_help_matches_the_man_page(procs):
    p = procs.run([prog("ws-listen"), "--help"])
    assert p.wait() == 0
    usage = p.p.stdout.read().decode()
    assert usage.startswith("usage: ws-listen ")
    man = subprocess.run(["mandoc", "-Tutf8", str(ROOT / "man" /
                                                  "ws-listen.1")],
                         capture_output=True, text=True, timeout=10).stdout
    man = re.sub(".\b", "", man)
    synopsis = man.split("SYNOPSIS")[1].split("DESCRIPTION")[0]

    def words(t):
        return t.replace("usage:", "").split()

    assert [w.lower() for w in words(usage)] == \
        [w.lower() for w in words(synopsis)]
    opts = set(re.findall(r"--[a-z][a-z-]+", usage))
    for o in opts:
        assert o in man


def man_examples():
    """The EXAMPLES of ws-listen.1 that run offline, as shell commands."""
    text = (ROOT / "man" / "ws-listen.1").read_text()
    section = text.split(".Sh EXAMPLES")[1].split(".Sh ")[0]
    section = section.replace("\\e\n", " ").replace("\\(dq", '"')
    cmds = []
    for line in section.splitlines():
        line = line.removeprefix(".Dl ").strip()
        if line.startswith("ws-listen ") and "wss://" not in line:
            cmds.append(line)
    return cmds


def test_man_examples_run(procs):
    cmds = man_examples()
    assert len(cmds) == 4
    rows = (ROOT / "tests" / "fixtures" / "vmstat.txt").read_text()
    nrows = len([l for l in rows.splitlines()[2:] if l.strip()])
    for cmd in cmds:
        b = procs.broadcast("--format", "table", "-r", "vmstat")
        b.write(rows)
        wait_for(lambda: b.http("/vmstat")[0] == 200, what="a snapshot")
        cmd = cmd.replace("ws-listen ", f'"{prog("ws-listen")}" ', 1)
        cmd = cmd.replace("127.0.0.1:8080", b.hostport)
        p = subprocess.Popen(["sh", "-c", cmd], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        try:
            if " -n 1 " not in cmd:
                wait_for(lambda: b.http("/_rooms")[2].count(b'"clients": 1')
                         == 1, what=f"the example connected: {cmd}")
                b.write(rows)
                b.close_stdin()
            out, err = p.communicate(timeout=15)
        finally:
            p.kill()
        assert p.returncode == 0, (cmd, err)
        lines = out.decode().splitlines()
        if " -n 1 " in cmd:
            assert len(lines) == 1
        else:
            assert len(lines) == 1 + nrows, (cmd, err)
        if " -f " in cmd:
            assert all(list(json.loads(l)) == ["us", "sy", "id"]
                       for l in lines)
