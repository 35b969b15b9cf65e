// Anthropic's Messages API (/v1/messages, /v1/messages/count_tokens) through Anthropic's official
// SDK (@anthropic-ai/sdk) and raw HTTP: whole and streamed answers, a tools round trip, token
// counts, stop sequences, max_tokens, errors in Anthropic's shape, and the x-api-key header.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import path from 'node:path';
import OpenAI from 'openai';
import { startCria, MODELS } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';
import { pngFile } from './lib/image-files.mjs';

let cria;
let client;
before(async () => {
  cria = await startCria(['-np', '2', '-c', '4096', '--alias', 'cria-tiny', ...THREADS]);
  client = new Anthropic({ baseURL: cria.base, apiKey: 'x', maxRetries: 0, timeout: 60000 });
});
after(async () => { await cria?.stop(); });

const system = 'You are brief.';
const messages = [{ role: 'user', content: 'The quick brown fox' }];
const openaiConversation = [{ role: 'system', content: system }, ...messages];

const tools = [
  { name: 'get_weather', description: 'Weather in a city',
    input_schema: { type: 'object', properties: { city: { type: 'string', maxLength: 12 } }, required: ['city'], additionalProperties: false } },
  { name: 'add', description: 'Adds two integers',
    input_schema: { type: 'object', properties: { a: { type: 'integer', minimum: 0, maximum: 99 }, b: { type: 'integer', minimum: 0, maximum: 99 } },
      required: ['a', 'b'], additionalProperties: false } },
];

// The greedy continuation of the conversation as /completion gives it for the rendered prompt.
async function greedyText(nPredict, extra = {}) {
  const { prompt } = (await cria.post('/apply-template', { messages: openaiConversation })).body;
  const res = await cria.post('/completion', { prompt, n_predict: nPredict, temperature: 0, ...extra });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.content;
}

function textOf(message) {
  return message.content.filter((b) => b.type === 'text').map((b) => b.text).join('');
}

// A raw POST whose error body must have Anthropic's shape and name `field`.
async function assertAnthropicError(path, body, status, field, headers = {}) {
  const res = await cria.post(path, body, headers);
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.type, 'error', JSON.stringify(res.body));
  assert.equal(typeof res.body.error.type, 'string');
  assert.equal(typeof res.body.error.message, 'string');
  assert.equal(res.body.error.code, undefined, 'not the OpenAI shape');
  if (field) assert.ok(res.body.error.message.includes(field), `message should name '${field}': ${res.body.error.message}`);
  return res.body.error;
}

test('messages.create: a whole message whose text is the greedy continuation of the rendered conversation', async () => {
  const message = await client.messages.create({ model: 'cria-tiny', max_tokens: 10, temperature: 0, system, messages });
  assert.match(message.id, /^msg_/);
  assert.equal(message.type, 'message');
  assert.equal(message.role, 'assistant');
  assert.equal(message.model, 'cria-tiny');
  assert.equal(message.content.length, 1);
  assert.equal(message.content[0].type, 'text');
  assert.equal(message.content[0].text, await greedyText(10));
  // The tiny model never samples end-of-generation: the answer ends at max_tokens.
  assert.equal(message.stop_reason, 'max_tokens');
  assert.equal(message.stop_sequence, null);
  assert.equal(message.usage.output_tokens, 10);
  const counted = await client.messages.countTokens({ model: 'cria-tiny', system, messages });
  assert.equal(message.usage.input_tokens, counted.input_tokens);
});

test('a prefilled answer (a last assistant message) is continued; the text is only what the model adds', async () => {
  const prefilled = [...messages, { role: 'assistant', content: 'The answer is' }];
  const message = await client.messages.create({ model: 'cria-tiny', max_tokens: 6, temperature: 0, system, messages: prefilled });
  const { prompt } = (await cria.post('/apply-template', { messages: [{ role: 'system', content: system }, ...prefilled] })).body;
  assert.ok(prompt.endsWith('The answer is'), `the prompt ends with the prefill: ${JSON.stringify(prompt)}`);
  const plain = await cria.post('/completion', { prompt, n_predict: 6, temperature: 0 });
  assert.equal(textOf(message), plain.body.content);
  assert.equal(message.usage.input_tokens, plain.body.tokens_evaluated);
});

