// OpenAI's Responses API (/v1/responses) through the official openai client: whole and streamed
// answers, tools round trips (stored and stateless), text.format, max_output_tokens, the store,
// input_tokens, and errors. Greedy answers are compared with /v1/chat/completions: one pipeline.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import path from 'node:path';
import { startCria, assertErrorShape, MODELS } from './lib/cria.mjs';
import { pngFile } from './lib/image-files.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

let cria;
let client;
before(async () => {
  cria = await startCria(['-np', '2', '-c', '4096', ...THREADS, '--responses-store', '4']);
  client = new OpenAI({ baseURL: `${cria.base}/v1`, apiKey: 'x', maxRetries: 0, timeout: 60000 });
});
after(async () => { await cria?.stop(); });

const weather = {
  type: 'function', name: 'get_weather', description: 'Weather in a city', strict: true,
  parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 12 } }, required: ['city'], additionalProperties: false },
};

function checkWeatherCall(call) {
  assert.equal(call.type, 'function_call');
  assert.equal(call.name, 'get_weather');
  assert.match(call.id, /^fc_/);
  assert.match(call.call_id, /^call_/);
  assert.equal(call.status, 'completed');
  const args = JSON.parse(call.arguments);
  assert.deepEqual(Object.keys(args), ['city']);
  assert.ok(typeof args.city === 'string' && [...args.city].length <= 12, call.arguments);
}

test('whole response: the response object, output_text and usage; the same text as chat completions', async () => {
  const r = await client.responses.create({ model: 'x', input: 'Tell me a story', max_output_tokens: 12, temperature: 0 });
  assert.equal(r.object, 'response');
  assert.match(r.id, /^resp_/);
  assert.ok(['completed', 'incomplete'].includes(r.status));
  assert.equal(r.output.length, 1);
  const [message] = r.output;
  assert.equal(message.type, 'message');
  assert.equal(message.role, 'assistant');
  assert.match(message.id, /^msg_/);
  assert.equal(message.content[0].type, 'output_text');
  assert.deepEqual(message.content[0].annotations, []);
  assert.equal(r.output_text, message.content[0].text);
  assert.ok(r.usage.input_tokens > 0);
  assert.ok(r.usage.output_tokens > 0 && r.usage.output_tokens <= 12);
  assert.equal(r.usage.total_tokens, r.usage.input_tokens + r.usage.output_tokens);
  assert.equal(typeof r.usage.input_tokens_details.cached_tokens, 'number');
  assert.equal(r.max_output_tokens, 12);
  assert.equal(r.store, false);

  const chat = await client.chat.completions.create({
    model: 'x', messages: [{ role: 'user', content: 'Tell me a story' }], max_tokens: 12, temperature: 0,
  });
  assert.equal(r.output_text, chat.choices[0].message.content);
  assert.equal(r.usage.input_tokens, chat.usage.prompt_tokens);
});

test('max_output_tokens reached: status incomplete, reason max_output_tokens', async () => {
  const r = await client.responses.create({ model: 'x', input: 'Count to ten', max_output_tokens: 3, temperature: 0, ignore_eos: true });
  assert.equal(r.status, 'incomplete');
  assert.deepEqual(r.incomplete_details, { reason: 'max_output_tokens' });
  assert.equal(r.usage.output_tokens, 3);
  assert.equal(r.output[0].status, 'incomplete');
});

