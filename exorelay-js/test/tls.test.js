'use strict';

// TLS to ExoCom (issue 13): the relay connects with wss:// when told to (EXOCOM_TLS, a wss:// EXOCOM_URL),
// verifies the broker's certificate against EXOCOM_TLS_CA or the system's CAs, and says in a sentence what did not
// verify. The broker here is the scripted one on a real TLS WebSocket, with certificates made by openssl for the test.
const { describe, it, before, after, afterEach } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ExoRelay = require('..');
const { resolveConfig } = require('../lib/config');
const { ScriptedExoCom } = require('./support/scripted-exocom');
const { until } = require('./support/helpers');

let dir;
let exocom;
let relays = [];

function openssl(...args) {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

/**
 * A CA, a certificate for localhost and 127.0.0.1 signed by it and one for another name; a second CA that signed
 * nothing.
 */
function makeCertificates() {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'exorelay-tls-'));
  for (const ca of ['ca', 'other-ca']) {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.pem`,
      '-days', '2', '-subj', `/CN=${ca} of the test`);
  }
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'exocom.key', '-out', 'exocom.csr',
    '-subj', '/CN=localhost');
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl('x509', '-req', '-in', 'exocom.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'exocom.pem', '-days', '2', '-extfile', 'san.ext');
  fs.writeFileSync(path.join(dir, 'elsewhere.ext'), 'subjectAltName=DNS:exocom.elsewhere.example\n');
  openssl('x509', '-req', '-in', 'exocom.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'elsewhere.pem', '-days', '2', '-extfile', 'elsewhere.ext');
  const read = (file) => fs.readFileSync(path.join(dir, file), 'utf8');
  return {
    key: read('exocom.key'), cert: read('exocom.pem'), otherName: { key: read('exocom.key'), cert: read('elsewhere.pem') },
  };
}

function relay(options) {
  const created = new ExoRelay({
    serviceName: 'worker', instance: 'worker-1', logger: null, reconnectMinDelay: 50, reconnectMaxDelay: 200,
    ...options,
  });
  relays.push(created);
  return created;
}

function errorsOf(exoRelay) {
  const errors = [];
  exoRelay.on('error', (error) => errors.push(error));
  return errors;
}

describe('TLS to ExoCom', () => {
  let tls;
  before(() => { tls = makeCertificates(); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    for (const each of relays) {
      // eslint-disable-next-line no-await-in-loop
      await each.close();
    }
    relays = [];
    if (exocom) {
      await exocom.close();
      exocom = undefined;
    }
  });

  it('registers over wss:// when the certificate verifies against EXOCOM_TLS_CA', async () => {
    exocom = await ScriptedExoCom.start({ tls });
    const worker = relay({ exocomUrl: `wss://localhost:${exocom.port}`, tlsCa: path.join(dir, 'ca.pem') });
    await worker.listen();
    assert.equal(worker.online, true);
    const connection = await exocom.connection(0);
    assert.equal(connection.frames[0].type, 'register');
  });

  it('refuses a certificate it cannot verify, with a sentence naming what did not verify', async () => {
    exocom = await ScriptedExoCom.start({ tls });
    const worker = relay({ exocomPort: exocom.port, secure: true }); // the system's CAs know nothing of the test CA
    const errors = errorsOf(worker);
    worker.listen().catch(() => {});
    await until('the relay reported why it cannot connect', () => errors.length > 0);
    assert.match(errors[0].message, /ExoCom's certificate did not verify \(\w+/);
    assert.match(errors[0].message, /EXOCOM_TLS_CA/);
    assert.equal(exocom.connections.length, 0, 'nothing was sent over a connection that did not verify');
    assert.equal(worker.online, false);
  });

  it('refuses a certificate for another name than the one it connects to', async () => {
    exocom = await ScriptedExoCom.start({ tls: tls.otherName });
    const worker = relay({ exocomUrl: `wss://127.0.0.1:${exocom.port}`, tlsCa: path.join(dir, 'ca.pem') });
    const errors = errorsOf(worker);
    worker.listen().catch(() => {});
    await until('the relay reported why it cannot connect', () => errors.length > 0);
    assert.match(errors[0].message, /ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  it('reads the CA file at every connect, so a fixed or rotated CA is picked up without a restart', async () => {
    exocom = await ScriptedExoCom.start({ tls });
    const caFile = path.join(dir, 'rotating-ca.pem');
    fs.copyFileSync(path.join(dir, 'other-ca.pem'), caFile);
    const worker = relay({ exocomUrl: `wss://localhost:${exocom.port}`, tlsCa: caFile });
    const errors = errorsOf(worker);
    const registered = worker.listen();
    await until('the relay reported why it cannot connect', () => errors.length > 0);
    assert.match(errors[0].message, /did not verify/);
    fs.copyFileSync(path.join(dir, 'ca.pem'), caFile);
    await registered;
    assert.equal(worker.online, true);
  });

  it('says so when the broker does not speak TLS', async () => {
    exocom = await ScriptedExoCom.start({});
    const worker = relay({ exocomUrl: `wss://127.0.0.1:${exocom.port}` });
    const errors = errorsOf(worker);
    worker.listen().catch(() => {});
    await until('the relay reported why it cannot connect', () => errors.length > 0);
    assert.match(errors[0].message, /does not speak TLS/);
  });
});

describe('TLS settings', () => {
  const base = { SERVICE_NAME: 'worker' };

  it('EXOCOM_TLS=true connects with wss://, EXOCOM_TLS_CA alone turns TLS on', () => {
    assert.equal(resolveConfig({}, { ...base, EXOCOM_TLS: 'true', EXOCOM_PORT: '4000' }).url, 'wss://localhost:4000/services');
    assert.equal(resolveConfig({}, { ...base, EXOCOM_TLS_CA: '/ca.pem' }).secure, true);
    assert.equal(resolveConfig({}, { ...base }).url, 'ws://localhost:3100/services');
  });

  it('EXOCOM_HOST may be a whole ws:// or wss:// address, as the Java relay reads it', () => {
    const config = resolveConfig({}, { ...base, EXOCOM_HOST: 'wss://exocom.exocom.svc:4000' });
    assert.equal(config.url, 'wss://exocom.exocom.svc:4000/services');
    assert.equal(config.secure, true);
  });

  it('EXOCOM_URL gives the whole address, with the default port and path', () => {
    const config = resolveConfig({}, { ...base, EXOCOM_URL: 'wss://exocom.exocom.svc' });
    assert.equal(config.url, 'wss://exocom.exocom.svc:3100/services');
    assert.equal(config.secure, true);
  });

  it('refuses settings that contradict each other or are not what they should be, in a sentence', () => {
    assert.throws(() => resolveConfig({}, { ...base, EXOCOM_TLS: 'yes' }), /EXOCOM_TLS "yes" is not a switch: give true or false/);
    assert.throws(() => resolveConfig({}, { ...base, EXOCOM_URL: 'http://x:1' }), /EXOCOM_URL "http:\/\/x:1" is not an address of ExoCom/);
    assert.throws(() => resolveConfig({}, { ...base, EXOCOM_URL: 'ws://x:1', EXOCOM_TLS_CA: '/ca.pem' }),
      /the connection is not TLS/);
    assert.throws(() => resolveConfig({ secure: false, tlsCa: '/ca.pem' }, base), /the connection is not TLS/);
  });
});
