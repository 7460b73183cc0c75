"""Shared helpers for wsfeed's end-to-end tests.

Every program runs on loopback with port 0; its port is read from the
"listening on" line. Every wait is bounded, and every process a test
starts is killed at the end of that test.
"""
import asyncio
import http.client
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