test('count_tokens equals /tokenize of the prompt /apply-template renders (tools included)', async () => {
  const { prompt } = (await cria.post('/apply-template', { messages: openaiConversation })).body;
  const tokens = (await cria.post('/tokenize', { content: prompt, add_special: true, parse_special: true })).body.tokens;
  const counted = await client.messages.countTokens({ model: 'cria-tiny', system, messages });
  assert.equal(counted.input_tokens, tokens.length);
  assert.ok(counted.input_tokens > 5);
  // Tools are part of the prompt when the template shows them: never fewer tokens.
  const withTools = await client.messages.countTokens({ model: 'cria-tiny', system, messages, tools });
  assert.ok(withTools.input_tokens >= counted.input_tokens);
});

test('messages.stream: the full event sequence, and finalMessage() equals the whole answer', async () => {
  const stream = client.messages.stream({ model: 'cria-tiny', max_tokens: 12, temperature: 0, system, messages });
  const types = [];
  let deltas = '';
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === 'content_block_delta') {
      assert.equal(event.delta.type, 'text_delta');
      deltas += event.delta.text;
    }
  }
  const final = await stream.finalMessage();
  assert.equal(types[0], 'message_start');
  assert.equal(types.at(-1), 'message_stop');
  assert.equal(types.at(-2), 'message_delta');
  assert.ok(types.includes('content_block_start') && types.includes('content_block_stop'), types.join(','));
  assert.equal(types.filter((t) => t === 'content_block_start').length, types.filter((t) => t === 'content_block_stop').length);
  assert.match(final.id, /^msg_/);
  assert.equal(final.stop_reason, 'max_tokens');
  assert.equal(final.usage.output_tokens, 12);
  assert.equal(textOf(final), deltas);
  assert.equal(textOf(final), await greedyText(12));
});

test('the raw stream is Anthropic\'s SSE: event names equal the data types, with a ping', async () => {
  const res = await fetch(cria.url('/v1/messages'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model: 'm', max_tokens: 3, stream: true, messages }),
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/event-stream/);
  const text = await res.text();
  const frames = text.split('\n\n').filter((f) => f.length > 0);
  const names = [];
  for (const frame of frames) {
    const [eventLine, dataLine] = frame.split('\n');
    assert.match(eventLine, /^event: /, frame);
    assert.match(dataLine, /^data: /, frame);
    const name = eventLine.slice(7);
    assert.equal(JSON.parse(dataLine.slice(6)).type, name);
    names.push(name);
  }
  assert.deepEqual(names.slice(0, 3), ['message_start', 'ping', 'content_block_start']);
  assert.deepEqual(names.slice(-3), ['content_block_stop', 'message_delta', 'message_stop']);
});

test('stop_sequences: the answer ends before the stop sequence, and says which one', async () => {
  const full = await greedyText(16);
  const words = full.split(/\s+/).filter((w) => w.length >= 2);
  assert.ok(words.length >= 3, `too few words in ${JSON.stringify(full)}`);
  const stop = words[2];
  const cut = full.indexOf(stop);
  const message = await client.messages.create({
    model: 'cria-tiny', max_tokens: 16, temperature: 0, system, messages, stop_sequences: ['NEVER-SEEN', stop],
  });
  assert.equal(message.stop_reason, 'stop_sequence', JSON.stringify(message));
  assert.equal(message.stop_sequence, stop);
  assert.equal(textOf(message), full.slice(0, cut));
});

function checkInput(block) {
  if (block.name === 'get_weather') {
    assert.deepEqual(Object.keys(block.input), ['city']);
    assert.ok(typeof block.input.city === 'string' && [...block.input.city].length <= 12);
  } else {
    assert.equal(block.name, 'add');
    assert.ok(Number.isInteger(block.input.a) && Number.isInteger(block.input.b));
  }
}

