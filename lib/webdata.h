/*
 * The dashboard's files, compiled into the program by lib/webgen.sh.
 */
#ifndef WSFEED_WEBDATA_H
#define WSFEED_WEBDATA_H

#include <stddef.h>

/* One file of web/, served under /_dashboard/NAME. */
struct web_asset {
	const char *name;		/* file name, no directory */
	const char *type;		/* Content-Type */
	const char *etag;		/* quoted, from a checksum of data */
	const unsigned char *data;	/* the bytes (NUL after the last) */
	size_t len;			/* number of bytes */
};

/* Every asset, ended by an entry whose name is NULL. */
extern const struct web_asset web_assets[];

#endif
