'use strict';

const { randomUUID } = require('node:crypto');
const { checkName } = require('./config');

/**
 * A command or event envelope (PROTOCOL.md §2). `options.id` lets a caller make a send idempotent across
 * retries of its own (ExoCom answers a repeated id as it answered the first); the default is a fresh UUID.
 */
function command(name, payload, options = {}) {
  checkName(name);
  const envelope = { name, id: options.id === undefined ? randomUUID() : options.id, payload: payload === undefined ? null : payload };
  if (typeof envelope.id !== 'string' || envelope.id === '') {
    throw new TypeError(`the id of "${name}" must be a non-empty string (a UUID is best), not ${JSON.stringify(options.id)}`);
  }
  if (options.originId) {
    envelope.originId = options.originId;
  }
  if (options.version !== undefined) {
    envelope.version = options.version;
  }
  if (options.headers !== undefined) {
    envelope.headers = options.headers;
  }
  return envelope;
}

/** A reply to the delivered message `to`; `final: false` marks a part of a streaming reply. */
function reply(outcome, payload, to, final, options = {}) {
  const envelope = command(outcome, payload, { ...options, originId: to.originId });
  envelope.responseTo = to.id;
  if (!final) {
    envelope.final = false;
  }
  return envelope;
}

/** The text of a send frame; a payload that is not JSON gets a sentence instead of JSON.stringify's. */
function sendFrame(envelope) {
  try {
    return JSON.stringify({ type: 'send', message: envelope });
  } catch (error) {
    throw new TypeError(`the payload of "${envelope.name}" cannot be written as JSON (${error.message}): send `
      + 'plain objects, arrays, strings, numbers, booleans or null');
  }
}

/**
 * What a handler or reply callback sees of a delivered envelope. `timestamp` is ExoCom's, in nanoseconds since
 * the epoch, as a JavaScript number (exact to about a quarter of a microsecond).
 */
function toMessage(envelope, attempt) {
  return {
    name: envelope.name,
    id: envelope.id,
    payload: envelope.payload === undefined ? null : envelope.payload,
    originId: envelope.originId,
    responseTo: envelope.responseTo,
    final: envelope.responseTo === undefined ? undefined : envelope.final !== false,
    sender: envelope.sender,
    timestamp: envelope.timestamp,
    version: envelope.version,
    headers: envelope.headers,
    attempt: attempt ?? 1,
  };
}

/** A reply as request(), stream() and reply callbacks give it. */
function toReply(message) {
  return { outcome: message.name, payload: message.payload, final: message.final !== false, message };
}

module.exports = { command, reply, sendFrame, toMessage, toReply };
