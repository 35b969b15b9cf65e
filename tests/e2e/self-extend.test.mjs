// Self-extend (--grp-attn-n / --grp-attn-w): a slot runs past the model's training context while
// positions stay inside it. models/tiny-ctx256.gguf is tiny.gguf with a training context of 256
// tokens; slots here hold 1024. With factor 8 and window 64, a full slot reaches position 183.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCria, runCria, freePort, assertErrorShape, MODELS } from './lib/cria.mjs';
import { THREADS, greedy, complete } from './lib/generation-helpers.mjs';

const MODEL = path.join(MODELS, 'tiny-ctx256.gguf');
const SELF_EXTEND = ['--grp-attn-n', '8', '--grp-attn-w', '64'];
const PROMPT = 'Once upon a time there was a king';
const LONG_PROMPT = 'the quick brown fox jumps over the lazy dog and '.repeat(28).trim();
const N = 900;  // well past the 256-token training context
const body = (prompt, n, extra = {}) => greedy(prompt, n, { ignore_eos: true, ...extra });

describe('self-extend', () => {
  let extended;  // -c 1024 with self-extend
  let plain;     // -c 1024 without
  before(async () => {
    extended = await startCria([...THREADS, '-c', '1024', ...SELF_EXTEND], { model: MODEL });
    plain = await startCria([...THREADS, '-c', '1024'], { model: MODEL });
  });
  after(async () => {
    await extended?.stop();
    await plain?.stop();
  });

  test('a slot larger than the training context is accepted, and /props and the log say where positions end', async () => {
    const props = (await extended.get('/props')).body;
    assert.equal(props.n_ctx_slot, 1024);
    assert.equal(props.runtime.n_ctx_train, 256);
    assert.ok(props.n_ctx_slot > props.runtime.n_ctx_train);
    assert.equal(props.runtime.grp_attn_n, 8);
    assert.equal(props.runtime.grp_attn_w, 64);
    assert.equal(props.runtime.max_position, 183);
    assert.match(extended.log(), /self-extend: groups of 8 beyond the last 64 tokens; a full slot of 1024 tokens reaches position 183 \(training context 256\)/);
    // Without self-extend a full slot goes past the training context, and the log warns.
    assert.equal((await plain.get('/props')).body.runtime.max_position, 1023);
    assert.match(plain.log(), /beyond the model's training context of 256 tokens/);
  });

  test('generation goes past the training context to the requested length, without errors', async () => {
    const r = await complete(extended, body(PROMPT, N));
    assert.equal(r.tokens_predicted, N);
    assert.equal(r.stop_type, 'limit');
    assert.equal(r.truncated, false);
    assert.ok(r.tokens_evaluated + N > 256);
    // Streamed, the same tokens arrive one by one.
    const streamed = await extended.stream('/completion', body(PROMPT, N, { stream: true }));
    assert.equal(streamed.status, 200);
    const tokens = streamed.events.flatMap((e) => (e.stop ? [] : e.tokens ?? []));
    assert.deepEqual(tokens, r.tokens);
  });

  test('positions are grouped once the first window is full: same start as without, then other tokens', async () => {
    const a = await complete(extended, body(PROMPT, N));
    const b = await complete(plain, body(PROMPT, N));
    // The first 64 tokens (prompt included) have the same positions either way.
    const ungrouped = 64 - a.tokens_evaluated;
    assert.deepEqual(a.tokens.slice(0, ungrouped), b.tokens.slice(0, ungrouped));
    assert.notDeepEqual(a.tokens, b.tokens, 'grouping positions changed nothing');
  });

  test('a cached prompt is reused (from a window boundary, or exactly) with the same output', async () => {
    const fresh = await complete(extended, body(LONG_PROMPT, 60, { cache_prompt: false }));
    assert.ok(fresh.tokens_evaluated > 256);
    const again = await complete(extended, body(LONG_PROMPT, 60));
    assert.ok(again.timings.cache_n > 0, 'nothing was reused');
    assert.equal(again.timings.cache_n % 64, 0, 'a cut inside a grouped window must go back to its start');
    assert.deepEqual(again.tokens, fresh.tokens);
    // The slot now holds the prompt and one token, the last 26 in the window still filling. A
    // longer prompt that shares all of it is cut there exactly.
    await complete(extended, body(LONG_PROMPT, 1));
    const longer = LONG_PROMPT + ' once upon a time';
    const cached = await complete(extended, body(longer, 60));
    assert.ok(cached.timings.cache_n >= fresh.tokens_evaluated - 1, `only ${cached.timings.cache_n} tokens reused`);
    assert.notEqual(cached.timings.cache_n % 64, 0);
    const uncached = await complete(extended, body(longer, 60, { cache_prompt: false }));
    assert.deepEqual(cached.tokens, uncached.tokens);
  });

  test('the context does not shift: a full slot stops', async () => {
    const small = await startCria([...THREADS, '-c', '128', ...SELF_EXTEND], { model: MODEL });
    try {
      const r = await complete(small, body(PROMPT, 500));
      assert.equal(r.tokens_cached, 128);  // the last token sampled is not in the cache
      assert.equal(r.truncated, true);
      assert.equal(r.stop_type, 'limit');
    } finally {
      await small.stop();
    }
  });
});

test('--grp-attn-n 1 changes nothing', async () => {
  const off = await startCria([...THREADS, '-c', '1024', '--grp-attn-n', '1', '--grp-attn-w', '64'], { model: MODEL });
  const none = await startCria([...THREADS, '-c', '1024'], { model: MODEL });
  try {
    const a = await complete(off, body(PROMPT, N));
    const b = await complete(none, body(PROMPT, N));
    assert.deepEqual(a.tokens, b.tokens);
    assert.equal((await off.get('/props')).body.runtime.max_position, 1023);
  } finally {
    await off.stop();
    await none.stop();
  }
});

test('self-extend options that cannot work stop start-up with a message naming them', async () => {
  const port = String(await freePort());
  const cases = [
    [['--grp-attn-n', '8', '--grp-attn-w', '100'], '--grp-attn-w (100) must be a multiple of --grp-attn-n (8)'],
    [['--grp-attn-n', '4', '--kv-unified'], '--kv-unified'],
    [['--grp-attn-n', '0'], '--grp-attn-n'],
  ];
  for (const [args, message] of cases) {
    const res = await runCria(['-m', MODEL, '--port', port, ...args]);
    assert.equal(res.code, 1, `exit code ${res.code} for ${args.join(' ')}\n${res.stderr}`);
    assert.ok(res.stderr.includes(message), res.stderr);
  }
});

test('a slot file keeps grouped positions: it restores under the same settings, not under others', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cria-self-extend-'));
  const extended = await startCria([...THREADS, '-c', '1024', ...SELF_EXTEND, '--slot-save-path', dir], { model: MODEL });
  const plain = await startCria([...THREADS, '-c', '1024', '--slot-save-path', dir], { model: MODEL });
  try {
    const first = await complete(extended, body(LONG_PROMPT, 40, { id_slot: 0 }));
    assert.equal((await extended.post('/slots/0?action=save', { filename: 'grouped.bin' })).status, 200);
    assert.equal((await extended.post('/slots/0?action=erase', {})).status, 200);
    const restored = await extended.post('/slots/0?action=restore', { filename: 'grouped.bin' });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    const again = await complete(extended, body(LONG_PROMPT, 40, { id_slot: 0 }));
    assert.ok(again.timings.cache_n > 0);
    assert.deepEqual(again.tokens, first.tokens);
    // Without self-extend those positions mean nothing: refused, and the slot stays empty.
    const refused = await plain.post('/slots/0?action=restore', { filename: 'grouped.bin' });
    assertErrorShape(assert, refused, 400);
    assert.match(refused.body.error.message, /self-extend/);
    assert.equal((await plain.get('/slots')).body[0].n_cached, 0);
  } finally {
    await extended.stop();
    await plain.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
