// Tool calls in the template families' own syntaxes, streamed as they are generated: a real
// template (tests/templates/models/) is given with --chat-template-file; a forced call's grammar
// is written in the family's syntax and its arguments arrive as deltas before the end.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import OpenAI from 'openai';
import { startCria, ROOT } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

const templates = path.join(ROOT, 'tests/templates/models');
const servers = [];
after(async () => { for (const s of servers) await s.stop(); });

async function criaWith(template, extra = []) {
  const server = await startCria(['--chat-template-file', path.join(templates, template), ...THREADS, ...extra]);
  servers.push(server);
  return server;
}

const tools = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 24 } }, required: ['city'], additionalProperties: false } } },
];
const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];

// The stream's chunks, with the indexes of those carrying tool-call deltas and content deltas.
async function streamChat(server, body) {
  const res = await server.stream('/v1/chat/completions', { ...body, stream: true });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const chunks = res.events.filter((e) => e.choices?.length);
  const withCalls = chunks.map((c, i) => (c.choices[0].delta.tool_calls ? i : -1)).filter((i) => i >= 0);
  const withContent = chunks.map((c, i) => (c.choices[0].delta.content ? i : -1)).filter((i) => i >= 0);
  return { chunks, withCalls, withContent, last: chunks[chunks.length - 1] };
}

for (const template of ['Qwen3.jinja', 'Qwen3-Coder.jinja', 'Llama-3.1.jinja', 'Mistral-Nemo.jinja', 'DeepSeek-V3.1.jinja',
  'Kimi-K2.jinja', 'Functionary-v3.2.jinja', 'Command-R7B.jinja', 'gpt-oss.jinja']) {
  test(`${template}: a required call streams its arguments in pieces, before the end, and the openai client reassembles it`, async () => {
    const server = await criaWith(template);
    const body = { model: 'x', messages, tools, tool_choice: 'required', seed: 3, temperature: 1, max_tokens: 120 };
    const whole = await server.post('/v1/chat/completions', body);
    assert.equal(whole.status, 200, JSON.stringify(whole.body));
    const call = whole.body.choices[0].message.tool_calls?.[0];
    assert.ok(call, `no call: ${JSON.stringify(whole.body.choices[0])}`);
    assert.equal(call.function.name, 'get_weather');
    assert.equal(typeof JSON.parse(call.function.arguments).city, 'string');

    const s = await streamChat(server, body);
    assert.equal(s.last.choices[0].finish_reason, 'tool_calls');
    assert.ok(s.withCalls.length > 1, `tool-call deltas in ${s.withCalls.length} chunk(s)`);
    assert.ok(s.withCalls[0] < s.chunks.length - 1, 'the first call delta came before the last chunk');
    const first = s.chunks[s.withCalls[0]].choices[0].delta.tool_calls[0];
    assert.equal(first.index, 0);
    // Mistral's templates accept back only 9-character alphanumeric ids (llama-server's shape).
    const idShape = template.startsWith('Mistral') ? /^[a-zA-Z0-9]{9}$/ : /^call_/;
    assert.match(first.id, idShape);
    assert.match(call.id, idShape);
    assert.equal(first.type, 'function');
    assert.equal(first.function.name, 'get_weather');
    const args = s.withCalls.map((i) => s.chunks[i].choices[0].delta.tool_calls.map((c) => c.function.arguments ?? '').join('')).join('');
    assert.equal(args, call.function.arguments, 'streamed and whole answers agree (same seed)');

    const client = new OpenAI({ baseURL: `${server.base}/v1`, apiKey: 'x', maxRetries: 0, timeout: 60000 });
    const final = await client.chat.completions.stream({ ...body, stream: true }).finalChatCompletion();
    const rebuilt = final.choices[0].message.tool_calls[0];
    assert.equal(rebuilt.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(rebuilt.function.arguments), JSON.parse(call.function.arguments));
  });
}

test('with tools offered, content that is not a call streams as it comes', async () => {
  const server = await criaWith('Qwen3.jinja');
  const grammar = 'root ::= "Hello there, this answer is plain text and it goes on for a while" [a-z]{2,4}';
  const s = await streamChat(server, { messages, tools, grammar, max_tokens: 40, temperature: 0 });
  assert.ok(s.withContent.length > 3, `content in ${s.withContent.length} chunk(s)`);
  assert.ok(s.withContent[0] < s.chunks.length - 3, 'content arrived before the end');
  assert.equal(s.withCalls.length, 0);
  assert.equal(s.last.choices[0].finish_reason === 'tool_calls', false);
});

test('parallel_tool_calls false keeps one call', async () => {
  const server = await criaWith('Qwen3.jinja');
  const call = '<tool_call>\\n{\\"name\\": \\"get_weather\\", \\"arguments\\": {\\"city\\": \\"Rome\\"}}\\n</tool_call>';
  const grammar = `root ::= "${call}${call}"`;
  const both = await server.post("/v1/chat/completions", { messages, tools, grammar, max_tokens: 400 });
  assert.equal(both.body.choices[0].message.tool_calls.length, 2, JSON.stringify(both.body));
  const one = await server.post('/v1/chat/completions', { messages, tools, grammar, max_tokens: 400, parallel_tool_calls: false });
  assert.equal(one.body.choices[0].message.tool_calls.length, 1);
});