test('tools round trip: a forced tool_use whose input matches input_schema, then its tool_result', async () => {
  const ask = [{ role: 'user', content: 'What is 2 plus 3?' }];
  const message = await client.messages.create({
    model: 'cria-tiny', max_tokens: 200, temperature: 1, messages: ask, tools, tool_choice: { type: 'tool', name: 'add' },
  });
  assert.equal(message.stop_reason, 'tool_use', JSON.stringify(message));
  const calls = message.content.filter((b) => b.type === 'tool_use');
  assert.equal(calls.length, 1, JSON.stringify(message.content));
  assert.match(calls[0].id, /^toolu_/);
  assert.equal(calls[0].name, 'add');
  checkInput(calls[0]);

  const followUp = await client.messages.create({
    model: 'cria-tiny', max_tokens: 8, temperature: 0, tools,
    messages: [...ask, { role: 'assistant', content: message.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: calls[0].id, content: String(calls[0].input.a + calls[0].input.b) }] }],
  });
  assert.equal(followUp.role, 'assistant');
  assert.ok(['end_turn', 'max_tokens', 'tool_use'].includes(followUp.stop_reason), followUp.stop_reason);
  assert.equal(followUp.usage.output_tokens > 0, true);
});

test('tool_choice any, streamed: input_json_delta events assemble the tool_use input', async () => {
  for (const temperature of [0.5, 1]) {
    const stream = client.messages.stream({
      model: 'cria-tiny', max_tokens: 200, temperature, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools,
      tool_choice: { type: 'any', disable_parallel_tool_use: true },
    });
    let partial = '';
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') partial += event.delta.partial_json;
    }
    const final = await stream.finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    const calls = final.content.filter((b) => b.type === 'tool_use');
    assert.equal(calls.length, 1);
    checkInput(calls[0]);
    assert.deepEqual(JSON.parse(partial), calls[0].input);
  }
});

test('errors: the SDK\'s typed errors, and Anthropic\'s error shape naming the field', async () => {
  const bad = [
    [{ model: 'm', messages }, 'max_tokens'],
    [{ model: 'm', max_tokens: 5, messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role'],
    [{ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'video', url: 'x' }] }] }, 'messages[0].content[0].type'],
    [{ model: 'm', max_tokens: 5, messages, stop_sequences: Array.from({ length: 65 }, (_, i) => `s${i}`) }, 'stop_sequences'],
    [{ model: 'm', max_tokens: 5, messages, tools, tool_choice: { type: 'tool', name: 'nope' } }, 'tool_choice.name'],
  ];
  for (const [body, field] of bad) {
    await assert.rejects(client.messages.create(body), (err) => {
      assert.ok(err instanceof Anthropic.BadRequestError, `${err?.constructor?.name}: ${err}`);
      assert.equal(err.status, 400);
      assert.equal(err.error.type, 'error');
      assert.equal(err.error.error.type, 'invalid_request_error');
      assert.ok(err.error.error.message.includes(field), err.error.error.message);
      return true;
    });
    await assertAnthropicError('/v1/messages', body, 400, field);
  }
  // A prompt longer than a slot's context (4096 / 2): refused before it is queued.
  const long = 'word '.repeat(6000);
  const error = await assertAnthropicError('/v1/messages', { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: long }] }, 400);
  assert.equal(error.type, 'invalid_request_error');
  assert.match(error.message, /context/);
  await assertAnthropicError('/v1/messages', '{"not json', 400);
  await assertAnthropicError('/v1/messages/count_tokens', { model: 'm', messages: 'x' }, 400, 'messages');
  const missing = await assertAnthropicError('/v1/messages/nope', { model: 'm' }, 404);
  assert.equal(missing.type, 'not_found_error');
  // Other routes keep OpenAI's shape.
  const openai = await cria.post('/v1/chat/completions', { messages: [{ role: 'robot', content: 'x' }] });
  assert.equal(openai.status, 400);
  assert.equal(openai.body.error.code, 400);
});

