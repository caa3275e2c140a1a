'use strict';

// The seed's web server (its tutorial's server.js), on ExoCom: once the relay is online, the web server goes
// online; every page asks the todos service through ExoCom.
//   SERVICE_NAME (web), EXOCOM_HOST, EXOCOM_PORT: where ExoCom is (the operator injects them)
//   PORT (3000), HOST (0.0.0.0): where the web server listens
//   REPLY_TIMEOUT (5000): milliseconds a page waits for the todos service
const ExoRelay = require('exorelay');
const { createApp } = require('./app');

const exoRelay = new ExoRelay({ serviceName: process.env.SERVICE_NAME, exocomPort: process.env.EXOCOM_PORT });
exoRelay.listen(process.env.EXORELAY_PORT);
exoRelay.on('error', (err) => { console.log(`Error: ${err.message}`); });
exoRelay.once('online', () => {
  const port = Number(process.env.PORT || 3000);
  const host = process.env.HOST || '0.0.0.0';
  const app = createApp(exoRelay, { replyTimeout: Number(process.env.REPLY_TIMEOUT || 5000) });
  const server = app.listen(port, host, () => {
    console.log(`Todo web server listening on port ${server.address().port}`);
  });
  const stop = () => server.close(() => exoRelay.close().then(() => process.exit(0)));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
});
