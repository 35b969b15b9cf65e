// End-to-end tests of the sampler chain: top_k, the samplers order, logit_bias (all its forms),
// the penalties, mirostat, the other libllama samplers, seeds, the generation_settings echo and
// the 400s for bad sampling values. tiny.gguf has random weights: greedy output never repeats a
// token on its own, so the penalty/DRY tests make repetition with a large logit_bias first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, assertErrorShape } from './lib/cria.mjs';
import { THREADS, greedy as greedyBody, complete, tokenize } from './lib/generation-helpers.mjs';

const PROMPT = 'The quick brown fox';
const PROMPT2 = 'Once upon a time there was a little girl who lived in a village';
const SEEDS = [1, 2, 3, 4];

let cria;
before(async () => { cria = await startCria(['-np', '2', ...THREADS]); });
after(async () => { if (cria) await cria.stop(); });

const gen = async (body) => (await complete(cria, body)).tokens;
// Prompts are evaluated afresh every time (cache_prompt false), so that comparisons of outputs
// never depend on which slot held which prompt before (batch shapes change the rounding).
const greedy = (prompt, n, extra = {}) => greedyBody(prompt, n, { cache_prompt: false, ...extra });
const sampled = (prompt, n, seed, extra = {}) => ({ prompt, n_predict: n, temperature: 1.0, seed, cache_prompt: false, ...extra });
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

test('top_k 1 at temperature 1 with random seeds equals greedy output', async () => {
  for (const prompt of [PROMPT, PROMPT2]) {
    const reference = await gen(greedy(prompt, 32));
    assert.equal(reference.length, 32);
    for (const seed of [7, 99, 12345]) {
      assert.deepEqual(await gen(sampled(prompt, 32, seed, { top_k: 1 })), reference, `seed ${seed}`);
    }
  }
});

test('temperature 1 without truncation to one token differs from greedy for some seed', async () => {
  // Guards the tests above and below: sampling really is random at temperature 1.
  const reference = await gen(greedy(PROMPT, 32));
  const outs = [];
  for (const seed of SEEDS) outs.push(await gen(sampled(PROMPT, 32, seed)));
  assert.ok(outs.some((o) => !same(o, reference)), 'every seeded sample equals the greedy output');
});

test('samplers order: listed stages apply, unlisted ones do not', async () => {
  const reference = await gen(greedy(PROMPT, 32));
  assert.deepEqual(await gen(greedy(PROMPT, 32, { samplers: ['temperature'] })), reference);
  // top_k listed, temperature absent: top_k 1 still truncates to the argmax.
  for (const seed of [5, 6]) {
    assert.deepEqual(await gen(sampled(PROMPT, 32, seed, { temperature: 1.0, top_k: 1, samplers: ['top_k'] })), reference);
  }
  // top_k 1 set but top_k not listed: nothing truncates, two seeds differ.
  const a = await gen(sampled(PROMPT, 32, 11, { temperature: 1.5, top_k: 1, samplers: [] }));
  const b = await gen(sampled(PROMPT, 32, 12, { temperature: 1.5, top_k: 1, samplers: [] }));
  assert.equal(a.length, 32);
  assert.notDeepEqual(a, b, 'with samplers [] two seeds gave the same output: top_k 1 was applied anyway');
  // The same seed with samplers [] is still deterministic.
  assert.deepEqual(await gen(sampled(PROMPT, 32, 11, { temperature: 1.5, top_k: 1, samplers: [] })), a);
  // Aliases: "temp" and "typical" are accepted and reported under their canonical names.
  const res = await complete(cria, greedy(PROMPT, 4, { samplers: ['temp', 'typical', 'tfs_z', 'top_k'] }));
  assert.deepEqual(res.generation_settings.samplers, ['temperature', 'typical_p', 'tfs_z', 'top_k']);
});

