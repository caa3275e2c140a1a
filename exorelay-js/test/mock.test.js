'use strict';

// MockExoRelay, the test double for service authors: handlers driven without a broker, other services scripted.
const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { MockExoRelay } = require('../testing');
const { RequestTimeoutError, ExoComRejectedError } = require('..');

/** A service's own registration code, as it would run on a real relay. */
function accounts(relay) {
  relay.registerHandlers({
    'transfer.make': async ({ amount }, { reply, send }) => {
      if (amount > 100) {
        await reply('transfer.insufficient-funds', { missing: amount - 100 });
      } else {
        await send('audit.log', { amount });
        await reply('transfer.done', null);
      }
    },
    'broken.thing': () => {
      throw new Error('disk full');
    },
  });
}

describe('MockExoRelay', () => {
  it('tells the outcome of a handled command and what the handler sent', async () => {
    const relay = new MockExoRelay('accounts');
    accounts(relay);
    const poor = await relay.receive('transfer.make', { amount: 150 });
    assert.equal(poor.outcome, 'transfer.insufficient-funds');
    assert.deepEqual(poor.reply.payload, { missing: 50 });
    assert.equal(poor.acked, true);

    const done = await relay.receive('transfer.make', { amount: 20 });
    assert.equal(done.outcome, 'transfer.done');
    assert.equal(done.sent.length, 1);
    assert.equal(done.sent[0].name, 'audit.log');
    assert.equal(done.sent[0].originId, done.message.originId, 'sends inside a handler carry its originId');
    assert.equal(done.sent[0].sender, 'accounts');
  });

  it('a failing or missing handler is nacked', async () => {
    const relay = new MockExoRelay('accounts');
    accounts(relay);
    const broken = await relay.receive('broken.thing');
    assert.equal(broken.acked, false);
    assert.equal(broken.failure.message, 'disk full');
    const nobody = await relay.receive('nobody.handles');
    assert.equal(nobody.acked, false);
    assert.match(nobody.failure.message, /no handler for "nobody\.handles"/);
    assert.throws(() => nobody.reply, /got no final reply/);
  });

  it('scripts the services that are asked, streaming replies included', async () => {
    const relay = new MockExoRelay('web')
      .answer('todos.list', 'todos.listed', ['milk'])
      .answer('file.read', async (payload, { replyPartial, reply }) => {
        await replyPartial('file.read-chunk', 'ab');
        await replyPartial('file.read-chunk', 'cd');
        await reply('file.read-done', 4);
      })
      .reject('secrets.steal', 'forbidden');

    const listed = await relay.request('todos.list');
    assert.equal(listed.outcome, 'todos.listed');
    assert.deepEqual(listed.payload, ['milk']);

    const seen = [];
    const finished = new Promise((resolve) => {
      relay.send('file.read', { path: 'x' }, (payload, { outcome, final }) => {
        seen.push(outcome);
        if (final) resolve(payload);
      });
    });
    assert.equal(await finished, 4);
    assert.deepEqual(seen, ['file.read-chunk', 'file.read-chunk', 'file.read-done']);

    const parts = [];
    for await (const part of relay.stream('file.read')) parts.push(part.payload);
    assert.deepEqual(parts, ['ab', 'cd', 4]);

    const refused = await relay.send('secrets.steal').catch((error) => error);
    assert.ok(refused instanceof ExoComRejectedError);
    assert.equal(refused.code, 'forbidden');
    assert.deepEqual(relay.sent().map((message) => message.name), ['todos.list', 'file.read', 'file.read']);
  });

  it('a request nobody answers fails with a sentence on how to script it; an answer without reply times out', async () => {
    const relay = new MockExoRelay('web').answer('slow.never', () => {});
    const unscripted = await relay.request('todos.list').catch((error) => error);
    assert.equal(unscripted.code, 'no-receivers');
    assert.match(unscripted.message, /script it with answer\("todos\.list"/);
    const silent = await relay.request('slow.never').catch((error) => error);
    assert.ok(silent instanceof RequestTimeoutError);
    assert.equal(silent.accepted, true);
  });

  it('while ExoCom is unreachable, sends wait and requests time out unaccepted', async () => {
    const relay = new MockExoRelay('web').answer('todos.create', 'todos.created', { id: '1' });
    relay.setReachable(false);
    const timedOut = await relay.request('todos.create', { text: 'x' }).catch((error) => error);
    assert.ok(timedOut instanceof RequestTimeoutError);
    assert.equal(timedOut.accepted, false);
    let accepted = false;
    const waiting = relay.send('audit.log', 1).then(() => { accepted = true; });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(accepted, false);
    relay.setReachable(true);
    await waiting;
    assert.equal(relay.sent('audit.log').length, 1);
  });
});
