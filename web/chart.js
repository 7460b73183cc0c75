// A field's recent history and its line chart, drawn on a canvas by hand.
//
// Each field keeps its points in a fixed ring, so memory does not grow
// with the message rate; the page redraws charts once per animation frame
// at most, never once per message.

// Points a ring holds: 40 a second over a minute.
const CAPACITY = 2400;

// The recent history of one numeric field: times (ms since the epoch)
// and values, oldest first. A NaN value marks a break in the line.
export class Series {
	// windowMs: how much time a chart shows. Points that come closer
	// together than windowMs / CAPACITY replace the previous one, so a
	// fast feed still fills the whole window.
	constructor(windowMs) {
		this.t = new Float64Array(CAPACITY);
		this.v = new Float64Array(CAPACITY);
		this.head = 0;
		this.len = 0;
		this.step = windowMs / CAPACITY;
	}

	index(k) {
		return (this.head + k) % CAPACITY;
	}

	push(t, v) {
		if (this.len > 0) {
			const last = this.index(this.len - 1);

			if (t - this.t[last] < this.step && !isNaN(v) &&
			    !isNaN(this.v[last])) {
				this.t[last] = t;
				this.v[last] = v;
				return;
			}
			if (isNaN(v) && isNaN(this.v[last]))
				return;
		}
		const i = this.index(this.len);
		if (this.len === CAPACITY)
			this.head = (this.head + 1) % CAPACITY;
		else
			this.len++;
		this.t[i] = t;
		this.v[i] = v;
	}

	// End the current line: the next point starts a new one.
	pushBreak(t) {
		this.push(t, NaN);
	}
}

// What a chart reads from the page's style sheet, so that the colours
// follow the light or dark scheme.
export function chartColors() {
	const css = getComputedStyle(document.documentElement);
	const get = (name) => css.getPropertyValue(name).trim();

	return {
		line: get("--chart-line"),
		fill: get("--chart-fill"),
		gap: get("--chart-gap"),
		text: get("--chart-text"),
		font: get("--chart-font")
	};
}

// The points of s at or after t0, plus the last one before it so that
// the line enters from the left edge.
function firstVisible(s, t0) {
	let k = s.len - 1;

	while (k > 0 && s.t[s.index(k - 1)] >= t0)
		k--;
	return Math.max(k - 1, 0);
}

function valueRange(s, from, t0) {
	let lo = Infinity, hi = -Infinity, count = 0;

	for (let k = from; k < s.len; k++) {
		const i = s.index(k);
		if (isNaN(s.v[i]))
			continue;
		if (s.t[i] >= t0)
			count++;
		lo = Math.min(lo, s.v[i]);
		hi = Math.max(hi, s.v[i]);
	}
	if (lo === hi) {
		const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
		lo -= pad;
		hi += pad;
	}
	return { lo, hi, count };
}

// Runs of consecutive points, as [x, y] pairs, split at breaks.
function segments(s, from, x, y) {
	const out = [];
	let run = [];

	for (let k = from; k < s.len; k++) {
		const i = s.index(k);
		if (isNaN(s.v[i])) {
			if (run.length)
				out.push(run);
			run = [];
			continue;
		}
		run.push([x(s.t[i]), y(s.v[i])]);
	}
	if (run.length)
		out.push(run);
	return out;
}

function drawGaps(g, gaps, x, now, w, h) {
	let shown = 0;

	for (const gap of gaps) {
		const a = Math.max(x(gap.from), 0);
		const b = Math.min(x(gap.to === null ? now : gap.to), w);
		if (b <= 0 || a >= w)
			continue;
		g.fillRect(a, 0, Math.max(b - a, 2), h);
		shown++;
	}
	return shown;
}

function drawLine(g, runs, bottom, colors, dpr) {
	g.lineWidth = 1.5 * dpr;
	g.lineJoin = "round";
	for (const run of runs) {
		g.beginPath();
		run.forEach(([px, py], n) => n ? g.lineTo(px, py) :
		    g.moveTo(px, py));
		g.strokeStyle = colors.line;
		g.stroke();
		g.lineTo(run[run.length - 1][0], bottom);
		g.lineTo(run[0][0], bottom);
		g.closePath();
		g.fillStyle = colors.fill;
		g.fill();
		if (run.length === 1) {
			g.beginPath();
			g.arc(run[0][0], run[0][1], 2 * dpr, 0, 2 * Math.PI);
			g.fillStyle = colors.line;
			g.fill();
		}
	}
}

function drawLabels(g, range, colors, dpr, h, fmt) {
	g.fillStyle = colors.text;
	g.font = (10 * dpr) + "px " + (colors.font || "sans-serif");
	g.textBaseline = "top";
	g.fillText(fmt(range.hi), 3 * dpr, 2 * dpr);
	g.textBaseline = "bottom";
	g.fillText(fmt(range.lo), 3 * dpr, h - 2 * dpr);
}

// Draw series s over the windowMs before now on canvas, with the gaps
// (periods without data: {from, to}, to null while one lasts) shaded.
// fmt formats the axis values. Leaves data-points (points in view) and
// data-gaps (gaps in view) on the canvas for whoever inspects the page.
export function drawChart(canvas, s, gaps, now, windowMs, colors, fmt) {
	const dpr = window.devicePixelRatio || 1;
	const w = Math.round(canvas.clientWidth * dpr);
	const h = Math.round(canvas.clientHeight * dpr);

	if (w === 0 || h === 0)
		return;
	if (canvas.width !== w || canvas.height !== h) {
		canvas.width = w;
		canvas.height = h;
	}
	const g = canvas.getContext("2d");
	const t0 = now - windowMs;
	const from = firstVisible(s, t0);
	const range = valueRange(s, from, t0);
	const pad = 14 * dpr;
	const x = (t) => (t - t0) / windowMs * w;
	const y = (v) => h - pad - (v - range.lo) / (range.hi - range.lo) *
	    (h - 2 * pad);

	g.clearRect(0, 0, w, h);
	g.fillStyle = colors.gap;
	canvas.dataset.gaps = drawGaps(g, gaps, x, now, w, h);
	drawLine(g, segments(s, from, x, y), h, colors, dpr);
	if (range.count > 0)
		drawLabels(g, range, colors, dpr, h, fmt);
	canvas.dataset.points = range.count;
}
