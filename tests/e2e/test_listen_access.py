"""ws-listen's access options: wss:// verification, --cacert, --insecure,
tokens, -H and --origin, against python3-websockets servers. A test CA and
certificates are made by openssl(1) in a temporary directory."""
import json
import subprocess

import pytest

from conftest import prog

FAST = ["--backoff", "100ms,400ms"]


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True,
                   capture_output=True, timeout=60)


def signed(d, ca, name, sans):
    """A key and a certificate for sans, signed by the CA ca."""
    openssl("req", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
            f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}",
            cwd=d)
    (d / f"{name}.ext").write_text(f"subjectAltName={sans}\n")
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem",
            "-CAkey", f"{ca}.key", "-CAcreateserial", "-days", "2",
            "-out", f"{name}.pem", "-extfile", f"{name}.ext", cwd=d)
    return d / f"{name}.pem", d / f"{name}.key"


def self_signed(d, name, sans):
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
            f"{name}.key", "-out", f"{name}.pem", "-days", "2", "-subj",
            f"/CN={name}", "-addext", f"subjectAltName={sans}", cwd=d)
    return d / f"{name}.pem", d / f"{name}.key"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    d = tmp_path_factory.mktemp("pki")
    ca, _ = self_signed(d, "ca", "DNS:wsfeed-test-ca")
    other_ca, _ = self_signed(d, "otherca", "DNS:wsfeed-other-ca")
    here = "DNS:localhost,IP:127.0.0.1,IP:::1"
    return {
        "ca": ca,
        "other_ca": other_ca,
        "server": signed(d, "ca", "server", here),
        "elsewhere": signed(d, "ca", "elsewhere", "DNS:other.example"),
        "self": self_signed(d, "self", here),
    }


@pytest.fixture
def clean_env(env):
    """No CA settings from outside: the system's store only."""
    env.pop("SSL_CERT_FILE", None)
    env.pop("SSL_CERT_DIR", None)
    return env


def tls_server(procs, cert, *args):
    return procs.server("--cert", str(cert[0]), "--key", str(cert[1]),
                        "--script", json.dumps([{"send": "secret"},
                                                {"close": 1000}]), *args)


def refused(ls, reason):
    """ws-listen ended with 1 after one attempt, naming reason."""
    assert ls.wait(10) == 1
    ev = ls.events()
    assert [e["event"] for e in ev] == ["connect_failed"]
    assert ev[0]["error"] == ("the server's certificate does not verify: "
                              + reason)
    assert ls.lines() == []


def test_wss_refused_by_default_and_not_retried(procs, pki, clean_env):
    s = tls_server(procs, pki["server"])
    ls = procs.listen("--events", *FAST, s.url(scheme="wss",
                                               host="localhost"),
                      env=clean_env)
    refused(ls, "unable to get local issuer certificate")
    assert not any(l.startswith(b"OPEN") for l in s.out.snapshot())


def test_self_signed_refused_with_its_reason(procs, pki, clean_env):
    s = tls_server(procs, pki["self"])
    ls = procs.listen("--events", *FAST, s.url(scheme="wss"),
                      env=clean_env)
    refused(ls, "self-signed certificate")


def test_insecure_accepts_self_signed(procs, pki, clean_env):
    s = tls_server(procs, pki["self"])
    ls = procs.listen("--insecure", s.url(scheme="wss"), env=clean_env)
    assert ls.wait() == 0
    assert ls.lines() == [b"secret"]


def test_cacert_accepts(procs, pki, clean_env):
    s = tls_server(procs, pki["server"])
    ls = procs.listen("--cacert", str(pki["ca"]),
                      s.url(scheme="wss", host="localhost"), env=clean_env)
    assert ls.wait() == 0
    assert ls.lines() == [b"secret"]


def test_ssl_cert_file_is_the_default_store(procs, pki, clean_env):
    s = tls_server(procs, pki["server"])
    e = dict(clean_env, SSL_CERT_FILE=str(pki["ca"]))
    ls = procs.listen(s.url(scheme="wss", host="localhost"), env=e)
    assert ls.wait() == 0
    assert ls.lines() == [b"secret"]


def test_cacert_replaces_the_default_store(procs, pki, clean_env):
    s = tls_server(procs, pki["server"])
    e = dict(clean_env, SSL_CERT_FILE=str(pki["ca"]))
    ls = procs.listen("--events", "--cacert", str(pki["other_ca"]),
                      s.url(scheme="wss", host="localhost"), env=e)
    refused(ls, "unable to get local issuer certificate")


def test_name_mismatch_is_refused(procs, pki, clean_env):
    s = tls_server(procs, pki["elsewhere"])
    ls = procs.listen("--events", "--cacert", str(pki["ca"]),
                      s.url(scheme="wss", host="localhost"), env=clean_env)
    refused(ls, "hostname mismatch")


def test_wss_to_an_ipv6_address(procs, pki, clean_env):
    s = tls_server(procs, pki["server"], "--host", "::1")
    ls = procs.listen("--cacert", str(pki["ca"]),
                      s.url(scheme="wss", host="[::1]"), env=clean_env)
    assert ls.wait() == 0
    assert ls.lines() == [b"secret"]
    # A certificate that does not name ::1 is still refused.
    s = tls_server(procs, pki["elsewhere"], "--host", "::1")
    ls = procs.listen("--events", "--cacert", str(pki["ca"]),
                      s.url(scheme="wss", host="[::1]"), env=clean_env)
    refused(ls, "hostname mismatch")


