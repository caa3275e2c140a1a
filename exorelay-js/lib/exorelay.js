'use strict';

const { EventEmitter } = require('node:events');
const {
  resolveConfig, currentToken, currentCa, checkName, DEFAULT_MAX_FRAME_SIZE,
} = require('./config');
const { Backoff } = require('./backoff');
const { Connection } = require('./connection');
const { PendingSends } = require('./pending-sends');
const { PendingRequests } = require('./pending-requests');
const { Dispatcher } = require('./dispatcher');
const { HandledIds } = require('./handled-ids');
const { makeSender } = require('./sender');
const { reported } = require('./reported');
const envelopes = require('./envelopes');
const {
  ExoRelayError, ExoComRejectedError, RelayClosedError, RelayBufferFullError, MessageTooLargeError,
} = require('./errors');

/** The highest protocol version this relay speaks (PROTOCOL.md §8). */
const PROTOCOL_VERSION = '1.3';

const quietLogger = Object.freeze({ debug() {}, info() {}, warn() {}, error() {} });
const defaultLogger = Object.freeze({
  debug() {},
  info() {},
  warn: (text) => console.warn(`exorelay: ${text}`),
  error: (text) => console.error(`exorelay: ${text}`),
});

/**
 * Connects one service to ExoCom: registers its handlers, runs them for the messages ExoCom delivers, and
 * sends its commands, events and replies.
 *
 * ```js
 * const ExoRelay = require('exorelay');
 * const exoRelay = new ExoRelay({serviceName: process.env.SERVICE_NAME, exocomPort: process.env.EXOCOM_PORT});
 * exoRelay.registerHandler('todos.create', (todo, {reply}) => reply('todos.created', store.add(todo)));
 * exoRelay.on('online', () => console.log('online'));
 * await exoRelay.listen();
 * const {outcome, payload} = await exoRelay.request('todos.list');
 * ```
 *
 * What it does for the service (PROTOCOL.md §6): reconnects with back-off and jitter (at once after ExoCom's
 * 1001), registers again, sends again every send ExoCom did not answer or answered `shutting-down` (same id,
 * so nothing is doubled), keeps waiting for replies across reconnects; buffers sends while ExoCom is
 * unreachable, up to `maxBufferedSends`; acks a delivery after its handler and the handler's sends finished,
 * nacks it when the handler threw or none exists; remembers recently handled messages by sender and id so that
 * a redelivered command is not handled twice; pings ExoCom and replaces a connection that went silent.
 *
 * Events: 'online' (registered, after listen() and after every reconnect), 'offline' (reason), 'error' (an
 * Error nobody else was told of: ExoCom unreachable, once per outage; a refused registration; a failed
 * handler; a failure of a call whose promise nobody awaited). Without an 'error' listener those are logged.
 */
/** Whether a `MAJOR.MINOR` version is at least major.minor; false for anything else. */
function atLeast(version, major, minor) {
  const match = /^(\d+)\.(\d+)$/.exec(version);
  return match !== null && (Number(match[1]) > major || (Number(match[1]) === major && Number(match[2]) >= minor));
}

