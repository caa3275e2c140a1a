'use strict';

const fs = require('node:fs');
const os = require('node:os');
const { ExoRelayError } = require('./errors');

/** PROTOCOL.md §3: the frame size limit when ExoCom does not announce one (a 1.0 broker). */
const DEFAULT_MAX_FRAME_SIZE = 1024 * 1024;
const DEFAULT_PORT = 3100;
const MAX_NAME_LENGTH = 200;
const MAX_SERVICE_NAME_LENGTH = 63;

const SERVICE_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Milliseconds and counts the relay uses when the options do not say; named here so the docs can cite them. */
const DEFAULTS = Object.freeze({
  requestTimeout: 30_000,
  maxBufferedSends: 10_000,
  reconnectMinDelay: 100,
  reconnectMaxDelay: 5_000,
  connectTimeout: 5_000,
  heartbeatInterval: 10_000,
  closeGracePeriod: 30_000,
  rememberedIds: 10_000,
});

/** Whether `name` is a valid message name (PROTOCOL.md §2): 1-200 characters without control characters. */
function isValidName(name) {
  return typeof name === 'string' && name.length >= 1 && name.length <= MAX_NAME_LENGTH && !CONTROL.test(name);
}

/** Throws a TypeError naming the problem when `name` is not a valid message name. */
function checkName(name, what = 'message name') {
  if (!isValidName(name)) {
    throw new TypeError(`${JSON.stringify(name)} is not a valid ${what}: use 1-${MAX_NAME_LENGTH} characters `
      + 'without control characters, like "todos.create"');
  }
}

function present(value) {
  return value !== undefined && value !== null && String(value).trim() !== '';
}

function port(value, from) {
  const text = String(value).trim();
  const number = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(number >= 1 && number <= 65535)) {
    throw new RangeError(`${from} ${JSON.stringify(value)} is not a TCP port: give a whole number from 1 to 65535`);
  }
  return number;
}

function duration(options, key) {
  const value = options[key];
  if (value === undefined || value === null) {
    return DEFAULTS[key];
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${key} must be a positive number of milliseconds, not ${JSON.stringify(value)}`);
  }
  return value;
}

function count(options, key, minimum) {
  const value = options[key];
  if (value === undefined || value === null) {
    return DEFAULTS[key];
  }
  if (!Number.isInteger(value) || value < minimum) {
    throw new RangeError(`${key} must be a whole number of at least ${minimum}, not ${JSON.stringify(value)}`);
  }
  return value;
}

function flag(value, from) {
  const text = String(value).trim().toLowerCase();
  if (text === 'true' || text === 'false') {
    return text === 'true';
  }
  throw new RangeError(`${from} ${JSON.stringify(value)} is not a switch: give true or false`);
}

/** ExoCom's address as a URL: ws:// or wss://, host, optional port (3100) and path (/services). */
function parseUrl(text, from) {
  let url;
  try {
    url = new URL(text);
  } catch (error) {
    url = undefined;
  }
  if (!url || (url.protocol !== 'ws:' && url.protocol !== 'wss:') || url.hostname === '') {
    throw new TypeError(`${from} ${JSON.stringify(text)} is not an address of ExoCom: give ws://HOST:PORT or `
      + 'wss://HOST:PORT (TLS), for example wss://exocom.exocom.svc:3100');
  }
  if (url.port === '') {
    url.port = String(DEFAULT_PORT);
  }
  if (url.pathname === '/' || url.pathname === '') {
    url.pathname = '/services';
  }
  return { url: url.toString(), secure: url.protocol === 'wss:' };
}

/**
 * The CA certificates (PEM) to verify ExoCom's certificate with, read at every connect so that a rotated CA is
 * picked up; undefined: the system's trusted CAs.
 */
function currentCa(config) {
  if (!config.tlsCa) {
    return undefined;
  }
  try {
    return fs.readFileSync(config.tlsCa, 'utf8');
  } catch (error) {
    throw new ExoRelayError(`cannot read the CA for ExoCom's certificate from EXOCOM_TLS_CA ${config.tlsCa}: `
      + `${error.message}`, 'tls-ca-unreadable', { cause: error });
  }
}

/**
 * The relay's settings: each option, else the environment variable that the operator injects (PROTOCOL.md §6),
 * else the default. Throws a sentence naming what to set when something is missing or wrong.
 */