test('logit_bias false bans a token', async () => {
  const reference = await gen(greedy(PROMPT, 16));
  const T = reference[0];
  const banned = await gen(greedy(PROMPT, 16, { logit_bias: [[T, false]] }));
  assert.notEqual(banned[0], T, 'the banned greedy first token was still generated first');
  assert.ok(!banned.includes(T));
  for (const seed of [1, 2, 3]) {
    const res = await complete(cria, sampled(PROMPT, 48, seed, { logit_bias: [[T, false]], top_k: 0, top_p: 1, min_p: 0 }));
    assert.equal(res.tokens.length, 48);
    assert.ok(!res.tokens.includes(T), `seed ${seed}: banned token ${T} was generated`);
    assert.deepEqual(res.generation_settings.logit_bias, [[T, false]]);
  }
  // The object form with false bans it too.
  const obj = await gen(greedy(PROMPT, 16, { logit_bias: { [String(T)]: false } }));
  assert.deepEqual(obj, banned);
});

test('logit_bias: a large positive bias forces a token (array, object and string forms)', async () => {
  const reference = await gen(greedy(PROMPT, 24));
  const X = reference[5] === reference[0] ? reference[6] : reference[5];
  assert.notEqual(X, reference[0]);
  const forced = await complete(cria, greedy(PROMPT, 24, { logit_bias: [[X, 100]] }));
  assert.deepEqual(forced.tokens, new Array(24).fill(X));
  assert.deepEqual(forced.generation_settings.logit_bias, [[X, 100]]);
  const viaObject = await gen(greedy(PROMPT, 24, { logit_bias: { [String(X)]: 100 } }));
  assert.deepEqual(viaObject, new Array(24).fill(X));
  // Sampled, too: the bias dominates at temperature 1.
  assert.deepEqual(await gen(sampled(PROMPT, 24, 3, { logit_bias: [[X, 100]] })), new Array(24).fill(X));

  // String form: the text is tokenized (no BOS) and each of its tokens is biased.
  for (const word of ['water', 'house']) {
    const ids = await tokenize(cria, word, false);
    assert.equal(ids.length, 1, `"${word}" should be one token: ${ids}`);
    const res = await complete(cria, greedy(PROMPT, 12, { logit_bias: [[word, 100]] }));
    assert.deepEqual(res.tokens, new Array(12).fill(ids[0]));
    assert.equal(res.content.trim().split(/\s+/).join(' '), new Array(12).fill(word).join(' '));
    assert.deepEqual(res.generation_settings.logit_bias, [[ids[0], 100]]);
    const viaObject = await gen(greedy(PROMPT, 12, { logit_bias: { [word]: 100 } }));
    assert.deepEqual(viaObject, new Array(12).fill(ids[0]));
  }
});

test('logit_bias naming a token outside the vocabulary is a 400', async () => {
  for (const logit_bias of [[[1000000, 1]], [[-1, 1]], { 1000000: 1 }]) {
    assertErrorShape(assert, await cria.post('/completion', greedy(PROMPT, 4, { logit_bias })), 400, 'logit_bias');
  }
  for (const logit_bias of [[[1, true]], [[1]], [[1, 'x']], 'abc', [[1.5, 1]], { 5: true }]) {
    assertErrorShape(assert, await cria.post('/completion', greedy(PROMPT, 4, { logit_bias })), 400, 'logit_bias');
  }
});

test('repeat, presence and frequency penalties stop a forced token from repeating', async () => {
  const reference = await gen(greedy(PROMPT, 32));
  const X = reference[3];
  const bias = { logit_bias: [[X, 100]] };
  const countX = (tokens) => tokens.filter((t) => t === X).length;
  assert.equal(countX(await gen(greedy(PROMPT, 32, bias))), 32);
  for (const extra of [{ repeat_penalty: 1000 }, { presence_penalty: 100 }, { frequency_penalty: 100 }]) {
    const res = await complete(cria, greedy(PROMPT, 32, { ...bias, ...extra, repeat_last_n: 64 }));
    assert.equal(res.tokens.length, 32);
    assert.equal(res.tokens[0], X, JSON.stringify(extra));
    assert.ok(countX(res.tokens) <= 4, `${JSON.stringify(extra)}: ${X} still repeated ${countX(res.tokens)} times`);
    const [key] = Object.keys(extra);
    assert.equal(res.generation_settings[key], extra[key]);
  }
  // repeat_last_n 0 turns the penalties off.
  assert.equal(countX(await gen(greedy(PROMPT, 32, { ...bias, presence_penalty: 100, repeat_last_n: 0 }))), 32);
});

