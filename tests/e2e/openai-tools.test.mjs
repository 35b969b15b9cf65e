// Tool calls through the official openai client: a required call is forced by a grammar in the
// template's format, parsed back into tool_calls, and the result can be sent back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startCria } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

let cria;
let client;
before(async () => {
  cria = await startCria(['-np', '2', ...THREADS]);
  client = new OpenAI({ baseURL: `${cria.base}/v1`, apiKey: 'x', maxRetries: 0, timeout: 60000 });
});
after(async () => { await cria?.stop(); });

const tools = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 12 } }, required: ['city'], additionalProperties: false } } },
  { type: 'function', function: { name: 'add', description: 'Adds two integers',
    parameters: { type: 'object', properties: { a: { type: 'integer', minimum: 0, maximum: 99 }, b: { type: 'integer', minimum: 0, maximum: 99 } },
      required: ['a', 'b'], additionalProperties: false } } },
];
const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];

test('tool_choice required: the answer is a tool call with arguments that match the tool\'s schema', async () => {
  for (const seed of [1, 2, 3]) {
    const chat = await client.chat.completions.create({ model: 'x', messages, tools, tool_choice: 'required', seed, temperature: 1, max_tokens: 200 });
    const choice = chat.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls', JSON.stringify(choice));
    assert.equal(choice.message.content, null);
    assert.equal(choice.message.tool_calls.length, 1);
    const call = choice.message.tool_calls[0];
    assert.equal(call.type, 'function');
    assert.match(call.id, /^call_/);
    const args = JSON.parse(call.function.arguments);
    if (call.function.name === 'get_weather') {
      assert.deepEqual(Object.keys(args), ['city']);
      assert.ok(typeof args.city === 'string' && [...args.city].length <= 12);
    } else {
      assert.equal(call.function.name, 'add');
      assert.ok(Number.isInteger(args.a) && Number.isInteger(args.b));
    }
  }
});

test('tool_choice naming a function calls exactly that one; the result goes back in a tool message', async () => {
  const chat = await client.chat.completions.create({
    model: 'x', messages, tools, tool_choice: { type: 'function', function: { name: 'add' } }, seed: 5, temperature: 1, max_tokens: 200,
  });
  const call = chat.choices[0].message.tool_calls[0];
  assert.equal(call.function.name, 'add');
  const args = JSON.parse(call.function.arguments);
  const followUp = await client.chat.completions.create({
    model: 'x', max_tokens: 8, temperature: 0, tools,
    messages: [...messages, chat.choices[0].message, { role: 'tool', tool_call_id: call.id, content: String(args.a + args.b) }],
  });
  assert.equal(followUp.choices[0].message.role, 'assistant');
  assert.ok(['stop', 'length', 'tool_calls'].includes(followUp.choices[0].finish_reason));
});

test('streaming a required tool call: the client assembles tool_calls from the deltas', async () => {
  const stream = await client.chat.completions.create({
    model: 'x', messages, tools, tool_choice: { type: 'function', function: { name: 'get_weather' } }, seed: 2, temperature: 1,
    max_tokens: 200, stream: true,
  });
  let name = '';
  let args = '';
  let finish = null;
  for await (const chunk of stream) {
    for (const c of chunk.choices) {
      for (const t of c.delta.tool_calls ?? []) {
        name += t.function?.name ?? '';
        args += t.function?.arguments ?? '';
      }
      if (c.finish_reason) finish = c.finish_reason;
    }
  }
  assert.equal(finish, 'tool_calls');
  assert.equal(name, 'get_weather');
  assert.equal(typeof JSON.parse(args).city, 'string');
});

test('tool_choice none: tools are not offered and the answer is text', async () => {
  const chat = await client.chat.completions.create({ model: 'x', messages, tools, tool_choice: 'none', max_tokens: 6, temperature: 0 });
  assert.equal(chat.choices[0].finish_reason, 'length');
  assert.equal(chat.choices[0].message.tool_calls, undefined);
  assert.equal(typeof chat.choices[0].message.content, 'string');
});