function resolveConfig(options = {}, env = process.env) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('new ExoRelay(options): options must be an object such as {serviceName: "todos"}');
  }
  const serviceName = present(options.serviceName) ? String(options.serviceName).trim()
    : present(env.SERVICE_NAME) ? env.SERVICE_NAME.trim() : undefined;
  if (serviceName === undefined) {
    throw new TypeError('no service name: set the environment variable SERVICE_NAME to the name this service is '
      + 'registered under in ExoCom\'s routes (for example SERVICE_NAME=todos), or pass '
      + 'new ExoRelay({serviceName: "todos"})');
  }
  if (serviceName.length > MAX_SERVICE_NAME_LENGTH || !SERVICE_NAME.test(serviceName)) {
    throw new TypeError(`service name ${JSON.stringify(serviceName)} is not valid: use 1-63 letters, digits, '.', `
      + '\'_\' or \'-\', starting and ending with a letter or digit');
  }
  const exocomHost = present(options.exocomHost) ? String(options.exocomHost).trim()
    : present(env.EXOCOM_HOST) ? env.EXOCOM_HOST.trim() : 'localhost';
  const exocomPort = present(options.exocomPort) ? port(options.exocomPort, 'exocomPort')
    : present(env.EXOCOM_PORT) ? port(env.EXOCOM_PORT, 'EXOCOM_PORT') : DEFAULT_PORT;
  // The host name alone would make two processes of one service on one machine the same instance, and ExoCom
  // replaces an instance's older connection by its newer one: they would push each other out in turn.
  const instance = present(options.instance) ? String(options.instance).trim()
    : present(env.EXOCOM_INSTANCE) ? env.EXOCOM_INSTANCE.trim() : `${os.hostname()}-${process.pid}`;
  const token = present(options.token) ? String(options.token).trim()
    : present(env.EXOCOM_TOKEN) ? env.EXOCOM_TOKEN.trim() : undefined;
  const tokenFile = present(options.tokenFile) ? String(options.tokenFile).trim()
    : present(env.EXOCOM_TOKEN_FILE) ? env.EXOCOM_TOKEN_FILE.trim() : undefined;
  let prefetch;
  if (options.prefetch !== undefined && options.prefetch !== null) {
    if (!Number.isInteger(options.prefetch) || options.prefetch < 1) {
      throw new RangeError(`prefetch must be a whole number of at least 1, not ${JSON.stringify(options.prefetch)}`);
    }
    prefetch = options.prefetch;
  }
  const reconnectMinDelay = duration(options, 'reconnectMinDelay');
  // The address may come whole: exocomUrl, EXOCOM_URL, or a ws:// or wss:// EXOCOM_HOST (as the Java relay reads it)
  let address;
  if (present(options.exocomUrl)) {
    address = parseUrl(String(options.exocomUrl).trim(), 'exocomUrl');
  } else if (present(env.EXOCOM_URL)) {
    address = parseUrl(env.EXOCOM_URL.trim(), 'EXOCOM_URL');
  } else if (/^wss?:\/\//i.test(exocomHost)) {
    address = parseUrl(exocomHost, present(options.exocomHost) ? 'exocomHost' : 'EXOCOM_HOST');
  }
  const tlsCa = present(options.tlsCa) ? String(options.tlsCa).trim()
    : present(env.EXOCOM_TLS_CA) ? env.EXOCOM_TLS_CA.trim() : undefined;
  let secure;
  if (options.secure !== undefined && options.secure !== null) {
    if (typeof options.secure !== 'boolean') {
      throw new TypeError(`secure must be true or false, not ${JSON.stringify(options.secure)}`);
    }
    secure = options.secure;
  } else if (address) {
    secure = address.secure;
  } else {
    secure = present(env.EXOCOM_TLS) ? flag(env.EXOCOM_TLS, 'EXOCOM_TLS') : tlsCa !== undefined;
  }
  if (address && address.secure !== secure) {
    throw new TypeError(`${address.url} is ${address.secure ? '' : 'not '}a TLS address, but TLS is `
      + `${secure ? 'on' : 'off'}: use ${secure ? 'wss' : 'ws'}:// or drop the secure option (EXOCOM_TLS)`);
  }
  if (tlsCa !== undefined && !secure) {
    throw new TypeError(`a CA for ExoCom's certificate is given (tlsCa, EXOCOM_TLS_CA=${tlsCa}) but the connection is `
      + 'not TLS: set EXOCOM_TLS=true or use a wss:// address');
  }
  const config = {
    serviceName,
    exocomHost,
    exocomPort,
    instance,
    token,
    tokenFile,
    secure,
    tlsCa,
    prefetch,
    requestTimeout: duration(options, 'requestTimeout'),
    maxBufferedSends: count(options, 'maxBufferedSends', 0),
    reconnectMinDelay,
    reconnectMaxDelay: Math.max(reconnectMinDelay, duration(options, 'reconnectMaxDelay')),
    connectTimeout: duration(options, 'connectTimeout'),
    heartbeatInterval: duration(options, 'heartbeatInterval'),
    closeGracePeriod: options.closeGracePeriod === 0 ? 0 : duration(options, 'closeGracePeriod'),
    rememberedIds: count(options, 'rememberedIds', 0),
  };
  config.url = address ? address.url
    : `${config.secure ? 'wss' : 'ws'}://${exocomHost.includes(':') ? `[${exocomHost}]` : exocomHost}:${exocomPort}/services`;
  return Object.freeze(config);
}

/**
 * The token to register with: the token option or EXOCOM_TOKEN, else the file's content, read at every connect
 * so that a rotated token is picked up; undefined when authentication is off.
 */
function currentToken(config) {
  if (config.token) {
    return config.token;
  }
  if (config.tokenFile) {
    let text;
    try {
      text = fs.readFileSync(config.tokenFile, 'utf8').trim();
    } catch (error) {
      throw new ExoRelayError(`cannot read the ExoCom token from EXOCOM_TOKEN_FILE ${config.tokenFile}: ${error.message}`,
        'token-unreadable', { cause: error });
    }
    return text === '' ? undefined : text;
  }
  return undefined;
}

module.exports = { resolveConfig, currentToken, currentCa, checkName, isValidName, DEFAULTS, DEFAULT_MAX_FRAME_SIZE, DEFAULT_PORT };
