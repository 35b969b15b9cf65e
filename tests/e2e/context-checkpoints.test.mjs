// Context checkpoints (-ctxcp, -cms) and the check before a slot's cache is reused, on a
// sliding-window model, models/tiny-swa.gguf (gemma3 architecture; layer 0 attends to the last 16
// positions, and its small cache, n_swa + a ubatch rounded up to 256 cells, forgets older ones), and
// on a recurrent one, models/tiny-mamba.gguf (its state cannot be cut back at all).
//
// The conversation: A; then A + B, long enough that the window's cache no longer holds A's end;
// then A + C, back to the first turn. The slot's cache shares A with the last prompt, but its
// windowed layers lost the cells the window of A's end needs (the recurrent state is past it): without
// a checkpoint the prompt is computed from the start (before this change cria reused A on the SWA
// model with those cells missing, and the output differed from a fresh server's); with
// checkpoints, the one saved 4 tokens before A's end comes back and only the rest is computed.
//
// Checked against llama-server 0.7 (same models and options, -v): the same checkpoints (at 264 and
// 324 of A's 328 tokens, 591 and 651 of A + B's 655), the same restores, the same output; after a
// restore on the SWA model llama-server computes one token more (prompt_n 25 where cria's is 24).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { MODELS, criaPool } from './lib/cria.mjs';
import { THREADS, greedy, complete } from './lib/generation-helpers.mjs';
import { llamaServerPath, startLlamaServer } from './lib/llama-server.mjs';

const missing = (model) => (fs.existsSync(model) ? false : `${model} is missing: run scripts/make-test-models`);
// One slot, small ubatches: the windowed layers' cache is then 256 cells.
const ARGS = ['-np', '1', '-c', '2048', '-ub', '64', '-b', '64', '--metrics', ...THREADS];
const N = 24;

// Deterministic text of `n` words (about one token each).
function words(n, seed) {
  const pool = ('the quick brown fox jumps over the lazy dog and then runs into the forest where a dragon ' +
    'sleeps near a river').split(' ');
  const out = [];
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 48271) % 2147483647;  // exact in doubles
    out.push(pool[s % pool.length]);
  }
  return out.join(' ');
}
const A = words(300, 1);
const B = words(300, 2);
const C = words(20, 3);

