'use strict';

const { EventEmitter } = require('node:events');
const { randomUUID } = require('node:crypto');
const { checkName } = require('../lib/config');
const { createContext } = require('../lib/context');
const { makeSender } = require('../lib/sender');
const { PendingRequests } = require('../lib/pending-requests');
const envelopes = require('../lib/envelopes');
const { ExoComRejectedError, RequestTimeoutError, ExoRelayError } = require('../lib/errors');

const TEST_SENDER = 'test';

/**
 * An ExoRelay without ExoCom, for a service's own tests: "given this message, my service replies with that
 * outcome". It has the relay's API (registerHandler(s), send, request, stream, listen, close, events), so the
 * code that registers a service's handlers on the real relay registers them here unchanged.
 *
 * ```js
 * const relay = new MockExoRelay('todos');
 * registerTodos(relay, store);                     // the service's own code
 * const handling = await relay.receive('todos.create', {text: ''});
 * assert.equal(handling.outcome, 'todos.invalid');
 * ```
 * Script the services that yours asks with answer(), refuse names with reject(); sent() lists what your service
 * sent. Requests never wait: a request that the scripted answer did not reply to fails at once with a
 * RequestTimeoutError, as it would once its timeout passed.
 */
class MockExoRelay extends EventEmitter {
  /** @param {string | {serviceName: string}} service the name of the service under test */
  constructor(service) {
    super();
    const serviceName = typeof service === 'string' ? service : service && service.serviceName;
    if (!serviceName) {
      throw new TypeError('new MockExoRelay("todos"): give the name of the service under test');
    }
    this.serviceName = serviceName;
    this.instance = `${serviceName}-mock`;
    this.handlers = new Map();
    this.answers = new Map();
    this.rejections = new Map();
    this.sentMessages = [];
    this.requests = new PendingRequests();
    this.reachable = true;
    this.held = [];
    this.clock = 1;
    this.listening = false;
    this.core = {
      submit: (envelope) => this.submit(envelope),
      ask: (envelope, options) => this.ask(envelope, options),
      report: (error) => this.emitError(error),
      requestTimeout: 30_000,
    };
    Object.assign(this, makeSender(this.core));
  }

  get online() {
    return this.listening && this.reachable;
  }

  // ------------------------------------------------------------------ the relay's API

  registerHandler(name, handler) {
    checkName(name, 'handler name');
    if (typeof handler !== 'function') {
      throw new TypeError(`the handler for "${name}" must be a function (payload, {reply, send, message}) => ...`);
    }
    if (this.handlers.has(name)) {
      throw new ExoRelayError(`a handler for "${name}" is already registered`, 'handler-exists');
    }
    this.handlers.set(name, handler);
    return this;
  }

  registerHandlers(handlers) {
    Object.entries(handlers).forEach(([name, handler]) => this.registerHandler(name, handler));
    return this;
  }

  /** Resolves at once and emits 'online', as a relay that registered. */
  listen() {
    this.listening = true;
    setImmediate(() => this.emit('online'));
    return Promise.resolve();
  }

  close() {
    this.listening = false;
    return Promise.resolve();
  }

  // ------------------------------------------------------------------ scripting the other services

  /**
   * Another service answers commands named `name`: with one final reply (`answer(name, outcome, payload)`),
   * or with a handler of its own (`answer(name, (payload, {reply, replyPartial, message}) => ...)`). A handler
   * that replies nothing leaves the asker without reply: its request times out.
   */
  answer(name, outcomeOrHandler, payload) {
    checkName(name);
    const handler = typeof outcomeOrHandler === 'function' ? outcomeOrHandler
      : (ignored, { reply }) => reply(outcomeOrHandler, payload);
    this.answers.set(name, handler);
    return this;
  }

  /** ExoCom refuses sends named `name` with this code (e.g. 'forbidden'), as it would for missing routes. */
  reject(name, code) {
    checkName(name);
    this.rejections.set(name, code);
    return this;
  }

  /**
   * Whether ExoCom can be reached (default true). While not, sends wait (their promises stay pending, as the
   * relay buffers them) and requests fail at once with a RequestTimeoutError whose `accepted` is false; when
   * it can again, the waiting sends are accepted and answered.
   */
  setReachable(reachable) {
    this.reachable = reachable;
    this.emit(reachable ? 'online' : 'offline', reachable ? undefined : 'ExoCom unreachable (MockExoRelay)');
    if (reachable) {
      const held = this.held;
      this.held = [];
      held.forEach((accept) => accept());
    }
    return this;
  }

  /** Every command, event and reply this service sent so far (as messages), oldest first; or those named `name`. */
  sent(name) {
    return name === undefined ? [...this.sentMessages] : this.sentMessages.filter((message) => message.name === name);
  }

  // ------------------------------------------------------------------ driving the service's handlers

