"""ws-broadcast's stdin reader: it reads in bursts bounded by a quarter of
--max-queue messages, and it must still read with a queue of 1 to 3."""
import asyncio
import subprocess

import pytest
import websockets

from conftest import ROOT, metrics, prog, recv_until_close

WSLOAD = str(ROOT / "build" / "bench" / "wsload")


@pytest.mark.parametrize("max_queue", ["1", "2", "3", "4", "1024"])
def test_small_queues_still_read_stdin(procs, max_queue):
    b = procs.broadcast("--max-queue", max_queue, "--drain", "10s")
    lines = [f'{{"n":{i}}}' for i in range(300)]

    async def go():
        async with websockets.connect(b.url()) as ws:
            b.write("".join(l + "\n" for l in lines))
            b.close_stdin()
            return await recv_until_close(ws, 10)

    got, code = asyncio.run(go())
    assert got == lines
    assert code == 1000
    assert b.wait() == 0


def test_burst_cuts_no_client(env):
    # 300 clients at 5,000 lines/s: stdin is read in bursts, and each
    # stays below half of every queue, so no client that keeps up with the
    # rate is cut as slow. The rate leaves wsload room on a busy machine: a
    # client read 100 ms later than the others is 500 lines behind, near
    # half its queue. (A producer faster than the clients is another
    # matter: stdin then follows the fastest client, by design.)
    r = subprocess.run([WSLOAD, "-q", "-c", "300", "-r", "5000", "-n",
                        "5000", "--", prog("ws-broadcast"), "-q", "-l",
                        "127.0.0.1:0", "--drain", "1m"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    res = dict(kv.split("=", 1) for kv in r.stdout.split())
    assert {k: int(res[k]) for k in ("connected", "closed", "delivered",
                                     "lost", "ooo", "undelivered")} == {
        "connected": 300, "closed": 0, "delivered": 1500000, "lost": 0,
        "ooo": 0, "undelivered": 0}
