// Hostile bodies on the chat dialects' routes: Anthropic's /v1/messages, OpenAI's /v1/responses
// and Ollama's /api/chat and /api/generate. Each size is bounded when the request is parsed:
// too many messages or input items, too many tools, a huge tool schema, too many content blocks,
// an oversized image, JSON nested too deep, and wrong types in each dialect's main fields are all
// answered with a 4xx in that route's own error shape naming the field, and the server goes on
// serving. The server runs with small limits (options) so that "over" stays cheap; Anthropic's own
// limits are constants (docs/api-anthropic.md), sent at their real size.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, assertErrorShape } from './lib/cria.mjs';
import { assertStillServing } from './lib/misc-helpers.mjs';
import { pngFile } from './lib/image-files.mjs';

const LIMITS = { images: 4, imageBytes: 2048, inputItems: 64, tools: 8, contentParts: 8, grammarBytes: 4096 };

let cria;
before(async () => {
  cria = await startCria(['-c', '512', '-np', '1', '--alias', 'tiny', '-t', '1', '-tb', '1',
    '--max-images', String(LIMITS.images), '--max-image-size', String(LIMITS.imageBytes),
    '--max-input-items', String(LIMITS.inputItems), '--max-tools', String(LIMITS.tools),
    '--max-content-parts', String(LIMITS.contentParts), '--max-grammar-size', String(LIMITS.grammarBytes)]);
});
after(async () => { await cria?.stop(); });

// A PNG of noise (deflate cannot shrink it) well over --max-image-size.
let seed = 12345;
const noise = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed >> 16; };
const bigPng = pngFile(48, 48, () => [noise(), noise(), noise()]).toString('base64');
const hugeSchema = { type: 'object', description: 'd'.repeat(LIMITS.grammarBytes * 4) };
const deepJson = (key) => `{"${key}": ${'['.repeat(200)}${']'.repeat(200)}}`;
const times = (n, f) => Array.from({ length: n }, (_, i) => f(i));

// ---- Anthropic: {"type": "error", "error": {"type", "message"}}, the field named in the message ----

const anthropic = (extra) => ({ model: 'tiny', max_tokens: 4, messages: [{ role: 'user', content: 'Hi' }], ...extra });

function assertAnthropicError(res, field, status = 400) {
  assert.equal(res.status, status, JSON.stringify(res.body).slice(0, 500));
  assert.equal(res.body.type, 'error', JSON.stringify(res.body).slice(0, 500));
  assert.equal(res.body.error.type, 'invalid_request_error');
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.message.includes(field), `should name '${field}': ${res.body.error.message}`);
  assert.equal(res.body.error.param, undefined, 'Anthropic errors have no param');
}

test('Anthropic: too many messages, tools and content blocks are 400s naming the field', async () => {
  const messages = times(100001, () => ({ role: 'user', content: 'x' }));
  assertAnthropicError(await cria.post('/v1/messages', anthropic({ messages })), 'messages');
  const tools = times(1025, (i) => ({ name: `t${i}`, input_schema: { type: 'object' } }));
  assertAnthropicError(await cria.post('/v1/messages', anthropic({ tools })), 'tools');
  const blocks = times(100001, () => ({ type: 'text', text: 'x' }));
  assertAnthropicError(await cria.post('/v1/messages', anthropic({ messages: [{ role: 'user', content: blocks }] })),
    'messages[0].content[100000]');
  await assertStillServing(assert, cria, 'after Anthropic bodies of 100,001 messages / blocks');
});