class ExoRelay extends EventEmitter {
  /**
   * @param {object} [options] every option falls back to the environment variable in brackets:
   *   serviceName (SERVICE_NAME, required), exocomHost (EXOCOM_HOST, localhost), exocomPort (EXOCOM_PORT, 3100),
   *   instance (EXOCOM_INSTANCE, the host name), token (EXOCOM_TOKEN), tokenFile (EXOCOM_TOKEN_FILE), secure
   *   (EXOCOM_TLS), exocomUrl (EXOCOM_URL, ws:// or wss://, instead of host and port), tlsCa (EXOCOM_TLS_CA, a PEM
   *   file); and prefetch, requestTimeout, maxBufferedSends, reconnectMinDelay, reconnectMaxDelay, connectTimeout,
   *   heartbeatInterval, closeGracePeriod (milliseconds), rememberedIds, logger ({debug, info, warn, error}, or
   *   null for none), env (instead of process.env)
   */
  constructor(options = {}) {
    super();
    const config = resolveConfig(options, options && options.env ? options.env : process.env);
    this.config = config;
    this.log = options.logger === null ? quietLogger : options.logger || defaultLogger;
    this.who = `service "${config.serviceName}" instance "${config.instance}"`;
    this.handlers = new Map();
    this.sends = new PendingSends();
    this.requests = new PendingRequests();
    this.dispatcher = new Dispatcher(this, config.rememberedIds);
    this.backoff = new Backoff(config.reconnectMinDelay, config.reconnectMaxDelay);
    this.state = 'new';
    /** @type {Connection | null} the registered connection */
    this.current = null;
    /** @type {Connection | null} a connection being opened or registered */
    this.connecting = null;
    this.connections = 0;
    this.outageReported = false;
    this.reconnectTimer = null;
    this.heartbeatTimer = null;
    this.negotiated = { protocol: '1.0', maxFrameSize: DEFAULT_MAX_FRAME_SIZE };
    this.started = deferred();
    this.closed = null;
    this.report = (error) => this.reportError(error);
    /** What handlers' contexts and the public sending functions send through. */
    this.core = {
      submit: (envelope) => this.submit(envelope),
      ask: (envelope, askOptions) => this.ask(envelope, askOptions),
      report: this.report,
      requestTimeout: config.requestTimeout,
    };
    const sender = makeSender(this.core);
    /**
     * Sends a command or event. With a reply handler, every reply to it is handed over as
     * `(payload, {outcome, final, message})`. Resolves with `{id, timestamp}` once ExoCom accepted it.
     * @type {(name: string, payload?: unknown, replyHandler?: Function, options?: object) => Promise<object>}
     */
    this.send = sender.send;
    /**
     * Sends a command and resolves with its final reply, `{outcome, payload, final, message}`.
     * @type {(name: string, payload?: unknown, options?: {timeout?: number}) => Promise<object>}
     */
    this.request = sender.request;
    /**
     * Sends a command and yields every reply, in order, until the final one.
     * @type {(name: string, payload?: unknown, options?: {timeout?: number}) => AsyncIterable<object>}
     */
    this.stream = sender.stream;
  }

  /** The service name this relay registers as. */
  get serviceName() {
    return this.config.serviceName;
  }

  /** The instance name this relay registers as. */
  get instance() {
    return this.config.instance;
  }

  /** True while registered with ExoCom. */
  get online() {
    return this.current !== null;
  }

  /** The protocol version ExoCom speaks on the current (or last) connection: '1.0' when it did not say. */
  get protocol() {
    return this.negotiated.protocol;
  }

  /** ExoCom's frame size limit in bytes, as announced on the current (or last) connection; 1 MiB when not. */
  get maxFrameSize() {
    return this.negotiated.maxFrameSize;
  }

  // ------------------------------------------------------------------ handlers

  /**
   * Registers the handler of the commands or events named `name`: `(payload, {reply, replyPartial, send,
   * request, stream, message}) => ...`, which may return a promise. Register every handler before listen():
   * ExoCom learns them at registration.
   */
  registerHandler(name, handler) {
    checkName(name, 'handler name');
    if (typeof handler !== 'function') {
      throw new TypeError(`the handler for "${name}" must be a function (payload, {reply, send, message}) => ...`);
    }
    if (this.state !== 'new') {
      throw new ExoRelayError(`cannot register a handler for "${name}" after listen(): ExoCom learns which messages `
        + 'this instance handles when it registers, so register every handler before calling listen()', 'handlers-fixed');
    }
    if (this.handlers.has(name)) {
      throw new ExoRelayError(`a handler for "${name}" is already registered`, 'handler-exists');
    }
    this.handlers.set(name, handler);
    return this;
  }

