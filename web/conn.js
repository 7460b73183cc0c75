// One WebSocket to one room, kept alive the way ws-listen keeps its own:
// jittered exponential backoff, a retry count that only resets once a
// connection has stayed up for a while, and close code 1000 taken as the
// end of the feed rather than a fault.

// A duration as the command-line tools write it: "250ms", "2s", "1m", or
// a bare number of seconds. Returns milliseconds, or NaN for other text.
export function parseDuration(text) {
	const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/.exec(String(text));
	if (m === null)
		return NaN;
	const n = Number(m[1]);
	if (m[2] === "ms")
		return n;
	return m[2] === "m" ? n * 60000 : n * 1000;
}

// The wait before the n-th consecutive retry (n from 1): drawn uniformly
// from [d/2, d] with d = min(max, min * 2^(n-1)), so that many pages that
// lost the same server do not all come back in the same moment. rand
// stands in for Math.random in tests.
export function backoffDelay(n, min, max, rand = Math.random) {
	const d = Math.min(max, min * 2 ** Math.min(n - 1, 40));
	return d / 2 + rand() * (d / 2);
}

// The states a connection reports through on.status(state, detail):
//   connecting    the first attempt is under way
//   live          open
//   reconnecting  detail.at: when the next attempt starts (null while it
//                 runs), detail.attempt: its number
//   offline       detail.attempts retries failed in a row; retryNow()
//   ended         the server closed with 1000: the feed is complete
export class Connection {
	// url: the ws: or wss: URL. settings: min, max (backoff bounds),
	// retries (consecutive failed retries before going offline), stable
	// (time up after which the count starts again), timeout (for an
	// attempt to open), all in ms. on: status(state, detail), open(),
	// message(data), lost(code) -- lost only for a connection that was
	// open, before any status change it causes.
	constructor(url, settings, on) {
		this.url = url;
		this.settings = settings;
		this.on = on;
		this.ws = null;
		this.isOpen = false;
		this.retries = 0;
		this.timers = [];
		this.stopped = false;
	}

	start() {
		this.connect("connecting", {});
	}

	// Close for good; no callback runs afterwards.
	stop() {
		this.stopped = true;
		this.clearTimers();
		if (this.ws !== null) {
			this.ws.onclose = null;
			this.ws.onmessage = null;
			this.ws.close(1000);
			this.ws = null;
		}
	}

	// Try again now, counting from zero (the user asked for it).
	retryNow() {
		if (this.stopped || (this.ws !== null && this.isOpen))
			return;
		if (this.ws !== null) {
			this.ws.onclose = null;
			this.ws.close();
			this.ws = null;
		}
		this.retries = 0;
		this.connect("connecting", {});
	}

	clearTimers() {
		for (const t of this.timers)
			clearTimeout(t);
		this.timers = [];
	}

	later(ms, fn) {
		this.timers.push(setTimeout(fn, ms));
	}

	connect(state, detail) {
		this.clearTimers();
		this.isOpen = false;
		this.on.status(state, detail);
		let ws;
		try {
			ws = new WebSocket(this.url);
		} catch (e) {
			// A malformed URL: retrying cannot help.
			this.on.status("offline", { attempts: 0, why: e.message });
			return;
		}
		this.ws = ws;
		ws.onopen = () => this.opened(ws);
		ws.onmessage = (ev) => this.on.message(ev.data);
		ws.onclose = (ev) => this.closed(ws, ev.code);
		// A handshake that never answers would otherwise hang for as
		// long as the browser likes; closing it counts as a failure.
		this.later(this.settings.timeout, () => {
			if (!this.isOpen)
				ws.close();
		});
	}

	opened(ws) {
		if (ws !== this.ws)
			return;
		this.clearTimers();
		this.isOpen = true;
		this.on.status("live", {});
		this.later(this.settings.stable, () => {
			this.retries = 0;
		});
		this.on.open();
	}

	closed(ws, code) {
		if (ws !== this.ws || this.stopped)
			return;
		const wasOpen = this.isOpen;

		this.clearTimers();
		this.ws = null;
		this.isOpen = false;
		if (wasOpen)
			this.on.lost(code);
		if (code === 1000) {
			this.on.status("ended", {});
			return;
		}
		if (this.retries >= this.settings.retries) {
			this.on.status("offline", { attempts: this.retries });
			return;
		}
		this.retries++;
		const attempt = this.retries;
		const delay = backoffDelay(attempt, this.settings.min,
		    this.settings.max);
		this.on.status("reconnecting", {
			at: Date.now() + delay, attempt, code });
		this.later(delay, () => this.connect("reconnecting",
		    { at: null, attempt }));
	}
}
