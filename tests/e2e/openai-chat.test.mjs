// /v1/chat/completions through the official `openai` npm client; /apply-template.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startCria, assertErrorShape } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

let cria;
let client;
before(async () => {
  cria = await startCria(['-np', '4', '--alias', 'cria-chat', ...THREADS]);
  client = new OpenAI({ baseURL: `${cria.base}/v1`, apiKey: 'sk-no-key-required', maxRetries: 0, timeout: 30000 });
});
after(async () => { await cria?.stop(); });

const conversation = [
  { role: 'system', content: 'You are brief.' },
  { role: 'user', content: 'The quick brown fox' },
];

test('/apply-template renders the model\'s ChatML template with the generation prompt', async () => {
  const res = await cria.post('/apply-template', { messages: conversation });
  assert.equal(res.body.prompt,
    '<|im_start|>system\nYou are brief.<|im_end|>\n<|im_start|>user\nThe quick brown fox<|im_end|>\n<|im_start|>assistant\n');
});

test('chat.completions.create: the answer is the greedy continuation of the rendered conversation', async () => {
  const chat = await client.chat.completions.create({ model: 'cria-chat', messages: conversation, max_tokens: 10, temperature: 0 });
  assert.equal(chat.object, 'chat.completion');
  assert.match(chat.id, /^chatcmpl-/);
  assert.equal(chat.model, 'cria-chat');
  assert.equal(chat.choices[0].message.role, 'assistant');
  assert.equal(chat.choices[0].finish_reason, 'length');
  assert.equal(chat.usage.completion_tokens, 10);
  const { prompt } = (await cria.post('/apply-template', { messages: conversation })).body;
  const native = await cria.post('/completion', { prompt, n_predict: 10, temperature: 0 });
  assert.equal(chat.usage.prompt_tokens, native.body.tokens_evaluated);
  assert.equal(chat.choices[0].message.content, native.body.content);
});

test('content parts are joined, and max_completion_tokens works like max_tokens', async () => {
  const parts = [{ role: 'user', content: [{ type: 'text', text: 'The quick ' }, { type: 'text', text: 'brown fox' }] }];
  const a = await client.chat.completions.create({ model: 'x', messages: parts, max_completion_tokens: 6, temperature: 0 });
  const b = await client.chat.completions.create({
    model: 'x', messages: [{ role: 'user', content: 'The quick brown fox' }], max_tokens: 6, temperature: 0,
  });
  assert.equal(a.choices[0].message.content, b.choices[0].message.content);
  assert.equal(a.usage.completion_tokens, 6);
});

