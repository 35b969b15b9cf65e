// The thinking budget (--reasoning-budget, reasoning_budget_tokens): with DeepSeek R1's template the
// prompt opens a think block; after N generated tokens of thinking the server forces
// message + "</think>", and the answer goes on as content. Greedy decoding makes the first N
// tokens the same with and without a budget, so the budgeted reasoning is the unbudgeted answer's
// first N tokens.
//
// llama-server 0.7 on this tiny model: its budget matches the start tag token by token, and this
// vocabulary tokenizes the prompt's "<think>" differently from "<think>" alone, so its budget never
// starts (its log: "reasoning budget: tokens=3 ... start=3 toks", then no "activated"); cria reads
// the tags in the text, so there is nothing of llama-server's to compare here.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { criaPool, ROOT, TINY_MODEL, assertErrorShape } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

const templates = path.join(ROOT, 'tests/templates/models');
const r1 = ['--chat-template-file', path.join(templates, 'DeepSeek-R1.jinja'), '--reasoning-format', 'deepseek'];
const pool = criaPool(THREADS);
after(() => pool.stopAll());
const cria = pool.start;

const messages = [{ role: 'user', content: 'Think, then answer.' }];
const chat = (server, extra) => server.post('/v1/chat/completions', { messages, temperature: 0, ...extra });

// The reasoning of an unbudgeted answer cut after n tokens (the think block still open).
async function firstThinking(server, n) {
  const res = await chat(server, { max_tokens: n });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.choices[0].message.reasoning_content;
}

test('a budget of N tokens ends the reasoning after N tokens; the answer goes on as content', async () => {
  const server = await cria(r1);
  for (const n of [1, 3, 5]) {
    const expected = await firstThinking(server, n);
    const res = await chat(server, { max_tokens: 30, reasoning_budget_tokens: n });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const m = res.body.choices[0].message;
    assert.equal(m.reasoning_content, expected, `budget ${n}`);
    // The forced end tag closed the block: the rest is content, and counted as generated tokens.
    assert.ok(m.content.length > 0, JSON.stringify(m));
    assert.doesNotMatch(m.content, /<\/?think>/);
    assert.equal(res.body.usage.completion_tokens, 30);
    // thinking_budget_tokens is the same field.
    const alias = await chat(server, { max_tokens: 30, thinking_budget_tokens: n });
    assert.deepEqual(alias.body.choices[0].message, m);
  }
});

test('the message is forced before the end tag; streamed and whole answers agree', async () => {
  const server = await cria(r1);
  const expected = await firstThinking(server, 4);
  const body = { max_tokens: 30, reasoning_budget_tokens: 4, reasoning_budget_message: ' Enough thinking, time to answer.' };
  const whole = await chat(server, body);
  const m = whole.body.choices[0].message;
  // The forced text is tokenized alone, so it may begin with the tokenizer's leading space.
  assert.ok(m.reasoning_content.startsWith(expected), JSON.stringify([expected, m.reasoning_content]));
  assert.match(m.reasoning_content.slice(expected.length), /^\s*Enough thinking, time to answer\.$/);
  assert.ok(m.content.length > 0);

  const res = await server.stream('/v1/chat/completions', { messages, temperature: 0, ...body });
  const deltas = res.events.filter((e) => e.choices?.length).map((e) => e.choices[0].delta);
  assert.equal(deltas.map((d) => d.reasoning_content ?? '').join(''), m.reasoning_content);
  assert.equal(deltas.map((d) => d.content ?? '').join(''), m.content);
});

test('budget 0 gives no reasoning at all; -1 and no budget leave thinking alone', async () => {
  const server = await cria(r1);
  const zero = await chat(server, { max_tokens: 10, reasoning_budget_tokens: 0 });
  assert.equal(zero.status, 200, JSON.stringify(zero.body));
  assert.ok(!zero.body.choices[0].message.reasoning_content, JSON.stringify(zero.body.choices[0].message));
  assert.ok(zero.body.choices[0].message.content.length > 0);

  const expected = await firstThinking(server, 12);
  const unlimited = await chat(server, { max_tokens: 12, reasoning_budget_tokens: -1 });
  assert.equal(unlimited.body.choices[0].message.reasoning_content, expected);
});

