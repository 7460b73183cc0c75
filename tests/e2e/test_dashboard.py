"""ws-broadcast --dashboard: its HTTP answers, and the page itself in a
real browser (headless Chromium over the DevTools protocol, cdp.py)."""
import json
import math
import os
import re
import signal
import socket
import subprocess
import time

import pytest

import cdp
from conftest import ROOT, metrics, prog, wait_for

WEB = ROOT / "web"
ARTIFACTS = ROOT / "build" / "artifacts"

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
       "form-action 'none'; frame-ancestors 'none'")

TYPES = {".html": "text/html; charset=utf-8",
         ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8",
         ".svg": "image/svg+xml"}

# What Chromium logs on its own while a server is down: not the page's
# errors.
NETWORK_NOISE = re.compile(r"WebSocket connection to|net::ERR_|"
                           r"Failed to load resource")

# Short reconnection rules, so that the tests are quick.
FAST = "backoff=100ms,300ms&retries=3&stable=1s"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_in(b, n):
    wait_for(lambda: metrics(b)["wsfeed_messages_in_total"] >= n,
             what=f"{n} messages in")


def send(b, *objs):
    b.write("".join(json.dumps(o) + "\n" for o in objs))


# HTTP, without a browser.

def test_assets_are_served_with_types_policy_and_tags(procs):
    b = procs.broadcast("--dashboard")
    files = sorted(p for p in WEB.iterdir() if p.is_file())
    assert {p.name for p in files} >= {"index.html", "app.js", "style.css"}
    for path in ["/", "/_dashboard/"] + [f"/_dashboard/{p.name}"
                                         for p in files]:
        name = path.rsplit("/", 1)[1] or "index.html"
        status, h, body = b.http(path)
        assert status == 200, path
        assert body == (WEB / name).read_bytes(), path
        assert h["content-type"] == TYPES[os.path.splitext(name)[1]]
        assert h["content-security-policy"] == CSP
        assert h["x-content-type-options"] == "nosniff"
        assert h["cache-control"] == "no-cache"
        assert re.fullmatch(r'"[0-9a-f]{8}-[0-9a-f]+"', h["etag"])
        assert int(h["etag"].split("-")[1].rstrip('"'), 16) == len(body)
    # The tags differ between files and stay put between requests.
    tags = {p.name: b.http(f"/_dashboard/{p.name}")[1]["etag"]
            for p in files}
    assert len(set(tags.values())) == len(files)
    assert b.http("/_dashboard/app.js")[1]["etag"] == tags["app.js"]


def test_if_none_match_gives_304(procs):
    b = procs.broadcast("--dashboard")
    tag = b.http("/_dashboard/app.js")[1]["etag"]
    size = len((WEB / "app.js").read_bytes())
    for value in (tag, "W/" + tag, f'"x", {tag}', f"{tag} ,\"y\"", "*"):
        status, h, body = b.http("/_dashboard/app.js",
                                 {"If-None-Match": value})
        assert (status, body) == (304, b""), value
        assert h["etag"] == tag and h["cache-control"] == "no-cache"
        assert int(h["content-length"]) == size
    for value in ('"00000000-0"', tag[:-2] + '"', tag[1:-1], "W/"):
        status, _, body = b.http("/_dashboard/app.js",
                                 {"If-None-Match": value})
        assert status == 200 and len(body) == size, value
    # A 304 keeps the connection usable.
    import http.client
    c = http.client.HTTPConnection("127.0.0.1", b.port, timeout=10)
    try:
        c.request("GET", "/_dashboard/app.js",
                  headers={"If-None-Match": tag})
        r = c.getresponse()
        assert r.status == 304 and r.read() == b""
        c.request("GET", "/_dashboard/style.css")
        r = c.getresponse()
        assert r.status == 200
        assert r.read() == (WEB / "style.css").read_bytes()
    finally:
        c.close()


def test_dashboard_paths_without_the_option(procs):
    b = procs.broadcast()
    status, h, body = b.http("/")
    assert status == 200 and json.loads(body) == [
        {"room": "default", "clients": 0, "snapshot_age_ms": None}]
    assert "content-security-policy" not in h
    assert b.http("/_dashboard/app.js")[0] == 404
    assert b.http("/_dashboard/")[0] == 404


