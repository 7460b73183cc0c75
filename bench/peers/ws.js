// The peer written with Node's ws: stdin lines to every client, as a few
// lines of Node.js would do it. No snapshot, no JSON check, no limits.
//
// usage: node ws.js [PORT]      (port 0, the default, picks a free one)
'use strict';
const readline = require('readline');
const { WebSocketServer, WebSocket } = require('ws');

const wss = new WebSocketServer({ host: '127.0.0.1',
    port: Number(process.argv[2] || 0) });

wss.on('listening', () => {
	const port = wss.address().port;
	console.error(`ws-peer: listening on ws://127.0.0.1:${port}/`);
});
readline.createInterface({ input: process.stdin }).on('line', (line) => {
	for (const c of wss.clients)
		if (c.readyState === WebSocket.OPEN)
			c.send(line);
});
