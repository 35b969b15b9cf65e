// What llama-server's clients read, beyond the seed's API (issue 13, part 5): /completion's
// fields and request options, the context-size error, CORS, /metrics, /props, the token-count
// route, --no-jinja, --kv-unified and today's date in Llama 3 templates.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

let cria;
before(async () => { cria = await startCria(['-np', '2', '-c', '1024', '--metrics', ...THREADS]); });
after(async () => { await cria?.stop(); });

const short = { prompt: 'Hello there', n_predict: 4, temperature: 0 };

test('/completion answers index, has_new_line, stop_type and tokens_predicted, whole and streamed', async () => {
  const whole = await cria.post('/completion', short);
  assert.equal(whole.status, 200, JSON.stringify(whole.body));
  assert.equal(whole.body.index, 0);
  assert.equal(whole.body.has_new_line, whole.body.content.includes('\n'));
  assert.equal(whole.body.stop_type, 'limit');
  assert.equal(whole.body.tokens_predicted, 4);
  const { events } = await cria.stream('/completion', short);
  const tokens = events.filter((e) => !e.stop);
  tokens.forEach((e, i) => {
    assert.equal(e.index, 0);
    assert.equal(e.tokens_predicted, i + 1);
    assert.equal(e.tokens_evaluated, whole.body.tokens_evaluated);
    assert.ok(e.id_slot >= 0);
    assert.equal(e.timings, undefined);
  });
  const last = events.at(-1);
  assert.equal(last.stop, true);
  assert.equal(typeof last.has_new_line, 'boolean');
  assert.equal(last.index, 0);
});

test('response_fields keeps only the named fields; "a/b" reaches into an object', async () => {
  const res = await cria.post('/completion',
    { ...short, response_fields: ['content', 'generation_settings/n_predict', 'timings/prompt_n', 'nope'] });
  assert.deepEqual(Object.keys(res.body).sort(), ['content', 'generation_settings/n_predict', 'timings/prompt_n']);
  assert.equal(res.body['generation_settings/n_predict'], 4);
});

test('n_cmpl: that many completions of the prompt, an array ordered by index', async () => {
  const res = await cria.post('/completion', { ...short, n_cmpl: 2, temperature: 1, seed: 5 });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.ok(Array.isArray(res.body));
  assert.deepEqual(res.body.map((r) => r.index), [0, 1]);
  const { events } = await cria.stream('/completion', { ...short, n_cmpl: 2 });
  assert.deepEqual([...new Set(events.map((e) => e.index))].sort(), [0, 1]);
  assert.equal(events.filter((e) => e.stop).length, 2);
  assert.equal((await cria.post('/completion', { ...short, n_cmpl: 0 })).status, 400);
});

test('timings_per_token puts the timings so far in every streamed event', async () => {
  const { events } = await cria.stream('/completion', { ...short, timings_per_token: true });
  for (const e of events.filter((x) => !x.stop)) {
    assert.equal(e.timings.predicted_n, e.tokens_predicted);
    assert.equal(typeof e.timings.prompt_ms, 'number');
  }
});

test('return_progress reports the prompt, read, before the first token', async () => {
  const { events } = await cria.stream('/completion', { ...short, return_progress: true, cache_prompt: false });
  const progress = events[0].prompt_progress;
  assert.ok(progress, JSON.stringify(events[0]));
  assert.equal(events[0].content, '');
  assert.equal(progress.total, events[0].tokens_evaluated);
  assert.equal(progress.processed, progress.total);
  assert.equal(events.filter((e) => e.prompt_progress).length, 1);
});

test('t_max_predict_ms stops generation once a line was written and the time is up', async () => {
  // A grammar of at least 100 lines (200 tokens; the model may end only after them): the first
  // '\n' comes at once, and 200 decodes take far longer than 1 ms, so the budget ends it before.
  const grammar = `root ::= ${'"a\\n" '.repeat(100)}("a\\n")*`;
  const res = await cria.post('/completion', { prompt: 'x', n_predict: 300, grammar, t_max_predict_ms: 1 });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.stop_type, 'limit');
  assert.equal(res.body.has_new_line, true);
  assert.ok(res.body.tokens_predicted < 200, `${res.body.tokens_predicted} tokens`);
  assert.equal(res.body.generation_settings.t_max_predict_ms, 1);
});

test('a prompt over the context is exceed_context_size_error with n_prompt_tokens and n_ctx', async () => {
  const res = await cria.post('/completion', { prompt: 'hello '.repeat(800), n_predict: 1 });
  assert.equal(res.status, 400);
  assert.equal(res.body.error.type, 'exceed_context_size_error');
  assert.equal(res.body.error.n_ctx, 512);
  assert.ok(res.body.error.n_prompt_tokens > 512);
});

