// Reasoning: --reasoning-format (and a request's reasoning_format) on an answer a grammar forces to
// think first; reasoning_content whole and streamed; chat_template_kwargs, --reasoning and
// reasoning_budget 0 as /apply-template shows them with Qwen3's template.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { criaPool, ROOT } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

const templates = path.join(ROOT, 'tests/templates/models');
const pool = criaPool(THREADS);
after(() => pool.stopAll());
const cria = pool.start;

const messages = [{ role: 'user', content: 'Think, then answer.' }];
const grammar = 'root ::= "<think>I should think hard about this</think>The answer is four."';

const qwen3 = ['--chat-template-file', path.join(templates, 'Qwen3.jinja')];

test('--reasoning-format deepseek splits reasoning out, whole and streamed; none leaves it in the content', async () => {
  const deepseek = await cria([...qwen3, '--reasoning-format', 'deepseek']);
  const whole = await deepseek.post('/v1/chat/completions', { messages, grammar, max_tokens: 60 });
  assert.equal(whole.status, 200, JSON.stringify(whole.body));
  const m = whole.body.choices[0].message;
  assert.equal(m.reasoning_content, 'I should think hard about this');
  assert.equal(m.content, 'The answer is four.');

  const res = await deepseek.stream('/v1/chat/completions', { messages, grammar, max_tokens: 60, stream: true });
  const deltas = res.events.filter((e) => e.choices?.length).map((e) => e.choices[0].delta);
  const reasoningChunks = deltas.filter((d) => d.reasoning_content);
  assert.ok(reasoningChunks.length > 1, `reasoning in ${reasoningChunks.length} chunk(s)`);
  assert.equal(reasoningChunks.map((d) => d.reasoning_content).join(''), 'I should think hard about this');
  assert.equal(deltas.map((d) => d.content ?? '').join(''), 'The answer is four.');

  const none = await cria([...qwen3, '--reasoning-format', 'none']);
  const raw = await none.post('/v1/chat/completions', { messages, grammar, max_tokens: 60 });
  assert.equal(raw.body.choices[0].message.content, '<think>I should think hard about this</think>The answer is four.');
  assert.equal(raw.body.choices[0].message.reasoning_content, undefined);
  // A request's reasoning_format wins over the server's.
  const asked = await none.post('/v1/chat/completions', { messages, grammar, max_tokens: 60, reasoning_format: 'deepseek-legacy' });
  assert.equal(asked.body.choices[0].message.reasoning_content, 'I should think hard about this');
  assert.match(asked.body.choices[0].message.content, /^<think>I should think hard about this<\/think>/);
});

test('as llama-server, a template that knows no thinking (ChatML) leaves <think> in the content', async () => {
  const chatml = await cria(['--reasoning-format', 'deepseek']);
  const res = await chatml.post('/v1/chat/completions', { messages, grammar, max_tokens: 60 });
  assert.equal(res.body.choices[0].message.content, '<think>I should think hard about this</think>The answer is four.');
  assert.equal(res.body.choices[0].message.reasoning_content, undefined);
});

test('a template that opens the think block makes the answer start inside reasoning (DeepSeek R1)', async () => {
  const server = await cria(['--chat-template-file', path.join(templates, 'DeepSeek-R1.jinja')]);
  const res = await server.post('/v1/chat/completions', { messages, grammar: 'root ::= "still thinking</think>Done."', max_tokens: 40 });
  assert.equal(res.body.choices[0].message.reasoning_content, 'still thinking');
  assert.equal(res.body.choices[0].message.content, 'Done.');
});

test('chat_template_kwargs, --reasoning off and reasoning_budget 0 reach the template (Qwen3: an empty think block)', async () => {
  const qwen = path.join(templates, 'Qwen3.jinja');
  const plain = await cria(['--chat-template-file', qwen]);
  const prompt = async (server, extra = {}) => (await server.post('/apply-template', { messages, ...extra })).body.prompt;
  assert.doesNotMatch(await prompt(plain), /<think>/);
  assert.match(await prompt(plain, { chat_template_kwargs: { enable_thinking: false } }), /<think>\n\n<\/think>\n\n$/);
  assert.match(await prompt(plain, { reasoning_budget: 0 }), /<think>\n\n<\/think>\n\n$/);
  assert.match(await prompt(plain, { thinking_budget_tokens: 0 }), /<think>\n\n<\/think>\n\n$/);

  const off = await cria(['--chat-template-file', qwen, '--chat-template-kwargs', '{"enable_thinking": false}']);
  assert.match(await prompt(off), /<think>\n\n<\/think>\n\n$/);
  // The request's kwargs win over the server's.
  assert.doesNotMatch(await prompt(off, { chat_template_kwargs: { enable_thinking: true } }), /<think>/);
  const reasoningOff = await cria(['--chat-template-file', qwen, '--reasoning', 'off']);
  assert.match(await prompt(reasoningOff), /<think>\n\n<\/think>\n\n$/);
});

test('earlier reasoning_content reaches templates that take it; malformed reasoning fields are refused', async () => {
  const server = await cria(['--chat-template-file', path.join(templates, 'GLM-4.5.jinja')]);
  const history = [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: 'Hello!', reasoning_content: 'greet back' },
  ];
  const res = await server.post('/apply-template', { messages: history });
  assert.match(res.body.prompt, /<think>greet back<\/think>/);
  const bad = await server.post('/v1/chat/completions', { messages, chat_template_kwargs: 'x' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.param ?? 'chat_template_kwargs', 'chat_template_kwargs');
  const badFormat = await server.post('/v1/chat/completions', { messages, reasoning_format: 'sideways' });
  assert.equal(badFormat.status, 400);
});
