'use strict';

const envelopes = require('./envelopes');
const { reported } = require('./reported');

/**
 * send, request and stream as services call them, over a `core` that does the sending: the relay itself, a
 * handler's context (which stamps the handled message's originId and tracks the sends), or the test double.
 *
 * core: {submit(envelope): Promise<Accepted>, ask(envelope, {timeout, onReply, idle}): {sent, reply},
 *        report(error): void, requestTimeout: number}
 */
function makeSender(core, { originId, track = () => {} } = {}) {
  function envelope(name, payload, options) {
    return envelopes.command(name, payload, { ...options, originId });
  }

  function ask(command, options, onReply, idle) {
    const asked = core.ask(command, { timeout: timeoutOf(options, core.requestTimeout), onReply, idle });
    track(asked.sent);
    return asked;
  }

  /**
   * send(name, payload?, replyHandler?, options?): a command or event; with a reply handler, every reply to it
   * is handed over as (payload, {outcome, final, message}). Resolves when ExoCom accepted it.
   */
  function send(name, payload, replyHandler, options) {
    if (typeof payload === 'function') {
      [payload, replyHandler, options] = [null, payload, replyHandler];
    } else if (replyHandler !== undefined && replyHandler !== null && typeof replyHandler !== 'function') {
      [replyHandler, options] = [undefined, replyHandler];
    }
    const command = envelope(name, payload, options);
    if (!replyHandler) {
      const sent = core.submit(command);
      track(sent);
      return reported(sent, core.report);
    }
    let sendFailed = false;
    const asked = ask(command, options, (reply) => replyHandler(reply.payload, {
      outcome: reply.outcome, final: reply.final, message: reply.message,
    }), true);
    asked.sent.catch(() => { sendFailed = true; });
    // The callback form has no other channel for a timeout or a closed relay than the 'error' event. A refused
    // send is reported once, through the promise this returns.
    asked.reply.catch((error) => {
      if (!sendFailed) {
        core.report(error);
      }
    });
    return reported(asked.sent, core.report);
  }

  /** request(name, payload?, {timeout}?): resolves with the final reply {outcome, payload, final, message}. */
  function request(name, payload, options) {
    const asked = ask(envelope(name, payload, options), options, undefined, false);
    asked.sent.catch(() => {}); // its failure is the reply's failure too
    return reported(asked.reply, core.report);
  }

  /** stream(name, payload?, {timeout}?): every reply in order, ending with the final one. */
  function stream(name, payload, options) {
    const queue = [];
    const readers = [];
    let ended = false;
    let failure;
    let iterated = false;
    const wake = () => {
      while (readers.length > 0 && (queue.length > 0 || ended)) {
        const reader = readers.shift();
        if (queue.length > 0) {
          reader.resolve({ value: queue.shift(), done: false });
        } else if (failure) {
          reader.reject(failure);
          failure = null;
        } else {
          reader.resolve({ value: undefined, done: true });
        }
      }
    };
    const command = envelope(name, payload, options);
    const asked = ask(command, options, (reply) => {
      queue.push(reply);
      wake();
    }, true);
    asked.sent.catch(() => {});
    asked.reply.then(() => { ended = true; wake(); }, (error) => {
      ended = true;
      failure = error;
      setImmediate(() => {
        if (!iterated) {
          core.report(error);
        }
      });
      wake();
    });
    return {
      messageId: command.id,
      [Symbol.asyncIterator]() {
        iterated = true;
        return {
          next: () => {
            if (queue.length === 0 && ended && !failure) {
              return Promise.resolve({ value: undefined, done: true });
            }
            return new Promise((resolve, reject) => {
              readers.push({ resolve, reject });
              wake();
            });
          },
          return: () => {
            ended = true;
            queue.length = 0;
            failure = null;
            wake();
            return Promise.resolve({ value: undefined, done: true });
          },
        };
      },
    };
  }

  return { send, request, stream };
}

function timeoutOf(options, fallback) {
  const timeout = options && options.timeout;
  if (timeout === undefined || timeout === null) {
    return fallback;
  }
  if (typeof timeout !== 'number' || !(timeout > 0)) {
    throw new RangeError(`timeout must be a positive number of milliseconds, not ${JSON.stringify(timeout)}`);
  }
  return timeout;
}

module.exports = { makeSender };