def test_unknown_assets_and_data_answers(procs):
    b = procs.broadcast("--dashboard")
    assert b.http("/_dashboard/nope.js")[0] == 404
    assert b.http("/_dashboard/../etc/passwd")[0] == 404
    assert b.http("/_dashboard/app.js", method="POST")[0] == 405
    # Live data is never cached, whatever the dashboard does.
    b.write('{"a": 1}\n')
    wait_in(b, 1)
    status, h, _ = b.http("/default")
    assert status == 200 and h["cache-control"] == "no-store"
    assert h["cache-control"] == b.http("/_rooms")[1]["cache-control"]


def test_webgen_tags_follow_the_bytes(tmp_path):
    (tmp_path / "a.js").write_bytes(b"one\n")
    (tmp_path / "b.js").write_bytes(b"one\n")
    (tmp_path / "c.css").write_bytes(b"two\n")
    out = subprocess.run(
        ["sh", str(ROOT / "lib" / "webgen.sh")] +
        [str(tmp_path / n) for n in ("a.js", "b.js", "c.css")],
        capture_output=True, text=True, timeout=30, check=True).stdout
    rows = re.findall(r'\{ "([^"]+)", "([^"]+)", "\\"([^\\]+)\\"", '
                      r'asset_(\d+), (\d+) \}', out)
    assert [(r[0], r[1], r[4]) for r in rows] == [
        ("a.js", "text/javascript; charset=utf-8", "4"),
        ("b.js", "text/javascript; charset=utf-8", "4"),
        ("c.css", "text/css; charset=utf-8", "4")]
    tags = [r[2] for r in rows]
    assert tags[0] == tags[1] != tags[2]
    crc = subprocess.run(["cksum"], input=b"one\n", capture_output=True,
                         timeout=10).stdout.split()[0]
    assert tags[0] == f"{int(crc):08x}-4"


def test_usage_and_man_page_list_dashboard(procs):
    p = procs.run([prog("ws-broadcast"), "--help"])
    assert p.wait() == 0
    assert "[--dashboard]" in p.p.stdout.read().decode()
    page = (ROOT / "man" / "ws-broadcast.1").read_text()
    synopsis = page.split(".Sh SYNOPSIS")[1].split(".Sh")[0]
    assert ".Op Fl -dashboard\n" in synopsis
    assert ".It Fl -dashboard\n" in page
    assert ".Ss DASHBOARD\n" in page
    lint = subprocess.run(["mandoc", "-Tlint", "-W", "warning",
                           str(ROOT / "man" / "ws-broadcast.1")],
                          capture_output=True, text=True, timeout=30)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_page_has_no_inline_script_or_style():
    html = (WEB / "index.html").read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html)
    for js in WEB.glob("*.js"):
        text = js.read_text()
        assert "innerHTML" not in text and "eval(" not in text, js.name


# In the browser.

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not os.access(cdp.CHROMIUM, os.X_OK):
        pytest.fail(f"{cdp.CHROMIUM} is missing: run make deps (Debian "
                    "package chromium)")
    b = cdp.Browser(str(tmp_path_factory.mktemp("chromium")))
    yield b
    b.close()


@pytest.fixture
def page(browser):
    p = browser.new_page()
    yield p
    try:
        assert p.csp_violations() == []
        errors = [e for e in p.console_errors()
                  if not NETWORK_NOISE.search(e)]
        assert errors == []
    finally:
        p.close()


def tiles(page):
    """{field: value text} of the tiles, in page order."""
    return page.eval("""Object.fromEntries([...document.querySelectorAll(
        '#tiles .tile')].map(t => [t.dataset.field,
        t.querySelector('.tile-value').textContent]))""")


def wait_tiles(page, want, timeout=10):
    """Wait until the tiles show want (values are drawn a frame after
    their tile appears)."""
    deadline = time.monotonic() + timeout
    while tiles(page) != want and time.monotonic() < deadline:
        time.sleep(0.05)
    assert tiles(page) == want


def points(page, field):
    return int(page.eval(f"""document.querySelector(
        '.tile[data-field="{field}"] canvas').dataset.points || 0"""))


def badge(page):
    return page.eval("document.querySelector('#badge').dataset.state")


