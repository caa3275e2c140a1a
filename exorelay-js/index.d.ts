// Type declarations of the exorelay package (CommonJS: `const ExoRelay = require('exorelay')`).
import { EventEmitter } from 'node:events';

declare namespace ExoRelay {
  /** Settings; each falls back to the environment variable named, then to the default. */
  interface Options {
    /** The service's name in ExoCom's routes (SERVICE_NAME); required. */
    serviceName?: string;
    /** ExoCom's host (EXOCOM_HOST); default localhost. */
    exocomHost?: string;
    /** ExoCom's port (EXOCOM_PORT); default 3100. */
    exocomPort?: number | string;
    /** This running copy's name, unique per service (EXOCOM_INSTANCE); default HOSTNAME-PID. */
    instance?: string;
    /** The token proving the service's identity (EXOCOM_TOKEN). */
    token?: string;
    /** A file holding the token, read at every connect (EXOCOM_TOKEN_FILE). */
    tokenFile?: string;
    /** Connect with TLS, wss:// (EXOCOM_TLS=true); default on when exocomUrl is wss:// or tlsCa is given. */
    secure?: boolean;
    /** ExoCom's whole address, ws://HOST:PORT or wss://HOST:PORT, instead of exocomHost and exocomPort (EXOCOM_URL). */
    exocomUrl?: string;
    /** A PEM file with the CA that signed ExoCom's certificate, read at every connect (EXOCOM_TLS_CA); default the system's CAs. */
    tlsCa?: string;
    /** The most unacknowledged deliveries this instance takes at once; default ExoCom's (64). */
    prefetch?: number;
    /** Milliseconds a request waits for its final reply; default 30,000. */
    requestTimeout?: number;
    /** How many unanswered sends may wait while ExoCom is unreachable; default 10,000. */
    maxBufferedSends?: number;
    /** First back-off delay in milliseconds after a lost connection; default 100. */
    reconnectMinDelay?: number;
    /** Longest back-off delay in milliseconds; default 5,000. */
    reconnectMaxDelay?: number;
    /** Milliseconds one connection attempt, registration included, may take; default 5,000. */
    connectTimeout?: number;
    /** Milliseconds between pings; a connection silent for two intervals is replaced. Default 10,000. */
    heartbeatInterval?: number;
    /** Milliseconds close() waits for running handlers and unanswered sends; default 30,000. */
    closeGracePeriod?: number;
    /** How many handled messages are remembered to recognise redeliveries; default 10,000. */
    rememberedIds?: number;
    /** Where the relay logs; null for nowhere. Default: warnings and errors to the console. */
    logger?: Logger | null;
    /** Read instead of process.env. */
    env?: Record<string, string | undefined>;
  }

  interface Logger {
    debug(text: string): void;
    info(text: string): void;
    warn(text: string): void;
    error(text: string): void;
  }

  /** A delivered message, as handlers and reply callbacks see it. */
  interface Message<P = unknown> {
    name: string;
    id: string;
    payload: P;
    originId?: string;
    /** Present on replies: the id of the command replied to. */
    responseTo?: string;
    /** On replies: false while more replies to the same command follow. */
    final?: boolean;
    /** The sending service, as ExoCom registered it. */
    sender?: string;
    /** ExoCom's acceptance time, nanoseconds since the epoch (exact to about a quarter microsecond). */
    timestamp?: number;
    version?: number | string;
    headers?: Record<string, string>;
    /** Which delivery of this message this is, counting from 1. */
    attempt: number;
  }

  /** ExoCom's answer to an accepted send. */
  interface Accepted {
    id: string;
    /** Nanoseconds since the epoch. */
    timestamp: number;
  }

  /** A reply to a command: its outcome is its name, in the domain's words. */
  interface Reply<P = any> {
    outcome: string;
    payload: P;
    final: boolean;
    message: Message<P>;
  }

  /** Options of one send. */
  interface SendOptions {
    /** The message id; default a fresh UUID. ExoCom answers a repeated id as it answered the first. */
    id?: string;
    headers?: Record<string, string>;
    version?: number | string;
    /** Milliseconds to wait for replies (with a reply handler: since the last reply). */
    timeout?: number;
  }

  /** The second argument of a reply callback. */
  interface ReplyInfo<P = any> {
    outcome: string;
    final: boolean;
    message: Message<P>;
  }

  type ReplyHandler<P = any> = (payload: P, info: ReplyInfo<P>) => void;

