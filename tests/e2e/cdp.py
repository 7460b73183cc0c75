"""Headless Chromium for the dashboard's tests, driven over the DevTools
protocol with python3-websockets (no npm, no driver binary).

Chromium starts in its own process group with a new, empty profile and
its background networking turned off, so that it talks to nothing but
the loopback servers a test starts; the DevTools port is read from the
DevToolsActivePort file it writes. Every wait is bounded, and close()
kills the whole group.
"""
import asyncio
import base64
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import websockets

CHROMIUM = os.environ.get("WSFEED_CHROMIUM", "/usr/bin/chromium")

# Headless, no sandbox (tests run as root), and quiet on the network:
# no updates, sync, metrics, safe browsing, translation or DNS prefetch.
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--no-default-browser-check",
    "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-default-apps", "--disable-extensions",
    "--disable-domain-reliability", "--disable-client-side-phishing-detection",
    "--disable-breakpad", "--metrics-recording-only", "--no-pings",
    "--safebrowsing-disable-auto-update", "--disable-dev-shm-usage",
    "--disable-features=Translate,OptimizationHints,MediaRouter,"
    "AutofillServerCommunication,NetworkPrediction",
    "--dns-prefetch-disable", "--mute-audio", "--hide-scrollbars",
    "--force-device-scale-factor=1", "--window-size=1280,900",
    # Timers and animation frames run at full speed in every tab.
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]


class CDPError(Exception):
    pass


class Browser:
    """A running Chromium and one DevTools connection to it."""

    def __init__(self, workdir, timeout=30.0):
        self.profile = tempfile.mkdtemp(prefix="chromium-", dir=workdir)
        self.log = open(os.path.join(workdir, "chromium.log"), "wb")
        # Its caches and certificate store go to the work directory too.
        env = dict(os.environ, HOME=workdir,
                   XDG_CONFIG_HOME=os.path.join(workdir, "config"),
                   XDG_CACHE_HOME=os.path.join(workdir, "cache"))
        self.proc = subprocess.Popen(
            [CHROMIUM] + FLAGS + [f"--user-data-dir={self.profile}",
                                  "--remote-debugging-port=0",
                                  "about:blank"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
            env=env, start_new_session=True)
        self.ids = itertools.count(1)
        self.pending = {}
        self.events = []
        self.cond = threading.Condition()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever,
                                       daemon=True)
        self.thread.start()
        try:
            url = self._devtools_url(timeout)
            self.ws = self._run(self._connect(url), timeout)
            asyncio.run_coroutine_threadsafe(self._reader(), self.loop)
        except BaseException:
            self.close()
            raise

    def _devtools_url(self, timeout):
        path = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise CDPError(f"chromium exited with {self.proc.returncode}"
                               f"; see {self.log.name}")
            try:
                with open(path) as f:
                    lines = f.read().split("\n")
                if len(lines) >= 2 and lines[1]:
                    return f"ws://127.0.0.1:{int(lines[0])}{lines[1]}"
            except (OSError, ValueError):
                pass
            time.sleep(0.05)
        raise CDPError(f"no DevToolsActivePort within {timeout}s")

    async def _connect(self, url):
        return await websockets.connect(url, max_size=None,
                                        ping_interval=None)

    def _run(self, coro, timeout):
        fut = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return fut.result(timeout)

    async def _reader(self):
        try:
            async for raw in self.ws:
                msg = json.loads(raw)
                with self.cond:
                    if "id" in msg:
                        fut = self.pending.pop(msg["id"], None)
                        if fut is not None:
                            self.loop.call_soon_threadsafe(
                                fut.set_result, msg)
                    else:
                        self.events.append(msg)
                    self.cond.notify_all()
        except websockets.ConnectionClosed:
            pass

    async def _send(self, msg, fut):
        await self.ws.send(json.dumps(msg))
        return await fut

    def call(self, method, params=None, session=None, timeout=10.0):
        """Send one command and return its result; errors raise."""
        msg = {"id": next(self.ids), "method": method,
               "params": params or {}}
        if session is not None:
            msg["sessionId"] = session
        fut = self.loop.create_future()
        with self.cond:
            self.pending[msg["id"]] = fut
        try:
            reply = self._run(self._send(msg, fut), timeout)
        except TimeoutError:
            raise CDPError(f"{method}: no answer within {timeout}s")
        if "error" in reply:
            raise CDPError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def wait_event(self, method, session, pred=lambda p: True,
                   timeout=10.0):
        """The first event (since start) that matches; bounded."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for e in self.events:
                    if (e.get("method") == method and
                            e.get("sessionId") == session and
                            pred(e.get("params", {}))):
                        return e["params"]
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {method} within {timeout}s")
                self.cond.wait(left)

    def events_of(self, method, session):
        with self.cond:
            return [e["params"] for e in self.events
                    if e.get("method") == method and
                    e.get("sessionId") == session]

    def new_page(self, background=False):
        """A new tab with the Page, Runtime, Log and Network domains on.
        background: a tab of the first window that is not in front."""
        if background:
            params = {"url": "about:blank", "newWindow": False,
                      "background": True}
        else:
            params = {"url": "about:blank", "newWindow": True}
        target = self.call("Target.createTarget", params)["targetId"]
        session = self.call("Target.attachToTarget",
                            {"targetId": target,
                             "flatten": True})["sessionId"]
        page = Page(self, target, session)
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.call(f"{domain}.enable")
        return page

    def close(self):
        try:
            if getattr(self, "ws", None) is not None:
                self._run(self.ws.close(), 5)
        except Exception:
            pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.log.close()
        shutil.rmtree(self.profile, ignore_errors=True)


# Installed in every page before its own scripts run: it collects the
# Content-Security-Policy violations the page causes.
CSP_WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) =>
    window.__csp.push(e.violatedDirective + " " + e.blockedURI));
"""