def test_ws_to_a_tls_port_is_retried(procs, pki, clean_env):
    s = tls_server(procs, pki["server"])
    ls = procs.listen("--events", "--retries", "1", *FAST, s.url(),
                      env=clean_env)
    assert ls.wait(10) == 3


def token_server(procs):
    return procs.server("--require-header", "Authorization: Bearer s3cret",
                        "--script", json.dumps([{"send": "welcome"},
                                                {"close": 1000}]))


def test_wrong_token_is_401_and_not_retried(procs):
    s = token_server(procs)
    ls = procs.listen("--events", "--token", "wrong", *FAST, s.url())
    assert ls.wait(10) == 1
    ev = ls.events()
    assert [e["event"] for e in ev] == ["connect_failed"]
    assert ev[0]["status"] == 401
    ls = procs.listen("--events", *FAST, s.url())
    assert ls.wait(10) == 1
    assert ls.events()[0]["status"] == 401


def test_right_token_is_served(procs, tmp_path):
    s = token_server(procs)
    ls = procs.listen("--token", "s3cret", s.url())
    assert ls.wait() == 0 and ls.lines() == [b"welcome"]
    f = tmp_path / "token"
    f.write_text("s3cret\r\nnot this line\n")
    ls = procs.listen("--token-file", str(f), s.url())
    assert ls.wait() == 0 and ls.lines() == [b"welcome"]
    assert len(s.wait_out("HEADER Authorization: Bearer s3cret", 2)) == 2
    assert "s3cret" not in " ".join(ls.args)


def test_headers_and_origin_arrive_as_given(procs):
    s = procs.server("--script", json.dumps([{"send": "x"},
                                             {"close": 1000}]))
    ls = procs.listen("-H", "X-Feed:  a b  c ", "--header", "X-Two:2",
                      "-H", "Cookie: k=v; w=z", "--origin",
                      "https://app.example:8443", s.url())
    assert ls.wait() == 0
    s.wait_out("CLOSED")
    headers = [l for l in s.out.snapshot() if l.startswith(b"HEADER")
               and not l.startswith(b"HEADER Sec-WebSocket")]
    for want in (b"HEADER X-Feed: a b  c", b"HEADER X-Two: 2",
                 b"HEADER Cookie: k=v; w=z",
                 b"HEADER Origin: https://app.example:8443"):
        assert headers.count(want) == 1, headers
    # Nothing else was added: lws's own lines and ours only.
    names = sorted(l.split(b":")[0][7:].lower() for l in headers)
    assert names == sorted([b"host", b"upgrade", b"connection",
                            b"pragma", b"cache-control", b"x-feed",
                            b"x-two", b"cookie", b"origin"])


def test_no_origin_by_default(procs):
    s = procs.server("--script", json.dumps([{"close": 1000}]))
    ls = procs.listen(s.url())
    assert ls.wait() == 0
    s.wait_out("CLOSED")
    assert not any(l.lower().startswith(b"header origin")
                   for l in s.out.snapshot())


@pytest.mark.parametrize("args,needle", [
    (["-H", "X-A: a\r\nInjected: 1"], "-H: bad header 'X-A: a\\r\\nInjected: "
     "1': CR or LF in the value"),
    (["-H", "X-A: a\nb"], "CR or LF in the value"),
    (["-H", "Bad Name: x"], "bad byte 0x20 in the header name"),
    (["-H", "NoColon"], "no ':' between name and value"),
    (["-H", "X-Empty:"], "empty value"),
    (["-H", "Host: evil"], "Host is part of the handshake"),
    (["-H", "Sec-WebSocket-Protocol: chat"], "is part of the handshake"),
    (["-H", "Origin: x"], "Origin: use --origin"),
    (["--origin", "https://a\r\nX: y"], "--origin: CR or LF in the value"),
    (["--token", "a\rb"], "--token: CR or LF in the value"),
    (["--token", "a", "--token-file", "/dev/null"],
     "--token and --token-file conflict"),
    (["--token", "a", "-H", "authorization: Basic x"],
     "-H Authorization and --token conflict"),
    (["--cacert", "/dev/null", "--insecure"],
     "--cacert and --insecure conflict"),
])
def test_access_usage_errors_exit_2(procs, args, needle):
    p = procs.run([prog("ws-listen")] + args + ["wss://127.0.0.1:9/"])
    assert p.wait() == 2
    assert needle in p.stderr()
    assert "--help" in p.stderr()


def test_tls_options_need_wss(procs):
    for opt in (["--insecure"], ["--cacert", "/dev/null"]):
        p = procs.run([prog("ws-listen")] + opt + ["ws://127.0.0.1:9/"])
        assert p.wait() == 2
        assert "need a wss:// URL" in p.stderr()


def test_unreadable_or_empty_files_exit_1(procs, tmp_path):
    empty = tmp_path / "empty"
    empty.write_text("\n")
    for args, needle in (
            (["--token-file", str(tmp_path / "none")],
             "No such file or directory"),
            (["--token-file", str(empty)], "first line: empty value"),
            (["--cacert", str(tmp_path / "none")],
             "No such file or directory")):
        p = procs.run([prog("ws-listen")] + args + ["wss://127.0.0.1:9/"])
        assert p.wait() == 1
        assert needle in p.stderr()
