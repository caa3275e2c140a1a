'use strict';

const net = require('node:net');

/**
 * A TCP forwarder on loopback, so that a test can cut one relay's connection to ExoCom while the broker and
 * the other relays carry on: cut() drops the open connections, refuse() turns new ones away, blackHole()
 * swallows everything without closing anything, like a host that vanished.
 */
class TcpProxy {
  static async start(targetPort) {
    const proxy = new TcpProxy(targetPort);
    await new Promise((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.port = proxy.server.address().port;
    return proxy;
  }

  constructor(targetPort) {
    this.sockets = new Set();
    this.refusing = false;
    this.swallowing = false;
    this.server = net.createServer((client) => {
      if (this.refusing) {
        client.destroy();
        return;
      }
      const upstream = net.connect(targetPort, '127.0.0.1');
      [client, upstream].forEach((socket) => {
        this.sockets.add(socket);
        socket.on('error', () => {});
        socket.on('close', () => {
          this.sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
      });
      client.on('data', (data) => { if (!this.swallowing) upstream.write(data); });
      upstream.on('data', (data) => { if (!this.swallowing) client.write(data); });
    });
  }

  refuse(on) {
    this.refusing = on;
  }

  blackHole(on) {
    this.swallowing = on;
  }

  cut() {
    this.sockets.forEach((socket) => socket.destroy());
  }

  close() {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

module.exports = { TcpProxy };
