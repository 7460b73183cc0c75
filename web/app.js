// The wsfeed dashboard: the list of rooms, and one room at a time, shown
// as live tiles with charts (metrics) or as the latest messages (feed).
//
// The address says what to show: #vmstat opens room vmstat, #vmstat/feed
// and #vmstat/metrics force a view. The query string tunes the page:
// token (passed on to every request), backoff=MIN[,MAX], retries=N,
// stable=D, timeout=D (the reconnection rules) and window=D (how much
// time a chart shows).

import { Connection, parseDuration } from "./conn.js";
import { Series, chartColors, drawChart } from "./chart.js";
import { MAX_FIELDS, flatten, formatValue, isNumber, levelClass,
    looksLikeMetrics, parseMessage, summarize, validRoom } from
    "./message.js";
import { Notifier } from "./notify.js";

// Messages the feed keeps.
const FEED_MAX = 100;

// How often the room list is fetched again, and how many rooms it shows.
const ROOMS_EVERY_MS = 5000;
const ROOMS_SHOWN = 500;

// Distinct fields a room may create; past that, new names are ignored
// (a message that uses timestamps as keys would grow without end).
const FIELDS_MAX = 2 * MAX_FIELDS;

const $ = (id) => document.getElementById(id);

function el(tag, className, text) {
	const e = document.createElement(tag);

	if (className)
		e.className = className;
	if (text !== undefined)
		e.textContent = text;
	return e;
}

// An axis label: three or four significant digits, k and M for large.
function axisValue(v) {
	const a = Math.abs(v);

	if (a >= 1e9)
		return Number((v / 1e9).toPrecision(3)) + "G";
	if (a >= 1e6)
		return Number((v / 1e6).toPrecision(3)) + "M";
	if (a >= 1e4)
		return Number((v / 1e3).toPrecision(3)) + "k";
	return String(Number(v.toPrecision(4)));
}

// Pretty JSON, or a note for a value too deep for JSON.stringify.
function pretty(value) {
	try {
		return JSON.stringify(value, null, 2);
	} catch (e) {
		return "(too deeply nested to show)";
	}
}

function pad(n, width) {
	return String(n).padStart(width, "0");
}

function clockTime(ms) {
	const d = new Date(ms);

	return pad(d.getHours(), 2) + ":" + pad(d.getMinutes(), 2) + ":" +
	    pad(d.getSeconds(), 2) + "." + pad(d.getMilliseconds(), 3);
}

function agoText(ms) {
	if (ms < 1000)
		return "just now";
	if (ms < 90000)
		return Math.round(ms / 1000) + " s ago";
	if (ms < 5400000)
		return Math.round(ms / 60000) + " min ago";
	return Math.round(ms / 3600000) + " h ago";
}

// The query string's settings, with defaults; bad values are listed in
// bad and left at their defaults.
function readSettings(search) {
	const p = new URLSearchParams(search);
	const s = { token: p.get("token"), min: 1000, max: 30000,
	    retries: 10, stable: 10000, timeout: 10000, window: 60000,
	    bad: [] };
	const duration = (name, lo, hi) => {
		if (!p.has(name))
			return;
		const ms = parseDuration(p.get(name));
		if (ms >= lo && ms <= hi)
			s[name] = ms;
		else
			s.bad.push(name + "=" + p.get(name));
	};

	if (p.has("backoff")) {
		const [a, b] = p.get("backoff").split(",");
		const min = parseDuration(a);
		const max = b === undefined ? Math.max(min, s.max) :
		    parseDuration(b);
		if (min > 0 && max >= min)
			Object.assign(s, { min, max });
		else
			s.bad.push("backoff=" + p.get("backoff"));
	}
	if (p.has("retries")) {
		if (/^\d{1,9}$/.test(p.get("retries")))
			s.retries = Number(p.get("retries"));
		else
			s.bad.push("retries=" + p.get("retries"));
	}
	duration("stable", 0, 86400000);
	duration("timeout", 100, 600000);
	duration("window", 5000, 3600000);
	return s;
}

const settings = readSettings(location.search);
let colors = null;

// A same-origin path with the page's own token, if it has one: the
// server asks for it on every request when started with --token.
function withToken(path) {
	if (!settings.token)
		return path;
	return path + (path.includes("?") ? "&" : "?") + "token=" +
	    encodeURIComponent(settings.token);
}