class Page:
    """One tab, attached with a flat session."""

    def __init__(self, browser, target, session):
        self.b = browser
        self.target = target
        self.session = session

    def call(self, method, params=None, timeout=10.0):
        return self.b.call(method, params, self.session, timeout)

    def add_script(self, source):
        """Run source in every document of this tab, before the page's
        own scripts."""
        self.call("Page.addScriptToEvaluateOnNewDocument",
                  {"source": source})

    def navigate(self, url, timeout=15.0):
        self.add_script(CSP_WATCH)
        n = len(self.b.events_of("Page.loadEventFired", self.session))
        reply = self.call("Page.navigate", {"url": url})
        if reply.get("errorText"):
            raise CDPError(f"navigate {url}: {reply['errorText']}")
        deadline = time.monotonic() + timeout
        while len(self.b.events_of("Page.loadEventFired",
                                   self.session)) <= n:
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} did not load in {timeout}s")
            time.sleep(0.02)

    def eval(self, expr, timeout=10.0):
        """The value of a JavaScript expression (promises awaited)."""
        r = self.call("Runtime.evaluate",
                      {"expression": expr, "returnByValue": True,
                       "awaitPromise": True}, timeout)
        if "exceptionDetails" in r:
            d = r["exceptionDetails"]
            text = d.get("exception", {}).get("description", d.get("text"))
            raise CDPError(f"{expr}: {text}")
        return r["result"].get("value")

    def wait(self, expr, timeout=10.0, what=None):
        """Poll until expr is truthy in JavaScript's sense (an exception,
        such as a missing element, counts as false); fail after timeout,
        showing the page's state."""
        deadline = time.monotonic() + timeout
        probe = f"(() => {{ try {{ return !!({expr}); }} " \
            "catch (e) { return false; } })()"
        while time.monotonic() < deadline:
            if self.eval(probe):
                return
            time.sleep(0.05)
        raise AssertionError(
            f"timed out after {timeout}s waiting for {what or expr}; "
            f"badge {self.text('#badge')!r}; banner "
            f"{self.text('#banner-text')!r}")

    def text(self, selector):
        return self.eval(f"(document.querySelector({json.dumps(selector)})"
                         f" || {{}}).textContent")

    def click(self, selector):
        self.eval(f"document.querySelector({json.dumps(selector)}).click()")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png"},
                         timeout=20)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def csp_violations(self):
        return self.eval("window.__csp || []")

    def console_errors(self):
        """Error entries from the browser log and the console."""
        out = [e["entry"]["text"] for e in
               self.b.events_of("Log.entryAdded", self.session)
               if e["entry"]["level"] == "error"]
        out += [" ".join(str(a.get("value", a.get("description", "")))
                         for a in e["args"])
                for e in self.b.events_of("Runtime.consoleAPICalled",
                                          self.session)
                if e["type"] == "error"]
        out += [e["exceptionDetails"].get("exception", {}).get(
            "description", e["exceptionDetails"].get("text"))
            for e in self.b.events_of("Runtime.exceptionThrown",
                                      self.session)]
        return out

    def close(self):
        try:
            self.b.call("Target.closeTarget", {"targetId": self.target},
                        timeout=5)
        except Exception:
            pass