def wait_badge(page, state, timeout=10):
    page.wait(f"document.querySelector('#badge').dataset.state === "
              f"{json.dumps(state)}", timeout, what=f"badge {state}")


def feed(page):
    return page.eval("""[...document.querySelectorAll('#feed-list li')]
        .map(li => [li.querySelector('time').textContent,
                    li.querySelector('.text').textContent])""")


def start_frame_counter(page):
    page.eval("""window.__frames = 0; (function count() {
        window.__frames++; requestAnimationFrame(count); })(); 0""")


def test_room_tiles_values_and_charts(procs, page):
    b = procs.broadcast("--dashboard", "-r", "vmstat")
    send(b, {"r": 1, "free": 52000, "cpu": {"us": 12.5, "sy": 3},
             "host": "box1", "up": True})
    wait_in(b, 1)
    page.navigate(f"http://{b.hostport}/#vmstat")
    wait_badge(page, "live")
    page.wait("document.querySelector('#room-list a[href=\"#vmstat\"]')",
              what="room in the list")
    assert page.text("#room-title") == "vmstat"
    assert page.eval("document.title") == "vmstat \u00b7 wsfeed"
    page.wait("document.querySelectorAll('#tiles .tile').length === 4")
    wait_tiles(page, {"r": "1", "free": "52000", "cpu.us": "12.5",
                      "cpu.sy": "3"})
    assert page.eval("""[...document.querySelectorAll('#texts div')]
        .map(d => d.textContent)""") == ["hostbox1", "uptrue"]
    assert page.eval("document.querySelector('#view-metrics')"
                     ".getAttribute('aria-pressed')") == "true"
    page.wait("document.querySelector('.tile canvas').dataset.points "
              "=== '1'", what="first point")

    for i in range(2, 12):
        send(b, {"r": i, "free": 52000 - i, "cpu": {"us": 10 + i / 4,
                                                     "sy": 3}})
        time.sleep(0.05)
    page.wait("document.querySelector('#room').dataset.received === '11'")
    page.wait("""document.querySelector('.tile[data-field="cpu.us"] '
        + 'canvas').dataset.points >= 5""", what="chart points")
    wait_tiles(page, {"r": "11", "free": "51989", "cpu.us": "12.75",
                      "cpu.sy": "3"})
    assert points(page, "r") > 1
    # host and up were not in the latest message: kept, shown as stale.
    assert page.eval("""[...document.querySelectorAll('#texts .stale')]
        .length""") == 2
    page.click("#raw summary")
    page.wait("document.querySelector('#raw-text').textContent")
    assert json.loads(page.text("#raw-text")) == {
        "r": 11, "free": 51989, "cpu": {"us": 12.75, "sy": 3}}


def vmstat_row(names, i):
    """Thirty-two made-up fields that move like a busy machine's."""
    row = {k: round(30 + 25 * math.sin(i / 6 + j) + 5 * math.sin(i * j))
           for j, k in enumerate(names)}
    row["net"] = {f"eth{k}": {"rx": round(1000 + 800 * math.sin(i / 9 + k)
                                          ** 2),
                              "tx": round(400 + 300 * math.cos(i / 7 + k))}
                  for k in range(6)}
    row["load"] = [round(1 + math.sin(i / 12), 2), 0.7, 0.9]
    return row


def test_thirty_fields_at_ten_a_second_and_screenshot(procs, page):
    b = procs.broadcast("--dashboard", "-r", "vmstat")
    names = ["r", "b", "swpd", "free", "buff", "cache", "si", "so", "bi",
             "bo", "in", "cs", "us", "sy", "id", "wa", "st"]
    page.navigate(f"http://{b.hostport}/?window=10s#vmstat")
    wait_badge(page, "live")
    start_frame_counter(page)
    t0 = time.monotonic()
    n = 60
    for i in range(n):
        send(b, vmstat_row(names, i))
        time.sleep(max(0, t0 + (i + 1) * 0.1 - time.monotonic()))
    elapsed = time.monotonic() - t0
    page.wait(f"document.querySelector('#room').dataset.received === "
              f"'{n}'", what="every message")
    frames = page.eval("window.__frames")
    last = vmstat_row(names, n - 1)
    shown = tiles(page)
    assert len(shown) == 32
    assert shown["us"] == str(last["us"])
    assert shown["net.eth5.rx"] == str(last["net"]["eth5"]["rx"])
    assert shown["load.0"] == str(last["load"][0])
    # Charts out of sight are not drawn; scrolled to, they catch up.
    for f in ("r", "load.0", "net.eth5.tx"):
        page.eval(f"""document.querySelector('.tile[data-field="{f}"]')
            .scrollIntoView()""")
        page.wait(f"""document.querySelector('.tile[data-field="{f}"] '
            + 'canvas').dataset.points >= {n // 2}""", what=f"{f} points")
    page.eval("scrollTo(0, 0)")
    # A loose floor only: the figure itself goes to the report.
    print(f"\n{n} messages of 32 fields in {elapsed:.1f}s: "
          f"{frames / elapsed:.0f} frames/s")
    assert frames / elapsed > 5
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(str(ARTIFACTS / "dashboard.png"))
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10000


