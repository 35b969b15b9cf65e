// OpenAI's legacy completions and model list, through the official `openai` npm client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startCria, assertErrorShape } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

let cria;
let client;
before(async () => {
  cria = await startCria(['-np', '4', '--alias', 'cria-test', ...THREADS]);
  client = new OpenAI({ baseURL: `${cria.base}/v1`, apiKey: 'sk-no-key-required', maxRetries: 0, timeout: 30000 });
});
after(async () => { await cria?.stop(); });

test('models.list shows the loaded model under its alias', async () => {
  const models = [];
  for await (const m of client.models.list()) models.push(m);
  assert.equal(models.length, 1);
  assert.equal(models[0].id, 'cria-test');
  assert.equal(models[0].object, 'model');
});

test('completions.create: text_completion with usage, max_tokens, finish_reason length', async () => {
  const c = await client.completions.create({ model: 'cria-test', prompt: 'The quick brown fox', max_tokens: 8, temperature: 0 });
  assert.equal(c.object, 'text_completion');
  assert.match(c.id, /^cmpl-/);
  assert.equal(c.model, 'cria-test');
  assert.equal(c.choices.length, 1);
  assert.equal(c.choices[0].finish_reason, 'length');
  assert.equal(c.usage.completion_tokens, 8);
  assert.equal(c.usage.total_tokens, c.usage.prompt_tokens + 8);
  // The same text as the native API gives for the same greedy request.
  const native = await cria.post('/completion', { prompt: 'The quick brown fox', n_predict: 8, temperature: 0 });
  assert.equal(c.choices[0].text, native.body.content);
});

test('n choices, several prompts, echo and stop', async () => {
  const c = await client.completions.create({
    model: 'x', prompt: ['The quick brown fox', 'look at the water'], max_tokens: 6, n: 2, temperature: 1.5, seed: 5, echo: true,
  });
  assert.deepEqual(c.choices.map((ch) => ch.index), [0, 1, 2, 3]);
  assert.ok(c.choices[0].text.startsWith('The quick brown fox'));
  assert.ok(c.choices[2].text.startsWith('look at the water'));
  const greedy = await client.completions.create({ model: 'x', prompt: 'people know', max_tokens: 10, temperature: 0 });
  const stop = greedy.choices[0].text.slice(3, 6);
  const stopped = await client.completions.create({ model: 'x', prompt: 'people know', max_tokens: 10, temperature: 0, stop });
  assert.equal(stopped.choices[0].finish_reason, 'stop');
  assert.equal(stopped.choices[0].text, greedy.choices[0].text.slice(0, greedy.choices[0].text.indexOf(stop)));
});

test('streaming: chunks concatenate to the whole text, then usage, and the client ends at [DONE]', async () => {
  const whole = await client.completions.create({ model: 'x', prompt: 'The quick brown fox', max_tokens: 12, temperature: 0 });
  const stream = await client.completions.create({
    model: 'x', prompt: 'The quick brown fox', max_tokens: 12, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  let text = '';
  let finish = null;
  let usage = null;
  for await (const chunk of stream) {
    for (const ch of chunk.choices) {
      text += ch.text;
      if (ch.finish_reason) finish = ch.finish_reason;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, whole.choices[0].text);
  assert.equal(finish, 'length');
  assert.equal(usage.completion_tokens, 12);
});

test('logprobs: one entry per token with the requested alternatives', async () => {
  const c = await client.completions.create({ model: 'x', prompt: 'The quick brown fox', max_tokens: 5, temperature: 0, logprobs: 3 });
  const lp = c.choices[0].logprobs;
  assert.equal(lp.tokens.length, 5);
  assert.equal(lp.tokens.join(''), c.choices[0].text);
  lp.token_logprobs.forEach((v) => assert.ok(v <= 0));
  lp.top_logprobs.forEach((top) => assert.ok(Object.keys(top).length >= 1 && Object.keys(top).length <= 3));
});

test('bad requests are 400s in the OpenAI shape naming the field, raised by the client as BadRequestError', async () => {
  await assert.rejects(client.completions.create({ model: 'x', prompt: 5 }), (e) => e.status === 400 && e.error?.param === 'prompt');
  for (const [body, field] of [[{ prompt: 'x', max_tokens: -1 }, 'max_tokens'], [{ prompt: 'x', n: 0 }, 'n'],
    [{ prompt: 'x', suffix: 'y' }, 'suffix'], [{ prompt: 'x', best_of: 3, n: 1 }, 'best_of'], [{ prompt: [] }, 'prompt'],
    [{ prompt: 'x', logprobs: 50 }, 'logprobs'], [{ prompt: 'x', temperature: 'hot' }, 'temperature']]) {
    assertErrorShape(assert, await cria.post('/v1/completions', body), 400, field);
  }
});