test('a CORS preflight answers 200, as llama-server', async () => {
  const res = await fetch(cria.url('/completion'), {
    method: 'OPTIONS', headers: { Origin: 'http://page.example', 'Access-Control-Request-Method': 'POST' },
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('access-control-allow-origin'), 'http://page.example');
});

test('--cors-origins localhost lets only pages of this machine in', async () => {
  const local = await startCria(['--cors-origins', 'localhost', ...THREADS]);
  try {
    const ask = (origin) => fetch(local.url('/health'), { headers: { Origin: origin } });
    assert.equal((await ask('http://localhost:5173')).headers.get('access-control-allow-origin'), 'http://localhost:5173');
    assert.equal((await ask('http://127.0.0.1')).headers.get('access-control-allow-origin'), 'http://127.0.0.1');
    const pre = await fetch(local.url('/completion'), { method: 'OPTIONS', headers: { Origin: 'http://evil.example' } });
    assert.equal(pre.status, 403);
  } finally {
    await local.stop();
  }
});

test('/metrics has Process-Start-Time-Unix and llama-server 0.7\'s counters', async () => {
  await cria.post('/completion', short);
  const res = await fetch(cria.url('/metrics'));
  const started = Number(res.headers.get('process-start-time-unix'));
  assert.ok(started > 1.6e9 && started <= Date.now() / 1000, String(started));
  const text = await res.text();
  for (const name of ['prompt_tokens_cached_total', 'n_decode_total', 'n_tokens_max', 'spec_decode_num_draft_tokens_total',
    'spec_decode_num_accepted_tokens_total', 'spec_decode_num_drafts_total', 'n_busy_slots_per_decode']) {
    assert.match(text, new RegExp(`^llamacpp:${name} `, 'm'), name);
  }
  assert.ok(Number(/^llamacpp:n_decode_total (\S+)/m.exec(text)[1]) > 0);
  assert.ok(Number(/^llamacpp:n_tokens_max (\S+)/m.exec(text)[1]) > 0);
});

test('/props says which routes are on, the template\'s caps, the special tokens and the modalities', async () => {
  const { body } = await cria.get('/props');
  assert.equal(body.endpoint_slots, true);
  assert.equal(body.endpoint_metrics, true);
  assert.equal(body.endpoint_props, false);
  assert.equal(body.is_sleeping, false);
  assert.equal(typeof body.build_info, 'string');
  assert.equal(typeof body.bos_token, 'string');
  assert.equal(typeof body.eos_token, 'string');
  assert.deepEqual(body.modalities, { vision: false, video: false, audio: false });
  // The test model's ChatML template writes a system message but knows nothing of tools.
  assert.equal(body.chat_template_caps.supports_system_role, true);
  assert.equal(body.chat_template_caps.supports_string_content, true);
  assert.equal(body.chat_template_caps.supports_tools, false);
  assert.deepEqual(body.default_generation_settings.params.n_predict, body.default_generation_settings.n_predict);
});

test('/v1/chat/completions/input_tokens counts what the chat request would take', async () => {
  const messages = [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'How far is the moon?' }];
  const counted = await cria.post('/v1/chat/completions/input_tokens', { messages });
  assert.equal(counted.status, 200, JSON.stringify(counted.body));
  assert.equal(counted.body.object, 'response.input_tokens');
  const chat = await cria.post('/v1/chat/completions', { messages, max_tokens: 1 });
  assert.equal(counted.body.input_tokens, chat.body.usage.prompt_tokens);
  assert.deepEqual((await cria.post('/chat/completions/input_tokens', { messages })).body, counted.body);
  const missing = await cria.post('/v1/chat/completions/input_tokens', {});
  assert.equal(missing.status, 400);
  assert.equal(missing.body.error.type, 'invalid_request_error');
});

test('--no-jinja renders chats with libllama\'s built-in format, and refuses tools', async () => {
  const plain = await startCria(['--no-jinja', '--chat-template', 'llama3', ...THREADS]);
  try {
    const messages = [{ role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'text', text: 'there' }] }];
    const res = await plain.post('/apply-template', { messages });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    // libllama's llama3 format: no "Today Date" preamble, unlike the Jinja template of that name.
    // (The chat request joins text parts before any template sees them.)
    assert.equal(res.body.prompt,
      '<|start_header_id|>user<|end_header_id|>\n\nHithere<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n');
    const chat = await plain.post('/v1/chat/completions', { messages, max_tokens: 2 });
    assert.equal(chat.status, 200, JSON.stringify(chat.body));
    const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }];
    const refused = await plain.post('/v1/chat/completions', { messages, tools, max_tokens: 2 });
    assert.equal(refused.status, 400);
    assert.equal(refused.body.error.param, 'tools');
  } finally {
    await plain.stop();
  }
});

test('the model\'s own template is detected with --no-jinja (ChatML here)', async () => {
  const plain = await startCria(['--no-jinja', ...THREADS]);
  try {
    const res = await plain.post('/apply-template', { messages: [{ role: 'user', content: 'Hi' }] });
    assert.equal(res.body.prompt, '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
  } finally {
    await plain.stop();
  }
});

test('Llama 3 templates see today\'s date', async () => {
  const llama3 = await startCria(['--chat-template', 'llama3', ...THREADS]);
  try {
    const res = await llama3.post('/apply-template', { messages: [{ role: 'user', content: 'Hi' }] });
    const now = new Date();
    const today = `${String(now.getDate()).padStart(2, '0')} ${now.toLocaleString('en', { month: 'short' })} ${now.getFullYear()}`;
    assert.ok(res.body.prompt.includes(`Today Date: ${today}`), res.body.prompt);
  } finally {
    await llama3.stop();
  }
});

test('--kv-unified: one slot may use the whole context, as in llama-server', async () => {
  const prompt = 'hello '.repeat(700);  // over -c / -np = 512, under -c = 1024
  assert.equal((await cria.post('/completion', { prompt, n_predict: 1 })).body.error.type, 'exceed_context_size_error');
  const unified = await startCria(['--kv-unified', '-np', '2', '-c', '1024', ...THREADS]);
  try {
    const res = await unified.post('/completion', { prompt, n_predict: 2 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(res.body.tokens_evaluated > 512);
    assert.equal((await unified.get('/props')).body.n_ctx_slot, 1024);
  } finally {
    await unified.stop();
  }
});
