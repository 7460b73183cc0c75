"""ws-broadcast's access rules: tokens, Origin, Host, TLS, --static, and
limits on what a client can make the server hold."""
import asyncio
import http.client
import os
import socket
import ssl
import subprocess

import pytest
import websockets

from conftest import metrics, prog, wait_for


def run_async(coro, timeout=30):
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def status_of(url, **kw):
    """The HTTP status of a refused handshake, or 101 when accepted."""
    try:
        ws = await websockets.connect(url, **kw)
    except websockets.InvalidStatusCode as e:
        return e.status_code
    await ws.close()
    return 101


def raw_request(port, request, timeout=10):
    """Send raw bytes; return the status line (or b'' if closed)."""
    with socket.create_connection(("127.0.0.1", port), timeout) as s:
        s.sendall(request)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.split(b"\r\n", 1)[0]


def handshake(path, host, extra=""):
    return (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            f"{extra}\r\n").encode()


@pytest.fixture
def cert(tmp_path):
    """A self-signed certificate for 127.0.0.1 and localhost."""
    key, crt = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", str(key), "-out", str(crt),
                    "-days", "1", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=60)
    return crt, key


def test_token_on_websocket_and_http(procs):
    b = procs.broadcast("--token", "s3cret")
    b.write('{"a": 1}\n')
    wait_for(lambda: b.http("/_metrics",
                            {"Authorization": "Bearer s3cret"})[0] == 200)

    async def go():
        return [await status_of(b.url("/")),
                await status_of(b.url("/?token=wrong")),
                await status_of(b.url("/"), extra_headers={
                    "Authorization": "Bearer wrong"}),
                await status_of(b.url("/?token=s3cret")),
                await status_of(b.url("/"), extra_headers={
                    "Authorization": "Bearer s3cret"})]

    assert run_async(go()) == [401, 401, 401, 101, 101]
    for path in ("/default", "/_metrics", "/_rooms", "/"):
        status, headers, _ = b.http(path)
        assert status == 401, path
        assert headers["www-authenticate"] == "Bearer"
        assert b.http(path + "?token=s3cret")[0] == 200, path
        assert b.http(path, {"Authorization": "Bearer s3cret"})[0] == 200
        assert b.http(path, {"Authorization": "Bearer s3cre"})[0] == 401


def test_token_file_keeps_it_out_of_ps(procs, tmp_path):
    f = tmp_path / "token"
    f.write_text("from-file\n")
    b = procs.broadcast("--token-file", str(f))
    assert b.http("/_rooms?token=from-file")[0] == 200
    assert b.http("/_rooms?token=from")[0] == 401
    cmdline = open(f"/proc/{b.pid}/cmdline", "rb").read()
    assert b"from-file" not in cmdline


def test_token_over_wss_and_https(procs, cert):
    crt, key = cert
    b = procs.broadcast("--tls-cert", str(crt), "--tls-key", str(key),
                        "--token", "tk")
    assert b.scheme == "wss"
    ctx = ssl.create_default_context(cafile=str(crt))
    b.write('{"secure": true}\n')

    async def go():
        refused = await status_of(b.url("/"), ssl=ctx)
        async with websockets.connect(b.url("/?token=tk"), ssl=ctx) as ws:
            got = await asyncio.wait_for(ws.recv(), 5)
        return refused, got

    wait_for(lambda: https_get(b, "/_metrics?token=tk", ctx)[0] == 200)
    assert run_async(go()) == (401, '{"secure": true}')
    assert https_get(b, "/default", ctx)[0] == 401
    assert https_get(b, "/default?token=tk", ctx) == \
        (200, b'{"secure": true}')


def https_get(b, path, ctx):
    host, port = b.hostport.rsplit(":", 1)
    c = http.client.HTTPSConnection(host, int(port), context=ctx,
                                    timeout=10)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


def test_foreign_origin_refused_unless_allowed(procs):
    async def go(b):
        url = b.url("/")
        return [await status_of(url, origin="http://evil.example"),
                await status_of(url, origin="null"),
                await status_of(url, origin=f"http://{b.hostport}"),
                await status_of(url)]

    assert run_async(go(procs.broadcast())) == [403, 403, 101, 101]
    allowed = procs.broadcast("--origin", "http://evil.example")
    assert run_async(go(allowed)) == [101, 403, 101, 101]
    star = procs.broadcast("--origin", "*")
    assert run_async(go(star)) == [101, 101, 101, 101]


def test_foreign_host_refused_on_loopback(procs):
    b = procs.broadcast()
    assert b.http("/_rooms", {"Host": "evil.example"})[0] == 403
    assert b.http("/_rooms", {"Host": f"localhost:{b.port}"})[0] == 200
    assert raw_request(b.port, handshake("/", "evil.example")) == \
        b"HTTP/1.1 403 Forbidden"
    assert raw_request(b.port, handshake("/", f"127.0.0.1:{b.port}")) == \
        b"HTTP/1.1 101 Switching Protocols"


