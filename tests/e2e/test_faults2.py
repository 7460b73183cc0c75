"""Faults found by attacking ws-listen and ws-snapshot: redirects, SIGPIPE
while printing a usage error, a stdout closed at start, files that are
not what an option needs, malformed host names, blank lines, stale
temporary files."""
import os
import socket
import subprocess
import threading

import pytest

from conftest import prog


def raw_server(answer):
    """A TCP server on loopback that reads one request per connection,
    answers with answer(request) and closes; returns (socket, hits)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
    hits = []

    def run():
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            data = b""
            while b"\r\n\r\n" not in data:
                d = c.recv(4096)
                if not d:
                    break
                data += d
            hits.append(data)
            c.sendall(answer(data))
            c.close()

    threading.Thread(target=run, daemon=True).start()
    return s, hits


def test_listen_does_not_follow_redirects(env):
    target, target_hits = raw_server(lambda d: b"")
    tport = target.getsockname()[1]
    red, _ = raw_server(lambda d: (
        "HTTP/1.1 302 Found\r\nLocation: ws://127.0.0.1:%d/other\r\n"
        "Content-Length: 0\r\n\r\n" % tport).encode())
    try:
        p = subprocess.run([prog("ws-listen"), "--no-reconnect", "--token",
                            "SECRET", "ws://127.0.0.1:%d/x" %
                            red.getsockname()[1]], capture_output=True,
                           env=env, timeout=20)
        assert p.returncode == 1
        assert b"HTTP 302" in p.stderr
        assert target_hits == []
    finally:
        target.close()
        red.close()


@pytest.mark.parametrize("args", [
    ["ws-listen", "-x"], ["ws-snapshot", "--every", "-1"],
    ["ws-broadcast", "--bogus"]])
def test_usage_error_into_a_closed_pipe_is_not_a_sigpipe_death(env, args):
    r, w = os.pipe()
    os.close(r)
    p = subprocess.run([prog(args[0])] + args[1:], stderr=w, env=env,
                       timeout=10)
    os.close(w)
    assert p.returncode == 2


def test_stdout_closed_at_start_is_a_quiet_end(env):
    for cmd in (f"{prog('ws-listen')} ws://127.0.0.1:9/ >&-",
                f"echo '{{\"a\": 1}}' | {prog('ws-snapshot')} >&-"):
        p = subprocess.run(cmd, shell=True, capture_output=True, env=env,
                           timeout=10)
        assert (p.returncode, p.stderr) == (0, b""), cmd


def test_snapshot_with_closed_stdout_still_writes_its_file(env, tmp_path):
    out = tmp_path / "state.json"
    p = subprocess.run(f"echo '{{\"a\": 1}}' | {prog('ws-snapshot')} "
                       f"-o {out} >&-", shell=True, env=env, timeout=10)
    assert p.returncode == 0
    assert out.read_text() == '{"a":1}\n'


@pytest.mark.parametrize("args,needle", [
    (["--cacert", "/dev/null", "wss://127.0.0.1:9/"],
     "--cacert /dev/null: no PEM certificate in it"),
    (["--cacert", "/", "wss://127.0.0.1:9/"],
     "--cacert /: a directory, not a file of certificates"),
    (["--token-file", "/", "ws://127.0.0.1:9/"],
     "--token-file /: Is a directory"),
])
def test_listen_files_checked_at_start(env, args, needle):
    p = subprocess.run([prog("ws-listen")] + args, capture_output=True,
                       text=True, env=env, timeout=10)
    assert p.returncode == 1
    assert needle in p.stderr


@pytest.mark.parametrize("url,needle", [
    ("ws://a..b/", "empty label in host name 'a..b'"),
    ("ws://-a/", "label starts or ends with '-'"),
])
def test_malformed_host_names_are_usage_errors(env, url, needle):
    p = subprocess.run([prog("ws-listen"), url], capture_output=True,
                       text=True, env=env, timeout=10)
    assert p.returncode == 2
    assert needle in p.stderr


def test_snapshot_skips_blank_lines(env):
    p = subprocess.run([prog("ws-snapshot")],
                       input=b'{"a":1}\n   \n\t\r\n{"a":2}\n',
                       capture_output=True, env=env, timeout=10)
    assert p.stdout == b'{"a":1}\n{"a":2}\n'
    assert p.stderr == b""


def test_snapshot_refuses_to_replace_special_files(env, tmp_path):
    link, fifo = tmp_path / "link", tmp_path / "fifo"
    os.symlink(tmp_path / "real", link)
    os.mkfifo(fifo)
    for path, why in ((link, "a symbolic link"),
                      (fifo, "not a regular file")):
        for opt in ("-o", "--state-file"):
            p = subprocess.run([prog("ws-snapshot"), opt, str(path)],
                               input=b'{"a":1}\n', capture_output=True,
                               text=False, env=env, timeout=10)
            assert p.returncode == 1, (opt, path)
            assert why.encode() in p.stderr
    assert link.is_symlink() and fifo.is_fifo()
    assert not (tmp_path / "real").exists()


def test_snapshot_removes_stale_temporary_files(env, tmp_path):
    stale = tmp_path / ".st.json.999999.tmp"
    alive = tmp_path / f".st.json.{os.getpid()}.tmp"
    other = tmp_path / ".other.json.1.tmp"
    for f in (stale, alive, other):
        f.write_text("x")
    p = subprocess.run([prog("ws-snapshot"), "--state-file",
                        str(tmp_path / "st.json")], input=b'{"a":1}\n',
                       capture_output=True, env=env, timeout=10)
    assert p.returncode == 0
    assert not stale.exists()
    assert alive.exists() and other.exists()
