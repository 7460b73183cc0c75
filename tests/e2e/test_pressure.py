"""ws-broadcast under pressure: slow clients, backpressure, dead peers."""
import asyncio
import json
import signal
import threading
import time

import socket

import pytest
import websockets

from conftest import metrics, wait_for

MSG_PAD = "x" * 1000


def line(i, pad=MSG_PAD):
    return f'{{"seq": {i}, "pad": "{pad}"}}\n'


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for l in f:
            if l.startswith("VmRSS"):
                return int(l.split()[1])
    return 0


class RssSampler:
    """Samples a process's RSS every 20 ms in a thread; keeps the peak."""

    def __init__(self, pid):
        self.pid, self.peak, self.stop = pid, 0, threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop.is_set():
            try:
                self.peak = max(self.peak, rss_kb(self.pid))
            except OSError:
                return
            time.sleep(0.02)

    def done(self):
        self.stop.set()
        self.t.join(5)
        return self.peak


async def reader(url):
    """A fast client with a modest kernel receive buffer (64 KiB).

    The server sees a client's backlog only in its own queue; what the
    client's kernel buffers hold is hidden from it. Linux grows a fast
    reader's receive buffer to megabytes, so two equally fast readers can
    show queues that differ by more than half a queue of 1 KiB messages,
    and --slow close then treats the one behind as slow (see CAVEATS in
    ws-broadcast(1)). Bounding the buffer keeps these readers equal.
    """
    host, port = url.split("//")[1].split("/")[0].rsplit(":", 1)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.connect((host, int(port)))
    return await websockets.connect(url, max_size=None, sock=s)


def feed(b, n, pad=MSG_PAD):
    """Write n lines from a thread, so a paused server blocks only it."""
    def run():
        try:
            for i in range(0, n, 100):
                b.write("".join(line(j, pad) for j in
                                range(i, min(i + 100, n))))
        except (BrokenPipeError, ValueError):
            pass
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


async def take_all(ws, n, timeout=30):
    got = []
    while len(got) < n:
        got.append(json.loads(await asyncio.wait_for(ws.recv(), timeout)))
    return [m["seq"] for m in got]


def stopped_client(procs, b, path="/"):
    c = procs.client(b.url(path))
    wait_for(lambda: c.p.stdout.readline().strip() == b"OPEN",
             what="client open")
    c.signal(signal.SIGSTOP)
    return c


def test_stopped_client_is_cut_off_others_get_everything(procs):
    b = procs.broadcast("--stall", "2s", "-v")
    n = 20000

    async def go():
        fast = [await reader(b.url("/")) for _ in range(3)]
        stopped = stopped_client(procs, b)
        wait_for(lambda: metrics(b)["wsfeed_clients"] == 4,
                 what="4 clients")
        t = feed(b, n)
        got = await asyncio.gather(*(take_all(ws, n) for ws in fast))
        t.join(30)
        for ws in fast:
            await ws.close()
        return got, stopped

    try:
        got, stopped = asyncio.run(asyncio.wait_for(go(), 90))
    except Exception:
        print(b.stderr())
        raise
    for seqs in got:
        assert seqs == list(range(n))
    m = wait_for(lambda: (lambda m: m if m["wsfeed_clients"] == 0 else None)(
        metrics(b)), what="stopped client freed")
    assert m["wsfeed_clients_closed_slow_total"] == 1
    b.wait_stderr("is not reading: dropping it|too slow: closing it "
                  r"\(1013\)", timeout=5)


def test_stopped_only_client_does_not_block_the_producer(procs):
    b = procs.broadcast("--stall", "300ms", "--max-queue-bytes", "256k")
    stopped_client(procs, b)
    wait_for(lambda: metrics(b)["wsfeed_clients"] == 1, what="client")
    t = feed(b, 20000)
    t.join(60)
    assert not t.is_alive(), "producer blocked"
    wait_for(lambda: metrics(b)["wsfeed_messages_in_total"] == 20000,
             timeout=30, what="all lines read")
    assert metrics(b)["wsfeed_clients_closed_slow_total"] == 1
    b.close_stdin()
    assert b.wait(15) == 0