  /**
   * Delivers a command or event to this service's handler, waits for it and for its sends, and tells what it
   * did. `options`: sender (default "test"), id, originId, attempt, headers.
   * @returns {Promise<Handling>}
   */
  async receive(name, payload, options = {}) {
    checkName(name);
    const id = options.id || randomUUID();
    const message = envelopes.toMessage({
      name,
      id,
      payload: payload === undefined ? null : payload,
      originId: options.originId || id,
      sender: options.sender || TEST_SENDER,
      timestamp: this.tick(),
      headers: options.headers,
    }, options.attempt || 1);
    const before = this.sentMessages.length;
    const handler = this.handlers.get(name);
    if (!handler) {
      return new Handling(message, [], new ExoRelayError(`${this.serviceName} has no handler for "${name}": `
        + 'a real relay would nack it', 'no-handler'));
    }
    const { context, allSendsAnswered } = createContext(message, this.core);
    let failure;
    try {
      await handler(message.payload, context);
    } catch (error) {
      failure = error === undefined ? new Error('the handler threw undefined') : error;
    }
    await allSendsAnswered();
    return new Handling(message, this.sentMessages.slice(before), failure);
  }

  // ------------------------------------------------------------------ the mock's machinery

  tick() {
    this.clock += 1;
    return this.clock;
  }

  emitError(error) {
    if (this.listenerCount('error') > 0) {
      this.emit('error', error);
    }
  }

  submit(envelope) {
    const code = this.rejections.get(envelope.name);
    if (code) {
      return Promise.reject(new ExoComRejectedError(code, `service "${this.serviceName}" may not send `
        + `"${envelope.name}" (${code}, scripted by MockExoRelay)`, envelope.id));
    }
    const accept = () => {
      const message = envelopes.toMessage({ ...envelope, sender: this.serviceName, timestamp: this.tick() }, 1);
      this.sentMessages.push(message);
      return { id: envelope.id, timestamp: message.timestamp };
    };
    if (!this.reachable) {
      return new Promise((resolve) => {
        this.held.push(() => resolve(accept()));
      });
    }
    return Promise.resolve(accept());
  }

  ask(envelope, { timeout, onReply, idle }) {
    const waiter = this.requests.add(envelope.id, envelope.name, timeout, onReply, idle);
    const other = this.answers.get(envelope.name);
    if (this.reachable && !this.rejections.has(envelope.name) && !other) {
      const error = new ExoComRejectedError('no-receivers', `MockExoRelay: nothing answers "${envelope.name}"; `
        + `script it with answer("${envelope.name}", ...)`, envelope.id);
      waiter.fail(error);
      return { sent: Promise.reject(error), reply: waiter.promise };
    }
    const sent = this.submit(envelope);
    if (!this.reachable) {
      waiter.fail(new RequestTimeoutError(envelope.name, envelope.id, timeout, false));
    }
    sent.then(async () => {
      waiter.accepted = true;
      try {
        await this.runOther(other, envelope);
      } catch (error) {
        waiter.fail(error);
        return;
      }
      waiter.fail(new RequestTimeoutError(envelope.name, envelope.id, timeout, true));
    }, (error) => waiter.fail(error));
    return { sent, reply: waiter.promise };
  }

  /** Runs a scripted service's answer; its replies go straight to the asking call. */
  async runOther(other, command) {
    const delivered = envelopes.toMessage({ ...command, sender: this.serviceName, originId: command.originId || command.id, timestamp: this.tick() }, 1);
    const deliver = (outcome, payload, final) => {
      const reply = envelopes.toMessage({
        ...envelopes.reply(outcome, payload, delivered, final), sender: 'other', timestamp: this.tick(),
      }, 1);
      this.requests.offer(envelopes.toReply(reply));
      return Promise.resolve({ id: reply.id, timestamp: reply.timestamp });
    };
    try {
      await other(delivered.payload, {
        message: delivered,
        reply: (outcome, payload) => deliver(outcome, payload, true),
        replyPartial: (outcome, payload) => deliver(outcome, payload, false),
        send: () => Promise.resolve({ id: randomUUID(), timestamp: this.tick() }),
      });
    } catch (error) {
      throw new ExoRelayError(`the scripted answer to "${command.name}" failed: ${error && error.message}`, 'answer-failed', { cause: error });
    }
  }
}

/** What one handled message led to. */
class Handling {
  constructor(message, sent, failure) {
    /** The delivered message. */
    this.message = message;
    /** Everything the handler sent, replies included, in order. */
    this.all = sent;
    /** Why the handling failed, or undefined. */
    this.failure = failure;
  }

  /** True when the handler finished, so a real relay acks; false when it failed or none exists (nack). */
  get acked() {
    return this.failure === undefined;
  }

  /** The replies to the message, in order ({outcome, payload, final, message}). */
  get replies() {
    return this.all.filter((message) => message.responseTo === this.message.id).map(envelopes.toReply);
  }

  /** The final reply; throws when there is none. */
  get reply() {
    const finals = this.replies.filter((reply) => reply.final);
    if (finals.length === 0) {
      throw new Error(`"${this.message.name}" got no final reply${this.failure ? `; the handler failed: ${this.failure.message}` : ''}`);
    }
    return finals[finals.length - 1];
  }

  /** The outcome of the final reply. */
  get outcome() {
    return this.reply.outcome;
  }

  /** The commands and events (not replies) the handler sent. */
  get sent() {
    return this.all.filter((message) => message.responseTo !== this.message.id);
  }
}

module.exports = { MockExoRelay, Handling };