def test_reconnect_snapshot_and_gap(procs, page):
    port = free_port()
    listen = f"127.0.0.1:{port}"
    b = procs.broadcast("--dashboard", "-l", listen)
    send(b, {"load": 1.5, "host": "a"})
    wait_in(b, 1)
    page.navigate(f"http://{listen}/?backoff=1s,2s&retries=20"
                  f"&window=20s#default")
    wait_tiles(page, {"load": "1.5"})
    send(b, {"load": 2.5, "host": "a"})
    page.wait("""document.querySelector('.tile-value').textContent
        === '2.5'""")

    b.p.kill()
    page.wait("""document.querySelector('#badge').textContent
        .startsWith('reconnecting')""", what="reconnecting")
    assert badge(page) == "reconnecting"
    page.wait("document.querySelectorAll('#tiles .stale').length === 1",
              what="stale tile")
    assert page.eval("document.querySelector('#banner').hidden")

    b2 = procs.broadcast("--dashboard", "-l", listen)
    send(b2, {"load": 7.25, "host": "b"})
    wait_in(b2, 1)
    wait_badge(page, "live", timeout=15)
    page.wait("""document.querySelector('.tile-value').textContent
        === '7.25'""", what="the snapshot's value")
    assert page.text("#texts dd") == "b"
    page.wait("document.querySelectorAll('#room .stale').length === 0",
              what="fresh values")
    assert page.eval("document.querySelector('#room').dataset.opens") == "2"
    page.wait("document.querySelector('.tile canvas').dataset.gaps === '1'",
              what="a gap in the chart")
    assert points(page, "load") == 3
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(str(ARTIFACTS / "dashboard-gap.png"))


def test_offline_banner_then_retry(procs, page):
    port = free_port()
    listen = f"127.0.0.1:{port}"
    b = procs.broadcast("--dashboard", "-l", listen)
    send(b, {"v": 1})
    page.navigate(f"http://{listen}/?{FAST}#default")
    wait_badge(page, "live")
    b.p.kill()
    wait_badge(page, "offline", timeout=15)
    assert not page.eval("document.querySelector('#banner').hidden")
    assert "after 3 retries" in page.text("#banner-text")
    assert page.text("#banner-button") == "Retry now"
    # The first connection and three retries; then nothing more.
    tries = len(page.b.events_of("Network.webSocketCreated", page.session))
    assert tries == 4
    time.sleep(1.0)
    assert len(page.b.events_of("Network.webSocketCreated",
                                page.session)) == tries
    assert badge(page) == "offline"

    b2 = procs.broadcast("--dashboard", "-l", listen)
    send(b2, {"v": 2})
    wait_in(b2, 1)
    page.click("#banner-button")
    wait_badge(page, "live")
    page.wait("document.querySelector('.tile-value').textContent === '2'")
    assert page.eval("document.querySelector('#banner').hidden")


