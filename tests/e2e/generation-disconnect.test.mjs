// A client that goes away frees its slot: a streamed request whose fetch is aborted, a
// non-streamed request whose socket is destroyed, and a request dropped while still queued.
// With one slot and requests that would otherwise run for 100000 tokens (minutes), a new request
// can only complete within the bounded waits below if the abandoned one was stopped.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, sleep } from './lib/cria.mjs';
import {
  THREADS, greedy, complete, rawPost, postWithin, waitForIdleSlots, waitForBusySlots,
} from './lib/generation-helpers.mjs';

const LONG = { prompt: 'The quick brown fox', n_predict: 100000, ignore_eos: true, temperature: 0 };
const SHORT = greedy('people know what they like', 16);
const WAIT_MS = 10000;

let cria;
let shortAlone;  // SHORT's response on an idle server
before(async () => {
  cria = await startCria(['-np', '1', ...THREADS]);
  shortAlone = await complete(cria, SHORT);
});
after(async () => { await cria?.stop(); });

// Starts a streamed LONG request and aborts it after `events` events; resolves once aborted.
async function abortedStream(events = 3) {
  const controller = new AbortController();
  let seen = 0;
  const outcome = await cria.stream('/completion', LONG, {
    signal: controller.signal,
    onEvent: () => { if (++seen >= events) controller.abort(); },
  }).then(() => 'finished', (e) => e.name);
  assert.equal(outcome, 'AbortError', 'the long stream should still be running when aborted');
  assert.ok(seen >= events);
}

// Starts a non-streamed LONG request, waits until it holds the slot, then destroys its socket.
async function destroyedRequest(afterMs = 300) {
  const { req, done } = rawPost(cria, '/completion', LONG);
  await waitForBusySlots(cria, 1, WAIT_MS);
  await sleep(afterMs);
  req.destroy();
  const outcome = await done;
  assert.ok(outcome.error, `the long request should not have answered: ${JSON.stringify(outcome)}`);
}

// A new short request gets the slot (within WAIT_MS) and its normal output.
async function assertSlotUsable(what) {
  let res;
  try {
    res = await postWithin(cria, '/completion', SHORT, WAIT_MS);
  } catch (e) {
    assert.fail(`${what}: a new request did not complete within ${WAIT_MS} ms (${e.name}): the abandoned request ` +
      `still holds the slot; /slots: ${JSON.stringify((await cria.get('/slots')).body)}`);
  }
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.content, shortAlone.content);
  // Nothing is left running afterwards.
  await waitForIdleSlots(cria, 1, WAIT_MS);
}

test('aborting a stream frees the slot for the next request', { timeout: 30000 }, async () => {
  await abortedStream();
  await assertSlotUsable('after an aborted stream');
});

test('destroying a non-streamed request\'s connection frees the slot for the next request', { timeout: 30000 },
  async () => {
    await destroyedRequest();
    await assertSlotUsable('after a destroyed connection');
  });

test('a request whose client leaves while it is queued never takes the slot', { timeout: 30000 }, async () => {
  // The slot is busy with a stream; a second request waits in the queue and its client leaves;
  // then the stream is aborted too. Were the queued request run anyway, it would hold the slot
  // for 100000 tokens.
  const controller = new AbortController();
  let seen = 0;
  let started;
  const streaming = new Promise((resolve) => { started = resolve; });
  const stream = cria.stream('/completion', LONG, {
    signal: controller.signal,
    onEvent: () => { if (++seen === 2) started(); },
  }).then(() => 'finished', (e) => e.name);
  await Promise.race([streaming, stream]);
  const queued = rawPost(cria, '/completion', { ...LONG, prompt: 'look at the water' });
  await sleep(300);
  queued.req.destroy();
  assert.ok((await queued.done).error, 'the queued request should not have answered');
  await sleep(300);
  controller.abort();
  assert.equal(await stream, 'AbortError');
  await assertSlotUsable('after a queued request left');
});

// Regression: the step that frees the slot decodes nothing; its status must be published anyway.
test('after an aborted stream, /health reports the slot idle without another request',
  { timeout: 30000 },
  async () => {
    await abortedStream();
    await waitForIdleSlots(cria, 1, WAIT_MS);
    const slots = await cria.get('/slots');
    assert.equal(slots.body[0].is_processing, false);
  });

test('after a destroyed non-streamed request, /health reports the slot idle without another request',
  { timeout: 30000 },
  async () => {
    // Leave the server clean whatever the test before did.
    await complete(cria, greedy('ok', 1));
    await destroyedRequest();
    await waitForIdleSlots(cria, 1, WAIT_MS);
  });
