// --cache-idle-slots / --no-cache-idle-slots (on by default; needs the host prompt cache,
// --cache-ram): as in llama-server 0.7, a task that starts saves every idle slot's cells to the
// host prompt cache; with a unified KV cache (-kvu) the saved slots are also emptied, so the shared
// pool holds only running work. A slot taken by a new prompt is saved before it is overwritten
// either way (that is the prompt cache itself, on or off).
//
// Checked against llama-server 0.7 (-np 2 --cache-ram 100, conversations pinned with id_slot):
// without -kvu, on and off both restore a conversation whose slot served another one (cache_n
// 239 of 240); with -kvu and the option on, idle slots are emptied when a task starts.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria } from './lib/cria.mjs';
import { THREADS, greedy, complete } from './lib/generation-helpers.mjs';

const A = 'Alpha conversation about the lighthouse keeper who climbed the stairs every evening and watched the ' +
  'ships sail past the rocks while the gulls circled above the harbour and the town slept under the stars.';
const B = 'Bravo conversation about the vegetables that grow well in a cold garden with little sun and much rain, ' +
  'and which of them the children of the village liked to eat in the winter months after school.';
const N = 4;
const BASE = ['-np', '2', '-c', '2048', '--metrics', ...THREADS];

async function metric(server, name) {
  const text = await (await fetch(server.url('/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`llamacpp:${name} `));
  assert.ok(line, `no ${name} in /metrics:\n${text}`);
  return Number(line.split(' ')[1]);
}

const cachedTokens = async (server) => (await server.get('/slots')).body.map((s) => s.n_cached);

// A in slot 0, then B in slot 1 (A's slot is idle when B starts), then A's prompt again, anywhere.
async function scenario(server) {
  const a = await complete(server, greedy(A, N, { id_slot: 0 }));
  const savesBeforeB = await metric(server, 'prompt_cache_saves_total');
  await complete(server, greedy(B, N, { id_slot: 1 }));
  const savedWhenBStarted = (await metric(server, 'prompt_cache_saves_total')) - savesBeforeB;
  const slotsAfterB = await cachedTokens(server);
  const again = await complete(server, greedy(A, N));
  return { a, savedWhenBStarted, slotsAfterB, again, hits: await metric(server, 'prompt_cache_hits_total') };
}

describe('--cache-idle-slots with one KV stream per slot', () => {
  let on;
  let off;
  before(async () => {
    on = await startCria(BASE);
    off = await startCria([...BASE, '--no-cache-idle-slots']);
  });
  after(async () => { await on?.stop(); await off?.stop(); });

  test('on: a starting task saves the idle slot to the host cache and leaves its cells in place', async () => {
    const r = await scenario(on);
    assert.equal(r.savedWhenBStarted, 1, 'A (idle in slot 0) was not saved when B started');
    assert.ok(r.slotsAfterB[0] > 0, `slot 0 was emptied: ${r.slotsAfterB}`);
    // A comes back to its own slot (longest prefix): its own cells, no restore needed.
    assert.equal(r.hits, 0);
    assert.equal(r.again.content, r.a.content);
    assert.ok(r.again.timings.cache_n > 0);
  });

  test('off: nothing is saved until a slot is taken by another prompt', async () => {
    const r = await scenario(off);
    assert.equal(r.savedWhenBStarted, 0);
    assert.ok(r.slotsAfterB[0] > 0);
    assert.equal(r.again.content, r.a.content);
  });
});

describe('--cache-idle-slots with a unified KV cache', () => {
  let on;
  let off;
  before(async () => {
    on = await startCria([...BASE, '-kvu']);
    off = await startCria([...BASE, '-kvu', '--no-cache-idle-slots']);
  });
  after(async () => { await on?.stop(); await off?.stop(); });

  test('on: the idle slot is saved and emptied; the conversation comes back from the host cache', async () => {
    const r = await scenario(on);
    assert.equal(r.savedWhenBStarted, 1);
    assert.equal(r.slotsAfterB[0], 0, `slot 0 still holds cells: ${r.slotsAfterB}`);
    assert.ok(r.slotsAfterB[1] > 0);
    assert.equal(r.hits, 1, 'A was not restored from the host cache');
    assert.equal(r.again.content, r.a.content);  // the same answer as computed afresh
    assert.ok(r.again.timings.cache_n > 0, `cache_n ${r.again.timings.cache_n}`);
  });

  test('off: the idle slot keeps its cells and the conversation reuses them in place', async () => {
    const r = await scenario(off);
    assert.equal(r.savedWhenBStarted, 0);
    assert.ok(r.slotsAfterB[0] > 0, `slot 0 was emptied: ${r.slotsAfterB}`);
    assert.equal(r.hits, 0);
    assert.equal(r.again.content, r.a.content);
    assert.ok(r.again.timings.cache_n > 0);
  });
});
