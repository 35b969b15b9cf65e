// Ollama's API (/api/*) through Ollama's official JavaScript client, against the real binary:
// the model endpoints, generate and chat whole and streamed (NDJSON), options, format schemas,
// a tool-call round trip, embeddings, and Ollama's error shape.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Ollama } from 'ollama';
import { startCria, MODELS } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';
import { pngFile } from './lib/image-files.mjs';

const EMBEDDING_MODEL = path.join(MODELS, 'tiny-embedding.gguf');
const MMPROJ = path.join(MODELS, 'tiny-mmproj.gguf');
const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

// Reads an NDJSON answer line by line, as Ollama's clients do.
async function ndjson(cria, route, body) {
  const res = await fetch(cria.url(route), { method: 'POST', body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), lines: text.split('\n'), text };
}

describe('Ollama API on a generation model (tiny.gguf, --alias tiny)', () => {
  let cria;
  let ollama;
  before(async () => {
    cria = await startCria(['-np', '2', '--alias', 'tiny', ...THREADS]);
    ollama = new Ollama({ host: cria.base });
  });
  after(async () => { await cria?.stop(); });

  test('version, list, ps and show describe the loaded model', async () => {
    assert.match((await ollama.version()).version, /^\d+\.\d+\.\d+$/);
    const list = await ollama.list();
    assert.equal(list.models.length, 1);
    const m = list.models[0];
    assert.equal(m.name, 'tiny:latest');
    assert.equal(m.model, 'tiny:latest');
    assert.match(m.digest, /^[0-9a-f]{64}$/);
    assert.ok(m.size > 0);
    assert.ok(!Number.isNaN(Date.parse(m.modified_at)));
    assert.deepEqual({ ...m.details, families: undefined },
      { parent_model: '', format: 'gguf', family: 'llama', families: undefined, parameter_size: m.details.parameter_size,
        quantization_level: 'F16' });
    assert.match(m.details.parameter_size, /^\d+\.\d+[KMB]$/);
    const ps = await ollama.ps();
    assert.equal(ps.models[0].name, 'tiny:latest');
    assert.ok(ps.models[0].context_length > 0);
    const show = await ollama.show({ model: 'tiny' });
    assert.equal(show.details.family, 'llama');
    assert.equal(show.model_info['general.architecture'], 'llama');
    assert.equal(show.model_info['llama.embedding_length'], 32);
    assert.equal(show.model_info['llama.block_count'], 2);
    assert.ok(show.template.includes('im_start'));
    assert.deepEqual(show.capabilities, ['completion']);
  });

  test('generate, whole: num_predict becomes eval_count; the timings are nanoseconds; context continues', async () => {
    const r = await ollama.generate({ model: 'tiny', prompt: 'Once upon a time', stream: false,
      options: { num_predict: 7, temperature: 0, seed: 1 } });
    assert.equal(r.done, true);
    assert.equal(r.done_reason, 'length');
    assert.equal(r.eval_count, 7);
    assert.ok(r.prompt_eval_count > 4, JSON.stringify(r));
    assert.ok(r.total_duration >= r.eval_duration && r.eval_duration > 0);
    assert.ok(r.response.length > 0);
    assert.ok(Array.isArray(r.context) && r.context.length === r.prompt_eval_count + 7);
    // The same request streamed: the pieces join to the same text; the last line has done.
    const parts = [];
    let last;
    for await (const piece of await ollama.generate({ model: 'tiny:latest', prompt: 'Once upon a time', stream: true,
      options: { num_predict: 7, temperature: 0 } })) {
      parts.push(piece.response);
      last = piece;
    }
    assert.equal(parts.join(''), r.response);
    assert.equal(last.done, true);
    assert.equal(last.eval_count, 7);
    assert.deepEqual(last.context, r.context);
    // `context` goes first in the next prompt: it is part of what is evaluated.
    const next = await ollama.generate({ model: 'tiny', prompt: 'and then', context: r.context, stream: false,
      options: { num_predict: 2, temperature: 0 } });
    assert.ok(next.prompt_eval_count > r.context.length, JSON.stringify(next));
  });

  test('generate streams NDJSON lines; raw prompts skip the template; an empty prompt is a load request', async () => {
    const res = await ndjson(cria, '/api/generate', { model: 'tiny', prompt: 'hello', options: { num_predict: 3, temperature: 0 } });
    assert.equal(res.status, 200);
    assert.match(res.type, /application\/x-ndjson/);
    const objects = res.lines.filter((l) => l.length > 0).map((l) => JSON.parse(l));
    assert.equal(objects.at(-1).done, true);
    assert.ok(objects.slice(0, -1).every((o) => o.done === false && typeof o.response === 'string'));
    assert.ok(res.text.endsWith('\n'));
    const templated = await ollama.generate({ model: 'tiny', prompt: 'hello', stream: false, options: { num_predict: 1 } });
    const raw = await ollama.generate({ model: 'tiny', prompt: 'hello', raw: true, stream: false, options: { num_predict: 1 } });
    assert.ok(templated.prompt_eval_count > raw.prompt_eval_count + 3, `${templated.prompt_eval_count} vs ${raw.prompt_eval_count}`);
    assert.equal(raw.context, undefined);
    // A template of Ollama's own kind, rendered: {{ .System }} and {{ .Prompt }}.
    const own = await ollama.generate({ model: 'tiny', prompt: 'hello', system: 'be brief', stream: false,
      template: '{{ if .System }}{{ .System }} {{ end }}Q: {{ .Prompt }} A:', options: { num_predict: 1 } });
    assert.ok(own.prompt_eval_count > raw.prompt_eval_count);
    const load = await ollama.generate({ model: 'tiny', prompt: '' });
    assert.equal(load.done, true);
    assert.equal(load.done_reason, 'load');
  });

  test('chat, whole and streamed, gives the same greedy answer; options map onto sampling', async () => {
    const messages = [{ role: 'system', content: 'You answer.' }, { role: 'user', content: 'Tell me a story' }];
    const whole = await ollama.chat({ model: 'tiny', messages, stream: false, options: { num_predict: 9, temperature: 0 } });
    assert.equal(whole.message.role, 'assistant');
    assert.equal(whole.eval_count, 9);
    assert.equal(whole.done_reason, 'length');
    let text = '';
    let last;
    for await (const piece of await ollama.chat({ model: 'tiny', messages, stream: true, options: { num_predict: 9, temperature: 0 } })) {
      text += piece.message.content;
      last = piece;
    }
    assert.equal(text, whole.message.content);
    assert.equal(last.done, true);
    assert.equal(last.eval_count, 9);
    // A stop string ends the answer before num_predict.
    const first = whole.message.content.trim().split(/\s+/)[1];
    const stopped = await ollama.chat({ model: 'tiny', messages, stream: false,
      options: { num_predict: 9, temperature: 0, stop: [first] } });
    assert.equal(stopped.done_reason, 'stop');
    assert.ok(stopped.eval_count < 9);
    // Seeded sampling repeats itself; unknown options are ignored, as Ollama does.
    const a = await ollama.chat({ model: 'tiny', messages, stream: false, options: { num_predict: 6, temperature: 1.5, seed: 7, num_ctx: 2048, unknown_thing: 1 } });
    const b = await ollama.chat({ model: 'tiny', messages, stream: false, options: { num_predict: 6, temperature: 1.5, seed: 7 } });
    assert.equal(a.message.content, b.message.content);
  });

  test('format: a JSON schema makes the answer parse and match it; "json" makes it JSON', async () => {
    const schema = { type: 'object', properties: { name: { type: 'string', maxLength: 10 }, age: { type: 'integer', minimum: 0, maximum: 120 } },
      required: ['name', 'age'], additionalProperties: false };
    const r = await ollama.chat({ model: 'tiny', messages: [{ role: 'user', content: 'Who are you?' }], format: schema,
      stream: false, options: { num_predict: 60, temperature: 0 } });
    const value = JSON.parse(r.message.content);
    assert.deepEqual(Object.keys(value), ['name', 'age']);
    assert.ok(Number.isInteger(value.age));
    const g = await ollama.generate({ model: 'tiny', prompt: 'data', format: 'json', stream: false, options: { num_predict: 60, temperature: 0 } });
    assert.equal(typeof JSON.parse(g.response), 'object');
  });

  test('tools: a call comes back as message.tool_calls with object arguments, and its result can be sent back', async () => {
    // Ollama has no tool_choice and a random model never chooses a tool by itself, so this uses
    // cria's one extension of the request: OpenAI's tool_choice, which forces the call with a
    // grammar in the template's call syntax. Everything else is Ollama's: the client sends the
    // field as given, and the call is parsed from the model's text by the one answer parser.
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string', maxLength: 12 } }, required: ['city'],
        additionalProperties: false } } }];
    const options = { num_predict: 300, temperature: 1, seed: 1 };
    const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
    const r = await ollama.chat({ model: 'tiny', messages, tools, tool_choice: 'required', stream: false, options });
    assert.equal(r.message.tool_calls?.length, 1, JSON.stringify(r.message));
    const call = r.message.tool_calls[0];
    assert.equal(call.function.name, 'get_weather');
    assert.equal(typeof call.function.arguments, 'object');
    assert.equal(typeof call.function.arguments.city, 'string');
    // Streamed: the whole call arrives in one piece.
    const streamed = [];
    for await (const piece of await ollama.chat({ model: 'tiny', messages, tools, tool_choice: 'required', stream: true, options })) {
      if (piece.message.tool_calls) streamed.push(...piece.message.tool_calls);
    }
    assert.equal(streamed.length, 1);
    assert.deepEqual(streamed[0].function, call.function);
    // The round trip: the call and its result go back in the history.
    const back = await ollama.chat({ model: 'tiny', stream: false, tools, options: { num_predict: 5, temperature: 0 },
      messages: [...messages, r.message, { role: 'tool', tool_name: 'get_weather', content: '{"temperature": 21}' }] });
    assert.equal(back.done, true);
    assert.ok(back.prompt_eval_count > r.prompt_eval_count + 10, JSON.stringify(back));
  });

  test('errors: an unknown model is the client\'s 404 ResponseError; a wrong option type is a 400 naming it', async () => {
    await assert.rejects(ollama.chat({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] }), (e) => {
      assert.equal(e.name, 'ResponseError');
      assert.equal(e.status_code, 404);
      assert.equal(e.error, "model 'nope' not found");
      return true;
    });
    const res = await cria.post('/api/generate', { model: 'tiny', prompt: 'x', options: { num_predict: 'ten' } });
    assert.equal(res.status, 400);
    assert.deepEqual(Object.keys(res.body), ['error']);
    assert.match(res.body.error, /options\.num_predict/);
    const range = await cria.post('/api/chat', { model: 'tiny', messages: [{ role: 'user', content: 'x' }], options: { top_p: 3 } });
    assert.equal(range.status, 400);
    assert.match(range.body.error, /options\.top_p/);
    const noModel = await cria.post('/api/chat', { messages: [] });
    assert.equal(noModel.status, 400);
    assert.equal(noModel.body.error, 'model is required');
    const tooMany = await cria.post('/api/generate', { model: 'tiny', prompt: 'x', options: { stop: Array(65).fill('z') } });
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body.error, /options\.stop/);
    const embed = await cria.post('/api/embed', { model: 'tiny', input: 'x' });
    assert.equal(embed.status, 501);
    assert.equal(typeof embed.body.error, 'string');
  });
});