  /** Registers several handlers at once: `{'todos.create': (payload, context) => ..., ...}`. */
  registerHandlers(handlers) {
    if (handlers === null || typeof handlers !== 'object') {
      throw new TypeError('registerHandlers takes an object of message names to handler functions');
    }
    Object.entries(handlers).forEach(([name, handler]) => this.registerHandler(name, handler));
    return this;
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Connects to ExoCom and registers; from then on reconnects by itself until close(). The relay dials out,
   * so `port` (the seed passes EXORELAY_PORT) is accepted and not used.
   * @returns {Promise<void>} resolves the first time the relay is registered; rejects with an
   *   ExoComRejectedError (`unauthenticated`, `unknown-service`) when ExoCom refuses the registration (the relay
   *   keeps trying, as routes and tokens can change)
   */
  // eslint-disable-next-line no-unused-vars
  listen(port) {
    if (this.state === 'new') {
      this.state = 'started';
      const beat = this.config.heartbeatInterval;
      this.heartbeatTimer = setInterval(() => {
        if (this.current) {
          this.current.heartbeat(2 * beat);
        }
      }, beat);
      this.log.info(`${this.who}: connecting to ExoCom at ${this.config.url}`);
      this.connect();
    } else if (this.state !== 'started') {
      return reported(Promise.reject(new RelayClosedError(`${this.who}: listen() after close(): the relay is closed`)),
        this.report);
    }
    return reported(this.started.promise, (error) => {
      if (!(error instanceof RelayClosedError)) {
        this.report(error);
      }
    });
  }

  /**
   * Closes gracefully: tells ExoCom this instance is closing (it delivers it nothing more), hands back what
   * still arrives, lets running handlers finish and acks their messages, waits for ExoCom's answers to
   * unanswered sends, then closes the connection; all within closeGracePeriod. Requests still waiting for
   * replies then fail with a RelayClosedError. Idempotent: every call gets the same promise.
   */
  close() {
    if (!this.closed) {
      this.closed = this.shutDown();
    }
    return this.closed;
  }

  async shutDown() {
    const wasStarted = this.state === 'started';
    this.state = 'closing';
    this.dispatcher.stopTaking();
    if (wasStarted) {
      if (this.current) {
        this.sayClosing(this.current);
      }
      const deadline = Date.now() + this.config.closeGracePeriod;
      if (!(await this.dispatcher.whenIdle(deadline))) {
        this.log.warn(`${this.who}: handlers still running after the grace period of ${this.config.closeGracePeriod} ms; `
          + 'closing anyway, ExoCom will deliver their messages again');
      }
      if (this.current) {
        await this.sends.whenEmpty(deadline);
      }
    }
    this.state = 'closed';
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.reconnectTimer);
    const channel = this.current;
    const opening = this.connecting;
    this.current = null;
    this.connecting = null;
    if (opening && opening !== channel) {
      opening.abort('relay closed');
    }
    if (channel) {
      await channel.close(2000);
    }
    const closed = new RelayClosedError(`${this.who}: the relay was closed`);
    this.sends.failAll(closed);
    this.requests.failAll(closed);
    this.started.reject(closed);
    if (channel) {
      this.fire('offline', 'relay closed');
    }
    this.log.info(`${this.who}: closed`);
  }

  // ------------------------------------------------------------------ sending

  /** Queues one envelope for ExoCom; the promise settles with ExoCom's answer. */
  submit(envelope) {
    if (this.state === 'closed') {
      return Promise.reject(new RelayClosedError(`${this.who}: cannot send "${envelope.name}", the relay is closed`));
    }
    const frame = envelopes.sendFrame(envelope);
    const size = Buffer.byteLength(frame, 'utf8');
    const limit = this.negotiated.maxFrameSize;
    if (size > limit) {
      return Promise.reject(new MessageTooLargeError(`${this.who}: cannot send "${envelope.name}": as a frame it is `
        + `${size} bytes, above ExoCom's limit of ${limit} bytes; send large data by reference (a URL or a storage `
        + 'key) instead, or raise EXOCOM_MAX_FRAME_SIZE on the broker', size, limit));
    }
    if (this.sends.has(envelope.id)) {
      return Promise.reject(new ExoRelayError(`${this.who}: cannot send "${envelope.name}" with id ${envelope.id}: `
        + 'a send with that id still waits for ExoCom\'s answer', 'duplicate-id'));
    }
    if (!this.current && this.sends.size >= this.config.maxBufferedSends) {
      return Promise.reject(new RelayBufferFullError(`${this.who}: cannot send "${envelope.name}": ExoCom at `
        + `${this.config.url} is unreachable and ${this.sends.size} sends already wait for it (the bound is `
        + `${this.config.maxBufferedSends})`));
    }
    const answered = this.sends.add(envelope, frame);
    if (this.current) {
      this.current.send(frame);
    }
    return answered;
  }

  /** Sends a command and waits for its replies: {sent, reply}. */
  ask(envelope, { timeout, onReply, idle }) {
    if (this.requests.has(envelope.id)) {
      const error = new ExoRelayError(`${this.who}: cannot send "${envelope.name}" with id ${envelope.id}: a request `
        + 'with that id still waits for its replies', 'duplicate-id');
      return { sent: Promise.reject(error), reply: Promise.reject(error) };
    }
    const waiter = this.requests.add(envelope.id, envelope.name, timeout, onReply, idle);
    const sent = this.submit(envelope);
    sent.then(() => this.requests.accepted(envelope.id), (error) => this.requests.fail(envelope.id, error));
    return { sent, reply: waiter.promise };
  }

  acknowledge(connection, frame) {
    connection.sendFrame(frame);
  }