test('negative presence penalty and repeat_penalty < 1 make the output repeat the prompt', async () => {
  const promptIds = new Set(await tokenize(cria, PROMPT, true));
  const reference = await gen(greedy(PROMPT, 16));
  assert.ok(reference.some((t) => !promptIds.has(t)), 'greedy output is already made of prompt tokens');
  for (const extra of [{ presence_penalty: -50 }, { frequency_penalty: -50 }]) {
    const tokens = await gen(greedy(PROMPT, 16, extra));
    assert.equal(tokens.length, 16);
    assert.ok(tokens.every((t) => promptIds.has(t)), `${JSON.stringify(extra)}: ${tokens} not all from the prompt ${[...promptIds]}`);
  }
  const encouraged = await gen(greedy(PROMPT, 32, { repeat_penalty: 0.01 }));
  assert.notDeepEqual(encouraged, await gen(greedy(PROMPT, 32)));
  assert.ok(new Set(encouraged).size < 32, 'repeat_penalty 0.01 produced no repeated token');
});

test('DRY breaks a forced repetition', async () => {
  const reference = await gen(greedy(PROMPT, 32));
  const X = reference[2];
  const bias = { logit_bias: [[X, 100]] };
  const res = await complete(cria, greedy(PROMPT, 32, { ...bias, dry_multiplier: 1, dry_allowed_length: 2 }));
  assert.equal(res.tokens.length, 32);
  assert.ok(res.tokens.some((t) => t !== X), 'dry_multiplier 1 did not break the forced repetition');
  assert.equal(res.generation_settings.dry_multiplier, 1);
  // Without "dry" in samplers it does nothing.
  const unlisted = await gen(greedy(PROMPT, 32, { ...bias, dry_multiplier: 1, samplers: ['top_k'] }));
  assert.deepEqual(unlisted, new Array(32).fill(X));
});

test('mirostat 2: seeded, repeatable, and different from mirostat 0', async () => {
  const runs = [];
  let differsFromPlain = false;
  for (const seed of SEEDS) {
    const body = sampled(PROMPT, 32, seed, { mirostat: 2, mirostat_tau: 3, mirostat_eta: 0.1 });
    const res = await complete(cria, body);
    assert.equal(res.tokens.length, 32);
    assert.equal(res.generation_settings.mirostat, 2);
    assert.equal(res.generation_settings.mirostat_tau, 3);
    assert.deepEqual(await gen(body), res.tokens, `seed ${seed} not repeatable`);
    runs.push(res.tokens);
    if (!same(res.tokens, await gen(sampled(PROMPT, 32, seed)))) differsFromPlain = true;
  }
  assert.ok(new Set(runs.map((r) => JSON.stringify(r))).size > 1, 'mirostat 2 gave one output for every seed');
  assert.ok(differsFromPlain, 'mirostat 2 output equals mirostat 0 for every seed');
  for (const seed of [1, 2]) {
    const res = await complete(cria, sampled(PROMPT, 24, seed, { mirostat: 1, mirostat_tau: 3 }));
    assert.equal(res.tokens.length, 24);
    assert.equal(res.generation_settings.mirostat, 1);
    assert.deepEqual(await gen(sampled(PROMPT, 24, seed, { mirostat: 1, mirostat_tau: 3 })), res.tokens);
  }
});