test('Anthropic: a huge tool schema, an oversized image and too many images are 400s naming the field', async () => {
  const tools = [{ name: 'f', input_schema: hugeSchema }];
  assertAnthropicError(await cria.post('/v1/messages', anthropic({ tools })), 'tools[0].input_schema');
  const image = (data) => ({ type: 'image', source: { type: 'base64', media_type: 'image/png', data } });
  assertAnthropicError(await cria.post('/v1/messages', anthropic({ messages: [{ role: 'user', content: [image(bigPng)] }] })),
    'messages[0].content[0].source.data');
  const many = times(LIMITS.images + 1, () => image('aGk='));
  assertAnthropicError(await cria.post('/v1/messages', anthropic({ messages: [{ role: 'user', content: many }] })), 'messages');
  // count_tokens reads the same conversation.
  assertAnthropicError(await cria.post('/v1/messages/count_tokens', { messages: [{ role: 'user', content: [image(bigPng)] }] }),
    'messages[0].content[0].source.data');
  await assertStillServing(assert, cria, 'after an oversized Anthropic image');
});

test('Anthropic: deep JSON and wrong types in the main fields are 400s in Anthropic\'s shape', async () => {
  const deep = await cria.post('/v1/messages', deepJson('messages'));
  assertAnthropicError(deep, '--max-json-depth');
  const cases = [
    [{ messages: 'Hi' }, 'messages'],
    [{ messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
    [{ messages: [{ role: 7, content: 'x' }] }, 'messages[0].role'],
    [{ max_tokens: 'ten' }, 'max_tokens'],
    [{ system: 5 }, 'system'],
    [{ tools: { name: 'f' } }, 'tools'],
    [{ tools: [{ name: 'f', input_schema: 'object' }] }, 'tools[0].input_schema'],
    [{ tool_choice: 'auto' }, 'tool_choice'],
    [{ stop_sequences: 'END' }, 'stop_sequences'],
    [{ thinking: true }, 'thinking'],
    [{ temperature: 'warm' }, 'temperature'],
  ];
  for (const [extra, field] of cases) assertAnthropicError(await cria.post('/v1/messages', anthropic(extra)), field);
  await assertStillServing(assert, cria, 'after Anthropic bodies of the wrong types');
});

// ---- Responses: OpenAI's {"error": {"message", "type", "param", "code"}} ----

const responses = (extra) => ({ model: 'tiny', input: 'Hi', max_output_tokens: 4, ...extra });

function assertResponsesError(res, param) {
  assertErrorShape(assert, res, 400, undefined);
  assert.equal(res.body.error.param, param, JSON.stringify(res.body).slice(0, 500));
  assert.ok(res.body.error.message.includes(param), `should name '${param}': ${res.body.error.message}`);
}

test('Responses: too many input items, tools and content parts, a huge schema and an oversized image are 400s', async () => {
  const items = times(LIMITS.inputItems + 1, () => ({ role: 'user', content: 'x' }));
  assertResponsesError(await cria.post('/v1/responses', responses({ input: items })), 'input');
  const tools = times(LIMITS.tools + 1, (i) => ({ type: 'function', name: `t${i}` }));
  assertResponsesError(await cria.post('/v1/responses', responses({ tools })), 'tools');
  const parts = times(LIMITS.contentParts + 1, () => ({ type: 'input_text', text: 'x' }));
  assertResponsesError(await cria.post('/v1/responses', responses({ input: [{ role: 'user', content: parts }] })), 'input');
  const huge = await cria.post('/v1/responses', responses({ tools: [{ type: 'function', name: 'f', parameters: hugeSchema }] }));
  assertResponsesError(huge, 'tools');
  assert.match(huge.body.error.message, /tools\[0\]\.parameters/);
  const image = { type: 'input_image', image_url: `data:image/png;base64,${bigPng}` };
  assertResponsesError(await cria.post('/v1/responses', responses({ input: [{ role: 'user', content: [image] }] })), 'input');
  assertResponsesError(await cria.post('/v1/responses/input_tokens', responses({ input: items })), 'input');
  await assertStillServing(assert, cria, 'after oversized Responses bodies');
});

test('Responses: deep JSON and wrong types in the main fields are 400s in OpenAI\'s shape', async () => {
  const deep = await cria.post('/v1/responses', deepJson('input'));
  assertErrorShape(assert, deep, 400, undefined);
  assert.match(deep.body.error.message, /--max-json-depth/);
  const cases = [
    [{ input: 5 }, 'input'],
    [{ input: [{ role: 'user', content: 5 }] }, 'input'],
    [{ input: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: {} }] }, 'input'],
    [{ instructions: ['be brief'] }, 'instructions'],
    [{ tools: 'all' }, 'tools'],
    [{ tool_choice: 5 }, 'tool_choice'],
    [{ text: 'json' }, 'text'],
    [{ reasoning: 'high' }, 'reasoning'],
    [{ max_output_tokens: 'ten' }, 'max_output_tokens'],
    [{ metadata: [1] }, 'metadata'],
    [{ temperature: 'warm' }, 'temperature'],
  ];
  for (const [extra, param] of cases) assertResponsesError(await cria.post('/v1/responses', responses(extra)), param);
  await assertStillServing(assert, cria, 'after Responses bodies of the wrong types');
});