test('streamed: OpenAI\'s event sequence, numbered; the deltas make the final response; the same text as whole', async () => {
  const params = { model: 'x', input: 'Tell me a story', max_output_tokens: 12, temperature: 0, instructions: 'Be kind' };
  const whole = await client.responses.create(params);
  const stream = client.responses.stream(params);
  const events = [];
  for await (const event of stream) events.push(event);
  const final = await stream.finalResponse();
  const types = events.map((e) => e.type);
  assert.deepEqual(types.slice(0, 4), ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
  assert.deepEqual(types.slice(-4), ['response.output_text.done', 'response.content_part.done', 'response.output_item.done',
    whole.status === 'completed' ? 'response.completed' : 'response.incomplete']);
  events.forEach((e, i) => assert.equal(e.sequence_number, i));
  const deltas = events.filter((e) => e.type === 'response.output_text.delta');
  assert.ok(deltas.length > 1, 'the text should come in several deltas');
  for (const d of deltas) {
    assert.equal(d.output_index, 0);
    assert.equal(d.content_index, 0);
    assert.equal(d.item_id, final.output[0].id);
  }
  assert.equal(deltas.map((d) => d.delta).join(''), final.output_text);
  assert.equal(final.output_text, whole.output_text);
  assert.equal(final.instructions, 'Be kind');
  assert.equal(final.usage.output_tokens, whole.usage.output_tokens);

  // stream: true on create, iterated raw
  const raw = await client.responses.create({ ...params, stream: true });
  let text = '';
  let last;
  for await (const event of raw) {
    if (event.type === 'response.output_text.delta') text += event.delta;
    last = event;
  }
  assert.equal(text, whole.output_text);
  assert.equal(last.response.output_text ?? last.response.output[0].content[0].text, whole.output_text);
});

test('tools: a required call, its result sent back by previous_response_id and statelessly, then an answer', async () => {
  const first = await client.responses.create({
    model: 'x', input: 'What is the weather in Paris?', tools: [weather], tool_choice: 'required', seed: 3, temperature: 1,
    max_output_tokens: 200, store: true,
  });
  assert.equal(first.status, 'completed', JSON.stringify(first.output));
  const call = first.output.find((o) => o.type === 'function_call');
  assert.ok(call, JSON.stringify(first.output));
  checkWeatherCall(call);
  assert.equal(first.store, true);

  const result = { type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21 C' };
  const followUp = await client.responses.create({
    model: 'x', previous_response_id: first.id, input: [result], tools: [weather], max_output_tokens: 8, temperature: 0,
  });
  assert.ok(['completed', 'incomplete'].includes(followUp.status));
  assert.equal(followUp.previous_response_id, first.id);
  assert.equal(typeof followUp.output_text, 'string');

  const stateless = await client.responses.create({
    model: 'x', input: [{ role: 'user', content: 'What is the weather in Paris?' }, ...first.output, result], tools: [weather],
    max_output_tokens: 8, temperature: 0,
  });
  // The stored conversation is exactly what the client would have sent itself.
  assert.equal(stateless.usage.input_tokens, followUp.usage.input_tokens);
  assert.equal(stateless.output_text, followUp.output_text);
  // ... and it is longer than the new input alone.
  const alone = await client.responses.inputTokens.count({ model: 'x', input: [{ role: 'user', content: 'x' }], tools: [weather] });
  assert.ok(followUp.usage.input_tokens > alone.input_tokens + 10);
});

test('tools streamed: a named function\'s call arrives as function_call_arguments deltas', async () => {
  const stream = client.responses.stream({
    model: 'x', input: 'Weather in Rome?', tools: [weather], tool_choice: { type: 'function', name: 'get_weather' }, seed: 2,
    temperature: 1, max_output_tokens: 200,
  });
  const events = [];
  for await (const event of stream) events.push(event);
  const final = await stream.finalResponse();
  const call = final.output.find((o) => o.type === 'function_call');
  checkWeatherCall(call);
  const index = final.output.indexOf(call);
  const added = events.find((e) => e.type === 'response.output_item.added' && e.item.type === 'function_call');
  assert.equal(added.output_index, index);
  assert.equal(added.item.name, 'get_weather');
  const deltas = events.filter((e) => e.type === 'response.function_call_arguments.delta');
  assert.ok(deltas.length > 0);
  assert.equal(deltas.map((d) => d.delta).join(''), call.arguments);
  const done = events.find((e) => e.type === 'response.function_call_arguments.done');
  assert.equal(done.arguments, call.arguments);
  assert.equal(done.item_id, call.id);
});

test('text.format json_schema: the output parses and matches the schema', async () => {
  const schema = {
    type: 'object',
    properties: { name: { type: 'string', maxLength: 10 }, age: { type: 'integer', minimum: 0, maximum: 120 } },
    required: ['name', 'age'], additionalProperties: false,
  };
  for (const seed of [1, 2]) {
    const r = await client.responses.create({
      model: 'x', input: 'A person as JSON', seed, temperature: 1, max_output_tokens: 200,
      text: { format: { type: 'json_schema', name: 'person', schema, strict: true } },
    });
    assert.equal(r.status, 'completed');
    const value = JSON.parse(r.output_text);
    assert.deepEqual(Object.keys(value), ['name', 'age']);  // the schema's property order
    assert.ok(typeof value.name === 'string' && [...value.name].length <= 10);
    assert.ok(Number.isInteger(value.age) && value.age >= 0 && value.age <= 120);
    assert.equal(r.text.format.name, 'person');
  }
});

test('store: retrieve a stored response, delete it, then 404; unstored ones are 404 too', async () => {
  const stored = await client.responses.create({ model: 'x', input: 'Hi', max_output_tokens: 4, temperature: 0, store: true, metadata: { k: 'v' } });
  const got = await client.responses.retrieve(stored.id);
  assert.equal(got.id, stored.id);
  assert.deepEqual(got.output, stored.output);
  assert.deepEqual(got.metadata, { k: 'v' });
  const deleted = await client.responses.delete(stored.id);
  await assert.rejects(client.responses.retrieve(stored.id), (e) => e instanceof OpenAI.NotFoundError);

  const unstored = await client.responses.create({ model: 'x', input: 'Hi', max_output_tokens: 2 });
  await assert.rejects(client.responses.retrieve(unstored.id), (e) => e instanceof OpenAI.NotFoundError);
  void deleted;
});

test('previous_response_id of no stored response: 404 naming previous_response_id', async () => {
  await assert.rejects(
    client.responses.create({ model: 'x', input: 'Hi', previous_response_id: 'resp_nothing' }),
    (e) => e instanceof OpenAI.NotFoundError && e.param === 'previous_response_id',
  );
  const res = await cria.post('/v1/responses', { input: 'Hi', previous_response_id: 'resp_nothing' });
  assertErrorShape(assert, res, 404, 'previous_response_id');
});

test('the store is bounded: the least recently used response goes first', async () => {
  const ids = [];
  for (let i = 0; i < 5; ++i) {
    ids.push((await client.responses.create({ model: 'x', input: `n${i}`, max_output_tokens: 1, store: true })).id);
  }
  // --responses-store 4: the first of five is gone, the last four are there.
  await assert.rejects(client.responses.retrieve(ids[0]), (e) => e instanceof OpenAI.NotFoundError);
  for (const id of ids.slice(1)) assert.equal((await client.responses.retrieve(id)).id, id);
});

test('input_tokens: what the response\'s usage.input_tokens says', async () => {
  const params = { model: 'x', input: [{ role: 'user', content: 'One two three' }], instructions: 'Be brief' };
  const counted = await client.responses.inputTokens.count(params);
  assert.equal(counted.object, 'response.input_tokens');
  const r = await client.responses.create({ ...params, max_output_tokens: 1 });
  assert.equal(counted.input_tokens, r.usage.input_tokens);
});

test('/responses without /v1 answers too', async () => {
  const res = await cria.post('/responses', { input: 'Hi', max_output_tokens: 2 });
  assert.equal(res.status, 200);
  assert.equal(res.body.object, 'response');
});

test('errors: OpenAI\'s shape, naming the Responses field', async () => {
  await assert.rejects(client.responses.create({ model: 'x' }), (e) => e instanceof OpenAI.BadRequestError && e.param === 'input');
  const cases = [
    [{}, 'input'],
    [{ input: 42 }, 'input'],
    [{ input: [{ type: 'item_reference', id: 'x' }] }, 'input'],
    [{ input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'https://example.invalid/a.png' }] }] }, 'input'],
    [{ input: 'x', max_output_tokens: 0 }, 'max_output_tokens'],
    [{ input: 'x', tools: [{ type: 'function' }] }, 'tools'],
    [{ input: 'x', tool_choice: 'required' }, 'tool_choice'],
    [{ input: 'x', text: { format: { type: 'json_schema' } } }, 'text.format'],
    [{ input: 'x', reasoning: { effort: 1 } }, 'reasoning'],
    [{ input: 'x', temperature: -1 }, 'temperature'],
    [{ input: 'x', store: 'yes' }, 'store'],
    [{ input: 'x', instructions: ['a'] }, 'instructions'],
    [{ input: 'x', previous_response_id: 5 }, 'previous_response_id'],
  ];
  for (const [body, param] of cases) assertErrorShape(assert, await cria.post('/v1/responses', body), 400, param);
  assertErrorShape(assert, await cria.get('/v1/responses/resp_unknown'), 404, 'response_id');
});