test('typical_p, xtc, top_n_sigma, dynatemp change sampled output and are echoed', async () => {
  const cases = [
    { typical_p: 0.2 },
    { xtc_probability: 1, xtc_threshold: 0.05 },
    // 0.5 sigma still keeps the few tokens temperature 1 picks on this model; 0.1 cuts deeper.
    { top_n_sigma: 0.1 },
    { dynatemp_range: 0.5 },
  ];
  // No other truncation, so that each sampler's own effect shows (with the default top_k 40,
  // top_p 0.95 and min_p 0.05 in the chain, top_n_sigma 0.5 can cut nothing more on this model).
  const open = { top_k: 0, top_p: 1, min_p: 0 };
  const plain = {};
  for (const seed of SEEDS) plain[seed] = await gen(sampled(PROMPT2, 32, seed, open));
  for (const extra of cases) {
    let differs = false;
    for (const seed of SEEDS) {
      const res = await complete(cria, sampled(PROMPT2, 32, seed, { ...open, ...extra }));
      assert.equal(res.tokens.length, 32);
      // Reported as the float the server keeps (0.2 comes back as float32 0.2 widened to double).
      for (const [k, v] of Object.entries(extra)) assert.equal(res.generation_settings[k], Math.fround(v), k);
      if (!same(res.tokens, plain[seed])) differs = true;
    }
    assert.ok(differs, `${JSON.stringify(extra)} changed no seed's output`);
  }
});

test('top_n_sigma tiny keeps only the argmax (equals greedy)', async () => {
  const reference = await gen(greedy(PROMPT2, 24));
  for (const seed of [1, 2]) {
    assert.deepEqual(await gen(sampled(PROMPT2, 24, seed, { top_n_sigma: 0.0001, top_k: 0, top_p: 1, min_p: 0 })), reference);
  }
});

test('the same seed with the full chain is deterministic', async () => {
  const body = sampled(PROMPT2, 48, 123, {
    temperature: 0.9, top_k: 50, top_p: 0.9, min_p: 0.02, typical_p: 0.95, repeat_penalty: 1.1,
    presence_penalty: 0.3, frequency_penalty: 0.2, dry_multiplier: 0.8, xtc_probability: 0.3, xtc_threshold: 0.1,
    dynatemp_range: 0.3,
  });
  const first = await gen(body);
  assert.equal(first.length, 48);
  assert.deepEqual(await gen(body), first);
  assert.deepEqual(await gen(body), first);
});

test('generation_settings echoes the sampling fields as sent', async () => {
  const res = await complete(cria, greedy(PROMPT, 4, {
    samplers: ['min_p', 'top_k', 'temperature'], logit_bias: [[5, -2.5], [7, false]], presence_penalty: 0.5,
    frequency_penalty: 0.25, repeat_penalty: 1.5, repeat_last_n: 16, mirostat: 0, mirostat_tau: 4, mirostat_eta: 0.25,
    seed: 42, top_k: 12, min_keep: 2, dry_base: 2, dry_allowed_length: 3, dry_penalty_last_n: 32,
    dry_sequence_breakers: ['x', 'yz'], dynatemp_exponent: 2,
  }));
  const g = res.generation_settings;
  assert.deepEqual(g.samplers, ['min_p', 'top_k', 'temperature']);
  assert.deepEqual(g.logit_bias, [[5, -2.5], [7, false]]);
  assert.equal(g.presence_penalty, 0.5);
  assert.equal(g.frequency_penalty, 0.25);
  assert.equal(g.repeat_penalty, 1.5);
  assert.equal(g.repeat_last_n, 16);
  assert.equal(g.mirostat, 0);
  assert.equal(g.mirostat_tau, 4);
  assert.equal(g.mirostat_eta, 0.25);
  assert.equal(g.seed, 42);
  assert.equal(g.top_k, 12);
  assert.equal(g.min_keep, 2);
  assert.equal(g.dry_base, 2);
  assert.equal(g.dry_allowed_length, 3);
  assert.equal(g.dry_penalty_last_n, 32);
  assert.deepEqual(g.dry_sequence_breakers, ['x', 'yz']);
  assert.equal(g.dynatemp_exponent, 2);
  // The defaults are reported when nothing is sent, and /props agrees.
  const plain = (await complete(cria, greedy(PROMPT, 2))).generation_settings;
  const props = (await cria.get('/props')).body.default_generation_settings;
  assert.deepEqual(plain.samplers, props.samplers);
  assert.deepEqual(plain.logit_bias, []);
  assert.equal(plain.mirostat, 0);
});

