"""ws-broadcast's room limits, room TTL, descriptor limit, --drain, and
make install."""
import asyncio
import json
import signal
import subprocess
import time

import websockets

from conftest import ROOT, metrics, prog, wait_for


def rooms(b):
    return [r["room"] for r in json.loads(b.http("/_rooms")[2])]


def test_max_rooms_for_messages_and_clients(procs):
    b = procs.broadcast("--max-rooms", "2", "-r", "main", "--room-by",
                        ".r")
    b.write('{"r": "a"}\n{"r": "b"}\n{"r": "a", "n": 2}\n')
    wait_for(lambda: metrics(b)["wsfeed_messages_in_total"] == 2)
    b.wait_stderr(r"line 2: room b: too many rooms \(--max-rooms\)")
    assert rooms(b) == ["a", "main"]

    async def go():
        try:
            await websockets.connect(b.url("/c"))
        except websockets.InvalidStatusCode as e:
            return e.status_code
        return None

    assert asyncio.run(asyncio.wait_for(go(), 10)) == 503


def test_room_ttl_forgets_idle_rooms_but_not_main(procs):
    b = procs.broadcast("--room-ttl", "300ms", "-r", "main", "--room-by",
                        ".r")
    b.write('{"r": "gone"}\n{"r": "main"}\n')
    wait_for(lambda: metrics(b)["wsfeed_messages_in_total"] == 2)
    assert rooms(b) == ["gone", "main"]
    wait_for(lambda: rooms(b) == ["main"], timeout=5,
             what="room gone forgotten")
    assert b.http("/gone")[0] == 404
    assert b.http("/main")[2] == b'{"r": "main"}'


def test_room_with_a_client_is_kept_past_its_ttl(procs):
    b = procs.broadcast("--room-ttl", "200ms")

    async def go():
        async with websockets.connect(b.url("/kept")):
            await asyncio.sleep(0.8)
            return rooms(b)

    assert "kept" in asyncio.run(asyncio.wait_for(go(), 10))


def test_soft_fd_limit_raised_to_hard(procs):
    b = procs.broadcast()
    for line in open(f"/proc/{b.pid}/limits"):
        if line.startswith("Max open files"):
            soft, hard = line.split()[3:5]
            assert soft == hard or int(soft) >= 1048576
            break
    else:
        raise AssertionError("no Max open files line")


def test_sigterm_drains_then_drops_a_client_that_does_not_read(procs):
    b = procs.broadcast("--drain", "500ms", "--format", "raw", "--slow",
                        "drop")
    c = procs.client(b.url("/"))
    wait_for(lambda: c.p.stdout.readline().strip() == b"OPEN")
    c.signal(signal.SIGSTOP)
    big = ("z" * 60000 + "\n") * 200
    b.write(big)
    wait_for(lambda: metrics(b)["wsfeed_messages_in_total"] == 200)
    t0 = time.monotonic()
    b.signal(signal.SIGTERM)
    assert b.wait(10) == 0
    elapsed = time.monotonic() - t0
    assert 0.4 < elapsed < 5, elapsed
    b.wait_stderr("--drain ran out", timeout=1)


def test_make_install_into_destdir(tmp_path):
    dest = tmp_path / "dest"
    subprocess.run(["make", "-s", "-C", str(ROOT), "install",
                    f"DESTDIR={dest}", "PREFIX=/usr"], check=True,
                   capture_output=True, timeout=300)
    for name in ("ws-broadcast", "ws-listen", "ws-snapshot"):
        assert (dest / "usr" / "bin" / name).is_file()
        assert (dest / "usr" / "share" / "man" / "man1" /
                f"{name}.1").is_file()
    assert (dest / "usr" / "share" / "man" / "man7" / "wsfeed.7").is_file()
    out = subprocess.run([str(dest / "usr" / "bin" / "ws-broadcast"), "-V"],
                         capture_output=True, text=True, timeout=10)
    assert out.stdout.startswith("ws-broadcast ")