@pytest.mark.parametrize("policy", ["drop", "latest"])
def test_slow_client_ends_on_latest_and_drops_are_counted(procs, policy):
    b = procs.broadcast("--slow", policy, "--stall", "300ms",
                        "--max-queue", "64", "--max-queue-bytes", "256k")
    c = stopped_client(procs, b)
    n = 20000
    t = feed(b, n)
    t.join(60)
    assert not t.is_alive(), "producer blocked under --slow " + policy
    wait_for(lambda: metrics(b)["wsfeed_messages_in_total"] == n,
             timeout=30, what="all lines read")
    m = metrics(b)
    assert m["wsfeed_messages_dropped_total"] > 0
    assert m["wsfeed_clients_closed_slow_total"] == 0
    c.signal(signal.SIGCONT)
    seqs = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        l = c.p.stdout.readline()
        if not l:
            break
        seqs.append(json.loads(json.loads(l))["seq"])
        if seqs[-1] == n - 1:
            break
    assert seqs and seqs[-1] == n - 1
    assert len(seqs) < n
    assert seqs == sorted(seqs)
    b.wait_stderr(f"--slow {policy}", timeout=5)


def test_fast_producer_200_clients_none_closed_none_lose(procs):
    b = procs.broadcast()
    n, clients = 1200, 200

    async def go():
        quiet = await websockets.connect(b.url("/quiet"))
        fast = []
        for _ in range(clients):
            fast.append(await reader(b.url("/")))
        t = feed(b, n, pad="z" * 4000)
        got = await asyncio.gather(*(take_all(ws, n, 60) for ws in fast))
        t.join(30)
        for ws in fast + [quiet]:
            await ws.close()
        return got

    got = asyncio.run(asyncio.wait_for(go(), 180))
    assert all(seqs == list(range(n)) for seqs in got)
    m = metrics(b)
    assert m["wsfeed_clients_closed_slow_total"] == 0
    assert m["wsfeed_messages_dropped_total"] == 0
    assert m["wsfeed_messages_out_total"] == n * clients
    assert m["wsfeed_input_pauses_total"] > 0, "the producer was never slowed"


def test_stopped_client_in_quiet_room_freed_by_ping(procs):
    b = procs.broadcast("--ping", "500ms", "-r", "main", "-v")
    c = procs.client(b.url("/quiet"))
    wait_for(lambda: c.p.stdout.readline().strip() == b"OPEN",
             what="client open")
    wait_for(lambda: metrics(b)["wsfeed_clients"] == 1, what="joined")
    c.signal(signal.SIGSTOP)
    t0 = time.monotonic()
    wait_for(lambda: metrics(b)["wsfeed_clients"] == 0, timeout=10,
             what="dead client freed")
    elapsed = time.monotonic() - t0
    assert elapsed < 2 * 0.5 + 1.0, elapsed
    b.wait_stderr("no pong within --ping", timeout=5)


def test_live_client_answers_pings_and_stays(procs):
    b = procs.broadcast("--ping", "200ms")

    async def go():
        async with websockets.connect(b.url("/")) as ws:
            await asyncio.sleep(1.5)
            b.write('{"still": "here"}\n')
            return await asyncio.wait_for(ws.recv(), 5)

    assert asyncio.run(go()) == '{"still": "here"}'


@pytest.mark.parametrize("policy", ["close", "drop", "latest"])
def test_memory_bounded_while_stalled_client_is_flooded(procs, policy):
    b = procs.broadcast("--slow", policy, "--stall", "300ms",
                        "--max-queue-bytes", "1M", "--format", "raw")
    stopped_client(procs, b)
    sampler = RssSampler(b.pid)
    base = rss_kb(b.pid)
    big = ("y" * 10000 + "\n") * 100
    n = 0
    for _ in range(100):            # 100 MB in all
        b.write(big)
        n += 100
    wait_for(lambda: metrics(b)["wsfeed_messages_in_total"] == n,
             timeout=60, what="flood read")
    peak = sampler.done()
    assert peak - base < 48 * 1024, (base, peak)


def test_max_clients_answered_503(procs):
    b = procs.broadcast("--max-clients", "2")

    async def go():
        a = await websockets.connect(b.url("/"))
        c = await websockets.connect(b.url("/"))
        try:
            await websockets.connect(b.url("/"))
        except websockets.InvalidStatusCode as e:
            status = e.status_code
        await a.close()
        await c.close()
        return status

    assert asyncio.run(asyncio.wait_for(go(), 20)) == 503


def test_subprotocol_offer_answered_400(procs):
    b = procs.broadcast()

    async def go():
        try:
            await websockets.connect(b.url("/"), subprotocols=["chat"])
        except websockets.InvalidStatusCode as e:
            return e.status_code
        return None

    assert asyncio.run(asyncio.wait_for(go(), 20)) == 400
