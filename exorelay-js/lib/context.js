'use strict';

const envelopes = require('./envelopes');
const { makeSender } = require('./sender');
const { reported } = require('./reported');

/**
 * The second argument of a handler: reply, replyPartial, send, request and stream for the handled message,
 * every one stamped with its originId (PROTOCOL.md §2), and the message itself. Its functions need no `this`,
 * so `({reply}) => reply(...)` works. Tracks what the handler sent, so that the relay acks only after ExoCom
 * answered all of it.
 */
function createContext(message, core) {
  const sent = [];
  const track = (promise) => {
    sent.push(promise.catch(() => {}));
  };
  const sender = makeSender(core, { originId: message.originId, track });
  const answer = (outcome, payload, final, options) => {
    const accepted = core.submit(envelopes.reply(outcome, payload, message, final, options));
    track(accepted);
    return reported(accepted, core.report);
  };
  const context = {
    message,
    /** The final reply: its name is the outcome, in the domain's words. */
    reply: (outcome, payload, options) => answer(outcome, payload, true, options),
    /** A part of a streaming reply; more follow, the last one is sent with reply(). */
    replyPartial: (outcome, payload, options) => answer(outcome, payload, false, options),
    send: sender.send,
    request: sender.request,
    stream: sender.stream,
  };
  /** Resolves once ExoCom answered every send made so far, including those made while waiting. */
  async function allSendsAnswered() {
    let seen = 0;
    while (seen < sent.length) {
      const batch = sent.slice(seen);
      seen = sent.length;
      // eslint-disable-next-line no-await-in-loop
      await Promise.all(batch);
    }
  }
  return { context, allSendsAnswered };
}

module.exports = { createContext };