def test_feed_that_ended_is_not_offline(procs, page):
    b = procs.broadcast("--dashboard")
    send(b, {"v": 1})
    page.navigate(f"http://{b.hostport}/?{FAST}#default")
    page.wait("document.querySelector('.tile-value')")
    send(b, {"v": 42})
    page.wait("document.querySelector('.tile-value').textContent === '42'")
    b.close_stdin()
    assert b.wait() == 0
    wait_badge(page, "ended")
    assert page.text("#badge") == "feed ended"
    assert "feed ended" in page.text("#banner-text")
    assert page.eval("document.querySelector('#banner').dataset.state") \
        == "ended"
    time.sleep(1.0)
    assert badge(page) == "ended"
    assert len(page.b.events_of("Network.webSocketCreated",
                                page.session)) == 1
    # The last values stay, not greyed out: nothing was missed.
    assert page.eval("document.querySelectorAll('.stale').length") == 0
    wait_tiles(page, {"v": "42"})


def test_text_room_reads_as_a_feed_newest_first(procs, page):
    b = procs.broadcast("--dashboard", "--format", "text", "-r", "logs")
    b.write("booting\n")
    wait_in(b, 1)
    page.navigate(f"http://{b.hostport}/#logs")
    page.wait("document.querySelectorAll('#feed-list li').length === 1")
    assert page.eval("document.querySelector('#view-feed')"
                     ".getAttribute('aria-pressed')") == "true"
    assert not page.eval("document.querySelector('#feed').hidden")
    for i in range(1, 121):
        b.write(f"line {i}\n")
    page.wait("document.querySelector('#room').dataset.received === '121'")
    page.wait("document.querySelector('#feed-list li .text').textContent "
              "=== 'line 120'")
    items = feed(page)
    assert [t for _, t in items] == [f"line {i}" for i in
                                     range(120, 20, -1)]
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d\.\d\d\d", t)
               for t, _ in items)
    # Arrival times never go backwards down the list (newest first).
    stamps = page.eval("""[...document.querySelectorAll('#feed-list time')]
        .map(t => Date.parse(t.dateTime))""")
    assert stamps == sorted(stamps, reverse=True)


def test_events_show_gist_and_severity(procs, page):
    b = procs.broadcast("--dashboard", "-r", "alerts")
    page.navigate(f"http://{b.hostport}/#alerts")
    wait_badge(page, "live")
    send(b, {"level": "warning", "msg": "disk 91% full", "host": "db1"},
         {"level": "error", "msg": "disk full", "host": "db1", "code": 28})
    page.wait("document.querySelectorAll('#feed-list li').length === 2")
    assert page.eval("""[...document.querySelectorAll('#feed-list li')]
        .map(li => [li.className, li.querySelector('.level').textContent,
                    li.querySelector('.text').textContent,
                    li.querySelector('.rest').textContent])""") == [
        ["feed-item bad", "error", "disk full",
         '{"host":"db1","code":28}'],
        ["feed-item warn", "warning", "disk 91% full", '{"host":"db1"}']]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(str(ARTIFACTS / "dashboard-feed.png"))
    # The same room as charts, on demand: its one number gets a tile.
    page.click("#view-metrics")
    page.wait("location.hash === '#alerts/metrics'")
    page.wait("!document.querySelector('#metrics').hidden")
    wait_tiles(page, {"code": "28"})
    assert page.eval("document.querySelector('#room').dataset.opens") == "1"


def test_room_list_and_switching(procs, page):
    b = procs.broadcast("--dashboard", "--room-by", ".room")
    send(b, {"room": "alpha", "x": 1}, {"room": "beta", "y": 2})
    wait_in(b, 2)
    page.navigate(f"http://{b.hostport}/")
    page.wait("document.querySelectorAll('#room-list a').length === 3")
    assert page.eval("""[...document.querySelectorAll('#room-list a')]
        .map(a => a.textContent)""") == ["alpha", "beta", "default"]
    assert not page.eval("document.querySelector('#welcome').hidden")
    assert page.eval("document.querySelector('#badge').hidden")
    page.click("#room-list a[href='#beta']")
    wait_tiles(page, {"y": "2"})
    page.click("#room-list a[href='#alpha']")
    page.wait("document.querySelector('#room-title').textContent === "
              "'alpha'")
    wait_tiles(page, {"x": "1"})
    page.eval("location.hash = '#_metrics'")
    page.wait("!document.querySelector('#notice').hidden")
    assert "is not a room name" in page.text("#notice")
    wait_for(lambda: metrics(b)["wsfeed_clients"] == 0,
             what="the old rooms' connections closed")


