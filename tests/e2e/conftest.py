"""Shared helpers for wsfeed's end-to-end tests.

Every program runs on loopback with port 0; its port is read from the
"listening on" line. Every wait is bounded, and every process a test
starts is killed at the end of that test.
"""
import asyncio
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import websockets

ROOT = Path(__file__).resolve().parents[2]
LISTEN_RE = re.compile(r"listening on (wss?)://([^/]+)/")


def prog(name):
    return str(ROOT / name)


def base_env(home):
    """An environment for a program under test: an empty HOME (libjq reads
    ~/.jq), and the sanitizer settings when the build uses them."""
    env = dict(os.environ)
    env["HOME"] = str(home)
    supp = ROOT / "tests" / "lsan.supp"
    env["LSAN_OPTIONS"] = f"suppressions={supp}:print_suppressions=0"
    # A small quarantine keeps ASan's RSS close to the program's own, so
    # that the memory bounds the tests check mean the same in both builds.
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:quarantine_size_mb=8")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    return env


class Proc:
    """A started program whose stderr is collected line by line."""

    def __init__(self, args, env, stdin=subprocess.PIPE,
                 stdout=subprocess.PIPE, **kw):
        self.args = args
        self.p = subprocess.Popen(args, stdin=stdin, stdout=stdout,
                                  stderr=subprocess.PIPE, env=env, **kw)
        self.err_lines = []
        self.cond = threading.Condition()
        self.err_done = False
        self.t = threading.Thread(target=self._read_stderr, daemon=True)
        self.t.start()

    def _read_stderr(self):
        for raw in self.p.stderr:
            with self.cond:
                self.err_lines.append(raw.decode("utf-8", "replace"))
                self.cond.notify_all()
        with self.cond:
            self.err_done = True
            self.cond.notify_all()

    @property
    def pid(self):
        return self.p.pid

    def stderr(self):
        with self.cond:
            return "".join(self.err_lines)

    def wait_stderr(self, pattern, timeout=10.0):
        """Wait until a stderr line matches pattern; return the match."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.err_lines:
                    m = rx.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or self.err_done:
                    raise AssertionError(
                        f"no stderr line matching {pattern!r} within "
                        f"{timeout}s from {self.args[0]}; stderr:\n"
                        + "".join(self.err_lines))
                self.cond.wait(left)

    def write(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def close_stdin(self):
        if self.p.stdin and not self.p.stdin.closed:
            self.p.stdin.close()

    def wait(self, timeout=10.0):
        """Wait for the exit; return the status. Fails on a timeout."""
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"{self.args[0]} did not exit within {timeout}s; stderr:\n"
                + self.stderr())
        self.t.join(5)
        return rc

    def signal(self, sig):
        if self.p.poll() is None:
            os.kill(self.p.pid, sig)

    def kill(self):
        if self.p.poll() is None:
            try:
                os.kill(self.p.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
            self.p.kill()
        try:
            self.p.wait(10)
        except subprocess.TimeoutExpired:
            pass
        for f in (self.p.stdin, self.p.stdout):
            try:
                if f:
                    f.close()
            except OSError:
                pass


class Broadcast(Proc):
    """A running ws-broadcast, with its address read from stderr."""

    def __init__(self, args, env, **kw):
        super().__init__([prog("ws-broadcast"), "-l", "127.0.0.1:0"]
                         + list(args), env, **kw)
        m = self.wait_stderr(LISTEN_RE.pattern)
        self.scheme, self.hostport = m.group(1), m.group(2)
        self.port = int(self.hostport.rsplit(":", 1)[1])

    def url(self, path="/"):
        return f"{self.scheme}://{self.hostport}{path}"

    def http(self, path, headers=None, method="GET"):
        return http_get(self.hostport, path, headers, method)


class OutLines:
    """Collects a process's stdout line by line in a thread (bytes, without
    the newline), so that a test can wait for lines with a deadline."""

    def __init__(self, stream):
        self.lines = []
        self.cond = threading.Condition()
        self.done = False
        self.t = threading.Thread(target=self._read, args=(stream,),
                                  daemon=True)
        self.t.start()

    def _read(self, stream):
        for raw in stream:
            with self.cond:
                self.lines.append(raw[:-1] if raw.endswith(b"\n") else raw)
                self.cond.notify_all()
        with self.cond:
            self.done = True
            self.cond.notify_all()

    def wait(self, pred, timeout, what):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                v = pred(self.lines)
                if v:
                    return v
                left = deadline - time.monotonic()
                if left <= 0 or self.done:
                    raise AssertionError(
                        f"timed out after {timeout}s waiting for {what}; "
                        f"stdout so far: {self.lines[-20:]!r}")
                self.cond.wait(left)

    def snapshot(self):
        with self.cond:
            return list(self.lines)


class PyServer(Proc):
    """tests/e2e/wsserver.py: a python3-websockets server in its own
    process, which a test can stop with SIGSTOP or kill and restart."""

    def __init__(self, args, env, **kw):
        super().__init__([sys.executable, str(Path(__file__).parent /
                                              "wsserver.py")] + list(args),
                         env, **kw)
        self.out = OutLines(self.p.stdout)
        line = self.out.wait(
            lambda ls: next((l for l in ls
                             if l.startswith(b"listening on")), None),
            10, "the server's listening line")
        self.port = int(line.split()[-1])

    def url(self, path="/", scheme="ws", host="127.0.0.1"):
        return f"{scheme}://{host}:{self.port}{path}"

    def wait_out(self, text, count=1, timeout=10.0):
        """Wait until count stdout lines start with text; return them."""
        t = text.encode()
        return self.out.wait(
            lambda ls: (lambda m: m if len(m) >= count else None)(
                [l for l in ls if l.startswith(t)]),
            timeout, f"{count} server lines starting with {text!r}")


class Listener(Proc):
    """A running ws-listen whose stdout lines and --events are collected."""

    def __init__(self, args, env, **kw):
        super().__init__([prog("ws-listen")] + list(args), env, **kw)
        self.out = OutLines(self.p.stdout)

    def wait(self, timeout=10.0):
        """Wait for the exit and for the last stdout line; the status."""
        rc = super().wait(timeout)
        self.out.t.join(5)
        return rc

    def lines(self):
        return self.out.snapshot()

    def wait_lines(self, n, timeout=10.0):
        """Wait for at least n stdout lines; return all of them."""
        return self.out.wait(lambda ls: list(ls) if len(ls) >= n else None,
                             timeout, f"{n} lines from ws-listen")

    def events(self):
        """The --events objects printed so far on stderr."""
        with self.cond:
            return [json.loads(l) for l in self.err_lines
                    if l.startswith("{")]

    def wait_event(self, name, count=1, timeout=10.0):
        """Wait until count events of that name; return them all."""
        deadline = time.monotonic() + timeout
        while True:
            ended = self.p.poll() is not None and self.err_done
            got = [e for e in self.events() if e["event"] == name]
            if len(got) >= count:
                return got
            if ended or time.monotonic() > deadline:
                raise AssertionError(
                    f"no {count} {name!r} events within {timeout}s; "
                    f"stderr:\n{self.stderr()}")
            time.sleep(0.02)


def http_get(hostport, path, headers=None, method="GET", timeout=10):
    """(status, headers as dict with lower-case names, body bytes)."""
    host, port = hostport.rsplit(":", 1)
    c = http.client.HTTPConnection(host.strip("[]"), int(port),
                                   timeout=timeout)
    try:
        c.request(method, path, headers=headers or {})
        r = c.getresponse()
        body = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body
    finally:
        c.close()


async def _recv(url, n, timeout, headers=None, **kw):
    out = []
    async with websockets.connect(url, extra_headers=headers,
                                  max_size=None, **kw) as ws:
        while len(out) < n:
            out.append(await asyncio.wait_for(ws.recv(), timeout))
    return out


def ws_recv(url, n, timeout=10.0, **kw):
    """Connect, take n messages, close. Each wait is bounded."""
    return asyncio.run(asyncio.wait_for(_recv(url, n, timeout, **kw),
                                        timeout + 5))


async def recv_until_close(ws, timeout):
    """Messages until the server closes; returns (messages, code)."""
    out = []
    try:
        while True:
            out.append(await asyncio.wait_for(ws.recv(), timeout))
    except websockets.ConnectionClosed as e:
        return out, e.rcvd.code if e.rcvd else None


def wait_for(pred, timeout=10.0, step=0.02, what="condition"):
    """Poll pred until it is true; fail after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def metrics(b):
    """ws-broadcast's /_metrics as a dict of name to number."""
    status, _, body = b.http("/_metrics")
    assert status == 200
    out = {}
    for line in body.decode().splitlines():
        if line and not line.startswith("#"):
            k, v = line.split()
            out[k] = float(v)
    return out


@pytest.fixture
def env(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    return base_env(home)


@pytest.fixture
def procs(env):
    """Start programs that are killed when the test ends."""
    started = []

    class Factory:
        def broadcast(self, *args, **kw):
            b = Broadcast(args, kw.pop("env", env), **kw)
            started.append(b)
            return b

        def run(self, args, **kw):
            p = Proc(args, kw.pop("env", env), **kw)
            started.append(p)
            return p

        def server(self, *args, **kw):
            """tests/e2e/wsserver.py with these arguments."""
            s = PyServer(args, kw.pop("env", env), **kw)
            started.append(s)
            return s

        def listen(self, *args, **kw):
            """ws-listen with these arguments, stdout collected."""
            p = Listener(args, kw.pop("env", env), **kw)
            started.append(p)
            return p

        def client(self, url, *args):
            """A WebSocket client in its own process (tests/e2e/wsclient.py),
            which a test can stop with SIGSTOP."""
            p = Proc([sys.executable, str(Path(__file__).parent /
                                          "wsclient.py"), url] + list(args),
                     env)
            started.append(p)
            return p

    yield Factory()
    for p in reversed(started):
        p.kill()