// ---- Ollama: {"error": "message"} ----

const ollamaChat = (extra) => ({ model: 'tiny', stream: false, messages: [{ role: 'user', content: 'Hi' }],
  options: { num_predict: 2 }, ...extra });
const ollamaGenerate = (extra) => ({ model: 'tiny', stream: false, prompt: 'Hi', options: { num_predict: 2 }, ...extra });

function assertOllamaError(res, field, status = 400) {
  assert.equal(res.status, status, JSON.stringify(res.body).slice(0, 500));
  assert.deepEqual(Object.keys(res.body), ['error'], JSON.stringify(res.body).slice(0, 500));
  assert.equal(typeof res.body.error, 'string');
  assert.ok(res.body.error.includes(field), `should name '${field}': ${res.body.error}`);
}

// ---- OpenAI chat: {"error": {"code", "message", "type", "param"}} ----

test('Chat completions: too many messages, content parts, tools and calls are 400s naming the field', async () => {
  const chat = (extra) => ({ model: 'tiny', max_tokens: 4, messages: [{ role: 'user', content: 'Hi' }], ...extra });
  const tool = (name) => ({ type: 'function', function: { name, parameters: { type: 'object' } } });
  const part = { type: 'text', text: 'x' };
  const call = (i) => ({ id: `c${i}`, type: 'function', function: { name: 'f', arguments: '{}' } });
  const cases = [
    [{ messages: times(LIMITS.inputItems + 1, () => ({ role: 'user', content: 'x' })) }, 'messages', '--max-input-items'],
    [{ messages: [{ role: 'user', content: times(LIMITS.contentParts + 1, () => part) }] }, 'messages', '--max-content-parts'],
    [{ tools: times(LIMITS.tools + 1, (i) => tool(`t${i}`)) }, 'tools', '--max-tools'],
    [{ messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: null, tool_calls: times(LIMITS.tools + 1, call) }] },
      'messages', '--max-tools'],
  ];
  for (const [extra, param, option] of cases) {
    const res = await cria.post('/v1/chat/completions', chat(extra));
    assertErrorShape(assert, res, 400, param);
    assert.ok(res.body.error.message.includes(option), res.body.error.message);
  }
  // At the limits: answered.
  const atLimit = await cria.post('/v1/chat/completions', chat({
    messages: [{ role: 'user', content: times(LIMITS.contentParts, () => part) }],
    tools: times(LIMITS.tools, (i) => tool(`t${i}`)),
  }));
  assert.equal(atLimit.status, 200, JSON.stringify(atLimit.body).slice(0, 500));
});

