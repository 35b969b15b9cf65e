// Backend sampling (-bs, a request's backend_sampling): the sampler chain runs inside the compute
// graph where libllama can run it, and on the CPU where it cannot, and nothing a client sees
// changes. Here the "backend" is the CPU backend (there is no GPU), which runs the same graph code
// a GPU would. Each case compares a -bs server with a plain one on the same requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { criaPool, runCria, MODELS, TINY_MODEL } from './lib/cria.mjs';
import { THREADS, greedy, complete } from './lib/generation-helpers.mjs';

const PROMPTS = ['The quick brown fox', 'Once upon a time, in a land far away,', 'def fibonacci(n):'];
const pool = criaPool([...THREADS, '-c', '1024']);
let plain;      // samples on the CPU
let backend;    // -bs, two slots
let drafting;   // -bs with a draft model (draft requests sample on the CPU, the draft model's argmax on its backend)

before(async () => {
  [plain, backend, drafting] = await Promise.all([
    pool.start(['-np', '2']),
    pool.start(['-np', '2', '-bs', '-v']),  // -v: the log says which requests sample on the backend
    pool.start(['-np', '1', '-bs', '-v', '-md', path.join(MODELS, 'tiny-draft.gguf')]),
  ]);
});
after(pool.stopAll);

const tokensOf = (r) => r.tokens;

test('-bs is the requests\' default backend_sampling, and a request may turn it off', async () => {
  const on = await complete(backend, greedy(PROMPTS[0], 2));
  assert.equal(on.generation_settings.backend_sampling, true);
  const off = await complete(backend, greedy(PROMPTS[0], 2, { backend_sampling: false }));
  assert.equal(off.generation_settings.backend_sampling, false);
  assert.equal((await complete(plain, greedy(PROMPTS[0], 2))).generation_settings.backend_sampling, false);
  const printed = JSON.parse((await runCria(['-m', TINY_MODEL, '--print-options', '-bs'])).stdout);
  assert.equal(printed.options['--backend-sampling'], 'enabled');
  assert.deepEqual(printed.notices, []);
});

const onBackend = (server) => server.log().split('\n').filter((l) => l.includes('sampler chain runs on the backend')).length;

test('requests sample on the backend unless they have a grammar, n_probs or turn it off', async () => {
  const before = onBackend(backend);
  await complete(backend, greedy(PROMPTS[0], 2));
  await complete(backend, { prompt: PROMPTS[0], n_predict: 2, seed: 3 });
  assert.equal(onBackend(backend), before + 2);
  await complete(backend, greedy(PROMPTS[0], 2, { grammar: 'root ::= [a-z]+' }));
  await complete(backend, greedy(PROMPTS[0], 2, { backend_sampling: false }));
  assert.equal(onBackend(backend), before + 2);
  assert.equal(onBackend(plain), 0);
});

test('greedy output is the same with and without -bs, alone and side by side', async () => {
  for (const prompt of PROMPTS) {
    const body = greedy(prompt, 24, { cache_prompt: false, return_tokens: true });
    const [a, b] = await Promise.all([complete(plain, body), complete(backend, body)]);
    assert.deepEqual(tokensOf(b), tokensOf(a), prompt);
    assert.equal(b.content, a.content);
  }
  // Two at once on the -bs server: one chain attached to the context, the other (a grammar's) not.
  const grammar = 'root ::= [a-z ]+';
  const [together, alone] = await Promise.all([
    Promise.all([complete(backend, greedy(PROMPTS[1], 16, { return_tokens: true })),
      complete(backend, greedy(PROMPTS[2], 16, { grammar }))]),
    Promise.all([complete(plain, greedy(PROMPTS[1], 16, { return_tokens: true })),
      complete(plain, greedy(PROMPTS[2], 16, { grammar }))]),
  ]);
  assert.deepEqual(tokensOf(together[0]), tokensOf(alone[0]));
  assert.equal(together[1].content, alone[1].content);
});

test('under -bs a grammar and logit_bias are still honoured', async () => {
  const constrained = await complete(backend, greedy(PROMPTS[0], 16, { grammar: 'root ::= [0-9]+' }));
  assert.match(constrained.content, /^[0-9]+$/);
  const first = (await complete(backend, greedy(PROMPTS[0], 1, { return_tokens: true }))).tokens[0];
  const banned = greedy(PROMPTS[0], 8, { return_tokens: true, logit_bias: [[first, false]] });
  const [b, a] = await Promise.all([complete(backend, banned), complete(plain, banned)]);
  assert.notEqual(b.tokens[0], first);
  assert.deepEqual(b.tokens, a.tokens);
});

test('seeded sampling is reproducible under -bs, and the same as on the CPU', async () => {
  // The default chain runs on the backend whole (top-k, top-p, min-p, temperature, the draw);
  // with typical_p and DRY only its start does, and the CPU finishes it over what came back.
  const bodies = [
    { prompt: PROMPTS[1], n_predict: 24, seed: 1234, temperature: 1.2, return_tokens: true, cache_prompt: false },
    { prompt: PROMPTS[2], n_predict: 24, seed: 99, temperature: 1.5, top_k: 0, typical_p: 0.9, dry_multiplier: 0.5,
      repeat_penalty: 1.3, return_tokens: true, cache_prompt: false },
  ];
  for (const body of bodies) {
    const once = await complete(backend, body);
    const again = await complete(backend, body);
    assert.deepEqual(again.tokens, once.tokens);
    assert.deepEqual(once.tokens, (await complete(plain, body)).tokens, JSON.stringify(body));
  }
});

test('n_probs under -bs: sampled on the CPU, the same probabilities', async () => {
  // Greedy: the whole vocabulary's; sampling: those top-k, top-p and min-p leave (2 or 3 here).
  for (const extra of [{}, { temperature: 0.8, seed: 7, top_k: 5 }]) {
    const body = greedy(PROMPTS[0], 4, { n_probs: 3, cache_prompt: false, ...extra });
    const before = onBackend(backend);
    const [b, a] = await Promise.all([complete(backend, body), complete(plain, body)]);
    assert.equal(onBackend(backend), before);
    assert.equal(b.completion_probabilities.length, 4);
    assert.deepEqual(b.completion_probabilities, a.completion_probabilities);
    if (!extra.temperature) b.completion_probabilities.forEach((step) => assert.equal(step.top_logprobs.length, 3));
  }
});

test('-bs with a draft model: drafting requests and plain ones give the plain greedy output', async () => {
  for (const extra of [{}, { 'speculative.n_max': 0 }, { 'speculative.p_min': 0 }]) {
    const body = greedy(PROMPTS[1], 32, { cache_prompt: false, return_tokens: true, ...extra });
    const before = onBackend(drafting);
    const [d, a] = await Promise.all([complete(drafting, body), complete(plain, body)]);
    // Only the request that never drafts samples on the backend.
    assert.equal(onBackend(drafting) - before, extra['speculative.n_max'] === 0 ? 1 : 0);
    assert.deepEqual(d.tokens, a.tokens, JSON.stringify(extra));
    if (extra['speculative.p_min'] === 0) assert.ok(d.timings.draft_n > 0, JSON.stringify(d.timings));
  }
  // --spec-draft-backend-sampling is on by default: the draft model's argmax is taken in its graph.
  assert.match(drafting.log(), /draft model: the argmax runs on the backend for 1 of 1 sequences/);
});