test('an input over --max-input-items is refused naming input', async () => {
  const input = Array.from({ length: 4097 }, () => ({ role: 'user', content: 'x' }));
  const res = await cria.post('/v1/responses', { input });
  assertErrorShape(assert, res, 400, 'input');
  assert.match(res.body.error.message, /--max-input-items/);
});

test('--responses-store 0 keeps nothing; a conversation larger than --responses-store-size is refused naming store', async () => {
  const off = await startCria([...THREADS, '--responses-store', '0']);
  try {
    const r = await off.post('/v1/responses', { input: 'Hi', max_output_tokens: 1, store: true });
    assert.equal(r.status, 200);
    assert.equal(r.body.store, false);  // says what happened
    const follow = await off.post('/v1/responses', { input: 'Hi', previous_response_id: r.body.id });
    assertErrorShape(assert, follow, 404, 'previous_response_id');
    assert.match(follow.body.error.message, /--responses-store 0/);
  } finally {
    await off.stop();
  }
  const small = await startCria([...THREADS, '--responses-store-size', '2048']);
  try {
    const big = await small.post('/v1/responses', { input: 'word '.repeat(1000), max_output_tokens: 1, store: true });
    assertErrorShape(assert, big, 400, 'store');
    const fits = await small.post('/v1/responses', { input: 'Hi', max_output_tokens: 1, store: true });
    assert.equal(fits.status, 200);
    assert.equal((await small.get(`/v1/responses/${fits.body.id}`)).status, 200);
  } finally {
    await small.stop();
  }
});

test('input_image (a data URL, with --mmproj): the same prompt as chat\'s image_url', async () => {
  const vision = await startCria(['--mmproj', path.join(MODELS, 'tiny-mmproj.gguf'), '-c', '1024', ...THREADS]);
  try {
    const url = `data:image/png;base64,${Buffer.from(pngFile(32, 32, (x, y) => [x * 8, y * 8, 128])).toString('base64')}`;
    const r = await vision.post('/v1/responses', {
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'What is this?' }, { type: 'input_image', image_url: url }] }],
      max_output_tokens: 4, temperature: 0,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const chat = await vision.post('/v1/chat/completions', {
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url } }] }],
      max_tokens: 4, temperature: 0,
    });
    assert.equal(r.body.usage.input_tokens, chat.body.usage.prompt_tokens);
    assert.equal(r.body.output[0].content[0].text, chat.body.choices[0].message.content);
  } finally {
    await vision.stop();
  }
});
