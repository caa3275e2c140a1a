'use strict';

const WebSocket = require('ws');

/**
 * One WebSocket connection to ExoCom. Hands every text frame to its receiver, keeps track of when ExoCom was
 * last heard (frames, pings, pongs), and reports its end exactly once, with the close code.
 */
// Node's codes for a certificate that did not verify (tls.connect, OpenSSL's X509_V_ERR_* names)
const CERTIFICATE_PROBLEMS = new Set(['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_UNTRUSTED', 'CERT_REJECTED', 'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID']);

/** A sentence for why a connection attempt failed, naming what did not verify when it was the certificate. */
function describeFailure(error, url) {
  if (CERTIFICATE_PROBLEMS.has(error.code)) {
    const hint = error.code === 'ERR_TLS_CERT_ALTNAME_INVALID'
      ? `connect with the name its certificate is for, or give ExoCom a certificate for ${new URL(url).hostname}`
      : 'give the CA that signed it as a PEM file in EXOCOM_TLS_CA (option tlsCa)';
    return `ExoCom's certificate did not verify (${error.code}: ${error.message}): ${hint}`;
  }
  if (url.startsWith('wss:') && (error.code === 'EPROTO' || /wrong version number|packet length/i.test(error.message))) {
    return `ExoCom at ${url} does not speak TLS (${error.message}): use ws:// or EXOCOM_TLS=false, or turn TLS on `
      + 'in ExoCom';
  }
  return error.message;
}

/** Ids per batched ack frame: 1,000 ids of at most 200 characters stay far below any frame limit. */
const ACK_IDS_PER_FRAME = 1000;

class Connection {
  /**
   * @param {string} url
   * @param {number} number which connection of the relay this is, counting from 1; for logs
   * @param {{onOpen(c: Connection): void, onText(c: Connection, text: string): void,
   *          onEnd(c: Connection, reason: string, code: number | undefined): void}} receiver
   * @param {number} handshakeTimeout milliseconds
   * @param {string | undefined} ca PEM certificates to verify a wss:// broker with; undefined: the system's
   */
  constructor(url, number, receiver, handshakeTimeout, ca) {
    this.number = number;
    this.receiver = receiver;
    this.ended = false;
    this.lastHeard = Date.now();
    /** Whether this relay said `closing` on this connection (PROTOCOL.md §3, 1.1). */
    this.closingSent = false;
    // No Origin header (ws sends one only when asked to): ExoCom refuses upgrades that carry one (PROTOCOL.md §1).
    this.socket = new WebSocket(url, {
      perMessageDeflate: false,
      handshakeTimeout,
      followRedirects: false,
      ...(ca === undefined ? {} : { ca }),
    });
    /** Whether the WebSocket handshake succeeded. */
    this.opened = false;
    this.socket.on('open', () => {
      this.opened = true;
      this.lastHeard = Date.now();
      this.receiver.onOpen(this);
    });
    this.socket.on('message', (data, isBinary) => {
      this.lastHeard = Date.now();
      if (!isBinary && !this.ended) {
        this.receiver.onText(this, data.toString('utf8'));
      }
    });
    this.socket.on('ping', () => { this.lastHeard = Date.now(); }); // ws answers with a pong by itself
    this.socket.on('pong', () => { this.lastHeard = Date.now(); });
    this.socket.on('error', (error) => {
      this.error = error;
    });
    this.url = url;
    this.socket.on('close', (code, reason) => {
      const text = reason && reason.length > 0 ? ` ${reason.toString('utf8')}` : '';
      if (this.error && code === 1006) {
        this.end(`the connection to ExoCom failed: ${describeFailure(this.error, url)}`, code);
      } else {
        this.end(`ExoCom closed the connection (${code}${text})`, code);
      }
    });
  }

  get isOpen() {
    return !this.ended && this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends one text frame; false when the connection is not open (the caller keeps what must not be lost). */
  send(text) {
    if (!this.isOpen) {
      return false;
    }
    this.socket.send(text);
    return true;
  }

  sendFrame(frame) {
    return this.send(JSON.stringify(frame));
  }

  /**
   * Acks `id`. With `batched` (ExoCom speaks 1.2), acks of handlers that finish in the same turn of the event loop
   * go out together, as one frame with `ids` (PROTOCOL.md §3): one frame for ExoCom to read instead of many.
   */
  ack(id, batched) {
    if (!batched) {
      this.sendFrame({ type: 'ack', id });
      return;
    }
    if (this.acks === undefined) {
      this.acks = [];
    }
    this.acks.push(id);
    if (this.acks.length === 1) {
      setImmediate(() => this.flushAcks());
    }
  }

  /** Sends the batched acks now; the broker reads at most 10,000 ids per frame, and ids are up to 200 characters. */
  flushAcks() {
    const ids = this.acks;
    if (ids === undefined || ids.length === 0) {
      return;
    }
    this.acks = [];
    for (let start = 0; start < ids.length; start += ACK_IDS_PER_FRAME) {
      const part = ids.slice(start, start + ACK_IDS_PER_FRAME);
      this.sendFrame(part.length === 1 ? { type: 'ack', id: part[0] } : { type: 'ack', ids: part });
    }
  }

  /**
   * Pings ExoCom, or drops the connection when nothing arrived for `silenceLimit` ms: a peer that vanished
   * without closing TCP (a dead host, a cut network path) is otherwise never noticed.
   */
  heartbeat(silenceLimit) {
    if (!this.isOpen) {
      return;
    }
    const silent = Date.now() - this.lastHeard;
    if (silent > silenceLimit) {
      this.abort(`ExoCom did not answer for ${silent} ms`);
      return;
    }
    try {
      this.socket.ping();
    } catch (error) {
      this.abort(`the connection to ExoCom failed: ${error.message}`);
    }
  }

  /** Closes normally (1000) after what was queued; drops the connection if that takes longer than `wait` ms. */
  close(wait) {
    if (this.ended) {
      return Promise.resolve();
    }
    this.flushAcks();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.abort('relay closed');
        resolve();
      }, wait);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.socket.close(1000, 'relay closing');
    });
  }

  /** Drops the connection at once. */
  abort(reason) {
    this.socket.terminate();
    this.end(reason, undefined);
  }

  end(reason, code) {
    if (!this.ended) {
      this.ended = true;
      this.receiver.onEnd(this, reason, code);
    }
  }
}

module.exports = { Connection };