// The three turns on one server; returns the answers.
async function backToTheFirstTurn(server) {
  const first = await complete(server, greedy(A, 8));
  const second = await complete(server, greedy(`${A} ${B}`, 8));
  return [first, second, await complete(server, greedy(`${A} ${C}`, N))];
}
async function metric(server, name) {
  const text = await (await fetch(server.url('/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`llamacpp:${name} `));
  assert.ok(line, `no ${name} in /metrics:\n${text}`);
  return Number(line.split(' ')[1]);
}

// A prompt's length in tokens: what the cache held plus what was computed.
const promptLength = (r) => r.timings.cache_n + r.timings.prompt_n;

for (const [kind, name] of [['a sliding-window', 'tiny-swa.gguf'], ['a recurrent', 'tiny-mamba.gguf']]) {
const MODEL = path.join(MODELS, name);
describe(`context checkpoints on ${kind} model (${name})`, { skip: missing(MODEL) }, () => {
  const pool = criaPool(ARGS);
  let fresh;
  before(async () => {
    const server = await pool.start([], { model: MODEL });
    fresh = await complete(server, greedy(`${A} ${C}`, N, { cache_prompt: false }));
  });
  after(pool.stopAll);

  test('with checkpoints, a prompt back at an earlier turn restores one and computes only the rest', async () => {
    const server = await pool.start([], { model: MODEL });
    const [first, second, r] = await backToTheFirstTurn(server);
    assert.equal(r.content, fresh.content);
    // Checkpoints one ubatch (64) and 4 tokens before each prompt's end; A's last one comes back, so
    // its last 4 tokens and C are computed.
    const a = promptLength(first);
    const ab = promptLength(second);
    assert.equal(r.timings.prompt_n, promptLength(r) - (a - 4));
    const log = server.log();
    assert.match(log, /context checkpoints enabled, max = 32 per slot, min spacing = 8192/);
    for (const [i, n] of [[1, a - 64], [2, a - 4], [3, ab - 64], [4, ab - 4]]) {
      assert.match(log, new RegExp(`created context checkpoint ${i} of 32 \\(pos_min = \\d+, pos_max = ${n - 1}, n_tokens = ${n},`));
    }
    assert.match(log, new RegExp(`restored context checkpoint \\(pos_min = \\d+, pos_max = ${a - 5}, n_tokens = ${a - 4},`));
    assert.match(log, new RegExp(`erased invalidated context checkpoint \\(pos_min = \\d+, pos_max = ${ab - 5}, n_tokens = ${ab - 4},`));
    // Left: the two of A and the one at A + C's end (the one 64 before it lies before A's end).
    assert.equal(await metric(server, 'context_checkpoints'), 3);
    assert.ok(await metric(server, 'context_checkpoint_bytes') > 0);
    assert.equal(await metric(server, 'context_checkpoint_restores_total'), name === 'tiny-mamba.gguf' ? 2 : 1);
  });

  test('without checkpoints (-ctxcp 0), a prefix the cache can no longer give is computed from the start, not reused', async () => {
    const server = await pool.start(['-ctxcp', '0'], { model: MODEL });
    const [, , r] = await backToTheFirstTurn(server);
    assert.equal(r.content, fresh.content);
    assert.equal(r.timings.prompt_n, fresh.timings.prompt_n);
    assert.doesNotMatch(server.log(), /(created|restored) context checkpoint/);
    assert.match(server.log(), /computing the prompt from the start: the cache no longer holds the \d+-token prefix/);
  });

  test('-ctxcp 2 keeps two per slot: A + B\'s push out A\'s, and the way back is computed from the start', async () => {
    const server = await pool.start(['-ctxcp', '2'], { model: MODEL });
    const [, , r] = await backToTheFirstTurn(server);
    assert.equal(r.content, fresh.content);
    assert.equal(r.timings.prompt_n, fresh.timings.prompt_n);
    const log = server.log();
    assert.equal(log.split('\n').filter((l) => l.includes('erasing context checkpoint to make room')).length, 2, log);
    // (The recurrent model restored one for A + B itself: its state could not be cut at A's end.)
    const restores = log.split('\n').filter((l) => l.includes('restored context checkpoint')).length;
    assert.equal(restores, name === 'tiny-mamba.gguf' ? 1 : 0, log);
  });

  test('a prefix the window still holds is reused as it is', { skip: name !== 'tiny-swa.gguf' && 'no window' }, async () => {
    const server = await pool.start([], { model: MODEL });
    await complete(server, greedy(`${A} ${B}`, 8));
    const again = await complete(server, greedy(`${A} ${B} ${C}`, N));
    const from = await complete(server, greedy(`${A} ${B} ${C}`, N, { cache_prompt: false }));
    assert.equal(again.content, from.content);
    assert.ok(again.timings.prompt_n <= 30, `prompt_n ${again.timings.prompt_n}`);
  });

  test('llama-server computes the same answer with a checkpoint restored', { skip: !llamaServerPath() && 'llama-server is not installed' }, async () => {
    const server = await startLlamaServer(MODEL, ARGS);
    try {
      const [, , r] = await backToTheFirstTurn(server);
      const [, , ours] = await backToTheFirstTurn(await pool.start([], { model: MODEL }));
      assert.equal(ours.content, r.content);
      assert.equal(r.content, fresh.content);
      assert.ok(ours.timings.prompt_n <= r.timings.prompt_n, `cria ${ours.timings.prompt_n}, llama-server ${r.timings.prompt_n}`);
      assert.ok(r.timings.prompt_n < fresh.timings.prompt_n, 'llama-server restored no checkpoint');
    } finally {
      await server.stop();
    }
  });
});
}
