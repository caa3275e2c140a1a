'use strict';

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const http = require('node:http');

let instances = 0;

/** A TCP port nothing listens on right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** GET on the broker's HTTP side: {status, body} with the body parsed when it is JSON. */
function httpGet(port, urlPath) {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path: urlPath, timeout: 2000 }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => {
        let body = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON
        }
        resolve({ status: response.statusCode, body });
      });
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}

/**
 * A real ExoCom broker in a child process, for integration tests: `java -jar quarkus-run.jar --routes FILE` on
 * a free port, resolved once it answers GET /q/health/ready. Needs Java 17+ and the broker's jar: the option
 * `jar`, else the environment variable EXOCOM_JAR. Its output goes to a log file (see log()).
 *
 * ```js
 * const exocom = await ExoComProcess.start({routes: 'exoservices/'});
 * const relay = new ExoRelay({serviceName: 'todos', ...exocom.relayOptions()});
 * ...
 * await exocom.close();
 * ```
 */
class ExoComProcess {
  constructor({ jar, routes, env, port, java }) {
    this.jar = jar;
    this.routes = routes;
    this.env = env;
    this.port = port;
    this.java = java;
    this.host = 'localhost';
    this.logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'exocom-')), `exocom-${port}.log`);
    this.process = null;
  }

  /**
   * Starts a broker.
   * @param {{routes?: string, env?: Record<string, string>, jar?: string, java?: string, port?: number}} options
   *   routes: a routes file or directory (absent: development mode); env: extra settings such as
   *   {EXOCOM_ACK_TIMEOUT: '1s'}; java: the java executable (default: $JAVA_HOME/bin/java, else java)
   */
  static async start(options = {}) {
    const jar = path.resolve(options.jar || process.env.EXOCOM_JAR || '');
    if (!options.jar && !process.env.EXOCOM_JAR) {
      throw new Error('no ExoCom broker jar: set EXOCOM_JAR to exocom-quarkus/target/quarkus-app/quarkus-run.jar '
        + '(build it with ./mvnw -pl exocom-quarkus -am package -DskipTests) or pass {jar}');
    }
    if (!fs.existsSync(jar)) {
      throw new Error(`no ExoCom broker at ${jar}: build exocom-quarkus first (./mvnw -pl exocom-quarkus -am package `
        + '-DskipTests) or point EXOCOM_JAR at its quarkus-run.jar');
    }
    const java = options.java || (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java');
    const exocom = new ExoComProcess({
      jar, routes: options.routes && path.resolve(options.routes), env: options.env || {}, port: options.port || await freePort(), java,
    });
    await exocom.launch();
    return exocom;
  }

  async launch() {
    const args = ['-Xmx256m', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-jar', this.jar];
    if (this.routes) {
      args.push('--routes', this.routes);
    }
    // The broker refuses EXOCOM_* variables that are none of its settings (a typo must not pass silently), and
    // this process's own (EXOCOM_JAR, a relay's EXOCOM_HOST...) are not for it: it gets only what is given here.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('EXOCOM_')));
    // the journal lives next to the log, so that a restart() finds what the broker accepted before
    Object.assign(env, { EXOCOM_PORT: String(this.port), EXOCOM_DATA_DIR: path.join(path.dirname(this.logFile), 'data') },
      this.env);
    const log = fs.openSync(this.logFile, 'a');
    this.process = spawn(this.java, ['-XX:+ExitOnOutOfMemoryError', ...args], { env, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    const child = this.process;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    await this.awaitReady(60_000);
  }

  async awaitReady(limit) {
    const deadline = Date.now() + limit;
    let exit = null;
    this.exited.then((result) => { exit = result; });
    while (Date.now() < deadline) {
      if (exit) {
        throw new Error(`ExoCom exited (${exit.code ?? exit.signal}) before it was ready:\n${this.log()}`);
      }
      try {
        // eslint-disable-next-line no-await-in-loop
        if ((await httpGet(this.port, '/q/health/ready')).status === 200) {
          return;
        }
      } catch {
        // not listening yet
      }
      // eslint-disable-next-line no-await-in-loop
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    this.process.kill('SIGKILL');
    throw new Error(`ExoCom was not ready within ${limit} ms:\n${this.log()}`);
  }

  /** Options for new ExoRelay({...}) that point it at this broker, with a unique instance name per call. */
  relayOptions(service) {
    instances += 1;
    return {
      exocomHost: this.host,
      exocomPort: this.port,
      ...(service ? { serviceName: service, instance: `${service}-${process.pid}-${instances}` } : {}),
      reconnectMinDelay: 50,
      reconnectMaxDelay: 500,
      closeGracePeriod: 10_000,
    };
  }

  /** The environment a service process needs to reach this broker (without SERVICE_NAME). */
  relayEnvironment() {
    return { EXOCOM_HOST: this.host, EXOCOM_PORT: String(this.port) };
  }

  /** GET on the broker's HTTP API, e.g. get('/dead-letters?service=worker'): {status, body}. */
  get(urlPath) {
    return httpGet(this.port, urlPath);
  }

  /** Kills the broker at once, as a crash would; restart() brings it back on the same port. */
  async kill() {
    await this.stop('SIGKILL');
  }

  /** Stops the broker with SIGTERM, its graceful stop, and waits until it exited. */
  async terminate() {
    await this.stop('SIGTERM');
  }

  async stop(signal) {
    const child = this.process;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await this.exited;
      clearTimeout(timer);
    }
  }

  /**
   * Starts the broker again, same port, routes and settings: after killing it (as a crash), or with
   * {graceful: true} after its graceful stop (SIGTERM, as a rolling update does).
   */
  async restart({ graceful = false } = {}) {
    await (graceful ? this.terminate() : this.kill());
    await this.launch();
  }

  /** Everything the broker printed so far. */
  log() {
    try {
      return fs.readFileSync(this.logFile, 'utf8');
    } catch (error) {
      return `(log unreadable: ${error.message})`;
    }
  }

  /** Stops the broker (politely first) and removes its log. */
  async close() {
    await this.terminate();
    fs.rmSync(path.dirname(this.logFile), { recursive: true, force: true });
  }
}

module.exports = { ExoComProcess, freePort };
