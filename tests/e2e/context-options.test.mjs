// Context options passed to libllama (RoPE, KV cache types) and the server-wide request defaults
// (--keep, --no-cache-prompt, --no-context-shift, --no-warmup): each reaches what it claims to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, SMALL_MODEL } from './lib/cria.mjs';
import { THREADS, greedy, complete } from './lib/generation-helpers.mjs';

const PROMPT = 'The old lighthouse keeper climbed the stairs every evening and watched';

async function greedyWith(args, body = greedy(PROMPT, 12), options = {}) {
  const cria = await startCria(['-np', '1', ...THREADS, ...args], options);
  try {
    return { result: await complete(cria, body), props: (await cria.get('/props')).body, log: cria.log() };
  } finally {
    await cria.stop();
  }
}

test('RoPE options reach libllama: a different base frequency changes the output, scale 1 does not', async () => {
  const plain = await greedyWith([]);
  const base = await greedyWith(['--rope-freq-base', '50']);
  assert.notDeepEqual(base.result.tokens, plain.result.tokens, 'a base frequency of 50 should change the output');
  assert.equal(base.props.runtime.rope_freq_base, 50);
  // The generated models use no RoPE scaling, so a factor of 1 (either spelling) is the identity.
  const scaled = await greedyWith(['--rope-scale', '1', '--rope-scaling', 'linear']);
  assert.deepEqual(scaled.result.tokens, plain.result.tokens);
  assert.equal(scaled.props.runtime.rope_freq_scale, 1);
  assert.equal(scaled.props.runtime.rope_scaling, 'linear');
  const stretched = await greedyWith(['--rope-scale', '4', '--rope-scaling', 'linear']);
  assert.notDeepEqual(stretched.result.tokens, plain.result.tokens, '--rope-scale 4 should change the output');
  assert.equal(stretched.props.runtime.rope_freq_scale, 0.25);
});

test('-ctk/-ctv: the KV cache really holds q8_0, and generation works', async () => {
  // The small model's heads (64 wide) fit q8_0's 32-value blocks; the tiny model's do not.
  const q8 = await greedyWith(['-ctk', 'q8_0', '-ctv', 'q8_0', '-v'], greedy(PROMPT, 8), { model: SMALL_MODEL });
  assert.equal(q8.result.tokens_predicted, 8);
  assert.equal(q8.props.runtime.cache_type_k, 'q8_0');
  assert.equal(q8.props.runtime.cache_type_v, 'q8_0');
  assert.match(q8.log, /K \(q8_0\)/, 'libllama should report a q8_0 K cache');
  const f16 = await greedyWith(['-v'], greedy(PROMPT, 8), { model: SMALL_MODEL });
  assert.match(f16.log, /K \(f16\)/);
  assert.equal(f16.props.runtime.kv_offload, true);
  assert.equal(f16.props.runtime.swa_full, false);
});

test('--no-context-shift: a full slot stops instead of shifting', async () => {
  const body = greedy(PROMPT, 200, { ignore_eos: true });
  const shifting = await greedyWith(['-c', '64'], body);
  assert.equal(shifting.result.tokens_predicted, 200);
  assert.equal(shifting.result.truncated, true);
  const stopping = await greedyWith(['-c', '64', '--no-context-shift'], body);
  assert.ok(stopping.result.tokens_predicted < 64, `generated ${stopping.result.tokens_predicted}`);
  assert.equal(stopping.result.tokens_cached, 64);
  assert.equal(stopping.props.runtime.context_shift, false);
  // What it did generate is what the shifting server generated before its first shift.
  assert.deepEqual(stopping.result.tokens, shifting.result.tokens.slice(0, stopping.result.tokens.length));
});

test('--keep and --no-cache-prompt are the defaults of requests that do not say', async () => {
  const cria = await startCria(['-np', '1', ...THREADS, '--keep', '5', '--no-cache-prompt']);
  try {
    const defaults = (await cria.get('/props')).body.default_generation_settings;
    assert.equal(defaults.n_keep, 5);
    assert.equal(defaults.cache_prompt, false);
    const first = await complete(cria, greedy(PROMPT, 4));
    assert.equal(first.generation_settings.n_keep, 5);
    const again = await complete(cria, greedy(PROMPT, 4));
    assert.equal(again.timings.cache_n, 0, 'no-cache-prompt: nothing reused');
    const asked = await complete(cria, greedy(PROMPT, 4, { cache_prompt: true, n_keep: 2 }));
    assert.equal(asked.generation_settings.n_keep, 2);
    const reused = await complete(cria, greedy(PROMPT, 4, { cache_prompt: true }));
    assert.ok(reused.timings.cache_n > 0, 'a request asking for cache_prompt still gets it');
  } finally {
    await cria.stop();
  }
});

test('the start-up warm-up leaves nothing behind: same output with --no-warmup', async () => {
  const warm = await greedyWith([]);
  const cold = await greedyWith(['--no-warmup']);
  assert.deepEqual(warm.result.tokens, cold.result.tokens);
  assert.equal(warm.result.timings.cache_n, 0);
});
