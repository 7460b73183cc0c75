"""End-to-end tests of the benchmark's own programs (bench/): the
producer, the yardstick and the load generator wsload. They assert counts
(deliveries, losses, clients), never timings."""
import asyncio
import json
import os
import shutil
import subprocess

import pytest
import websockets

from conftest import ROOT, prog

BENCH = ROOT / "build" / "bench"
NODE_PEERS = ROOT / "bench" / "node_modules"


def bench(name):
    return str(BENCH / name)


def run(args, env, timeout=60, **kw):
    return subprocess.run(args, env=env, capture_output=True, text=True,
                          timeout=timeout, **kw)


def wsload(env, *args, timeout=90, quiet=True):
    """Run wsload; return (exit status, results as a dict, stderr)."""
    r = run([bench("wsload")] + (["-q"] if quiet else []) + list(args), env,
            timeout=timeout)
    res = {}
    lines = [l for l in r.stdout.splitlines() if l.startswith("name=")]
    if lines:
        assert len(lines) == 1, r.stdout
        for kv in lines[0].split():
            k, v = kv.split("=", 1)
            res[k] = v
    return r.returncode, res, r.stderr


def counts(res, *keys):
    return {k: int(res[k]) for k in keys}


BROADCAST = [prog("ws-broadcast"), "-q", "-l", "127.0.0.1:0",
             "--drain", "1m"]


def test_producer_rate_lines(env):
    r = run([bench("producer"), "-r", "1000", "-n", "5"], env)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    assert len(lines) == 5
    objs = [json.loads(l) for l in lines]
    assert [o["seq"] for o in objs] == [1, 2, 3, 4, 5]
    # Each line is stamped with the microsecond it was due: 1 ms apart.
    assert [b["t"] - a["t"] for a, b in zip(objs, objs[1:])] == [1000] * 4
    for l, o in zip(lines, objs):
        assert 90 <= len(l) <= 120
        assert set(o) == {"seq", "t", "host", "cpu", "mem_mb", "load"}


def test_producer_size_pads_lines(env):
    r = run([bench("producer"), "-r", "100000", "-n", "3", "--size", "300"],
            env)
    assert r.returncode == 0, r.stderr
    for l in r.stdout.splitlines():
        assert len(l) + 1 == 300
        assert json.loads(l)["pad"].strip("x") == ""


def test_producer_saturate_count(env):
    r = run([bench("producer"), "--saturate", "-n", "20000"], env)
    assert r.returncode == 0, r.stderr
    seqs = [json.loads(l)["seq"] for l in r.stdout.splitlines()]
    assert seqs == list(range(1, 20001))


@pytest.mark.parametrize("args,why", [
    ([], "give -n COUNT or -d DURATION"),
    (["-n", "0"], "-n: bad number '0'"),
    (["-r", "fast", "-n", "3"], "-r: bad rate 'fast'"),
    (["-d", "5h"], "-d: bad duration '5h'"),
    (["--size", "1M", "-n", "1"], "--size: bad size '1M'"),
    (["-n", "3", "extra"], "unexpected argument 'extra'"),
])
def test_producer_usage_errors(env, args, why):
    r = run([bench("producer"), *args], env)
    assert r.returncode == 2
    assert r.stdout == ""
    assert r.stderr.startswith("producer: " + why)
    assert "Try 'producer --help'" in r.stderr


