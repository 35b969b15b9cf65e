// n_probs: each generated token's probability and the most likely candidates, after sampling.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

let cria;
before(async () => { cria = await startCria(['-np', '2', ...THREADS]); });
after(async () => { await cria?.stop(); });

function assertWellFormed(entries, tokens, nProbs) {
  assert.equal(entries.length, tokens.length);
  entries.forEach((e, i) => {
    assert.equal(e.id, tokens[i], `entry ${i} is not the sampled token`);
    assert.equal(typeof e.content, 'string');
    assert.ok(e.prob > 0 && e.prob <= 1, `entry ${i}: prob ${e.prob}`);
    assert.ok(e.probs.length >= 1 && e.probs.length <= nProbs);
    for (let k = 0; k < e.probs.length; k++) {
      const c = e.probs[k];
      assert.ok(c.prob >= 0 && c.prob <= 1);
      assert.equal(typeof c.tok_str, 'string');
      if (k > 0) assert.ok(e.probs[k - 1].prob >= c.prob, `entry ${i}: candidates not sorted`);
    }
    // The sampled token is among the candidates with the same probability, unless it ranks lower.
    const self = e.probs.find((c) => c.id === e.id);
    if (self) assert.equal(self.prob, e.prob);
    else assert.ok(e.prob <= e.probs[e.probs.length - 1].prob);
    const sum = e.probs.reduce((s, c) => s + c.prob, 0);
    assert.ok(sum <= 1 + 1e-5, `entry ${i}: probabilities sum to ${sum}`);
  });
}

test('n_probs gives one entry per token, sorted candidates in [0, 1], the sampled token first when greedy', async () => {
  const res = await cria.post('/completion', { prompt: 'The quick brown fox', n_predict: 16, temperature: 0, n_probs: 5 });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assertWellFormed(res.body.completion_probabilities, res.body.tokens, 5);
  for (const e of res.body.completion_probabilities) assert.equal(e.probs[0].id, e.id, 'greedy picks the most likely');
  assert.equal(res.body.generation_settings.n_probs, 5);
});

test('with sampling, the probabilities are those after the chain: top_k 3 leaves 3 candidates that sum to 1', async () => {
  const res = await cria.post('/completion', {
    prompt: 'The quick brown fox', n_predict: 16, temperature: 1, top_k: 3, top_p: 1, min_p: 0, seed: 9, n_probs: 10,
  });
  assertWellFormed(res.body.completion_probabilities, res.body.tokens, 10);
  for (const e of res.body.completion_probabilities) {
    assert.equal(e.probs.length, 3);
    const sum = e.probs.reduce((s, c) => s + c.prob, 0);
    assert.ok(Math.abs(sum - 1) < 1e-4, `sum ${sum}`);
  }
});

test('streaming carries each token\'s probabilities in its own event, and the tokens match a plain request', async () => {
  const body = { prompt: 'look at the water', n_predict: 12, temperature: 0.9, seed: 4, n_probs: 4 };
  const plain = await cria.post('/completion', body);
  const { events } = await cria.stream('/completion', body);
  const tokenEvents = events.filter((e) => !e.stop);
  assert.equal(tokenEvents.length, plain.body.tokens.length);
  tokenEvents.forEach((e, i) => {
    assert.equal(e.completion_probabilities.length, 1);
    assert.deepEqual(e.completion_probabilities[0], plain.body.completion_probabilities[i]);
  });
});

test('asking for probabilities does not change what is sampled', async () => {
  const body = { prompt: 'people know what they like', n_predict: 24, temperature: 1, seed: 77 };
  const without = await cria.post('/completion', body);
  const withProbs = await cria.post('/completion', { ...body, n_probs: 3 });
  assert.deepEqual(withProbs.body.tokens, without.body.tokens);
  assert.equal(without.body.completion_probabilities, undefined);
});

test('each entry also carries llama-server\'s shape: token, bytes, logprob and top_logprobs beside the seed\'s', async () => {
  const res = await cria.post('/completion', { prompt: 'The quick brown fox', n_predict: 6, temperature: 0, n_probs: 3 });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  for (const e of res.body.completion_probabilities) {
    assert.equal(e.token, e.content);
    assert.equal(Buffer.from(e.bytes).toString('latin1'), Buffer.from(e.token, 'utf8').toString('latin1'));
    assert.ok(Math.abs(e.logprob - Math.log(e.prob)) < 1e-4, `${e.logprob} vs log(${e.prob})`);
    assert.equal(e.top_logprobs.length, e.probs.length);
    e.top_logprobs.forEach((c, k) => {
      assert.equal(c.id, e.probs[k].id);
      assert.equal(c.token, e.probs[k].tok_str);
      assert.ok(Array.isArray(c.bytes));
      assert.ok(Math.abs(c.logprob - Math.log(Math.max(e.probs[k].prob, 1.1754943508222875e-38))) < 1e-4);
    });
    assert.equal(e.top_probs, undefined);
  }
});

test('post_sampling_probs: true switches to prob and top_probs; the seed\'s fields stay', async () => {
  const res = await cria.post('/completion',
    { prompt: 'The quick brown fox', n_predict: 4, temperature: 0, n_probs: 2, post_sampling_probs: true });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  for (const e of res.body.completion_probabilities) {
    assert.equal(e.logprob, undefined);
    assert.equal(e.top_logprobs, undefined);
    assert.deepEqual(e.top_probs.map((c) => [c.id, c.prob]), e.probs.map((c) => [c.id, c.prob]));
    assert.ok(typeof e.content === 'string' && Array.isArray(e.probs));
  }
  assert.equal(res.body.generation_settings.post_sampling_probs, true);
});