function roomUrl(room) {
	const scheme = location.protocol === "https:" ? "wss://" : "ws://";

	return withToken(scheme + location.host + "/" + room);
}

// The rooms, from GET /_rooms, fetched again every few seconds.
class RoomList {
	constructor() {
		this.list = $("room-list");
		this.note = $("rooms-note");
		this.current = null;
		this.rooms = [];
	}

	start() {
		this.refresh();
		setInterval(() => {
			if (document.visibilityState === "visible")
				this.refresh();
		}, ROOMS_EVERY_MS);
	}

	async refresh() {
		let rooms;

		try {
			const r = await fetch(withToken("/_rooms"),
			    { cache: "no-store" });
			if (!r.ok)
				throw new Error("HTTP " + r.status);
			rooms = await r.json();
			if (!Array.isArray(rooms))
				throw new Error("not a list");
		} catch (e) {
			this.note.textContent = "The room list is not " +
			    "available (" + e.message + ").";
			return;
		}
		rooms = rooms.filter((r) => r && validRoom(r.room));
		this.rooms = rooms.slice(0, ROOMS_SHOWN);
		if (rooms.length === 0)
			this.note.textContent = "No rooms yet: a room exists " +
			    "from its first message or its first client.";
		else if (rooms.length > ROOMS_SHOWN)
			this.note.textContent = (rooms.length - ROOMS_SHOWN) +
			    " more rooms not listed: open one as /#ROOM.";
		else
			this.note.textContent = "";
		this.render();
	}

	render() {
		const items = this.rooms.map((r) => {
			const li = el("li");
			const a = el("a", "", r.room);
			const age = Number.isFinite(r.snapshot_age_ms) ?
			    "last message " + agoText(r.snapshot_age_ms) :
			    "no message yet";

			a.href = "#" + r.room;
			if (r.room === this.current)
				a.setAttribute("aria-current", "page");
			li.append(a, el("small", "", r.clients + " watching, " +
			    age));
			return li;
		});
		this.list.replaceChildren(...items);
	}

	select(name) {
		this.current = name;
		this.render();
	}
}

// One field of the open room: numeric ones get a tile with a chart,
// the others a line of text.
class Field {
	constructor(name, numeric) {
		this.name = name;
		this.numeric = numeric;
		this.value = null;
		this.stale = false;
		this.dirty = true;
		this.visible = true;
		if (numeric)
			this.makeTile();
		else
			this.makeText();
	}

	makeTile() {
		this.series = new Series(settings.window);
		this.node = el("figure", "tile");
		this.node.dataset.field = this.name;
		const head = el("figcaption", "tile-head");
		this.valueEl = el("span", "tile-value");
		head.append(el("span", "tile-name", this.name), this.valueEl);
		this.canvas = el("canvas", "tile-chart");
		this.canvas.setAttribute("role", "img");
		this.canvas.setAttribute("aria-label", "recent values of " +
		    this.name);
		const foot = el("div", "tile-foot");
		foot.append(el("span", "", "\u2212" +
		    Math.round(settings.window / 1000) + " s"),
		    el("span", "", "now"));
		this.node.append(head, this.canvas, foot);
	}

	makeText() {
		this.node = el("div", "text-field");
		this.node.dataset.field = this.name;
		this.valueEl = el("dd");
		this.node.append(el("dt", "", this.name), this.valueEl);
	}

	show() {
		this.valueEl.textContent = formatValue(this.value);
		this.node.classList.toggle("stale", this.stale);
		this.node.classList.toggle("off", this.numeric &&
		    !isNumber(this.value));
		this.dirty = false;
	}
}

