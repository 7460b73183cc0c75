# table.awk: wsload's key=value result lines to Markdown tables of medians.
#
# Every point (mode, clients, rate) and server gets the median of its
# repeats; the ratio tables divide ws-broadcast's median by each other
# server's median of the same point, measured in the same run.
# Lines that do not start with "name=" are ignored.

function median(key, metric,    n, i, j, v, t) {
	n = cnt[key]
	if (n == 0)
		return ""
	for (i = 1; i <= n; i++)
		v[i] = val[key, metric, i] + 0
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
	if (n % 2)
		return v[(n + 1) / 2]
	return (v[n / 2] + v[n / 2 + 1]) / 2
}

function ratio(a, b) {
	if (a == "" || b == "" || b + 0 == 0)
		return "–"
	return sprintf("%.2f", a / b)
}

function fmt_rate(x) {
	if (x == "")
		return "–"
	if (x >= 1e6)
		return sprintf("%.2f M", x / 1e6)
	if (x >= 1e3)
		return sprintf("%.0f k", x / 1e3)
	return sprintf("%.0f", x)
}

function point_name(p,    f) {
	split(p, f, SUBSEP)
	if (f[1] == "idle")
		return f[2] " idle"
	if (f[1] == "sat")
		return f[2] " × max"
	return f[2] " × " f[3] "/s"
}

/^name=/ {
	delete kv
	for (i = 1; i <= NF; i++) {
		eq = index($i, "=")
		kv[substr($i, 1, eq - 1)] = substr($i, eq + 1)
	}
	p = kv["mode"] SUBSEP kv["clients"] SUBSEP kv["rate"]
	if (!(p in seen_point)) {
		seen_point[p] = 1
		points[++npoints] = p
	}
	if (!(kv["name"] in seen_server)) {
		seen_server[kv["name"]] = 1
		servers[++nservers] = kv["name"]
	}
	key = p SUBSEP kv["name"]
	n = ++cnt[key]
	for (k in kv)
		val[key, k, n] = kv[k]
}

END {
	main = "ws-broadcast"
	print "### Fan-out (medians of " runs " runs each)\n"
	print "| clients × lines/s | server | deliveries/s | p50 ms |" \
	    " p99 ms | max ms | lost | out of order | undelivered |" \
	    " closed | server CPU s | peak RSS MiB |"
	print "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |" \
	    " ---: | ---: | ---: | ---: |"
	for (i = 1; i <= npoints; i++) {
		if (points[i] ~ /^idle/)
			continue
		for (j = 1; j <= nservers; j++) {
			key = points[i] SUBSEP servers[j]
			if (!cnt[key])
				continue
			printf "| %s | %s | %s | %.2f | %.2f | %.2f |" \
			    " %d | %d | %d | %d | %.2f | %.1f |\n",
			    point_name(points[i]), servers[j],
			    fmt_rate(median(key, "dps")),
			    median(key, "p50_ms"), median(key, "p99_ms"),
			    median(key, "max_ms"), median(key, "lost"),
			    median(key, "ooo"), median(key, "undelivered"),
			    median(key, "closed"), median(key, "cpu_s"),
			    median(key, "hwm_kb") / 1024
		}
	}
	print "\n### ws-broadcast ÷ each peer (same run)\n"
	print "| clients × lines/s | peer | deliveries/s ratio |" \
	    " p99 ratio | CPU s ratio |"
	print "| --- | --- | ---: | ---: | ---: |"
	for (i = 1; i <= npoints; i++) {
		if (points[i] ~ /^idle/)
			continue
		mk = points[i] SUBSEP main
		if (!cnt[mk])
			continue
		for (j = 1; j <= nservers; j++) {
			if (servers[j] == main)
				continue
			key = points[i] SUBSEP servers[j]
			if (!cnt[key])
				continue
			printf "| %s | %s | %s | %s | %s |\n",
			    point_name(points[i]), servers[j],
			    ratio(median(mk, "dps"), median(key, "dps")),
			    ratio(median(mk, "p99_ms"), median(key, "p99_ms")),
			    ratio(median(mk, "cpu_s"), median(key, "cpu_s"))
		}
	}
	print "\n### Memory of idle clients\n"
	print "| clients | server | RSS with 0 MiB | RSS with N MiB |" \
	    " bytes per client | ws-broadcast ÷ this |"
	print "| ---: | --- | ---: | ---: | ---: | ---: |"
	for (i = 1; i <= npoints; i++) {
		if (points[i] !~ /^idle/)
			continue
		mk = points[i] SUBSEP main
		for (j = 1; j <= nservers; j++) {
			key = points[i] SUBSEP servers[j]
			if (!cnt[key])
				continue
			split(points[i], f, SUBSEP)
			printf "| %d | %s | %.1f | %.1f | %.0f | %s |\n", f[2],
			    servers[j], median(key, "rss_base_kb") / 1024,
			    median(key, "rss_kb") / 1024,
			    median(key, "per_client_b"),
			    ratio(median(mk, "per_client_b"),
			    median(key, "per_client_b"))
		}
	}
	targets()
}

# The issue's targets, checked on the medians of this run.
function targets(    sat, lat, y, w, s, r) {
	sat = "rate" SUBSEP 1000 SUBSEP 10000
	lat = "rate" SUBSEP 1000 SUBSEP 100
	print "\n### Targets\n"
	if (cnt[sat SUBSEP main]) {
		w = median(sat SUBSEP main, "dps")
		y = median(sat SUBSEP "yardstick", "dps")
		r = ratio(w, y)
		printf "- 1000 × 10000/s: deliveries/s %s of the yardstick's" \
		    " (target ≥ 0.5): %s\n", r, verdict(r, 0.5, 1)
		s = median(sat SUBSEP "ws", "dps")
		r = ratio(w, s)
		printf "- 1000 × 10000/s: %s × Node ws (target ≥ 10): %s\n",
		    r, verdict(r, 10, 1)
		s = median(sat SUBSEP "socketio", "dps")
		r = ratio(w, s)
		printf "- 1000 × 10000/s: %s × Socket.IO (target ≥ 10): %s\n",
		    r, verdict(r, 10, 1)
	}
	if (cnt[lat SUBSEP main]) {
		w = median(lat SUBSEP main, "p99_ms")
		r = ratio(w, median(lat SUBSEP "yardstick", "p99_ms"))
		printf "- 1000 × 100/s: p99 %s × the yardstick's" \
		    " (target ≤ 1.5): %s\n", r, verdict(r, 1.5, 0)
		r = ratio(w, median(lat SUBSEP "ws", "p99_ms"))
		printf "- 1000 × 100/s: p99 %s × Node ws's (target ≤ 0.33):" \
		    " %s\n", r, verdict(r, 1 / 3, 0)
	}
}

function verdict(r, limit, atleast) {
	if (r == "–")
		return "not measured"
	if (atleast)
		return r + 0 >= limit ? "met" : "MISSED"
	return r + 0 <= limit ? "met" : "MISSED"
}
