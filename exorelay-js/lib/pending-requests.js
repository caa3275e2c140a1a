'use strict';

const { RequestTimeoutError } = require('./errors');

/**
 * Commands this relay sent and whose replies it waits for, by the command's id. They survive lost connections:
 * ExoCom routes a reply to another connection of the asking service, or keeps it until one registers.
 */
class PendingRequests {
  constructor() {
    /** @type {Map<string, Waiter>} */
    this.byCommandId = new Map();
  }

  has(commandId) {
    return this.byCommandId.has(commandId);
  }

  /**
   * Starts waiting for the replies to command `commandId`.
   * @param {(reply: object) => void} [onReply] gets every reply, in order; the promise gets the final one
   * @param {boolean} idleTimeout for streams: the timeout starts again with every reply
   */
  add(commandId, commandName, timeout, onReply, idleTimeout) {
    const waiter = new Waiter(this, commandId, commandName, timeout, onReply, idleTimeout);
    this.byCommandId.set(commandId, waiter);
    return waiter;
  }

  /** Hands a reply to its waiter; false when nobody waits for it (timed out, or not ours). */
  offer(reply) {
    const waiter = this.byCommandId.get(reply.message.responseTo);
    if (!waiter) {
      return false;
    }
    waiter.offer(reply);
    return true;
  }

  accepted(commandId) {
    const waiter = this.byCommandId.get(commandId);
    if (waiter) {
      waiter.accepted = true;
    }
  }

  fail(commandId, error) {
    const waiter = this.byCommandId.get(commandId);
    if (waiter) {
      waiter.fail(error);
    }
  }

  failAll(error) {
    [...this.byCommandId.values()].forEach((waiter) => waiter.fail(error));
  }
}

/** Waits for the replies to one command. */
class Waiter {
  constructor(owner, commandId, commandName, timeout, onReply, idleTimeout) {
    this.owner = owner;
    this.commandId = commandId;
    this.commandName = commandName;
    this.timeout = timeout;
    this.onReply = onReply;
    this.idleTimeout = idleTimeout;
    this.accepted = false;
    this.done = false;
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.arm();
  }

  arm() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.fail(new RequestTimeoutError(this.commandName, this.commandId, this.timeout, this.accepted));
    }, this.timeout);
  }

  offer(reply) {
    if (this.done) {
      return;
    }
    if (reply.final) {
      this.finish();
    } else if (this.idleTimeout) {
      this.arm();
    }
    if (this.onReply) {
      try {
        this.onReply(reply);
      } catch (error) {
        this.finish();
        this.reject(error);
        return;
      }
    }
    if (reply.final) {
      this.resolve(reply);
    }
  }

  fail(error) {
    if (!this.done) {
      this.finish();
      this.reject(error);
    }
  }

  finish() {
    this.done = true;
    clearTimeout(this.timer);
    if (this.owner.byCommandId.get(this.commandId) === this) {
      this.owner.byCommandId.delete(this.commandId);
    }
  }
}

module.exports = { PendingRequests };
