'use strict';

/**
 * Every error the relay raises is an ExoRelayError with a `code` to switch on: ExoCom's own codes
 * (`forbidden`, `no-receivers`, ...) for what ExoCom refused, and the relay's codes for what it refused itself.
 */
class ExoRelayError extends Error {
  /**
   * @param {string} message a sentence naming what is wrong and what to do
   * @param {string} code
   * @param {{cause?: unknown}} [options]
   */
  constructor(message, code, options) {
    super(message, options);
    this.name = new.target.name;
    /** @type {string} */
    this.code = code;
  }
}

/** ExoCom refused a send (a `rejected` frame) or the registration (an `error` frame). */
class ExoComRejectedError extends ExoRelayError {
  /**
   * @param {string} code ExoCom's code, e.g. `forbidden`
   * @param {string | undefined} sentence ExoCom's sentence, naming the service and message involved
   * @param {string | null} messageId the refused message's id; null for a refused registration
   */
  constructor(code, sentence, messageId) {
    super(sentence || `ExoCom refused it: ${code}`, code);
    /** @type {string | null} */
    this.messageId = messageId;
  }
}

/** No final reply to a request came within its timeout. */
class RequestTimeoutError extends ExoRelayError {
  /**
   * @param {string} commandName
   * @param {string} messageId
   * @param {number} timeout milliseconds
   * @param {boolean} accepted whether ExoCom had accepted the command (it is then delivered, or waits to be)
   */
  constructor(commandName, messageId, timeout, accepted) {
    super(`no reply to "${commandName}" (id ${messageId}) within ${timeout} ms: `
      + (accepted
        ? 'ExoCom accepted it, so it is delivered when a receiver can take it; is a service that receives it running, and does it reply?'
        : 'ExoCom has not accepted it yet (it cannot be reached); the relay keeps it and sends it once ExoCom is back'),
    'request-timeout');
    this.commandName = commandName;
    this.messageId = messageId;
    this.timeout = timeout;
    this.accepted = accepted;
  }
}

/** The relay was closed: it sends nothing more, and what still waited for ExoCom or a reply is given up. */
class RelayClosedError extends ExoRelayError {
  constructor(message) {
    super(message, 'relay-closed');
  }
}

/** ExoCom is unreachable and the relay already keeps as many unanswered sends as it may. */
class RelayBufferFullError extends ExoRelayError {
  constructor(message) {
    super(message, 'buffer-full');
  }
}

/** A send above ExoCom's frame size limit, refused by the relay before it left. */
class MessageTooLargeError extends ExoRelayError {
  /**
   * @param {string} message
   * @param {number} size bytes of the frame the send would be
   * @param {number} limit ExoCom's limit in bytes
   */
  constructor(message, size, limit) {
    super(message, 'too-large');
    this.size = size;
    this.limit = limit;
  }
}

module.exports = {
  ExoRelayError,
  ExoComRejectedError,
  RequestTimeoutError,
  RelayClosedError,
  RelayBufferFullError,
  MessageTooLargeError,
};
