"""ws-broadcast against faults found by attacking it: a live unix socket,
a terminal that stops reading, a reader that leaves mid-line, stdin that
cannot be read, jq builtins that look for more input."""
import os
import pty
import re
import select
import signal
import subprocess
import termios
import time

from conftest import metrics, prog, wait_for, http_get


def test_live_unix_socket_is_not_taken_over(procs, tmp_path):
    path = tmp_path / "s"
    first = procs.run([prog("ws-broadcast"), "-l", f"unix:{path}",
                       "--keep-open"])
    first.wait_stderr("listening on unix:")
    first.write('{"who": "first"}\n')
    second = procs.run([prog("ws-broadcast"), "-l", f"unix:{path}"])
    assert second.wait() == 1
    assert "another server is listening there" in second.stderr()
    assert path.is_socket()
    out = subprocess.run(["curl", "-s", "--unix-socket", str(path),
                          "http://localhost/default"], capture_output=True,
                         timeout=10)
    assert out.stdout == b'{"who": "first"}'


def test_stale_unix_socket_is_replaced(procs, tmp_path):
    import socket
    path = tmp_path / "s"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    s.close()
    b = procs.run([prog("ws-broadcast"), "-l", f"unix:{path}"])
    b.wait_stderr("listening on unix:")
    b.close_stdin()
    assert b.wait() == 0


def test_tee_waits_for_a_terminal_that_stopped_reading(procs, env):
    """stdin and stdout on one terminal, as in a shell: lws makes the
    shared file non-blocking, and the copy must wait, not give up."""
    master, slave = pty.openpty()
    attrs = termios.tcgetattr(slave)
    attrs[3] &= ~(termios.ECHO | termios.ICANON)
    termios.tcsetattr(slave, termios.TCSANOW, attrs)
    b = procs.run([prog("ws-broadcast"), "-l", "127.0.0.1:0", "--tee",
                   "--keep-open"], stdin=slave, stdout=slave)
    os.close(slave)
    port = int(b.wait_stderr(r"127\.0\.0\.1:(\d+)").group(1))
    n = 400
    line = '{"n": %d, "pad": "' + "p" * 200 + '"}\n'
    data = b"".join((line % i).encode() for i in range(n))
    os.set_blocking(master, False)
    sent = 0
    deadline = time.monotonic() + 30
    # Type without reading the terminal's output, until it is full.
    while sent < len(data) and time.monotonic() < deadline:
        try:
            sent += os.write(master, data[sent:sent + 4096])
        except BlockingIOError:
            break
    paused_at = sent
    time.sleep(0.5)
    # Now read the output, and type the rest.
    last = (line % (n - 1)).strip().encode()
    while time.monotonic() < deadline:
        r, w, _ = select.select([master],
                                [master] if sent < len(data) else [], [],
                                0.1)
        if r:
            try:
                os.read(master, 65536)
            except BlockingIOError:
                pass
        if w:
            try:
                sent += os.write(master, data[sent:sent + 4096])
            except BlockingIOError:
                pass
        if sent == len(data):
            try:
                if http_get(f"127.0.0.1:{port}", "/default",
                            timeout=1)[2] == last:
                    break
            except OSError:
                pass
    assert paused_at < len(data), "the terminal never filled up: no test"
    assert sent == len(data)
    m = metrics_at(port)
    assert m["wsfeed_messages_in_total"] == n, (m, b.stderr())
    assert "--tee: stdout" not in b.stderr()
    b.signal(signal.SIGTERM)
    assert b.wait() == 0
    os.close(master)


def metrics_at(port):
    body = http_get(f"127.0.0.1:{port}", "/_metrics")[2].decode()
    return {l.split()[0]: float(l.split()[1]) for l in body.splitlines()
            if l and not l.startswith("#")}


def test_tee_reader_gone_mid_line_is_a_quiet_end(procs, env):
    p = subprocess.run(
        f"seq 1 200000 | sed 's/.*/{{\"n\":&}}/' | {prog('ws-broadcast')} "
        "-l 127.0.0.1:0 --tee | head -3", shell=True, capture_output=True,
        env=env, timeout=60)
    assert p.stdout == b'{"n":1}\n{"n":2}\n{"n":3}\n'
    assert b"not valid JSON" not in p.stderr
    assert p.returncode == 0


def test_unreadable_stdin_exits_1(procs, tmp_path):
    fd = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
    try:
        p = procs.run([prog("ws-broadcast"), "-l", "127.0.0.1:0"],
                      stdin=fd)
    finally:
        os.close(fd)
    assert p.wait() == 1
    assert "stdin: Is a directory" in p.stderr()


def test_jq_input_inputs_and_debug(procs):
    b = procs.broadcast("-f", "debug | [., [inputs]]")
    b.write('{"a": 1}\n')
    wait_for(lambda: metrics(b)["wsfeed_messages_in_total"] == 1)
    assert b.http("/default")[2] == b'[{"a":1},[]]'
    b.wait_stderr(r'jq debug: \{"a":1\}')
    b2 = procs.broadcast("-f", "input")
    b2.write("1\n")
    b2.wait_stderr("line 1: filter failed")
    assert metrics(b2)["wsfeed_messages_in_total"] == 0


def test_filter_failing_part_way_sends_nothing(procs):
    b = procs.broadcast("-f", '.[] | if . == 0 then error("zero") else . end')
    b.write("[1, 0, 2]\n[3]\n")
    wait_for(lambda: metrics(b)["wsfeed_messages_in_total"] == 1)
    b.wait_stderr("line 1: filter failed: zero")
    assert b.http("/default")[2] == b"3"
    assert metrics(b)["wsfeed_bad_lines_total"] == 1