test('--reasoning-budget is the default a request may override; the message option too', async () => {
  const server = await cria([...r1, '--reasoning-budget', '2', '--reasoning-budget-message', ' Done.']);
  const plain = await cria(r1);
  const two = await firstThinking(plain, 2);
  const six = await firstThinking(plain, 6);
  const byDefault = await chat(server, { max_tokens: 20 });
  const reasoning = byDefault.body.choices[0].message.reasoning_content;
  assert.ok(reasoning.startsWith(two), JSON.stringify([two, reasoning]));
  assert.match(reasoning.slice(two.length), /^\s*Done\.$/);
  const asked = await chat(server, { max_tokens: 20, reasoning_budget_tokens: 6, reasoning_budget_message: '' });
  assert.equal(asked.body.choices[0].message.reasoning_content, six);
});

test('with speculative decoding (a draft model that agrees) the budgeted answer is the same', async () => {
  const plain = await cria(r1);
  const drafting = await cria([...r1, '-md', TINY_MODEL]);
  const body = { max_tokens: 40, reasoning_budget_tokens: 5, reasoning_budget_message: ' Enough.' };
  const want = await chat(plain, body);
  const got = await chat(drafting, body);
  assert.deepEqual(got.body.choices[0].message, want.body.choices[0].message);
  assert.equal(got.body.usage.completion_tokens, 40);
  // Drafting resumed after the block: some draft tokens were accepted in the content.
  assert.ok(got.body.timings.draft_n_accepted > 0, JSON.stringify(got.body.timings));
});

test('a grammar wins over the budget (forcing text could break it)', async () => {
  const server = await cria(r1);
  const res = await chat(server, { max_tokens: 40, reasoning_budget_tokens: 1, grammar: 'root ::= "still thinking</think>Done."' });
  assert.equal(res.body.choices[0].message.reasoning_content, 'still thinking');
  assert.equal(res.body.choices[0].message.content, 'Done.');
});

test('/completion: the budget applies when the prompt opens the block', async () => {
  const server = await cria([]);
  const prompt = 'Question: why?\n<think>\n';
  const free = await server.post('/completion', { prompt, n_predict: 3, temperature: 0 });
  const res = await server.post('/completion', { prompt, n_predict: 12, temperature: 0, reasoning_budget_tokens: 3 });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.ok(res.body.content.startsWith(free.body.content), JSON.stringify([free.body.content, res.body.content]));
  assert.match(res.body.content.slice(free.body.content.length), /^ ?<\/think>/);
  assert.equal(res.body.tokens_predicted, 12);
  // A prompt that did not open one: nothing is forced.
  const outside = await server.post('/completion', { prompt: 'Question: why?', n_predict: 8, temperature: 0, reasoning_budget_tokens: 1 });
  const outsideFree = await server.post('/completion', { prompt: 'Question: why?', n_predict: 8, temperature: 0 });
  assert.equal(outside.body.content, outsideFree.body.content);
});

test('Anthropic thinking.budget_tokens is the budget', async () => {
  const server = await cria(r1);
  const expected = await firstThinking(server, 3);
  const res = await server.post('/v1/messages', {
    model: 'tiny', max_tokens: 30, temperature: 0, messages, thinking: { type: 'enabled', budget_tokens: 3 },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const thinking = res.body.content.find((b) => b.type === 'thinking');
  assert.equal(thinking?.thinking, expected, JSON.stringify(res.body.content));
  assert.ok(res.body.content.some((b) => b.type === 'text' && b.text.length > 0));
});

test('invalid budgets and messages are a 400 naming the field', async () => {
  const server = await cria(r1);
  for (const [field, value] of [['reasoning_budget_tokens', -2], ['reasoning_budget_tokens', 'ten'],
    ['reasoning_budget_tokens', 2 ** 31], ['thinking_budget_tokens', 1.5], ['reasoning_budget_message', 7],
    ['reasoning_budget_message', 'x'.repeat(5000)]]) {
    const res = await chat(server, { max_tokens: 4, [field]: value });
    assertErrorShape(assert, res, 400, field);
    const completion = await server.post('/completion', { prompt: 'Hi', n_predict: 2, [field]: value });
    assertErrorShape(assert, completion, 400, field);
  }
  const tag = await server.post('/completion', { prompt: 'Hi', n_predict: 2, reasoning_budget_end_tag: ['</think>'] });
  assertErrorShape(assert, tag, 400, 'reasoning_budget_end_tag');
});
