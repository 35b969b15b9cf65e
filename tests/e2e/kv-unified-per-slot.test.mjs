// --kv-unified-per-slot N: no slot's context exceeds N tokens; without -c the KV pool is sized to
// -np times N. Figures checked against llama-server 0.7 on tiny.gguf: -np 2 --kv-unified-per-slot
// 512 gives slots of 512 (pool 1024), with or without -kvu; -c 4096 -kvu caps each slot at 512;
// -c 1000 -np 2 --kv-unified-per-slot 800 leaves the slots at the pool's share (the cap has no
// effect); a longer prompt is refused with exceed_context_size_error naming n_ctx N.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, assertErrorShape } from './lib/cria.mjs';
import { THREADS, complete, tokenize } from './lib/generation-helpers.mjs';

async function sizes(server) {
  const props = (await server.get('/props')).body;
  const slots = (await server.get('/slots')).body;
  return { slot: props.default_generation_settings.n_ctx, slots: slots.map((s) => s.n_ctx) };
}

async function withServer(args, body) {
  const server = await startCria([...args, ...THREADS]);
  try { await body(server); } finally { await server.stop(); }
}

// A prompt of exactly `n` tokens (BOS included).
async function promptOf(server, n) {
  const tokens = await tokenize(server, 'one two three four five six seven eight nine ten '.repeat(40), true);
  assert.ok(tokens.length >= n);
  return tokens.slice(0, n);
}

test('without -c: slots of N tokens, and a prompt of N or more is refused', async () => {
  await withServer(['-np', '2', '--kv-unified-per-slot', '256'], async (server) => {
    assert.deepEqual(await sizes(server), { slot: 256, slots: [256, 256] });
    const fits = await complete(server, { prompt: await promptOf(server, 200), n_predict: 4, temperature: 0 });
    assert.equal(fits.tokens.length, 4);
    const res = await server.post('/completion', { prompt: await promptOf(server, 300), n_predict: 4 });
    assertErrorShape(assert, res, 400);
    assert.equal(res.body.error.type, 'exceed_context_size_error');
    assert.equal(res.body.error.n_ctx, 256);
    assert.equal(res.body.error.n_prompt_tokens, 300);
  });
});

test('with -c and a unified KV cache: each slot is capped at N instead of the whole pool', async () => {
  await withServer(['-np', '2', '-kvu', '-c', '2048', '--kv-unified-per-slot', '256'], async (server) => {
    assert.deepEqual(await sizes(server), { slot: 256, slots: [256, 256] });
  });
  await withServer(['-np', '2', '-kvu', '-c', '2048'], async (server) => {
    assert.deepEqual(await sizes(server), { slot: 2048, slots: [2048, 2048] });  // without it: the whole pool
  });
});

test('a cap above a slot\'s share of -c changes nothing', async () => {
  await withServer(['-np', '2', '-c', '1024', '--kv-unified-per-slot', '800'], async (server) => {
    assert.deepEqual(await sizes(server), { slot: 512, slots: [512, 512] });
  });
});
