// What the dashboard reads in a message: fields to chart, text to show,
// and a one-line summary for the feed. Nothing here touches the page.

// Fields taken from one message at most; the rest are counted, not shown.
export const MAX_FIELDS = 200;

// Objects nested deeper than this show as JSON text.
const MAX_DEPTH = 16;

// Characters of a feed line; longer text is cut and says by how much.
const MAX_TEXT = 2000;

// Keys that name the gist of an event, and its severity, in that order.
const TEXT_KEYS = ["msg", "message", "text", "summary", "title", "event",
    "line", "log"];
const LEVEL_KEYS = ["level", "severity", "lvl", "status"];

export function isNumber(v) {
	return typeof v === "number" && Number.isFinite(v);
}

// A message as text and, when it is JSON, as a value. A frame that is
// not text (ws-broadcast never sends one) becomes a note.
export function parseMessage(data) {
	if (typeof data !== "string")
		return { json: false, value: null, text: "(binary message)" };
	try {
		return { json: true, value: JSON.parse(data), text: data };
	} catch (e) {
		return { json: false, value: data, text: data };
	}
}

// Leaves of a value as [name, leaf] pairs in message order; nested keys
// join with dots (a.b, list.0). A bare value is one field, "value". The
// array has truncated = the number of leaves left out past MAX_FIELDS.
export function flatten(value) {
	const out = [];

	out.truncated = 0;
	walk(value, "", 0, out);
	return out;
}

function walk(value, name, depth, out) {
	if (value === null || typeof value !== "object") {
		add(out, name || "value", value);
		return;
	}
	const keys = Object.keys(value);
	if (keys.length === 0 || depth >= MAX_DEPTH) {
		add(out, name || "value", compact(value));
		return;
	}
	for (const k of keys)
		walk(value[k], name === "" ? k : name + "." + k, depth + 1,
		    out);
}

function add(out, name, leaf) {
	if (out.length < MAX_FIELDS)
		out.push([name, leaf]);
	else
		out.truncated++;
}

// JSON text of any value, even one too deep for JSON.stringify.
export function compact(value) {
	try {
		return JSON.stringify(value);
	} catch (e) {
		return "(too deeply nested)";
	}
}

// Whether a room reads better as charts than as a feed: its message is a
// number, or an object of which at least half the fields are numbers
// (vmstat is all numbers; a log event or an alert has mostly text).
export function looksLikeMetrics(msg) {
	if (!msg.json)
		return false;
	if (isNumber(msg.value))
		return true;
	if (msg.value === null || typeof msg.value !== "object")
		return false;
	const leaves = flatten(msg.value);
	const numeric = leaves.filter(([, v]) => isNumber(v)).length;
	return numeric > 0 && numeric * 2 >= leaves.length;
}

// A field's value as a tile shows it: integers exactly, other numbers
// with at most six significant digits, the rest as text.
export function formatValue(v) {
	if (isNumber(v)) {
		if (Number.isInteger(v) && Math.abs(v) < 1e15)
			return String(v);
		return String(Number(v.toPrecision(6)));
	}
	if (typeof v === "string")
		return v;
	return compact(v);
}

function cut(text) {
	if (text.length <= MAX_TEXT)
		return text;
	return text.slice(0, MAX_TEXT) + " \u2026 (" +
	    (text.length - MAX_TEXT) + " more characters)";
}

function pick(obj, keys, ok) {
	for (const k of keys)
		if (Object.prototype.hasOwnProperty.call(obj, k) && ok(obj[k]))
			return k;
	return null;
}

// A feed line: { text, level, rest }. A string message is its own text;
// an object shows its gist (msg, message, ...) and severity (level, ...)
// apart, the other fields as compact JSON in rest; without a gist, it
// shows as it came.
export function summarize(msg) {
	const v = msg.value;

	if (!msg.json)
		return { text: cut(msg.text), level: "", rest: "" };
	if (typeof v === "string")
		return { text: cut(v), level: "", rest: "" };
	if (v === null || typeof v !== "object" || Array.isArray(v))
		return { text: cut(msg.text), level: "", rest: "" };
	const textKey = pick(v, TEXT_KEYS, (x) => typeof x === "string");
	const levelKey = pick(v, LEVEL_KEYS,
	    (x) => typeof x === "string" || isNumber(x));
	if (textKey === null)
		return { text: cut(msg.text),
		    level: levelKey === null ? "" : String(v[levelKey]),
		    rest: "" };
	const rest = Object.assign({}, v);
	delete rest[textKey];
	if (levelKey !== null)
		delete rest[levelKey];
	return {
		text: cut(v[textKey]),
		level: levelKey === null ? "" : String(v[levelKey]),
		rest: Object.keys(rest).length ? cut(compact(rest)) : ""
	};
}

const BAD = ["err", "error", "fatal", "crit", "critical", "alert", "emerg",
    "panic", "fail", "failed", "failure", "down"];
const WARN = ["warn", "warning", "degraded"];
const GOOD = ["ok", "success", "succeeded", "done", "up", "resolved",
    "healthy"];

// The colour class of a severity: "bad", "warn", "good" or "".
export function levelClass(level) {
	const l = String(level).toLowerCase();

	if (BAD.includes(l))
		return "bad";
	if (WARN.includes(l))
		return "warn";
	return GOOD.includes(l) ? "good" : "";
}

// Whether text is a room name ws-broadcast accepts.
export function validRoom(name) {
	return /^[A-Za-z0-9._-]{1,128}$/.test(name) && !/^\.+$/.test(name) &&
	    name[0] !== "_";
}