// The open room: its connection, its fields, its feed and its gaps.
class RoomView {
	constructor(name, view) {
		this.name = name;
		this.mode = view;
		this.fields = new Map();
		this.dropped = 0;
		this.truncated = 0;
		this.fresh = [];
		this.gaps = [];
		this.latest = null;
		this.latestAt = 0;
		this.received = 0;
		this.opens = 0;
		this.firstAfterOpen = false;
		this.dirty = { fields: false, feed: false, raw: false,
		    charts: true };
		this.lastDraw = 0;
		this.state = "connecting";
		this.detail = {};
		this.resetPage();
		this.notifier = new Notifier(name, { button: $("notify-button"),
		    note: $("notify-note") });
		this.observer = new IntersectionObserver((entries) => {
			for (const e of entries)
				this.visibility(e.target, e.isIntersecting);
		});
		this.conn = new Connection(roomUrl(name), settings, {
			status: (state, detail) => this.status(state, detail),
			open: () => this.opened(),
			message: (data) => this.message(data),
			lost: (code) => this.lost(code)
		});
		this.conn.start();
	}

	resetPage() {
		document.title = this.name + " \u00b7 wsfeed";
		$("room-title").textContent = this.name;
		$("welcome").hidden = true;
		$("room").hidden = false;
		$("room").dataset.received = "0";
		$("room").dataset.opens = "0";
		$("views").hidden = false;
		$("badge").hidden = false;
		$("tiles").replaceChildren();
		$("texts").replaceChildren();
		$("feed-list").replaceChildren();
		$("raw-text").textContent = "";
		$("fields-note").textContent = "";
		$("metrics-empty").hidden = false;
		$("last").textContent = "";
		this.showMode();
	}

	stop() {
		this.conn.stop();
		this.notifier.stop();
		this.observer.disconnect();
	}

	// A view the address asks for, or null to choose by the latest
	// message.
	setView(view) {
		this.mode = view !== null ? view : this.latest === null ? null :
		    looksLikeMetrics(this.latest) ? "metrics" : "feed";
		this.dirty.charts = true;
		this.showMode();
	}

	showMode() {
		const m = this.mode === null ? "metrics" : this.mode;

		$("metrics").hidden = m !== "metrics";
		$("feed").hidden = m !== "feed";
		$("view-metrics").setAttribute("aria-pressed",
		    m === "metrics" ? "true" : "false");
		$("view-feed").setAttribute("aria-pressed",
		    m === "feed" ? "true" : "false");
	}

	visibility(node, visible) {
		const f = this.fields.get(node.dataset.field);

		if (f !== undefined)
			f.visible = visible;
		this.dirty.charts = true;
	}

	// Connection events.

	status(state, detail) {
		this.state = state;
		this.detail = detail;
		showStatus(this);
	}

	opened() {
		const gap = this.gaps[this.gaps.length - 1];

		if (gap !== undefined && gap.to === null)
			gap.to = Date.now();
		this.opens++;
		$("room").dataset.opens = String(this.opens);
		this.firstAfterOpen = true;
		this.dirty.charts = true;
		// The list counts this page among the room's clients now.
		rooms.refresh();
	}

	// The connection dropped: what is on screen is no longer current,
	// and whatever comes next is not joined to it in the charts. A feed
	// that ended (1000) missed nothing: its last values stay as they are.
	lost(code) {
		const now = Date.now();
		const missing = code !== 1000;

		if (missing) {
			this.gaps = this.gaps.filter((g) => g.to === null ||
			    g.to >= now - settings.window);
			this.gaps.push({ from: now, to: null });
		}
		for (const f of this.fields.values()) {
			if (f.numeric)
				f.series.pushBreak(now);
			f.stale = f.stale || missing;
			f.dirty = true;
		}
		this.dirty.fields = true;
		this.dirty.charts = true;
	}

	message(data) {
		const now = Date.now();
		const msg = parseMessage(data);
		// Right after a reconnect the server sends the room's latest
		// message; when it is the one already shown, it is no news.
		const replay = this.firstAfterOpen && this.latest !== null &&
		    msg.text === this.latest.text;

		this.firstAfterOpen = false;
		if (this.mode === null) {
			this.mode = looksLikeMetrics(msg) ? "metrics" : "feed";
			this.showMode();
		}
		this.latest = msg;
		this.latestAt = now;
		this.received++;
		$("room").dataset.received = String(this.received);
		this.take(msg, now);
		if (!replay) {
			const sum = summarize(msg);
			this.fresh.push({ t: now, sum });
			if (this.fresh.length > FEED_MAX)
				this.fresh.shift();
			this.dirty.feed = true;
			if (this.mode === "feed")
				this.notifier.message(sum.text);
		}
		this.dirty.raw = true;
	}

