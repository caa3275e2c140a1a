'use strict';

// The web server with the todos service scripted (MockExoRelay): what a person sees for each outcome, over a
// real HTTP server.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { MockExoRelay } = require('exorelay/testing');
const { createApp } = require('../app');

async function serve(relay, run) {
  const server = createApp(relay, { replyTimeout: 1000 }).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    await run(`http://127.0.0.1:${server.address().port}`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

function post(base, fields) {
  return fetch(`${base}/todos`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual',
  });
}

describe('the web server', () => {
  it('lists the todos, escaped, with a form that carries a request id', async () => {
    const relay = new MockExoRelay('web').answer('todos.list', 'todos.listed', [{ id: '1', text: 'buy <milk>' }]);
    await serve(relay, async (base) => {
      const page = await fetch(base);
      const html = await page.text();
      assert.equal(page.status, 200);
      assert.match(html, /<li>buy &lt;milk&gt;<\/li>/);
      assert.match(html, /<form method="post" action="\/todos">/);
      assert.match(html, /<input type="hidden" name="requestId" value="[0-9a-f-]{36}"/);
    });
  });

  it('a created todo redirects to the home page', async () => {
    const relay = new MockExoRelay('web')
      .answer('todos.list', 'todos.listed', [])
      .answer('todos.create', 'todos.created', { id: '1', text: 'milk' });
    await serve(relay, async (base) => {
      const response = await post(base, { text: 'milk', requestId: 'req-00000001' });
      assert.equal(response.status, 303);
      assert.equal(response.headers.get('location'), '/');
      assert.deepEqual(relay.sent('todos.create')[0].payload, { text: 'milk', requestId: 'req-00000001' });
    });
  });

  it('todos.invalid is shown in plain words, with the text kept in the form', async () => {
    const relay = new MockExoRelay('web')
      .answer('todos.list', 'todos.listed', [])
      .answer('todos.create', 'todos.invalid', { problem: 'A todo needs a text: what is there to do?' });
    await serve(relay, async (base) => {
      const response = await post(base, { text: ' ', requestId: 'req-00000002' });
      const html = await response.text();
      assert.equal(response.status, 422);
      assert.match(html, /role="alert">Your todo was not added: A todo needs a text: what is there to do\?</);
      assert.doesNotMatch(html, /todos\.invalid/, 'no message names for people');
    });
  });

  it('the same form submitted twice sends one todos.create, with a message id made of the request id', async () => {
    const relay = new MockExoRelay('web')
      .answer('todos.list', 'todos.listed', [])
      .answer('todos.create', 'todos.created', { id: '1', text: 'milk' });
    await serve(relay, async (base) => {
      const [first, second] = await Promise.all([
        post(base, { text: 'milk', requestId: 'req-00000003' }),
        post(base, { text: 'milk', requestId: 'req-00000003' }),
      ]);
      const third = await post(base, { text: 'milk', requestId: 'req-00000003' });
      assert.deepEqual([first.status, second.status, third.status], [303, 303, 303]);
      assert.equal(relay.sent('todos.create').length, 1);
      assert.equal(relay.sent('todos.create')[0].id, 'todos.create-req-00000003');
    });
  });

  it('a command ExoCom accepted but whose outcome did not come in time is "accepted, it will appear"', async () => {
    const relay = new MockExoRelay('web')
      .answer('todos.list', 'todos.listed', [])
      .answer('todos.create', () => {}); // accepted, no reply in time
    await serve(relay, async (base) => {
      const response = await post(base, { text: 'milk', requestId: 'req-00000004' });
      const html = await response.text();
      assert.equal(response.status, 202);
      assert.match(html, /Your todo was accepted and will appear in the list/);
      assert.doesNotMatch(html, /not added|could not be added/);
    });
  });

  it('with ExoCom unreachable the page says so, blaming neither the todos service nor losing the todo', async () => {
    const relay = new MockExoRelay('web')
      .answer('todos.list', 'todos.listed', [])
      .answer('todos.create', 'todos.created', { id: '1', text: 'milk' });
    relay.setReachable(false);
    await serve(relay, async (base) => {
      const response = await post(base, { text: 'milk', requestId: 'req-00000005' });
      const html = await response.text();
      assert.equal(response.status, 503);
      assert.match(html, /ExoCom, the message bus, cannot be reached right now. Your todo is kept/);
      assert.match(html, /The todo list is not available right now: ExoCom, the message bus, cannot be reached/);
      assert.doesNotMatch(html, /todos service did not/);
    });
  });

  it('without a todos service the home page says the list is not available', async () => {
    await serve(new MockExoRelay('web'), async (base) => {
      const page = await fetch(base);
      assert.equal(page.status, 503);
      assert.match(await page.text(), /The todo list is not available right now: ExoCom refused to show the list/);
    });
  });
});
