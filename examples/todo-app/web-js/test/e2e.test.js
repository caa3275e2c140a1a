'use strict';

// The todo application end to end, as a person uses it (as TodoAppIT does for the Java web service): ExoCom
// with the example's ExoService manifests, the Java todos service and this Node web server as their own
// processes, and a browser's HTTP requests. Needs the broker (EXOCOM_JAR) and the todos service built
// (examples/todo-app/target: ./mvnw -pl exocom-quarkus,examples/todo-app -am package -DskipTests).
const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { randomUUID } = require('node:crypto');
const { ExoComProcess, freePort } = require('exorelay/testing');

const here = path.resolve(__dirname, '..');
const app = path.resolve(here, '..');
const PATIENCE = 30_000;

/** One of the application's processes, its output in a log file. */
class Service {
  constructor(name, command, args, env) {
    this.name = name;
    this.log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), `todo-${name}-`)), 'out.log');
    const out = fs.openSync(this.log, 'a');
    this.process = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.exited = new Promise((resolve) => this.process.once('exit', resolve));
  }

  output() {
    return fs.readFileSync(this.log, 'utf8');
  }

  async stop() {
    if (this.process.exitCode === null && this.process.signalCode === null) {
      this.process.kill('SIGTERM');
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 10_000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}

async function until(what, predicate) {
  const deadline = Date.now() + PATIENCE;
  for (;;) {
    try {
      // eslint-disable-next-line no-await-in-loop
      if (await predicate()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`waited ${PATIENCE} ms for: ${what}`);
    // eslint-disable-next-line no-await-in-loop
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the todo application with the Node web server', () => {
  let exocom;
  let todos;
  let web;
  let home;
  let webPort;

  function startTodos() {
    const classpath = [path.join(app, 'target', 'todo-app.jar'), path.join(app, 'target', 'lib', '*')].join(path.delimiter);
    const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
    return new Service('todos', java, ['-Xmx128m', '-cp', classpath, 'io.exocom.examples.todo.todos.TodosService'], {
      ...exocom.relayEnvironment(), SERVICE_NAME: 'todos', EXOCOM_INSTANCE: 'todos-1',
    });
  }

  async function startWeb() {
    web = new Service('web', process.execPath, [path.join(here, 'server.js')], {
      ...exocom.relayEnvironment(), SERVICE_NAME: 'web', EXOCOM_INSTANCE: 'web-1', PORT: String(webPort), HOST: '127.0.0.1', REPLY_TIMEOUT: '2000',
    });
    await until(`the web server listens (its output: ${web.output()})`, async () => (await fetch(home)).status !== 0);
  }

  function add(text, requestId = randomUUID()) {
    return fetch(new URL('/todos', home), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ text, requestId }).toString(),
    });
  }

  async function listed() {
    return (await fetch(home)).text();
  }

  before(async () => {
    const jar = process.env.EXOCOM_JAR || path.resolve(app, '../../exocom-quarkus/target/quarkus-app/quarkus-run.jar');
    exocom = await ExoComProcess.start({ jar, routes: path.join(app, 'exoservices') });
    todos = startTodos();
    webPort = await freePort();
    home = `http://127.0.0.1:${webPort}/`;
    await startWeb();
    await until('the home page lists the todos', async () => (await fetch(home)).status === 200);
  });

  after(async () => {
    for (const service of [web, todos]) {
      // eslint-disable-next-line no-await-in-loop
      if (service) await service.stop();
    }
    if (exocom) await exocom.close();
  });

  it('a todo added in the form appears on the home page', async () => {
    const page = await add('Buy milk & eggs');
    assert.equal(page.status, 200, 'the form redirects back to the home page');
    assert.match(await page.text(), /<li>Buy milk &amp; eggs<\/li>/);
    assert.match(await listed(), /<li>Buy milk &amp; eggs<\/li>/);
  });

  it("an empty todo shows the todos service's outcome in plain words", async () => {
    const page = await add('   ');
    assert.equal(page.status, 422);
    const html = await page.text();
    assert.match(html, /Your todo was not added: A todo needs a text/);
    assert.doesNotMatch(html, /<li>\s+<\/li>/);
  });

  it('the same form submitted again, even to a restarted web server, adds the todo once', async () => {
    const requestId = randomUUID();
    const text = `Water the plants ${requestId.slice(0, 8)}`;
    assert.equal((await add(text, requestId)).status, 200);
    await web.stop();
    await startWeb();
    // ExoCom recognises the id and does not deliver it again; the outcome went to the first submission.
    const again = await add(text, requestId);
    assert.match(await again.text(), /accepted and will appear/);
    const html = await listed();
    assert.equal(html.split(`<li>${text}</li>`).length - 1, 1, html);
  });

  it('while the todos service is down a todo is "accepted, it will appear", and it does once todos is back', async () => {
    await todos.stop();
    const page = await add('Call mum');
    assert.equal(page.status, 202);
    const html = await page.text();
    assert.match(html, /Your todo was accepted and will appear in the list/);
    assert.doesNotMatch(html, /could not be added|not added/);
    todos = startTodos();
    await until('the todo appeared', async () => (await listed()).includes('<li>Call mum</li>'));
  });

  it('with ExoCom down the page says ExoCom cannot be reached, not that the todos service failed', async () => {
    await exocom.kill();
    const page = await fetch(home);
    assert.equal(page.status, 503);
    const html = await page.text();
    assert.match(html, /ExoCom, the message bus, cannot be reached/);
    assert.doesNotMatch(html, /todos service/);
    await exocom.restart();
    await until('the home page works again', async () => (await fetch(home)).status === 200);
  });
});