def test_room_list_is_capped(procs, page):
    b = procs.broadcast("--dashboard", "--room-by", ".room")
    b.write("".join(f'{{"room": "r{i:03}", "v": {i}}}\n'
                    for i in range(505)))
    wait_in(b, 505)
    page.navigate(f"http://{b.hostport}/")
    page.wait("document.querySelectorAll('#room-list a').length === 500")
    assert page.eval("document.querySelector('#room-list li:last-child a')"
                     ".textContent") == "r498"
    assert page.text("#rooms-note") == \
        "6 more rooms not listed: open one as /#ROOM."


def test_token_goes_on_every_request(procs, page):
    b = procs.broadcast("--dashboard")
    page.navigate(f"http://{b.hostport}/?token=s3cr%20t%26x#default")
    wait_badge(page, "live")
    page.wait("document.querySelector('#room-list a')")
    ws = page.b.events_of("Network.webSocketCreated", page.session)
    assert [e["url"] for e in ws] == [
        f"ws://{b.hostport}/default?token=s3cr%20t%26x"]
    fetched = [e["request"]["url"] for e in
               page.b.events_of("Network.requestWillBeSent", page.session)
               if "/_rooms" in e["request"]["url"]]
    assert fetched and all(u == f"http://{b.hostport}/_rooms?token="
                           "s3cr%20t%26x" for u in fetched)


def test_bad_messages_do_not_break_the_page(procs, page):
    b = procs.broadcast("--dashboard", "--format", "raw")
    page.navigate(f"http://{b.hostport}/#default/metrics")
    wait_badge(page, "live")
    deep = "[" * 5000 + "]" * 5000
    wide = json.dumps({f"k{i}": i for i in range(500)})
    b.write("plain text, not JSON\n{\"broken\": \n" + "x" * 200000 + "\n"
            + deep + "\n" + wide + "\n")
    wait_in(b, 5)
    page.wait("document.querySelector('#room').dataset.received === '5'")
    page.wait("document.querySelectorAll('#tiles .tile').length === 200")
    assert "300 more fields" in page.text("#fields-note")
    b.write('{"x": 5}\n')
    page.wait("""document.querySelector('.tile[data-field="x"] '
        + '.tile-value').textContent === '5'""")
    page.click("#view-feed")
    page.wait("document.querySelectorAll('#feed-list li').length === 6")
    texts = [t for _, t in feed(page)]
    assert texts[0] == '{"x": 5}' and texts[-1] == "plain text, not JSON"
    assert texts[3].startswith("x" * 2000) and \
        texts[3].endswith("(198000 more characters)")
    page.click("#raw summary")
    page.wait("document.querySelector('#raw-text').textContent")
    assert badge(page) == "live"


def test_notifications_after_opt_in_in_background(procs, browser):
    b = procs.broadcast("--dashboard", "--format", "text", "-r", "alerts")
    origin = f"http://{b.hostport}"
    browser.call("Browser.grantPermissions",
                 {"permissions": ["notifications"], "origin": origin})
    front = browser.new_page()
    page = browser.new_page(background=True)
    try:
        # Record what the page asks to show; the real API still runs.
        page.add_script("""window.__shown = [];
            const Real = window.Notification;
            window.Notification = function (title, options) {
                window.__shown.push([title, options.body]);
                return new Real(title, options);
            };
            window.Notification.requestPermission = () =>
                Real.requestPermission();
            Object.defineProperty(window.Notification, "permission",
                { get: () => Real.permission });""")
        page.navigate(f"{origin}/#alerts")
        assert page.eval("document.visibilityState") == "hidden"
        page.wait("document.querySelector('#badge').dataset.state "
                  "=== 'live'")
        b.write("before opting in\n")
        wait_in(b, 1)
        page.wait("document.querySelector('#room').dataset.received "
                  "=== '1'")
        assert page.eval("window.__shown") == []
        page.click("#notify-button")
        page.wait("document.querySelector('#notify-button')"
                  ".getAttribute('aria-pressed') === 'true'")
        b.write("deploy api 1.2 done\n")
        page.wait("window.__shown.length === 1")
        assert page.eval("window.__shown") == [
            ["wsfeed: alerts", "deploy api 1.2 done"]]
        # Two more within the quiet time make one summary after it.
        b.write("alert one\nalert two\n")
        page.wait("window.__shown.length === 2", timeout=10)
        assert page.eval("window.__shown[1]") == [
            "wsfeed: alerts", "2 new messages; the latest: alert two"]
        # In front, the page shows news itself.
        browser.call("Target.activateTarget", {"targetId": page.target})
        page.wait("document.visibilityState === 'visible'")
        b.write("seen in the page\n")
        page.wait("document.querySelector('#feed-list li .text')"
                  ".textContent === 'seen in the page'")
        time.sleep(2.5)
        assert page.eval("window.__shown.length") == 2
        assert page.csp_violations() == []
    finally:
        page.close()
        front.close()