describe('Ollama API on an embedding model (tiny-embedding.gguf)', () => {
  let cria;
  let ollama;
  before(async () => {
    cria = await startCria(['--embedding', ...THREADS], { model: EMBEDDING_MODEL });
    ollama = new Ollama({ host: cria.base });
  });
  after(async () => { await cria?.stop(); });

  test('embed (one input or a list) and embeddings give normalized vectors equal to /v1/embeddings\'', async () => {
    const one = await ollama.embed({ model: 'tiny-embedding', input: 'The quick brown fox' });
    assert.equal(one.model, 'tiny-embedding');
    assert.equal(one.embeddings.length, 1);
    assert.equal(one.embeddings[0].length, 32);
    assert.ok(Math.abs(norm(one.embeddings[0]) - 1) < 1e-5);
    assert.ok(one.prompt_eval_count > 0);
    const list = await ollama.embed({ model: 'tiny-embedding:latest', input: ['hello there', 'The quick brown fox'] });
    assert.equal(list.embeddings.length, 2);
    assert.deepEqual(list.embeddings[1], one.embeddings[0]);
    const openai = await cria.post('/v1/embeddings', { input: 'The quick brown fox' });
    assert.deepEqual(one.embeddings[0], openai.body.data[0].embedding);
    const old = await ollama.embeddings({ model: 'tiny-embedding', prompt: 'The quick brown fox' });
    assert.deepEqual(old.embedding, one.embeddings[0]);
    const cut = await ollama.embed({ model: 'tiny-embedding', input: 'The quick brown fox', dimensions: 8 });
    assert.equal(cut.embeddings[0].length, 8);
    assert.ok(Math.abs(norm(cut.embeddings[0]) - 1) < 1e-5);
    const show = await ollama.show({ model: 'tiny-embedding' });
    assert.deepEqual(show.capabilities, ['embedding']);
  });
});

