// The peer written with Socket.IO 4: each stdin line, parsed, is emitted
// to every connected socket as a "line" event, as a Socket.IO dashboard
// feed would do it. WebSocket transport only (no long-polling), so that
// the same load generator can measure it.
//
// usage: node socketio.js [PORT]      (port 0, the default, picks a free one)
'use strict';
const http = require('http');
const readline = require('readline');
const { Server } = require('socket.io');

const httpServer = http.createServer();
const io = new Server(httpServer, { transports: ['websocket'],
    serveClient: false });

httpServer.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
	const port = httpServer.address().port;
	console.error(`socketio-peer: listening on ws://127.0.0.1:${port}/`);
});
readline.createInterface({ input: process.stdin }).on('line', (line) => {
	let value;
	try {
		value = JSON.parse(line);
	} catch (e) {
		console.error(`socketio-peer: bad line: ${e.message}`);
		return;
	}
	io.emit('line', value);
});