  /** Acks a handled delivery: batched with others when ExoCom speaks 1.2 on this connection. */
  acknowledgeDone(connection, id) {
    connection.ack(id, connection === this.current && this.batchesAcks);
  }

  // ------------------------------------------------------------------ connection

  connect() {
    this.reconnectTimer = null;
    if (this.state !== 'started' && this.state !== 'closing') {
      return;
    }
    this.connections += 1;
    let token;
    let ca;
    try {
      token = currentToken(this.config);
      ca = currentCa(this.config);
    } catch (error) {
      this.reportOutage(error);
      this.scheduleReconnect();
      return;
    }
    const register = {
      type: 'register',
      service: this.config.serviceName,
      instance: this.config.instance,
      token,
      prefetch: this.config.prefetch,
      receives: [...this.handlers.keys()].sort(),
      protocol: PROTOCOL_VERSION,
    };
    const connection = new Connection(this.config.url, this.connections, {
      onOpen: (c) => c.sendFrame(register),
      onText: (c, text) => this.onText(c, text),
      onEnd: (c, reason, code) => this.onEnd(c, reason, code),
    }, this.config.connectTimeout, ca);
    this.connecting = connection;
    // A connection that does not register in time is dropped and tried again.
    connection.registrationTimer = setTimeout(() => {
      if (this.current !== connection && !connection.ended) {
        this.reportOutage(new ExoRelayError(`${this.who}: ExoCom at ${this.config.url} did not answer the `
          + `registration within ${this.config.connectTimeout} ms`, 'unreachable'));
        connection.abort('no registration in time');
      }
    }, this.config.connectTimeout);
  }

  scheduleReconnect(delay) {
    if ((this.state !== 'started' && this.state !== 'closing') || this.reconnectTimer) {
      return;
    }
    const wait = delay === undefined ? this.backoff.next() : delay;
    this.log.debug(`${this.who}: reconnecting in ${wait} ms`);
    this.reconnectTimer = setTimeout(() => this.connect(), wait);
  }

  reportOutage(error) {
    this.log.debug(error.message);
    if (!this.outageReported) {
      this.outageReported = true;
      this.fire('error', error);
    }
  }

  onText(connection, text) {
    let frame;
    try {
      frame = JSON.parse(text);
    } catch (error) {
      frame = undefined;
    }
    if (frame === null || typeof frame !== 'object' || typeof frame.type !== 'string') {
      this.report(new ExoRelayError(`${this.who}: ExoCom sent a frame this relay cannot read: ${abbreviate(text)}`, 'unreadable-frame'));
      return;
    }
    switch (frame.type) {
      case 'registered':
        this.onRegistered(connection, frame);
        break;
      case 'accepted':
        this.sends.accepted(frame.id, frame.timestamp);
        break;
      case 'rejected':
        this.onRejected(frame);
        break;
      case 'deliver':
        this.onDeliver(connection, frame);
        break;
      case 'error':
        this.onError(connection, frame);
        break;
      default:
        this.log.warn(`${this.who}: ExoCom sent a frame of a type this relay does not know: ${abbreviate(text)}`);
    }
  }

  onRegistered(connection, frame) {
    clearTimeout(connection.registrationTimer);
    if (this.state === 'closed' || connection.ended) {
      return;
    }
    this.current = connection;
    if (this.connecting === connection) {
      this.connecting = null;
    }
    this.outageReported = false;
    this.backoff.reset();
    this.negotiated = {
      protocol: typeof frame.protocol === 'string' ? frame.protocol : '1.0',
      maxFrameSize: Number.isInteger(frame.maxFrameSize) && frame.maxFrameSize > 0 ? frame.maxFrameSize : DEFAULT_MAX_FRAME_SIZE,
    };
    this.batchesAcks = atLeast(this.negotiated.protocol, 1, 2);
    if (this.state === 'closing') {
      // Reconnected while closing, to get the last sends answered: no new deliveries, please.
      this.sayClosing(connection);
    }
    // Everything ExoCom has not answered yet goes again, in order, with the same ids.
    this.sends.frames().forEach((text) => connection.send(text));
    this.log.info(`${this.who}: online (connection ${connection.number}, protocol ${this.negotiated.protocol}); `
      + `may send ${JSON.stringify(frame.sends || [])}, receives ${JSON.stringify(frame.receives || [])}`);
    this.started.resolve();
    this.fire('online');
  }