def test_notifications_need_a_secure_page(procs, page):
    b = procs.broadcast("--dashboard", "--format", "text")
    # As if served over plain http from another host.
    page.add_script("Object.defineProperty(window, 'isSecureContext', "
                    "{ value: false });")
    page.navigate(f"http://{b.hostport}/#default/feed")
    wait_badge(page, "live")
    assert page.eval("document.querySelector('#notify-button').disabled")
    assert "need a secure page" in page.text("#notify-note")


def test_backoff_and_durations_in_the_page(procs, page):
    b = procs.broadcast("--dashboard")
    page.navigate(f"http://{b.hostport}/")
    got = page.eval("""import('/_dashboard/conn.js').then((m) => ({
        low: [1, 2, 3, 4, 5, 6, 7, 50].map(
            (n) => m.backoffDelay(n, 1000, 30000, () => 0)),
        high: [1, 2, 3, 4, 5, 6, 7, 50].map(
            (n) => m.backoffDelay(n, 1000, 30000, () => 1)),
        spread: Array.from({length: 2000},
            () => m.backoffDelay(3, 1000, 30000)),
        durations: ['250ms', '2s', '1.5', '1m', 'x', '', '5h'].map(
            (t) => String(m.parseDuration(t)))
    }))""")
    assert got["low"] == [500, 1000, 2000, 4000, 8000, 15000, 15000, 15000]
    assert got["high"] == [1000, 2000, 4000, 8000, 16000, 30000, 30000,
                           30000]
    assert 2000 <= min(got["spread"]) < 2300
    assert 3700 < max(got["spread"]) <= 4000
    assert got["durations"] == ["250", "2000", "1500", "60000", "NaN",
                                "NaN", "NaN"]


def test_bad_url_settings_are_named(procs, page):
    b = procs.broadcast("--dashboard")
    page.navigate(f"http://{b.hostport}/?backoff=soon&retries=-1"
                  "&window=2s#default")
    wait_badge(page, "live")
    assert page.text("#notice") == ("Ignored bad settings in the address: "
                                    "backoff=soon, retries=-1, window=2s.")
    page.navigate(f"http://{b.hostport}/?retries=&backoff=2s,1s"
                  "&timeout=1m#default")
    wait_badge(page, "live")
    assert page.text("#notice") == ("Ignored bad settings in the address: "
                                    "backoff=2s,1s, retries=.")


def test_make_demo_serves_the_dashboard(env):
    port = free_port()
    p = subprocess.Popen(["sh", str(ROOT / "tests" / "demo.sh")],
                         env=dict(env, DEMO_LISTEN=f"127.0.0.1:{port}"),
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    try:
        from conftest import http_get
        hostport = f"127.0.0.1:{port}"
        line = ""
        deadline = time.monotonic() + 10
        while "#vmstat" not in line and time.monotonic() < deadline:
            line = p.stdout.readline().decode()
        assert line.strip() == f"http://{hostport}/#vmstat"

        def vmstat_sample():
            try:
                return http_get(hostport, "/vmstat", timeout=2)
            except OSError:
                return None
        status, _, body = wait_for(
            lambda: (lambda r: r if r and r[0] == 200 else None)(
                vmstat_sample()), timeout=15, what="a vmstat sample")
        assert {"r", "b", "us", "sy", "id"} <= set(json.loads(body))
        status, h, body = http_get(hostport, "/")
        assert status == 200 and h["content-type"].startswith("text/html")
        assert body == (WEB / "index.html").read_bytes()
    finally:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(10)
        p.stdout.close()
        p.stderr.close()