test('bad sampling values are 400s naming the field', async () => {
  const cases = [
    [{ mirostat: 3 }, 'mirostat'],
    [{ mirostat: -1 }, 'mirostat'],
    [{ typical_p: 2 }, 'typical_p'],
    [{ xtc_probability: 1.5 }, 'xtc_probability'],
    [{ xtc_threshold: -0.1 }, 'xtc_threshold'],
    [{ top_p: 1.1 }, 'top_p'],
    [{ min_p: -0.5 }, 'min_p'],
    [{ top_k: -2 }, 'top_k'],
    [{ dry_base: 0.5 }, 'dry_base'],
    [{ repeat_penalty: 0 }, 'repeat_penalty'],
    [{ presence_penalty: 1000 }, 'presence_penalty'],
    [{ samplers: ['bogus'] }, 'samplers'],
    [{ samplers: 'top_k' }, 'samplers'],
    [{ samplers: [1] }, 'samplers'],
    [{ dry_sequence_breakers: [''] }, 'dry_sequence_breakers'],
    [{ logit_bias: [[1, true]] }, 'logit_bias'],
  ];
  for (const [extra, field] of cases) {
    const res = await cria.post('/completion', greedy(PROMPT, 4, extra));
    assertErrorShape(assert, res, 400, field);
  }
  // The server still serves normally afterwards.
  assert.equal((await gen(greedy(PROMPT, 4))).length, 4);
});

test('tfs_z below 1 cuts the tail: a tiny z equals greedy, and some seeds differ from z = 1', async () => {
  const loose = { top_k: 0, top_p: 1, min_p: 0, temperature: 1.2 };
  for (const seed of [1, 2]) {
    assert.deepEqual(await gen(sampled(PROMPT, 24, seed, { ...loose, tfs_z: 0.0001 })), await gen(greedy(PROMPT, 24)));
  }
  let differs = 0;
  for (const seed of [1, 2, 3, 4]) {
    const off = await gen(sampled(PROMPT, 24, seed, loose));
    const on = await gen(sampled(PROMPT, 24, seed, { ...loose, tfs_z: 0.5 }));
    if (JSON.stringify(off) !== JSON.stringify(on)) differs++;
  }
  assert.ok(differs > 0, 'tfs_z 0.5 never changed the output: it is ignored');
  const res = await complete(cria, greedy(PROMPT, 2, { tfs_z: 0.5 }));
  assert.equal(res.generation_settings.tfs_z, 0.5);
});

test('penalize_nl false exempts newline tokens from the penalties', async () => {
  const pieces = (await cria.post('/tokenize', { content: '\n', with_pieces: true })).body.tokens;
  const NL = pieces.find((p) => p.piece === '\n').id;
  // Force newlines with a bias, then penalize repeats hard: with penalize_nl the newline is
  // pushed out after its first use; without it, the newline keeps winning.
  const body = (extra) => greedy(PROMPT, 16, { logit_bias: [[NL, 100]], repeat_penalty: 1000, repeat_last_n: 64, ...extra });
  const penalized = await gen(body({ penalize_nl: true }));
  const exempt = await gen(body({ penalize_nl: false }));
  assert.ok(exempt.every((t) => t === NL), `penalize_nl false: ${exempt}`);
  assert.ok(penalized.filter((t) => t === NL).length <= 2, `penalize_nl true: ${penalized}`);
});

test('penalty_prompt replaces the prompt for the penalties', async () => {
  // A huge negative presence penalty makes the model repeat tokens it has seen: the prompt's, or
  // the penalty_prompt's when one is given.
  const seen = (await cria.post('/tokenize', { content: 'water house', add_special: false })).body.tokens;
  const res = await complete(cria, greedy(PROMPT, 12, { presence_penalty: -50, penalty_prompt: 'water house' }));
  assert.ok(res.tokens.every((t) => seen.includes(t)), `tokens ${res.tokens} not all from the penalty prompt ${seen}`);
  assert.deepEqual(res.generation_settings.penalty_prompt_tokens, seen);
  assert.equal(res.generation_settings.use_penalty_prompt_tokens, true);
  const ids = await complete(cria, greedy(PROMPT, 12, { presence_penalty: -50, penalty_prompt: seen }));
  assert.deepEqual(ids.tokens, res.tokens);
  const bad = await cria.post('/completion', greedy(PROMPT, 2, { penalty_prompt: [99999999] }));
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.param, 'penalty_prompt');
});
