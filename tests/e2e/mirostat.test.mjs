// End-to-end test that Mirostat steers the surprise of sampled tokens toward tau.
//
// libllama's Mirostat (v1 and v2, both after the temperature stage) truncates the tempered
// distribution, renormalizes what is left, samples, and feeds back the sampled token's surprise
// s = -log2 p under that truncated, renormalized distribution: mu -= eta * (s - tau). n_probs
// reports probabilities after the sampler chain, so the mirostat request's own
// completion_probabilities give exactly that fed-back surprise; its mean should sit near tau.
// Teacher forcing (each prefix sent again with no truncation, n_probs 1000) gives each sampled
// token's surprise under the full tempered distribution, which is never below the fed-back one
// (truncation only raises kept probabilities) and must still order tau 2 < tau 6 < plain sampling.
//
// tiny.gguf's distribution at temperature 1 is so peaked (plain sampling averages ~0.7 bits) that
// no tau of 2 or more can be reached there, so the runs use temperature 5 (plain: ~8.3 bits).
// Measured over seeds 1-3 (mean over the last 48 of 64 tokens):
//   fed-back surprise: mirostat 2 tau 2: 1.93-2.01; tau 6: 6.03-6.53; mirostat 1 tau 4: 3.94-4.27
//   full-distribution surprise: tau 2: 4.36-4.60; tau 6: 6.61-7.05; mirostat 1 tau 4: 5.41-5.64;
//   plain sampling: 8.18-8.49
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria } from './lib/cria.mjs';
import { THREADS, complete, tokenize } from './lib/generation-helpers.mjs';

const PROMPT = 'Once upon a time there was a little girl';
const SEEDS = [1, 2, 3];
const TEMPERATURE = 5;
const N = 64;
const SETTLED = 16; // tokens left out of the means while mu settles
const BAND = 1.0; // |mean fed-back surprise - tau| must stay below this (measured at most 0.53)

let cria;
let promptTokens;
before(async () => {
  cria = await startCria(['-np', '1', ...THREADS]);
  promptTokens = await tokenize(cria, PROMPT, true);
  assert.ok(promptTokens.length > 1, 'the prompt did not tokenize');
});
after(async () => { if (cria) await cria.stop(); });

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const settled = (xs) => mean(xs.slice(SETTLED));

// Generates N tokens with `extra` sampling settings; returns { tokens, fedBack } where fedBack[i]
// is -log2 of token i's probability after the sampler chain (what Mirostat feeds back).
async function generate(seed, extra) {
  const res = await complete(cria, {
    prompt: promptTokens, n_predict: N, temperature: TEMPERATURE, seed, cache_prompt: false, n_probs: 1000, ...extra,
  });
  assert.equal(res.tokens.length, N, `generated ${res.tokens.length} tokens, not ${N}`);
  assert.equal(res.completion_probabilities.length, N);
  const fedBack = res.completion_probabilities.map((step, i) => {
    const hit = step.probs.find((p) => p.id === res.tokens[i]);
    // After Mirostat's truncation far fewer than 1000 tokens remain, so the sampled one is listed.
    return hit ? -Math.log2(hit.prob) : NaN;
  });
  return { tokens: res.tokens, fedBack };
}

// Each token's surprise under the full (untruncated) tempered distribution, by teacher forcing.
async function fullSurprise(tokens) {
  const out = [];
  for (let i = 0; i < tokens.length; i++) {
    const res = await complete(cria, {
      prompt: [...promptTokens, ...tokens.slice(0, i)], n_predict: 1, temperature: TEMPERATURE,
      top_k: 0, top_p: 1, min_p: 0, n_probs: 1000, cache_prompt: true,
      // Only the distribution matters here; a sampled end-of-stream token would end the request
      // before any probabilities were reported (and the seed keeps reruns identical).
      ignore_eos: true, seed: 1,
    });
    const probs = res.completion_probabilities[0].probs;
    assert.ok(probs.length > 0);
    const hit = probs.find((p) => p.id === tokens[i]);
    // Not among the 1000 likeliest: the smallest listed probability bounds it from above.
    out.push(-Math.log2(hit ? hit.prob : probs[probs.length - 1].prob));
  }
  return out;
}

const fmt = (x) => x.toFixed(2);

test('mirostat keeps the surprise of sampled tokens near tau', async () => {
  const report = [];
  for (const seed of SEEDS) {
    const runs = {
      tau2: await generate(seed, { mirostat: 2, mirostat_tau: 2, mirostat_eta: 0.1 }),
      tau6: await generate(seed, { mirostat: 2, mirostat_tau: 6, mirostat_eta: 0.1 }),
      v1tau4: await generate(seed, { mirostat: 1, mirostat_tau: 4, mirostat_eta: 0.1 }),
      plain: await generate(seed, { mirostat: 0, top_k: 0, top_p: 1, min_p: 0 }),
    };
    const full = {};
    for (const [name, run] of Object.entries(runs)) full[name] = await fullSurprise(run.tokens);
    const line = Object.keys(runs).map((k) => (k === 'plain' ? `plain full ${fmt(settled(full[k]))}`
      : `${k} fed-back ${fmt(settled(runs[k].fedBack))} full ${fmt(settled(full[k]))}`));
    report.push(`seed ${seed}: ${line.join('; ')}`);
    const where = `seed ${seed}: ${line.join('; ')}`;

    // The fed-back surprise (what Mirostat steers) sits near tau.
    for (const [name, tau] of [['tau2', 2], ['tau6', 6], ['v1tau4', 4]]) {
      assert.ok(runs[name].fedBack.every(Number.isFinite), `${name}: a sampled token was not among its own n_probs (${where})`);
      const m = settled(runs[name].fedBack);
      assert.ok(Math.abs(m - tau) < BAND, `${name}: mean fed-back surprise ${fmt(m)} is not within ${BAND} of ${tau} (${where})`);
    }
    // Truncation only raises the kept tokens' probabilities: under the full distribution each
    // sampled token is at least as surprising as Mirostat saw it (small slack for float rounding
    // between the two requests' batch shapes).
    for (const name of ['tau2', 'tau6', 'v1tau4']) {
      runs[name].fedBack.forEach((s, i) => {
        assert.ok(full[name][i] >= s - 0.05, `${name} token ${i}: full surprise ${full[name][i]} below fed-back ${s} (${where})`);
      });
    }
    // Under the full distribution too, a lower tau gives clearly less surprising tokens, and
    // plain sampling is clearly more surprising than tau 2.
    const [f2, f6, fPlain] = [settled(full.tau2), settled(full.tau6), settled(full.plain)];
    assert.ok(f6 - f2 > 1, `full surprise tau 6 (${fmt(f6)}) is not > 1 bit above tau 2 (${fmt(f2)}) (${where})`);
    assert.ok(fPlain - f2 > 1.5, `plain sampling (${fmt(fPlain)}) is not > 1.5 bits above tau 2 (${fmt(f2)}) (${where})`);
    assert.ok(fPlain > f6, `plain sampling (${fmt(fPlain)}) is not above tau 6 (${fmt(f6)}) (${where})`);
  }
  for (const line of report) console.log(line);
});