def test_producer_reader_gone(env):
    p = subprocess.Popen([bench("producer"), "--saturate", "-n", "100000000"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env)
    try:
        assert json.loads(p.stdout.readline())["seq"] == 1
        p.stdout.close()
        assert p.wait(30) == 0
        assert p.stderr.read() == b""
    finally:
        p.kill()
        p.wait()


def test_yardstick_speaks_websocket(procs, env):
    y = procs.run([bench("yardstick")], stdin=subprocess.PIPE)
    m = y.wait_stderr(r"yardstick: listening on (ws://127\.0\.0\.1:\d+/)")
    url = m.group(1)

    async def go():
        # python3-websockets checks Sec-WebSocket-Accept and every frame.
        async with websockets.connect(url) as ws:
            y.write(b'{"a":1}\r\n\n{"b":2}\n{"c"')
            first = [await asyncio.wait_for(ws.recv(), 10)
                     for _ in range(2)]
            y.write(b':3}\n')
            return first + [await asyncio.wait_for(ws.recv(), 10)]

    assert asyncio.run(go()) == ['{"a":1}', '{"b":2}', '{"c":3}']


@pytest.mark.parametrize("server", ["yardstick", "ws-broadcast"])
def test_wsload_counts_every_delivery(env, server):
    cmd = [bench("yardstick"), "-q"] if server == "yardstick" else BROADCAST
    rc, res, err = wsload(env, "-c", "20", "-r", "2000", "-n", "1000",
                          "--name", server, "--", *cmd)
    assert rc == 0, err
    assert res["name"] == server and res["mode"] == "rate"
    assert counts(res, "clients", "lines", "connected", "failed", "closed",
                  "delivered", "lost", "ooo", "other", "undelivered") == {
        "clients": 20, "lines": 1000, "connected": 20, "failed": 0,
        "closed": 0, "delivered": 20000, "lost": 0, "ooo": 0, "other": 0,
        "undelivered": 0}
    assert float(res["dps"]) > 0
    assert 0 < float(res["p50_ms"]) <= float(res["p99_ms"]) <= \
        float(res["max_ms"])
    assert float(res["cpu_s"]) > 0
    assert int(res["hwm_kb"]) >= int(res["rss_base_kb"]) > 0


def test_wsload_saturate(env):
    rc, res, err = wsload(env, "-c", "10", "--saturate", "-n", "5000", "--",
                          bench("yardstick"), "-q")
    assert rc == 0, err
    assert res["mode"] == "sat"
    assert counts(res, "delivered", "lost", "undelivered") == {
        "delivered": 50000, "lost": 0, "undelivered": 0}


def test_wsload_idle_answers_pings(env):
    # ws-broadcast drops a client that has not answered a ping by the
    # next one; with pings every 300 ms, 1.5 s idle would lose them all.
    rc, res, err = wsload(env, "-c", "50", "--idle", "--settle", "1500ms",
                          "--", *BROADCAST, "--ping", "300ms")
    assert rc == 0, err
    assert res["mode"] == "idle"
    assert counts(res, "connected", "failed", "closed", "delivered") == {
        "connected": 50, "failed": 0, "closed": 0, "delivered": 0}
    assert int(res["rss_kb"]) >= int(res["rss_base_kb"]) > 0


def test_wsload_counts_refused_clients(env):
    rc, res, err = wsload(env, "-c", "8", "--idle", "--settle", "100ms",
                          "--", *BROADCAST, "--max-clients", "5",
                          quiet=False)
    assert rc == 0, err
    assert counts(res, "connected", "failed") == {"connected": 5,
                                                  "failed": 3}
    assert "handshake refused: HTTP/1.1 503" in err


def test_wsload_server_that_never_listens(env):
    rc, res, err = wsload(env, "-c", "1", "--", "sh", "-c", "exit 3",
                          quiet=False)
    assert rc == 1
    assert res == {}
    assert "wsload: server exited with status 3" in err
    assert "never said 'listening on ws://...'" in err


@pytest.mark.parametrize("args,why", [
    ([], "no server command after --"),
    (["-c", "0", "--", "x"], "-c: bad number '0'"),
    (["--saturate", "--", "x"], "--saturate needs -n COUNT"),
    (["--idle", "--saturate", "-n", "1", "--", "x"],
     "--saturate and --idle: pick one"),
    (["-r", "0", "--", "x"], "-r: bad rate '0'"),
])
def test_wsload_usage_errors(env, args, why):
    rc, res, err = wsload(env, *args)
    assert rc == 2
    assert err.startswith("wsload: " + why)


@pytest.mark.skipif(shutil.which("node") is None or
                    not (NODE_PEERS / "socket.io").is_dir(),
                    reason="node or bench/node_modules missing "
                    "(make bench installs them)")
@pytest.mark.parametrize("peer", ["ws", "socketio"])
def test_wsload_node_peers(env, peer):
    extra = ["--sio"] if peer == "socketio" else []
    rc, res, err = wsload(env, "-c", "10", "-r", "1000", "-n", "200",
                          *extra, "--", "node",
                          str(ROOT / "bench" / "peers" / f"{peer}.js"))
    assert rc == 0, err
    assert counts(res, "connected", "delivered", "lost", "ooo", "other") == {
        "connected": 10, "delivered": 2000, "lost": 0, "ooo": 0,
        "other": 0}
