// What the speculative-decoding tests (speculative, ngram-speculative, mtp-speculative,
// eagle3-speculative, dflash-speculative) compare.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, TINY_MODEL } from './cria.mjs';
import { THREADS, greedy, complete } from './generation-helpers.mjs';
import { llamaServerPath, startLlamaServer } from './llama-server.mjs';

// The parts of a /completion response that speculative decoding must not change.
export function outcome(r) {
  return {
    content: r.content, tokens: r.tokens, stop_type: r.stop_type, stopping_word: r.stopping_word,
    tokens_cached: r.tokens_cached, tokens_predicted: r.tokens_predicted, truncated: r.truncated,
    cache_n: r.timings.cache_n, prompt_n: r.timings.prompt_n,
  };
}

// Draft tokens proposed, and accepted, over some responses (their timings).
export const drafted = (responses) => responses.reduce((n, r) => n + (r.timings.draft_n ?? 0), 0);
export const accepted = (responses) => responses.reduce((n, r) => n + (r.timings.draft_n_accepted ?? 0), 0);

// One llamacpp:NAME value of the server's /metrics (--metrics).
export async function metric(server, name) {
  const text = await (await fetch(server.url('/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`llamacpp:${name} `));
  assert.ok(line, `no ${name} in /metrics:\n${text}`);
  return Number(line.split(' ')[1]);
}

// Starts llama-server and cria on `model` with the drafting `args` and the same draft limits
// (default: llama-server 0.7's, 3 tokens and no minimum probability) and checks that for each of
// `cases` ({prompt, reference}) both give the reference tokens and the same text, and draft and
// accept as many tokens. Skips `t` when llama-server is not installed.
export async function assertLlamaServerDrafts(t, model, args, cases, nPredict, { nMax = '3', pMin = '0' } = {}) {
  if (!llamaServerPath()) return t.skip('llama-server is not installed');
  const oracle = await startLlamaServer(model, ['-t', '1', '-np', '1', ...args, '--spec-draft-n-max', nMax,
    '--spec-draft-p-min', pMin]);
  const cria = await startCria(['-np', '1', ...THREADS, ...args, '--draft-max', nMax, '--draft-p-min', pMin], { model });
  try {
    for (const { prompt, reference } of cases) {
      const body = greedy(prompt, nPredict, { cache_prompt: false });
      const want = (await oracle.post('/completion', body)).body;
      const r = await complete(cria, body);
      assert.deepEqual(r.tokens, reference.tokens);
      assert.equal(r.content, want.content);
      assert.ok(want.timings.draft_n_accepted > 0, 'llama-server accepted no draft: the test proves nothing');
      assert.deepEqual([r.timings.draft_n, r.timings.draft_n_accepted], [want.timings.draft_n, want.timings.draft_n_accepted],
        `${args.join(' ')} n_max ${nMax} p_min ${pMin}, "${prompt}": drafted and accepted`);
    }
  } finally {
    await cria.stop();
    await oracle.stop();
  }
}

// Sends each of `cases` ({prompt, reference}) greedily to `cria` (which drafts) and to `plain`
// (which does not), asserts that cria's tokens are the reference's and its outcome plain
// decoding's, and that drafts were both accepted and rejected; returns cria's responses.
export async function assertDraftedLikePlain(cria, plain, cases, nPredict) {
  const responses = [];
  for (const { prompt, reference } of cases) {
    const body = greedy(prompt, nPredict, { cache_prompt: false });
    const r = await complete(cria, body);
    assert.deepEqual(r.tokens, reference.tokens, `"${prompt}" differs from reference-decode`);
    assert.deepEqual(outcome(r), outcome(await complete(plain, body)), `"${prompt}" differs from plain decoding`);
    responses.push(r);
  }
  const n = drafted(responses);
  const ok = accepted(responses);
  assert.ok(n > 0, 'nothing was drafted');
  assert.ok(ok > 0, 'no draft token was accepted');
  assert.ok(ok < n, 'every draft token was accepted: the rejection path went untested');
  return responses;
}

// A first request on slot 0, then a follow-up that extends it (reusing slot 0's cache): both give
// plain decoding's tokens, and the follow-up drafts.
export async function assertFollowUpLikePlain(cria, plain, prompt) {
  const first = greedy(prompt, 24, { id_slot: 0 });
  const a = await complete(cria, first);
  assert.deepEqual(a.tokens, (await complete(plain, first)).tokens);
  const follow = greedy(prompt + a.content + ' and', 24, { id_slot: 0 });
  const b = await complete(cria, follow);
  assert.ok(b.timings.cache_n > 0, 'the follow-up reused nothing: the test proves nothing');
  assert.deepEqual(b.tokens, (await complete(plain, follow)).tokens);
  assert.ok((b.timings.draft_n ?? 0) > 0, 'the follow-up did not draft');
}

// Inside a describe(): the tests that a drafting server (`servers().cria`) gives plain decoding's
// (`servers().plain`) output for `servers().cases[0]` cut short by n_predict, on a follow-up that
// reuses its cache, and when sampling with a seed.
export function plainOutputTests(servers) {
  test('n_predict limits and a follow-up on the reused cache give plain decoding\'s output', async () => {
    const { cria, plain, cases } = servers();
    const { prompt, reference } = cases[0];
    for (const n of [1, 2, 5, 17]) {
      const r = await complete(cria, greedy(prompt, n, { cache_prompt: false }));
      assert.deepEqual(r.tokens, reference.tokens.slice(0, n), `n_predict ${n}`);
    }
    await assertFollowUpLikePlain(cria, plain, prompt);
  });

  test('sampling with a seed gives what plain decoding gives with that seed', async () => {
    const { cria, plain, cases } = servers();
    for (const seed of [42, 7]) {
      const body = { prompt: cases[0].prompt, n_predict: 48, temperature: 0.8, seed, cache_prompt: false };
      assert.deepEqual(outcome(await complete(cria, body)), outcome(await complete(plain, body)), `seed ${seed}`);
    }
  });
}

// A describe() of `name`: with a 64-token context, a generation that outgrows it shifts it under
// drafting `args` as plain decoding does (`prompt()`: the prompt, known once the file's before()
// ran), the drafts still running and no drafting decode failing.
export function contextShiftTests(name, args, prompt, model = TINY_MODEL) {
  describe(`${name} through context shifts`, () => {
    let shifting;
    let cria;
    before(async () => {
      shifting = await startCria(['-c', '64', '-np', '1', ...THREADS], { model });
      cria = await startCria(['-c', '64', '-np', '1', ...THREADS, ...args, '--draft-p-min', '0'], { model });
    });
    after(async () => { await cria?.stop(); await shifting?.stop(); });

    test('a generation that outgrows the context shifts it as plain decoding does', async () => {
      const body = { prompt: prompt(), n_predict: 150, temperature: 0, cache_prompt: false };
      const want = await complete(shifting, body);
      assert.equal(want.truncated, true, 'the context never shifted: the test proves nothing');
      const r = await complete(cria, body);
      assert.deepEqual(outcome(r), outcome(want));
      assert.ok(r.timings.draft_n_accepted > 0, 'no draft was accepted');
      assert.doesNotMatch(cria.log(), /decode of the draft(ing layers| model) failed/);
    });
  });
}