	// Fields of a message into tiles, texts and series. Fields missing
	// from it keep their last value, shown as stale.
	take(msg, now) {
		const leaves = msg.json ? flatten(msg.value) : [];
		const seen = new Set();

		this.truncated = leaves.truncated || 0;
		for (const [name, v] of leaves) {
			const f = this.field(name, isNumber(v));
			if (f === null)
				continue;
			seen.add(name);
			if (f.numeric && isNumber(v))
				f.series.push(now, v);
			else if (f.numeric)
				f.series.pushBreak(now);
			f.value = v;
			f.stale = false;
			f.dirty = true;
		}
		for (const f of this.fields.values())
			if (!seen.has(f.name) && !f.stale) {
				f.stale = true;
				f.dirty = true;
			}
		this.dirty.fields = true;
		this.dirty.charts = true;
	}

	// The field called name, made when new; a text field that turns
	// numeric becomes a tile. null past FIELDS_MAX.
	field(name, numeric) {
		let f = this.fields.get(name);

		if (f !== undefined && (f.numeric || !numeric))
			return f;
		if (f === undefined && this.fields.size >= FIELDS_MAX) {
			this.dropped++;
			return null;
		}
		if (f !== undefined)
			f.node.remove();
		f = new Field(name, numeric);
		this.fields.set(name, f);
		if (numeric) {
			$("tiles").append(f.node);
			this.observer.observe(f.node);
		} else {
			$("texts").append(f.node);
		}
		return f;
	}

	// Drawing, once per animation frame.

	render(now) {
		if (this.dirty.fields)
			this.renderFields();
		if (this.dirty.feed)
			this.renderFeed();
		if (this.dirty.raw && $("raw").open)
			this.renderRaw();
		if (this.mode !== "feed")
			this.renderCharts(now);
	}

	renderFields() {
		for (const f of this.fields.values())
			if (f.dirty)
				f.show();
		$("metrics-empty").hidden = this.fields.size > 0;
		$("metrics-empty").textContent = this.latest === null ?
		    "Waiting for a message\u2026" :
		    "The latest message has no fields to show; see it below.";
		const notes = [];
		if (this.truncated)
			notes.push(this.truncated + " more fields of the " +
			    "latest message are not shown.");
		if (this.dropped)
			notes.push("Fields past the first " + FIELDS_MAX +
			    " names are ignored.");
		$("fields-note").textContent = notes.join(" ");
		$("last").textContent = this.latest === null ? "" :
		    "last message at " + clockTime(this.latestAt);
		this.dirty.fields = false;
	}

	renderFeed() {
		const list = $("feed-list");

		for (const item of this.fresh)
			list.prepend(feedItem(item));
		this.fresh = [];
		while (list.childElementCount > FEED_MAX)
			list.lastElementChild.remove();
		this.dirty.feed = false;
	}

	renderRaw() {
		const m = this.latest;

		$("raw-text").textContent = m === null ? "" : m.json ?
		    pretty(m.value) : m.text;
		this.dirty.raw = false;
	}

	// Charts move with time even without data: redraw them when data
	// came or when the time axis has moved by about a pixel.
	renderCharts(now) {
		const step = settings.window / 600;

		if (!this.dirty.charts && now - this.lastDraw < step)
			return;
		this.gaps = this.gaps.filter((g) => g.to === null ||
		    g.to >= now - settings.window);
		if (colors === null)
			colors = chartColors();
		for (const f of this.fields.values())
			if (f.numeric && f.visible)
				drawChart(f.canvas, f.series, this.gaps, now,
				    settings.window, colors, axisValue);
		this.lastDraw = now;
		this.dirty.charts = false;
	}
}

function feedItem(item) {
	const li = el("li", "feed-item");
	const time = el("time", "", clockTime(item.t));

	time.dateTime = new Date(item.t).toISOString();
	li.append(time);
	if (item.sum.level !== "") {
		li.append(el("span", "level", item.sum.level));
		const c = levelClass(item.sum.level);
		if (c !== "")
			li.classList.add(c);
	}
	li.append(el("span", "text", item.sum.text));
	if (item.sum.rest !== "")
		li.append(el("span", "rest", item.sum.rest));
	return li;
}

