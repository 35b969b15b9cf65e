// The seed's system prompt: --system-prompt-file or a request's `system_prompt` puts a text before
// every /completion prompt, shared by all slots and computed once; /props serves its names.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCria, runCria, freePort, assertErrorShape, TINY_MODEL } from './lib/cria.mjs';
import { THREADS, greedy, complete } from './lib/generation-helpers.mjs';

// Long enough (> 32 tokens) for the scheduler to share it between slots.
const SYSTEM = 'Transcript of a never ending dialog where the User talks with an Assistant who is helpful ' +
  'kind honest good at writing and never fails to answer the requests of the User at once and with ' +
  'precision about the weather the sea the town and the old lighthouse by the harbour.\nUser:';

describe('--system-prompt-file', () => {
  let cria;
  before(async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cria-spf-')), 'system.json');
    fs.writeFileSync(file, JSON.stringify({ prompt: SYSTEM, anti_prompt: 'User:', assistant_name: 'Assistant:' }));
    cria = await startCria(['-np', '2', '-spf', file, ...THREADS]);
  });
  after(async () => { await cria?.stop(); });

  test('/props serves the system prompt and its names', async () => {
    const props = (await cria.get('/props')).body;
    assert.equal(props.system_prompt, SYSTEM);
    assert.equal(props.user_name, 'User:');
    assert.equal(props.assistant_name, 'Assistant:');
  });

  test('a prompt continues the system prompt: same output as sending both as one prompt', async () => {
    const withSystem = await complete(cria, greedy(' What is the weather today?', 8));
    const systemTokens = (await cria.post('/tokenize', { content: SYSTEM, add_special: true })).body.tokens;
    const ownTokens = (await cria.post('/tokenize', { content: ' What is the weather today?', add_special: false })).body.tokens;
    assert.equal(withSystem.tokens_evaluated, systemTokens.length + ownTokens.length);
    assert.equal(withSystem.prompt, ' What is the weather today?');
    // The same tokens sent as a prompt to a server without a system prompt.
    const plain = await startCria(['-np', '1', ...THREADS]);
    try {
      const joined = await complete(plain, greedy([...systemTokens, ...ownTokens], 8));
      assert.equal(withSystem.content, joined.content);
    } finally {
      await plain.stop();
    }
  });

  test('shared by all slots: the second slot does not compute it again', async () => {
    const first = await complete(cria, greedy(' Tell me about the sea.', 4, { id_slot: 0 }));
    const second = await complete(cria, greedy(' Tell me about the town.', 4, { id_slot: 1 }));
    assert.ok(second.timings.cache_n >= first.tokens_evaluated - 8,
      `slot 1 reused ${second.timings.cache_n} of ${second.tokens_evaluated} tokens`);
    assert.ok(second.timings.prompt_n < 10, `slot 1 evaluated ${second.timings.prompt_n} tokens`);
  });
});

describe('the system_prompt request field', () => {
  let cria;
  before(async () => { cria = await startCria(['-np', '1', ...THREADS]); });
  after(async () => { await cria?.stop(); });

  test('sets the server-wide system prompt for this and later requests', async () => {
    const before_ = await complete(cria, greedy('Hello', 2));
    const own = before_.tokens_evaluated;
    const set = await complete(cria, greedy('Hello', 2, {
      system_prompt: { prompt: 'You answer in one word.', anti_prompt: 'Q:', assistant_name: 'A:' },
    }));
    assert.ok(set.tokens_evaluated > own, `${set.tokens_evaluated} should exceed ${own}`);
    const later = await complete(cria, greedy('Hello', 2));
    assert.equal(later.tokens_evaluated, set.tokens_evaluated);
    const props = (await cria.get('/props')).body;
    assert.deepEqual([props.system_prompt, props.user_name, props.assistant_name], ['You answer in one word.', 'Q:', 'A:']);
    // An empty string changes nothing.
    assert.equal((await complete(cria, greedy('Hello', 2, { system_prompt: '' }))).tokens_evaluated, set.tokens_evaluated);
  });

  test('a malformed system_prompt is a 400 naming the member', async () => {
    assertErrorShape(assert, await cria.post('/completion', greedy('Hi', 1, { system_prompt: { prompt: 5 } })), 400,
      'system_prompt.prompt');
    assertErrorShape(assert, await cria.post('/completion', greedy('Hi', 1, { system_prompt: 7 })), 400, 'system_prompt');
  });
});

describe('a refused request leaves the system prompt as it was', () => {
  let cria;
  before(async () => { cria = await startCria(['-np', '1', '-c', '256', ...THREADS]); });
  after(async () => { await cria?.stop(); });

  const propsPrompt = async () => (await cria.get('/props')).body.system_prompt;
  const LONG = Array.from({ length: 300 }, (_, i) => `word${i % 7}`).join(' ');

  test('/completion: a grammar refused late, or a prompt too long for the slot, is a 400 and changes nothing', async () => {
    await complete(cria, greedy('Hello', 1, { system_prompt: 'The old one.' }));
    assert.equal(await propsPrompt(), 'The old one.');
    assertErrorShape(assert, await cria.post('/completion', greedy('Hello', 1, {
      system_prompt: 'A new one.', grammar: 'root ::= "a" undefined-rule',
    })), 400, 'grammar');
    assert.equal(await propsPrompt(), 'The old one.');
    assertErrorShape(assert, await cria.post('/completion', greedy(LONG, 1, { system_prompt: 'A new one.' })), 400, 'prompt');
    assert.equal(await propsPrompt(), 'The old one.');
  });

  test('/v1/completions with two prompts: one refused prompt refuses all, and the change comes only with a valid request', async () => {
    await complete(cria, greedy('Hello', 1, { system_prompt: 'The old one.' }));
    const refused = await cria.post('/v1/completions', { prompt: ['Hello', [1, 999999]], max_tokens: 1, system_prompt: 'A new one.' });
    assertErrorShape(assert, refused, 400, 'prompt');
    assert.equal(await propsPrompt(), 'The old one.');
    const tooLong = await cria.post('/v1/completions', { prompt: ['Hello', LONG], max_tokens: 1, system_prompt: 'A new one.' });
    assertErrorShape(assert, tooLong, 400, 'prompt');
    assert.equal(await propsPrompt(), 'The old one.');
    const ok = await cria.post('/v1/completions', { prompt: ['Hello', 'World'], max_tokens: 1, temperature: 0, system_prompt: 'A new one.' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.choices.length, 2);
    assert.equal(await propsPrompt(), 'A new one.');
  });
});

test('an unreadable or malformed --system-prompt-file stops the start with a clear message', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cria-spf-'));
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, '{"anti_prompt": "User:"}');
  for (const file of [path.join(dir, 'absent.json'), bad]) {
    const res = await runCria(['-m', TINY_MODEL, '--host', '127.0.0.1', '--port', String(await freePort()), '-spf', file]);
    assert.equal(res.code, 1, res.stderr);
    assert.ok(res.stderr.includes('--system-prompt-file'), res.stderr);
  }
});