test('streaming: role first, content deltas that add up to the whole answer, finish_reason, usage, [DONE]', async () => {
  const whole = await client.chat.completions.create({ model: 'x', messages: conversation, max_tokens: 12, temperature: 0 });
  const stream = await client.chat.completions.create({
    model: 'x', messages: conversation, max_tokens: 12, temperature: 0, stream: true, stream_options: { include_usage: true },
  });
  let text = '';
  let role = null;
  let finish = null;
  let usage = null;
  for await (const chunk of stream) {
    assert.equal(chunk.object, 'chat.completion.chunk');
    for (const c of chunk.choices) {
      if (c.delta.role) role = c.delta.role;
      if (c.delta.content) text += c.delta.content;
      if (c.finish_reason) finish = c.finish_reason;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(role, 'assistant');
  assert.equal(text, whole.choices[0].message.content);
  assert.equal(finish, 'length');
  assert.equal(usage.completion_tokens, 12);
});

test('n: 2 gives two choices, which differ for a seeded sampled request', async () => {
  const chat = await client.chat.completions.create({
    model: 'x', messages: conversation, max_tokens: 16, n: 2, temperature: 1.5, seed: 7, top_k: 0, top_p: 1, min_p: 0,
  });
  assert.deepEqual(chat.choices.map((c) => c.index), [0, 1]);
  assert.notEqual(chat.choices[0].message.content, chat.choices[1].message.content);
});

test('response_format json_schema: the answer parses and follows the schema', async () => {
  const schema = { type: 'object', properties: { answer: { type: 'boolean' }, count: { type: 'integer', minimum: 0, maximum: 9 } },
    required: ['answer', 'count'], additionalProperties: false };
  for (const seed of [1, 2, 3]) {
    const chat = await client.chat.completions.create({
      model: 'x', messages: conversation, temperature: 1, seed, max_tokens: 200,
      response_format: { type: 'json_schema', json_schema: { name: 'reply', schema, strict: true } },
    });
    const value = JSON.parse(chat.choices[0].message.content);
    assert.deepEqual(Object.keys(value), ['answer', 'count']);
    assert.equal(typeof value.answer, 'boolean');
    assert.ok(Number.isInteger(value.count) && value.count >= 0 && value.count <= 9);
  }
  const object = await client.chat.completions.create({
    model: 'x', messages: conversation, temperature: 1, seed: 4, max_tokens: 200, response_format: { type: 'json_object' },
  });
  const parsed = JSON.parse(object.choices[0].message.content);
  assert.ok(parsed && typeof parsed === 'object' && !Array.isArray(parsed));
});

test('logprobs with top_logprobs', async () => {
  const chat = await client.chat.completions.create({
    model: 'x', messages: conversation, max_tokens: 4, temperature: 0, logprobs: true, top_logprobs: 2,
  });
  const content = chat.choices[0].logprobs.content;
  assert.equal(content.length, 4);
  assert.equal(content.map((t) => t.token).join(''), chat.choices[0].message.content);
  for (const t of content) {
    assert.ok(t.logprob <= 0);
    assert.equal(t.top_logprobs.length, 2);
    assert.equal(Buffer.from(t.bytes).toString('utf8'), t.token);
  }
});

test('bad requests: 400 in the OpenAI shape naming the field, and the server goes on', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'x', messages: [] }),
    (e) => e.status === 400 && e.error?.param === 'messages');
  for (const [body, field] of [
    [{}, 'messages'],
    [{ messages: 'hi' }, 'messages'],
    [{ messages: [{ role: 'wizard', content: 'hi' }] }, 'messages'],
    [{ messages: [{ content: 'hi' }] }, 'messages'],
    [{ messages: [{ role: 'user', content: 5 }] }, 'messages'],
    [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }, 'messages[0].content[0].image_url'],
    [{ messages: [{ role: 'user', content: [{ type: 'audio', audio: 'x' }] }] }, 'messages'],
    [{ messages: conversation, response_format: { type: 'yaml' } }, 'response_format'],
    [{ messages: conversation, response_format: { type: 'json_schema' } }, 'response_format'],
    [{ messages: conversation, response_format: { type: 'json_schema', json_schema: { schema: { type: 'string', not: {} } } } }, 'response_format'],
    [{ messages: conversation, max_tokens: -1 }, 'max_tokens'],
    [{ messages: conversation, n: 0 }, 'n'],
    [{ messages: conversation, top_logprobs: 2 }, 'top_logprobs'],
    [{ messages: conversation, temperature: 'hot' }, 'temperature'],
    [{ messages: conversation, tools: [{ type: 'function', function: {} }] }, 'tools'],
    [{ messages: conversation, tools: 'f' }, 'tools'],
    [{ messages: conversation, tool_choice: 'sometimes' }, 'tool_choice'],
    [{ messages: conversation, tool_choice: { type: 'function', function: { name: 'f' } } }, 'tool_choice'],
  ]) {
    assertErrorShape(assert, await cria.post('/v1/chat/completions', body), 400, field);
  }
  const ok = await client.chat.completions.create({ model: 'x', messages: conversation, max_tokens: 2 });
  assert.equal(ok.choices.length, 1);
});
