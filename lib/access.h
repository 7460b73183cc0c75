/*
 * Who may talk to ws-broadcast: the Origin of browser handshakes, the Host
 * of requests while bound to loopback, and the token.
 *
 * Pure decisions on header values, with no network in them, so that they
 * can be tested and fuzzed alone; server.c and http.c read the headers
 * and answer 401 or 403.
 */
#ifndef WSFEED_ACCESS_H
#define WSFEED_ACCESS_H

#include <stdbool.h>
#include <stddef.h>

/* The rules, from the command line. */
struct access {
	const char *const *origins;	/* --origin values, NULL-ended */
	const char *token;		/* --token, or NULL for none */
	bool loopback;			/* bound to a loopback address */
	bool tls;			/* serving https and wss */
};

/* The headers of one request that matter here; NULL when absent. */
struct access_request {
	const char *host;		/* Host */
	const char *origin;		/* Origin (WebSocket handshakes) */
	const char *authorization;	/* Authorization */
	const char *token_arg;		/* the ?token= argument, decoded */
};

/* What to answer. */
enum access_verdict {
	ACCESS_OK = 0,
	ACCESS_UNAUTHORIZED = 401,	/* no token, or a wrong one */
	ACCESS_FORBIDDEN = 403		/* foreign Origin or Host */
};

/*
 * Decide on a request; websocket says whether it is a handshake (only
 * those are checked for Origin). On refusal, *why is a static phrase for
 * the response body and the log.
 */
enum access_verdict access_check(const struct access *a,
    const struct access_request *rq, bool websocket, const char **why);

/*
 * Whether a Host header value names this machine: "localhost", a name
 * ending in ".localhost", an address in 127.0.0.0/8 or ::1, with or
 * without a port.
 */
bool access_host_is_loopback(const char *host);

/*
 * Whether an Origin header value is the server's own origin: its host and
 * port equal those of the Host header (default ports by scheme).
 */
bool access_same_origin(const char *origin, const char *host, bool tls);

/* Compare a token in time that does not depend on where they differ. */
bool access_token_equal(const char *given, const char *expected);

#endif