describe('Ollama API with images (--mmproj tiny-mmproj.gguf)', () => {
  let cria;
  let ollama;
  before(async () => {
    cria = await startCria(['--mmproj', MMPROJ, '-c', '1024', ...THREADS]);
    ollama = new Ollama({ host: cria.base });
  });
  after(async () => { await cria?.stop(); });

  test('images (bytes or base64) take their positions in generate and chat prompts; a broken one is a 400', async () => {
    const png = pngFile(32, 32, (x, y) => [x * 8, y * 8, 128]);
    const options = { num_predict: 1, temperature: 0 };
    const plain = await ollama.generate({ model: 'tiny', prompt: 'Describe it', stream: false, options });
    // The client base64-encodes a Uint8Array itself; a 32x32 image takes 16 positions.
    const seen = await ollama.generate({ model: 'tiny', prompt: 'Describe it', images: [new Uint8Array(png)], stream: false, options });
    assert.equal(seen.prompt_eval_count, plain.prompt_eval_count + 16, JSON.stringify(seen));
    assert.equal(seen.context, undefined);  // image positions are no tokens
    const chat = await ollama.chat({ model: 'tiny', stream: false, options,
      messages: [{ role: 'user', content: 'Describe it', images: [png.toString('base64')] }] });
    const chatPlain = await ollama.chat({ model: 'tiny', stream: false, options, messages: [{ role: 'user', content: 'Describe it' }] });
    assert.equal(chat.prompt_eval_count, chatPlain.prompt_eval_count + 16);
    const bad = await cria.post('/api/chat', { model: 'tiny', messages: [{ role: 'user', content: 'x', images: ['AAAA'] }] });
    assert.equal(bad.status, 400);
    assert.equal(typeof bad.body.error, 'string');
  });
});