  onRejected(frame) {
    if (frame.code === 'shutting-down' && this.sends.has(frame.id)) {
      // ExoCom is stopping: the send stays pending and goes to the next broker after the reconnect.
      this.log.debug(`${this.who}: ExoCom is shutting down; "${this.sends.nameOf(frame.id)}" ${frame.id} is sent again after reconnecting`);
      return;
    }
    const error = new ExoComRejectedError(frame.code, frame.message, frame.id ?? null);
    if (!this.sends.rejected(frame.id, error)) {
      this.report(error);
    }
  }

  onError(connection, frame) {
    if (frame.code === 'invalid' && connection.closingSent && this.negotiated.protocol === '1.0') {
      // A 1.0 broker does not know the closing frame and says so; closing goes on as before.
      this.log.debug(`${this.who}: ExoCom speaks protocol 1.0 and ignored "closing": ${frame.message}`);
      return;
    }
    const problem = new ExoComRejectedError(frame.code, frame.message || `ExoCom reported ${frame.code}`, null);
    if (this.current !== connection && (frame.code === 'unauthenticated' || frame.code === 'unknown-service')) {
      // The relay keeps trying (routes and tokens can change): the first refusal fails listen(), whose promise
      // goes to 'error' when nobody awaits it; later ones are reported once per outage.
      if (!this.started.settled) {
        this.outageReported = true;
        this.log.debug(`${this.who}: ExoCom refused the registration: ${problem.message}`);
        this.started.reject(problem);
      } else {
        this.reportOutage(problem);
      }
      return;
    }
    this.log.warn(`${this.who}: ExoCom reported ${frame.code}: ${problem.message}`);
    this.fire('error', problem);
  }

  onDeliver(connection, frame) {
    const envelope = frame.message;
    if (!envelope || typeof envelope !== 'object' || typeof envelope.id !== 'string') {
      this.report(new ExoRelayError(`${this.who}: ExoCom delivered a message without id: ${abbreviate(JSON.stringify(frame))}`, 'unreadable-frame'));
      return;
    }
    const message = envelopes.toMessage(envelope, frame.attempt);
    if (message.responseTo !== undefined) {
      const key = HandledIds.key(message.sender, message.id);
      if (this.dispatcher.wasHandled(key)) {
        this.dispatcher.ack(connection, message.id);
        return;
      }
      if (this.requests.offer(envelopes.toReply(message)) || !this.handlers.has(message.name)) {
        // A reply nobody waits for any more (its request timed out) and no handler wants is dropped.
        this.dispatcher.remember(key);
        this.dispatcher.ack(connection, message.id);
        return;
      }
    }
    this.dispatcher.deliver(connection, message);
  }

  onEnd(connection, reason, code) {
    clearTimeout(connection.registrationTimer);
    const wasOnline = this.current === connection;
    if (wasOnline) {
      this.current = null;
    }
    if (this.connecting === connection) {
      this.connecting = null;
    }
    if (!connection.opened) {
      this.reportOutage(new ExoRelayError(`${this.who}: cannot reach ExoCom at ${this.config.url}: ${reason}`, 'unreachable'));
    }
    if (wasOnline) {
      this.log.warn(`${this.who}: offline: ${reason}`);
      this.fire('offline', reason);
    }
    if (this.current === null && (this.state === 'started' || this.state === 'closing')) {
      // 1001: this broker is stopping and another takes over; go to it at once (PROTOCOL.md §1).
      this.scheduleReconnect(code === 1001 && wasOnline ? 0 : undefined);
    }
  }

  sayClosing(connection) {
    connection.closingSent = true;
    connection.sendFrame({ type: 'closing' });
  }

  // ------------------------------------------------------------------ events

  reportError(error) {
    this.fire('error', error);
  }

  fire(event, ...args) {
    if (event === 'error' && this.listenerCount('error') === 0) {
      this.log.error(args[0] && args[0].message ? args[0].message : String(args[0]));
      return;
    }
    try {
      this.emit(event, ...args);
    } catch (error) {
      this.log.warn(`${this.who}: a listener of '${event}' failed: ${error && error.stack ? error.stack : error}`);
    }
  }
}

function deferred() {
  const result = { settled: false };
  result.promise = new Promise((resolve, reject) => {
    result.resolve = (value) => {
      result.settled = true;
      resolve(value);
    };
    result.reject = (error) => {
      result.settled = true;
      reject(error);
    };
  });
  result.promise.catch(() => {});
  return result;
}

function abbreviate(text) {
  return text.length <= 300 ? text : `${text.slice(0, 300)}...`;
}

module.exports = { ExoRelay, PROTOCOL_VERSION };
