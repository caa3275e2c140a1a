'use strict';

// The seed's web server (its tutorial's server.js), on ExoCom: once the relay is online, the web server goes
// online; every page asks the todos service through ExoCom.
//   SERVICE_NAME (web), EXOCOM_HOST, EXOCOM_PORT: where ExoCom is (the operator injects them)
//   PORT (3000), HOST_BIND (127.0.0.1: this machine only; HOST is read too): where the web server listens
//   REPLY_TIMEOUT (5000): milliseconds a page waits for the todos service
const ExoRelay = require('exorelay');
const { createApp } = require('./app');

const exoRelay = new ExoRelay({ serviceName: process.env.SERVICE_NAME, exocomPort: process.env.EXOCOM_PORT });
exoRelay.listen(process.env.EXORELAY_PORT);
exoRelay.on('error', (err) => { console.log(`Error: ${err.message}`); });
exoRelay.once('online', () => {
  const port = Number(process.env.PORT || 3000);
  const host = process.env.HOST_BIND || process.env.HOST || '127.0.0.1';
  const app = createApp(exoRelay, { replyTimeout: Number(process.env.REPLY_TIMEOUT || 5000) });
  const server = app.listen(port, host, () => {
    const { address, port: listening } = server.address();
    const url = `http://${address.includes(':') ? `[${address}]` : address}:${listening}`;
    const where = host === '0.0.0.0' || host === '::' ? 'every network interface: other machines can reach it'
      : /^(127\.|::1$|localhost$)/.test(host) ? 'this machine only; HOST_BIND=0.0.0.0 lets other machines in' : null;
    console.log(`Todo web server listening on ${url}${where ? ` (${where})` : ''}`);
  });
  const stop = () => server.close(() => exoRelay.close().then(() => process.exit(0)));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
});
