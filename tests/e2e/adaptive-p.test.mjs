// End-to-end tests of the adaptive-p sampler (--adaptive-target, --adaptive-decay; the request's
// adaptive_target, adaptive_decay and "adaptive_p" in `samplers`).
//
// As in llama-server 0.7 (checked against it): adaptive-p draws the token only when the sampler
// order names it (wherever it is named, it comes last, in place of the plain random draw); a
// target alone changes nothing. A negative target makes it a plain draw from the same seed, so the
// output is the one without it. It favours the tokens whose probability is near the target and
// steers the moving average of the chosen tokens' probabilities toward it: target 1 picks likelier
// tokens than plain sampling, a low target unlikelier ones (measured by teacher forcing).
//
// The runs use temperature 3 with no truncation: tiny.gguf's distribution at temperature 1 is so
// peaked that plain sampling nearly always picks the top token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, assertErrorShape } from './lib/cria.mjs';
import { THREADS, complete, tokenize } from './lib/generation-helpers.mjs';

const PROMPT = 'Once upon a time there was a little girl';
const SEEDS = [1, 2, 3, 4, 5, 6];
const N = 32;
const WIDE = { temperature: 3, top_k: 0, top_p: 1, min_p: 0, samplers: ['temperature'] };

let cria;
let promptTokens;
before(async () => {
  cria = await startCria(['-np', '1', '--adaptive-target', '0.25', '--adaptive-decay', '0.5', ...THREADS]);
  promptTokens = await tokenize(cria, PROMPT, true);
});
after(async () => { if (cria) await cria.stop(); });

const run = async (extra) => complete(cria, {
  prompt: promptTokens, n_predict: N, cache_prompt: false, ignore_eos: true, ...extra,
});
const tokens = async (extra) => (await run(extra)).tokens;

test('the settings are the server\'s defaults, echoed per request and in /props', async () => {
  const props = (await cria.get('/props')).body.default_generation_settings;
  const settings = props.params ?? props;
  assert.equal(settings.adaptive_target, 0.25);
  assert.equal(settings.adaptive_decay, 0.5);
  assert.ok(!settings.samplers.includes('adaptive_p'), 'adaptive_p is not in the default order');
  const res = await run({ n_predict: 1, adaptive_target: 0.75, adaptive_decay: 0.25, samplers: ['min_p', 'adaptive-p'] });
  assert.equal(res.generation_settings.adaptive_target, 0.75);
  assert.equal(res.generation_settings.adaptive_decay, 0.25);
  assert.deepEqual(res.generation_settings.samplers, ['min_p', 'adaptive_p']);
});

test('bounds: a target above 1 reads as 1, a decay outside 0..0.99 is a 400', async () => {
  assert.equal((await run({ n_predict: 1, adaptive_target: 2 })).generation_settings.adaptive_target, 1);
  assert.equal((await run({ n_predict: 1, adaptive_target: -5 })).generation_settings.adaptive_target, -5);
  for (const adaptive_decay of [-0.1, 0.995, 2]) {
    assertErrorShape(assert, await cria.post('/completion', { prompt: 'x', n_predict: 1, adaptive_decay }), 400,
      'adaptive_decay');
  }
  assertErrorShape(assert, await cria.post('/completion', { prompt: 'x', n_predict: 1, adaptive_target: 'high' }), 400,
    'adaptive_target');
});

test('a negative target, or a target without adaptive_p in the order, leaves the output unchanged', async () => {
  for (const seed of SEEDS) {
    const plain = await tokens({ ...WIDE, seed });
    assert.equal(plain.length, N);
    const off = await tokens({ ...WIDE, seed, samplers: ['temperature', 'adaptive_p'], adaptive_target: -1 });
    assert.deepEqual(off, plain, `seed ${seed}: a negative target is a plain draw`);
    const unnamed = await tokens({ ...WIDE, seed, adaptive_target: 0.1 });
    assert.deepEqual(unnamed, plain, `seed ${seed}: a target alone changes nothing`);
  }
});

// Each token's probability under the plain temperature-3 distribution, by teacher forcing.
async function probabilities(generated) {
  const out = [];
  for (let i = 0; i < generated.length; i++) {
    const res = await complete(cria, {
      prompt: [...promptTokens, ...generated.slice(0, i)], n_predict: 1, ...WIDE, n_probs: 1000,
      cache_prompt: true, ignore_eos: true, seed: 1,
    });
    const probs = res.completion_probabilities[0].probs;
    const hit = probs.find((p) => p.id === generated[i]);
    out.push(hit ? hit.prob : 0);  // not among the 1000 likeliest: about 0
  }
  return out;
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('a low target picks less likely tokens than plain sampling, target 1 likelier ones', async () => {
  const plain = [];
  const low = [];
  const high = [];
  const adaptive = (seed, adaptive_target) => tokens({
    ...WIDE, seed, samplers: ['temperature', 'adaptive_p'], adaptive_target, adaptive_decay: 0.5,
  });
  for (const seed of SEEDS) {
    plain.push(mean(await probabilities(await tokens({ ...WIDE, seed }))));
    low.push(mean(await probabilities(await adaptive(seed, 0.1))));
    high.push(mean(await probabilities(await adaptive(seed, 1))));
  }
  const fmt = (xs) => xs.map((x) => x.toFixed(3)).join(', ');
  const figures = `mean chosen probability: target 0.1 [${fmt(low)}], plain [${fmt(plain)}], target 1 [${fmt(high)}]`;
  // Over all seeds together: one seed's 32 tokens can land either way of plain sampling for
  // target 1 (the float rounding of another CPU changes the draws), six seeds' do not.
  assert.ok(mean(low) < mean(plain) / 2, figures);
  assert.ok(mean(high) > mean(plain) * 1.25, figures);
  for (let i = 0; i < SEEDS.length; i++) assert.ok(low[i] < plain[i], `seed ${SEEDS[i]}: ${figures}`);
  console.log(figures);
});