test('--api-key: x-api-key and Authorization: Bearer are accepted; a bad key is a 401 in Anthropic\'s shape', async () => {
  const keyed = await startCria(['--api-key', 'secret-key', ...THREADS]);
  try {
    const good = new Anthropic({ baseURL: keyed.base, apiKey: 'secret-key', maxRetries: 0, timeout: 60000 });
    const message = await good.messages.create({ model: 'm', max_tokens: 2, messages });
    assert.equal(message.type, 'message');
    const bearer = new Anthropic({ baseURL: keyed.base, apiKey: null, authToken: 'secret-key', maxRetries: 0, timeout: 60000 });
    assert.ok((await bearer.messages.countTokens({ model: 'm', messages })).input_tokens > 0);
    const wrong = new Anthropic({ baseURL: keyed.base, apiKey: 'wrong', maxRetries: 0, timeout: 60000 });
    await assert.rejects(wrong.messages.create({ model: 'm', max_tokens: 2, messages }), (err) => {
      assert.ok(err instanceof Anthropic.AuthenticationError, `${err?.constructor?.name}: ${err}`);
      assert.equal(err.status, 401);
      assert.deepEqual(err.error, { type: 'error', error: { type: 'authentication_error', message: 'Invalid API Key' } });
      return true;
    });
    // Beside them, the OpenAI routes answer a bad key in OpenAI's shape.
    const openai = await keyed.post('/v1/chat/completions', { messages }, { 'x-api-key': 'wrong' });
    assert.equal(openai.status, 401);
    assert.equal(openai.body.error.code, 401);
  } finally {
    await keyed.stop();
  }
});

test('image blocks go the way of image_url parts: the same answer, the image\'s positions counted', async () => {
  const vision = await startCria(['--mmproj', path.join(MODELS, 'tiny-mmproj.gguf'), '-np', '1', '-c', '1024', ...THREADS]);
  try {
    const png = pngFile(32, 32, (x, y) => [x * 8, y * 8, 128]);
    const anthropic = new Anthropic({ baseURL: vision.base, apiKey: 'x', maxRetries: 0, timeout: 60000 });
    const openai = new OpenAI({ baseURL: vision.url('/v1'), apiKey: 'x', maxRetries: 0, timeout: 60000 });
    const content = [{ type: 'text', text: 'Describe this: ' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: png.toString('base64') } }];
    const message = await anthropic.messages.create({ model: 'm', max_tokens: 8, temperature: 0, messages: [{ role: 'user', content }] });
    const chat = await openai.chat.completions.create({ model: 'm', max_tokens: 8, temperature: 0, messages: [{ role: 'user', content: [
      { type: 'text', text: 'Describe this: ' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${png.toString('base64')}` } }] }] });
    assert.equal(textOf(message), chat.choices[0].message.content);
    assert.equal(message.usage.input_tokens, chat.usage.prompt_tokens);
    const counted = await anthropic.messages.countTokens({ model: 'm', messages: [{ role: 'user', content }] });
    assert.equal(counted.input_tokens, message.usage.input_tokens);
    const textOnly = await anthropic.messages.countTokens({ model: 'm', messages: [{ role: 'user', content: [content[0]] }] });
    assert.ok(counted.input_tokens >= textOnly.input_tokens + 16, `${counted.input_tokens} vs ${textOnly.input_tokens}`);
    // Bytes that are no image: 400 naming the block's data.
    const bad = await vision.post('/v1/messages', { model: 'm', max_tokens: 2, messages: [{ role: 'user', content: [
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: Buffer.from('not an image').toString('base64') } }] }] });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.type, 'error');
    assert.ok(bad.body.error.message.includes('messages[0].content[0].source.data'), bad.body.error.message);
  } finally {
    await vision.stop();
  }
});

test('under --api-prefix, and for a body over the limit, errors keep Anthropic\'s shape', async () => {
  const prefixed = await startCria(['--api-prefix', '/llm', ...THREADS], { healthPath: '/llm/health' });
  try {
    const res = await prefixed.post('/llm/v1/messages', { model: 'm', messages });
    assert.equal(res.status, 400);
    assert.equal(res.body.type, 'error');
    assert.ok(res.body.error.message.includes('max_tokens'));
    const ok = await prefixed.post('/llm/v1/messages', { model: 'm', max_tokens: 2, messages });
    assert.equal(ok.body.type, 'message');
  } finally {
    await prefixed.stop();
  }
  const huge = JSON.stringify({ model: 'm', max_tokens: 2, messages: [{ role: 'user', content: 'x'.repeat(33 * 1024 * 1024) }] });
  const res = await cria.post('/v1/messages', huge);
  assert.equal(res.status, 413);
  assert.deepEqual(Object.keys(res.body).sort(), ['error', 'type']);
  assert.equal(res.body.error.type, 'request_too_large');
});
