'use strict';

const { HandledIds } = require('./handled-ids');
const { createContext } = require('./context');

/**
 * Runs the handler of each delivered command or event, then acks it (after the handler finished and ExoCom
 * answered the handler's sends) or nacks it (the handler failed, or none exists). A delivery handled recently,
 * or being handled right now, by the same sender and id, is not handled twice.
 *
 * relay: {handlers: Map, core (see sender.js), acknowledge(connection, frame), report(error), log, who}
 */
class Dispatcher {
  constructor(relay, rememberedIds) {
    this.relay = relay;
    this.handled = new HandledIds(rememberedIds);
    /** @type {Map<string, {connection: object, outcome: Promise<boolean>}>} deliveries being handled */
    this.inProgress = new Map();
    this.taking = true;
    this.running = 0;
    this.idleWaiters = [];
  }

  wasHandled(key) {
    return this.handled.has(key);
  }

  remember(key) {
    this.handled.add(key);
  }

  /** Handles one delivery that arrived on `connection`. */
  deliver(connection, message) {
    const { relay } = this;
    const key = HandledIds.key(message.sender, message.id);
    if (!this.taking) {
      this.nack(connection, message.id, `${relay.who} is shutting down`);
      return;
    }
    if (this.handled.has(key)) {
      relay.log.debug(`${relay.who}: "${message.name}" ${message.id} from ${message.sender} was handled already; acknowledging it again`);
      this.ack(connection, message.id);
      return;
    }
    const handler = relay.handlers.get(message.name);
    if (!handler) {
      const reason = `${relay.who} has no handler for "${message.name}"`;
      relay.log.warn(`${reason} (message ${message.id}): rejecting it`);
      this.nack(connection, message.id, reason);
      return;
    }
    const earlier = this.inProgress.get(key);
    if (earlier) {
      // Delivered again while still being handled here: ack when the first handling succeeds. When it failed,
      // its nack answers for this copy too, unless that nack went to an earlier, lost connection.
      earlier.outcome.then((ok) => {
        if (ok) {
          this.ack(connection, message.id);
        } else if (connection !== earlier.connection) {
          this.nack(connection, message.id, 'handling failed');
        }
      });
      return;
    }
    let settle;
    const outcome = new Promise((resolve) => { settle = resolve; });
    this.inProgress.set(key, { connection, outcome });
    this.running += 1;
    this.run(handler, message, connection, key).then((ok) => {
      settle(ok);
      this.running -= 1;
      if (this.running === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        waiters.forEach((wake) => wake());
      }
    });
  }

  async run(handler, message, connection, key) {
    const { relay } = this;
    const { context, allSendsAnswered } = createContext(message, relay.core);
    let failure;
    try {
      await handler(message.payload, context);
    } catch (error) {
      failure = error === undefined ? new Error('the handler threw undefined') : error;
    }
    await allSendsAnswered();
    // Forget the running handling before answering ExoCom: its redelivery may arrive at once.
    this.inProgress.delete(key);
    if (failure === undefined) {
      this.handled.add(key);
      this.ack(connection, message.id);
      return true;
    }
    const reason = `the handler for "${message.name}" failed: ${failure && failure.message ? failure.message : String(failure)}`;
    relay.log.warn(`${relay.who}: ${reason} (message ${message.id}, attempt ${message.attempt}); ExoCom will deliver it again`);
    this.nack(connection, message.id, reason);
    const error = new Error(`${relay.who}: ${reason}`, { cause: failure });
    error.code = 'handler-failed';
    relay.report(error);
    return false;
  }

  ack(connection, id) {
    this.relay.acknowledgeDone(connection, id);
  }

  nack(connection, id, reason) {
    this.relay.acknowledge(connection, { type: 'nack', id, requeue: true, reason });
  }

  /** From now on, deliveries are handed back to ExoCom (nack with requeue) for other instances to take. */
  stopTaking() {
    this.taking = false;
  }

  /** Resolves true once no handler runs, or false when `deadline` (Date.now() ms) passed first. */
  whenIdle(deadline) {
    if (this.running === 0) {
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.running === 0), Math.max(0, deadline - Date.now()));
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}

module.exports = { Dispatcher };