test('Ollama: too many messages, tools, images and calls, a huge schema and an oversized image are 400s', async () => {
  const messages = times(LIMITS.inputItems + 1, () => ({ role: 'user', content: 'x' }));
  assertOllamaError(await cria.post('/api/chat', ollamaChat({ messages })), 'messages');
  const tool = (name, parameters = { type: 'object' }) => ({ type: 'function', function: { name, parameters } });
  assertOllamaError(await cria.post('/api/chat', ollamaChat({ tools: times(LIMITS.tools + 1, (i) => tool(`t${i}`)) })), 'tools');
  const huge = await cria.post('/api/chat', ollamaChat({ tools: [tool('f', hugeSchema)] }));
  assertOllamaError(huge, 'tools[0].function.parameters');
  const images = times(LIMITS.images + 1, () => 'aGk=');
  assertOllamaError(await cria.post('/api/chat', ollamaChat({ messages: [{ role: 'user', content: 'x', images }] })),
    'messages[0].images');
  const calls = times(LIMITS.tools + 1, () => ({ function: { name: 'f', arguments: {} } }));
  assertOllamaError(await cria.post('/api/chat', ollamaChat({ messages: [{ role: 'assistant', content: '', tool_calls: calls }] })),
    'messages[0].tool_calls');
  assertOllamaError(await cria.post('/api/chat', ollamaChat({ messages: [{ role: 'user', content: 'x', images: [bigPng] }] })),
    'messages[0]');
  assertOllamaError(await cria.post('/api/generate', ollamaGenerate({ images: [bigPng] })), 'images');
  assertOllamaError(await cria.post('/api/generate', ollamaGenerate({ images })), 'images');
  assertOllamaError(await cria.post('/api/generate', ollamaGenerate({ context: times(1048577, () => 1) })), 'context');
  // A short template that would repeat a long prompt past the renderer's 16 MiB.
  const generate = ollamaGenerate({ prompt: 'p'.repeat(100000), template: '{{ .Prompt }}'.repeat(200) });
  assertOllamaError(await cria.post('/api/generate', generate), 'template');
  await assertStillServing(assert, cria, 'after oversized Ollama bodies');
});

test('Ollama: deep JSON and wrong types in the main fields are 400s in Ollama\'s shape', async () => {
  for (const route of ['/api/chat', '/api/generate']) {
    assertOllamaError(await cria.post(route, deepJson('messages')), '--max-json-depth');
  }
  const chatCases = [
    [{ messages: 'Hi' }, 'messages'],
    [{ messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
    [{ messages: [{ role: 'user', content: 'x', images: 'aGk=' }] }, 'messages[0].images'],
    [{ options: 3 }, 'options'],
    [{ options: { temperature: 'hot' } }, 'options.temperature'],
    [{ options: { num_predict: 2.5 } }, 'options.num_predict'],
    [{ tools: 'all' }, 'tools'],
    [{ format: 5 }, 'format'],
    [{ think: 5 }, 'think'],
    [{ keep_alive: [] }, 'keep_alive'],
  ];
  for (const [extra, field] of chatCases) assertOllamaError(await cria.post('/api/chat', ollamaChat(extra)), field);
  const generateCases = [
    [{ prompt: 5 }, 'prompt'],
    [{ context: 'abc' }, 'context'],
    [{ images: 'aGk=' }, 'images'],
    [{ template: 5 }, 'template'],
    [{ system: [] }, 'system'],
    [{ raw: 'yes' }, 'raw'],
  ];
  for (const [extra, field] of generateCases) assertOllamaError(await cria.post('/api/generate', ollamaGenerate(extra)), field);
  await assertStillServing(assert, cria, 'after Ollama bodies of the wrong types');
});

test('every dialect still answers a valid request after all of the above', async () => {
  const messages = await cria.post('/v1/messages', anthropic({ temperature: 0 }));
  assert.equal(messages.status, 200, JSON.stringify(messages.body));
  assert.equal(messages.body.type, 'message');
  const response = await cria.post('/v1/responses', responses({ temperature: 0 }));
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.equal(response.body.object, 'response');
  const chat = await cria.post('/api/chat', ollamaChat({}));
  assert.equal(chat.status, 200, JSON.stringify(chat.body));
  assert.equal(chat.body.done, true);
  const generate = await cria.post('/api/generate', ollamaGenerate({}));
  assert.equal(generate.status, 200, JSON.stringify(generate.body));
  assert.equal(generate.body.done, true);
});