def test_static_serves_files_and_nothing_outside(procs, tmp_path):
    root = tmp_path / "site"
    (root / "sub").mkdir(parents=True)
    (root / "index.html").write_text("<p>hi</p>")
    (root / "sub" / "app.js").write_text("1;")
    (tmp_path / "secret.txt").write_text("no")
    os.symlink(tmp_path / "secret.txt", root / "leak.txt")
    b = procs.broadcast("--static", str(root))
    status, headers, body = b.http("/_static/index.html")
    assert (status, body) == (200, b"<p>hi</p>")
    assert headers["content-type"].startswith("text/html")
    assert b.http("/_static/sub/app.js")[2] == b"1;"
    for path in ("/_static/../secret.txt", "/_static/%2e%2e/secret.txt",
                 "/_static/sub/..%2f..%2fsecret.txt", "/_static/leak.txt",
                 "/_static/%2e%2e%2fsecret.txt", "/_static//etc/passwd",
                 "/_static/sub/../../secret.txt", "/_static/nope",
                 "/_static/sub", "/_static/"):
        status, _, body = b.http(path)
        assert status in (403, 404), (path, status)
        assert body != b"no", path
    # libwebsockets itself drops a request whose path holds %00.
    with pytest.raises(http.client.RemoteDisconnected):
        b.http("/_static/index.html%00x")


def test_big_and_fragmented_client_messages_are_cut_off(procs):
    b = procs.broadcast()

    async def go():
        good = await websockets.connect(b.url("/"))
        big = await websockets.connect(b.url("/"), max_size=None)
        frag = await websockets.connect(b.url("/"))
        codes = []
        for ws, payload in ((big, "x" * (10 << 20)), (frag, ["y"] * 1000)):
            try:
                await ws.send(payload)
                await asyncio.wait_for(ws.recv(), 10)
            except websockets.ConnectionClosed as e:
                codes.append(e.rcvd.code if e.rcvd else None)
        b.write('{"still": "served"}\n')
        got = await asyncio.wait_for(good.recv(), 5)
        await good.close()
        return codes, got

    codes, got = run_async(go())
    assert codes == [1009, 1009]
    assert got == '{"still": "served"}'
    wait_for(lambda: metrics(b)["wsfeed_clients"] == 0)


def test_never_ending_header_is_cut_off(procs):
    b = procs.broadcast()

    async def go():
        good = await websockets.connect(b.url("/"))
        s = socket.create_connection(("127.0.0.1", b.port), 10)
        s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        closed = False
        try:
            for _ in range(2000):
                s.sendall(b"X-Junk: " + b"j" * 1000 + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            closed = True
        if not closed:
            s.settimeout(10)
            try:
                closed = s.recv(4096) == b""
            except ConnectionResetError:
                closed = True
        s.close()
        b.write('{"after": "junk"}\n')
        got = await asyncio.wait_for(good.recv(), 5)
        await good.close()
        return closed, got

    closed, got = run_async(go())
    assert closed
    assert got == '{"after": "junk"}'


@pytest.mark.parametrize("args,needle", [
    (["--token", "a", "--token-file", "/dev/null"], "give one of them"),
    (["--tls-cert", "x.pem"], "--tls-cert and --tls-key go together"),
    (["--token", "has space"], "--token: use printable"),
    (["--origin", "evil.example"], "is not * or http(s)://HOST[:PORT]"),
])
def test_access_usage_errors(procs, args, needle):
    p = procs.run([prog("ws-broadcast")] + args)
    assert p.wait() == 2
    assert needle in p.stderr()


@pytest.mark.parametrize("args,needle", [
    (["--token-file", "/nonexistent/t"], "--token-file /nonexistent/t:"),
    (["--static", "/nonexistent/d"], "--static: /nonexistent/d:"),
    (["--tls-cert", "/nonexistent/c", "--tls-key", "/nonexistent/k"],
     "--tls-cert/--tls-key: /nonexistent/c:"),
])
def test_missing_files_fail_at_start(procs, args, needle):
    p = procs.run([prog("ws-broadcast"), "-l", "127.0.0.1:0"] + args)
    assert p.wait() == 1
    assert needle in p.stderr()


def test_dashboard_needs_token_but_its_files_do_not(procs):
    b = procs.broadcast("--dashboard", "--token", "tk")
    assert b.http("/")[0] == 401
    status, headers, body = b.http("/?token=tk")
    assert status == 200 and b"<html" in body.lower()
    status, headers, _ = b.http("/_dashboard/app.js")
    assert status == 200
    assert headers["content-type"].startswith("text/javascript")
    assert b.http("/_rooms")[0] == 401
    assert b.http("/_dashboard/../_rooms")[0] == 401
    assert b.http("/_dashboard/app.js", {"Host": "evil.example"})[0] == 403
