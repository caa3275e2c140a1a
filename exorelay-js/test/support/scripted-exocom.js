'use strict';

const https = require('node:https');
const { WebSocketServer } = require('ws');

/**
 * A broker whose every answer a test scripts, on a real WebSocket, for the parts of PROTOCOL-1.1 §3 and §6
 * that a real broker cannot be made to do on cue (answer `shutting-down`, close with 1001, announce a
 * frame limit, deliver the same id from two senders). It answers `register` with `registered` as told and
 * records every frame it receives.
 */
class ScriptedExoCom {
  /** @param {{registered?: object | null, tls?: {key: string, cert: string}}} options what `registered` carries
   *  besides service and instance (e.g. {protocol: '1.1', maxFrameSize: 2048}; null: do not answer register, the
   *  test does); `tls`: serve wss:// with this PEM key and certificate */
  static async start(options = {}) {
    const exocom = new ScriptedExoCom(options);
    await new Promise((resolve) => (exocom.https || exocom.server).once('listening', resolve));
    exocom.port = (exocom.https || exocom.server).address().port;
    return exocom;
  }

  constructor({ registered = { protocol: '1.1', maxFrameSize: 1024 * 1024 }, tls } = {}) {
    this.registered = registered;
    this.connections = [];
    this.waiting = [];
    if (tls) {
      this.https = https.createServer({ key: tls.key, cert: tls.cert });
      this.https.listen(0, '127.0.0.1');
      this.server = new WebSocketServer({ server: this.https, path: '/services' });
    } else {
      this.server = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/services' });
    }
    this.server.on('connection', (socket, request) => {
      const connection = new ScriptedConnection(socket, request, this);
      this.connections.push(connection);
      this.waiting.splice(0).forEach((resolve) => resolve());
    });
  }

  /** The n-th connection (counting from 0), once it is there. */
  async connection(n) {
    while (this.connections.length <= n) {
      // eslint-disable-next-line no-await-in-loop
      await new Promise((resolve) => this.waiting.push(resolve));
    }
    return this.connections[n];
  }

  close() {
    this.connections.forEach((connection) => connection.socket.terminate());
    return new Promise((resolve) => this.server.close(() => (this.https ? this.https.close(() => resolve()) : resolve())));
  }
}

class ScriptedConnection {
  constructor(socket, request, exocom) {
    this.socket = socket;
    this.headers = request.headers;
    this.frames = [];
    this.read = 0;
    this.waiting = [];
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString());
      this.frames.push(frame);
      if (frame.type === 'register' && exocom.registered) {
        this.send({
          type: 'registered', service: frame.service, instance: frame.instance, sends: [], receives: frame.receives || [], ...exocom.registered,
        });
      }
      this.waiting.splice(0).forEach((resolve) => resolve());
    });
  }

  /** The next frame not yet taken (of `type`, when given: earlier ones of other types are skipped). */
  async next(type) {
    for (;;) {
      while (this.read < this.frames.length) {
        const frame = this.frames[this.read];
        this.read += 1;
        if (type === undefined || frame.type === type) {
          return frame;
        }
      }
      // eslint-disable-next-line no-await-in-loop
      await new Promise((resolve) => this.waiting.push(resolve));
    }
  }

  send(frame) {
    this.socket.send(JSON.stringify(frame));
  }

  deliver(message, attempt = 1) {
    this.send({ type: 'deliver', message: { timestamp: Date.now() * 1e6, originId: message.id, ...message }, attempt });
  }

  close(code, reason = '') {
    this.socket.close(code, reason);
  }
}

module.exports = { ScriptedExoCom };
