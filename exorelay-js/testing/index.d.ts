// Type declarations of exorelay/testing: MockExoRelay and ExoComProcess.
import { EventEmitter } from 'node:events';
import ExoRelay = require('../index.js');

/** An ExoRelay without ExoCom, for a service's own tests. */
export declare class MockExoRelay extends EventEmitter implements ExoRelay.Sending {
  constructor(service: string | { serviceName: string });
  readonly serviceName: string;
  readonly instance: string;
  readonly online: boolean;
  registerHandler<P = any>(name: string, handler: ExoRelay.Handler<P>): this;
  registerHandlers(handlers: Record<string, ExoRelay.Handler>): this;
  listen(port?: number | string): Promise<void>;
  close(): Promise<void>;
  send<P = any>(name: string, replyHandler: ExoRelay.ReplyHandler<P>, options?: ExoRelay.SendOptions): Promise<ExoRelay.Accepted>;
  send<P = any>(name: string, payload: unknown, replyHandler: ExoRelay.ReplyHandler<P>, options?: ExoRelay.SendOptions): Promise<ExoRelay.Accepted>;
  send(name: string, payload?: unknown, options?: ExoRelay.SendOptions): Promise<ExoRelay.Accepted>;
  request<P = any>(name: string, payload?: unknown, options?: ExoRelay.SendOptions): Promise<ExoRelay.Reply<P>>;
  stream<P = any>(name: string, payload?: unknown, options?: ExoRelay.SendOptions): ExoRelay.ReplyStream<P>;

  /** Another service answers `name` with one final reply. */
  answer(name: string, outcome: string, payload?: unknown): this;
  /** Another service answers `name` with a handler of its own; replying nothing lets the request time out. */
  answer(name: string, handler: (payload: any, context: Pick<ExoRelay.Context, 'message' | 'reply' | 'replyPartial' | 'send'>) => unknown): this;
  /** ExoCom refuses sends named `name` with `code`. */
  reject(name: string, code: string): this;
  /** While false, sends wait and requests fail at once, unaccepted. */
  setReachable(reachable: boolean): this;
  /** What this service sent, oldest first; only those named `name` when given. */
  sent(name?: string): ExoRelay.Message[];
  /** Delivers a message to this service's handler and tells what it did. */
  receive(name: string, payload?: unknown, options?: {
    sender?: string; id?: string; originId?: string; attempt?: number; headers?: Record<string, string>;
  }): Promise<Handling>;
}

/** What one handled message led to. */
export declare class Handling {
  readonly message: ExoRelay.Message;
  /** Everything the handler sent, replies included. */
  readonly all: ExoRelay.Message[];
  readonly failure: unknown;
  /** True when a real relay would ack (the handler finished); false for a nack. */
  readonly acked: boolean;
  readonly replies: ExoRelay.Reply[];
  /** The final reply; throws when there is none. */
  readonly reply: ExoRelay.Reply;
  readonly outcome: string;
  /** The commands and events, not replies, the handler sent. */
  readonly sent: ExoRelay.Message[];
}

/** A real ExoCom broker in a child process (needs Java 17+ and the broker's jar, EXOCOM_JAR). */
export declare class ExoComProcess {
  static start(options?: {
    routes?: string; env?: Record<string, string>; jar?: string; java?: string; port?: number;
  }): Promise<ExoComProcess>;
  readonly host: string;
  readonly port: number;
  readonly logFile: string;
  relayOptions(service?: string): ExoRelay.Options;
  relayEnvironment(): Record<string, string>;
  get(path: string): Promise<{ status: number; body: any }>;
  kill(): Promise<void>;
  terminate(): Promise<void>;
  restart(options?: { graceful?: boolean }): Promise<void>;
  log(): string;
  close(): Promise<void>;
}

export declare function freePort(): Promise<number>;