// The badge and the banner, from the connection's state.
function showStatus(view) {
	const badge = $("badge");
	const banner = $("banner");
	const d = view.detail;
	let text;

	switch (view.state) {
	case "live":
		text = "live";
		break;
	case "reconnecting":
		text = d.at === null ? "reconnecting\u2026" : "reconnecting in " +
		    Math.max(1, Math.ceil((d.at - Date.now()) / 1000)) + " s";
		break;
	case "offline":
		text = "offline";
		break;
	case "ended":
		text = "feed ended";
		break;
	default:
		text = "connecting\u2026";
	}
	badge.textContent = text;
	badge.dataset.state = view.state;
	if (view.state === "offline") {
		$("banner-text").textContent = d.why ? "Cannot connect: " +
		    d.why : "Offline: the server did not answer after " +
		    d.attempts + (d.attempts === 1 ? " retry." : " retries.") +
		    " The values shown are the last ones received.";
		$("banner-button").textContent = "Retry now";
	} else if (view.state === "ended") {
		$("banner-text").textContent = "The feed ended: its " +
		    "producer finished, and these are its last values.";
		$("banner-button").textContent = "Reconnect";
	}
	banner.dataset.state = view.state;
	banner.hidden = view.state !== "offline" && view.state !== "ended";
}

// What the address asks for: { room, view }, room null for the list.
function route() {
	let hash;

	try {
		hash = decodeURIComponent(location.hash.slice(1));
	} catch (e) {
		hash = location.hash.slice(1);
	}
	const [room, view] = hash.split("/");
	return {
		room: room === "" ? null : room,
		view: view === "feed" || view === "metrics" ? view : null
	};
}

const rooms = new RoomList();
let current = null;

function showWelcome(text) {
	document.title = "wsfeed";
	$("room-title").textContent = "Rooms";
	$("welcome").hidden = false;
	$("room").hidden = true;
	$("views").hidden = true;
	$("badge").hidden = true;
	$("banner").hidden = true;
	$("last").textContent = "";
	$("notice").hidden = text === "";
	$("notice").textContent = text;
}

function navigate() {
	const { room, view } = route();

	if (current !== null && current.name === room) {
		current.setView(view);
		return;
	}
	if (current !== null)
		current.stop();
	current = null;
	rooms.select(room);
	if (room === null)
		return showWelcome("");
	if (!validRoom(room))
		return showWelcome("\u201c" + room + "\u201d is not a room " +
		    "name: 1 to 128 letters, digits, dots, dashes or " +
		    "underscores, not starting with an underscore.");
	current = new RoomView(room, view);
}

// One bad frame must not stop the next: the loop goes on regardless.
function frame() {
	requestAnimationFrame(frame);
	if (current !== null)
		current.render(Date.now());
}

function setView(view) {
	if (current !== null)
		location.hash = "#" + current.name + "/" + view;
}

function start() {
	$("view-metrics").onclick = () => setView("metrics");
	$("view-feed").onclick = () => setView("feed");
	$("banner-button").onclick = () => current && current.conn.retryNow();
	$("raw").addEventListener("toggle", () => {
		if (current !== null)
			current.dirty.raw = true;
	});
	window.addEventListener("hashchange", navigate);
	// A network that comes back is worth a try at once; a feed that
	// ended stays ended.
	window.addEventListener("online", () => {
		if (current !== null && (current.state === "reconnecting" ||
		    current.state === "offline"))
			current.conn.retryNow();
	});
	document.addEventListener("visibilitychange", () => {
		if (current !== null)
			current.dirty.charts = true;
	});
	matchMedia("(prefers-color-scheme: dark)").addEventListener("change",
	    () => {
		colors = null;
		if (current !== null)
			current.dirty.charts = true;
	});
	// The countdown of "reconnecting in N s".
	setInterval(() => {
		if (current !== null && current.state === "reconnecting")
			showStatus(current);
	}, 250);
	if (settings.bad.length)
		$("notice").textContent = "Ignored bad settings in the " +
		    "address: " + settings.bad.join(", ") + ".";
	rooms.start();
	navigate();
	if (settings.bad.length)
		$("notice").hidden = false;
	requestAnimationFrame(frame);
}

start();