  /** Sending, as the relay and every handler's context offer it. */
  interface Sending {
    /** Sends a command; every reply to it is handed to `replyHandler` (the seed's callback form). */
    send<P = any>(name: string, replyHandler: ReplyHandler<P>, options?: SendOptions): Promise<Accepted>;
    send<P = any>(name: string, payload: unknown, replyHandler: ReplyHandler<P>, options?: SendOptions): Promise<Accepted>;
    /** Sends a command or event; resolves once ExoCom accepted it. */
    send(name: string, payload?: unknown, options?: SendOptions): Promise<Accepted>;
    /** Sends a command and resolves with its final reply. */
    request<P = any>(name: string, payload?: unknown, options?: SendOptions): Promise<Reply<P>>;
    /** Sends a command and yields every reply, in order, ending with the final one. */
    stream<P = any>(name: string, payload?: unknown, options?: SendOptions): ReplyStream<P>;
  }

  interface ReplyStream<P = any> extends AsyncIterable<Reply<P>> {
    /** The id of the command sent. */
    readonly messageId: string;
  }

  /** The second argument of a handler. */
  interface Context<P = any> extends Sending {
    /** The handled message. */
    message: Message<P>;
    /** The final reply; its name is the outcome. */
    reply(outcome: string, payload?: unknown, options?: SendOptions): Promise<Accepted>;
    /** A part of a streaming reply; the last part is sent with reply(). */
    replyPartial(outcome: string, payload?: unknown, options?: SendOptions): Promise<Accepted>;
  }

  /** Runs for every delivered message of its name; the relay acks when it (and its sends) finished. */
  type Handler<P = any> = (payload: P, context: Context<P>) => unknown;

  class ExoRelayError extends Error {
    /** What to switch on: ExoCom's code (forbidden, no-receivers, ...) or the relay's. */
    code: string;
  }

  /** ExoCom refused a send or the registration; the message is ExoCom's sentence. */
  class ExoComRejectedError extends ExoRelayError {
    code: 'invalid' | 'too-large' | 'not-registered' | 'unauthenticated' | 'unknown-service' | 'forbidden'
      | 'no-receivers' | 'unknown-command' | 'queue-full' | (string & {});
    /** The refused message's id; null for a refused registration. */
    messageId: string | null;
  }

  /** No final reply came in time. */
  class RequestTimeoutError extends ExoRelayError {
    code: 'request-timeout';
    commandName: string;
    messageId: string;
    timeout: number;
    /** Whether ExoCom had accepted the command: it is then delivered, or waits for a receiver. */
    accepted: boolean;
  }

  class RelayClosedError extends ExoRelayError {
    code: 'relay-closed';
  }

  class RelayBufferFullError extends ExoRelayError {
    code: 'buffer-full';
  }

  /** A send above ExoCom's frame limit, refused before it left. */
  class MessageTooLargeError extends ExoRelayError {
    code: 'too-large';
    size: number;
    limit: number;
  }

  /** The highest protocol version this relay speaks. */
  const PROTOCOL_VERSION: string;
}

/**
 * Connects one service to ExoCom. Events: 'online' (registered), 'offline' (reason), 'error' (an Error
 * nobody else was told of).
 */
declare class ExoRelay extends EventEmitter implements ExoRelay.Sending {
  constructor(options?: ExoRelay.Options);

  readonly serviceName: string;
  readonly instance: string;
  /** True while registered with ExoCom. */
  readonly online: boolean;
  /** The protocol ExoCom speaks on the current connection: '1.0' when it did not say. */
  readonly protocol: string;
  /** ExoCom's frame size limit in bytes (1 MiB when not announced). */
  readonly maxFrameSize: number;

  registerHandler<P = any>(name: string, handler: ExoRelay.Handler<P>): this;
  registerHandlers(handlers: Record<string, ExoRelay.Handler>): this;

  /** Connects and registers; resolves once registered. The port is accepted and unused (the relay dials out). */
  listen(port?: number | string): Promise<void>;
  /** Closes gracefully; every call gets the same promise. */
  close(): Promise<void>;

  send<P = any>(name: string, replyHandler: ExoRelay.ReplyHandler<P>, options?: ExoRelay.SendOptions): Promise<ExoRelay.Accepted>;
  send<P = any>(name: string, payload: unknown, replyHandler: ExoRelay.ReplyHandler<P>, options?: ExoRelay.SendOptions): Promise<ExoRelay.Accepted>;
  send(name: string, payload?: unknown, options?: ExoRelay.SendOptions): Promise<ExoRelay.Accepted>;
  request<P = any>(name: string, payload?: unknown, options?: ExoRelay.SendOptions): Promise<ExoRelay.Reply<P>>;
  stream<P = any>(name: string, payload?: unknown, options?: ExoRelay.SendOptions): ExoRelay.ReplyStream<P>;

  on(event: 'online', listener: () => void): this;
  on(event: 'offline', listener: (reason: string) => void): this;
  on(event: 'error', listener: (error: Error & { code?: string }) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

export = ExoRelay;
