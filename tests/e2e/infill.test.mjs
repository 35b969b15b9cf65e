// /infill: the model's fill-in-the-middle tokens around the prefix and suffix, /completion's options.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, assertErrorShape, TINY_MODEL } from './lib/cria.mjs';
import { llamaServerPath, startLlamaServer } from './lib/llama-server.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

let cria;
let special;
before(async () => {
  cria = await startCria(['-np', '2', ...THREADS]);
  const id = async (text) => {
    const { tokens } = (await cria.post('/tokenize', { content: text, add_special: false })).body;
    assert.equal(tokens.length, 1, `${text} is not one token`);
    return tokens[0];
  };
  special = { bos: (await cria.post('/tokenize', { content: '', add_special: true })).body.tokens[0],
    pre: await id('<|fim_prefix|>'), suf: await id('<|fim_suffix|>'), mid: await id('<|fim_middle|>') };
});
after(async () => { await cria?.stop(); });

const tokens = async (text) => (await cria.post('/tokenize', { content: text, add_special: false, parse_special: false })).body.tokens;

test('the prompt is BOS FIM_PRE prefix FIM_SUF suffix FIM_MID, and greedy output equals /completion on it', async () => {
  const prefix = 'the quick brown';
  const suffix = 'over the lazy dog';
  const infill = await cria.post('/infill', { input_prefix: prefix, input_suffix: suffix, n_predict: 16, temperature: 0 });
  assert.equal(infill.status, 200, JSON.stringify(infill.body));
  const expected = [special.bos, special.pre, ...await tokens(prefix), special.suf, ...await tokens(suffix), special.mid];
  assert.equal(infill.body.tokens_evaluated, expected.length);
  const plain = await cria.post('/completion', { prompt: expected, n_predict: 16, temperature: 0 });
  assert.deepEqual(infill.body.tokens, plain.body.tokens);
  assert.equal(infill.body.content, plain.body.content);
});

test('input_extra files come ahead of the prefix, and prompt starts the middle', async () => {
  // This model has no FIM separator token, so the files are written as text ahead of the prefix.
  const body = { input_prefix: 'people', input_suffix: 'time', prompt: 'water', n_predict: 4, temperature: 0,
    input_extra: [{ filename: 'notes.txt', text: 'look at the house' }] };
  const res = await cria.post('/infill', body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const p = res.body.prompt;
  const order = ['<|fim_prefix|>', 'notes.txt', 'look at the house', 'people', '<|fim_suffix|>', 'time', '<|fim_middle|>', 'water']
    .map((s) => p.indexOf(s));
  assert.ok(order.every((i) => i >= 0), `prompt ${JSON.stringify(p)}`);
  assert.deepEqual([...order].sort((x, y) => x - y), order, `out of order: ${JSON.stringify(p)}`);
});

test('the /completion options apply: n_predict, stop, stream', async () => {
  const base = { input_prefix: 'the quick', input_suffix: 'dog', temperature: 0 };
  const long = await cria.post('/infill', { ...base, n_predict: 12 });
  assert.equal(long.body.tokens.length, 12);
  const stop = long.body.content.slice(4, 7);
  const stopped = await cria.post('/infill', { ...base, n_predict: 12, stop: [stop] });
  assert.equal(stopped.body.stopped_word, true);
  assert.ok(!stopped.body.content.includes(stop));
  const { events } = await cria.stream('/infill', { ...base, n_predict: 12 });
  assert.equal(events.map((e) => e.content).join(''), long.body.content);
  assert.equal(events.at(-1).stop, true);
});

test('bad input: wrong types name their field, and the server goes on', async () => {
  for (const [body, field] of [[{ input_prefix: 5 }, 'input_prefix'], [{ input_suffix: [] }, 'input_suffix'],
    [{ input_extra: 'x' }, 'input_extra'], [{ input_extra: [{ text: 3 }] }, 'input_extra'], [{ n_predict: 'x' }, 'n_predict']]) {
    assertErrorShape(assert, await cria.post('/infill', body), 400, field);
  }
  assert.equal((await cria.post('/infill', { input_prefix: 'a', n_predict: 1 })).status, 200);
});

test('--spm-infill: the prompt is BOS FIM_SUF suffix FIM_PRE prefix FIM_MID, and the output is llama-server --spm-infill\'s', async (t) => {
  const prefix = 'the quick brown';
  const suffix = 'over the lazy dog';
  const request = { input_prefix: prefix, input_suffix: suffix, n_predict: 16, temperature: 0 };
  const spm = await startCria(['--spm-infill', ...THREADS]);
  try {
    const infill = await spm.post('/infill', request);
    assert.equal(infill.status, 200, JSON.stringify(infill.body));
    const expected = [special.bos, special.suf, ...await tokens(suffix), special.pre, ...await tokens(prefix), special.mid];
    assert.equal(infill.body.tokens_evaluated, expected.length);
    const plain = await cria.post('/completion', { prompt: expected, n_predict: 16, temperature: 0 });
    assert.deepEqual(infill.body.tokens, plain.body.tokens);
    const p = infill.body.prompt;
    assert.ok(p.indexOf('<|fim_suffix|>') < p.indexOf('<|fim_prefix|>') && p.indexOf('<|fim_prefix|>') < p.indexOf('<|fim_middle|>'),
      `prompt ${JSON.stringify(p)}`);

    if (!llamaServerPath()) return t.skip('llama-server is not installed: the oracle comparison did not run');
    const llama = await startLlamaServer(TINY_MODEL, ['--spm-infill', ...THREADS]);
    try {
      const theirs = await llama.post('/infill', request);
      assert.equal(theirs.status, 200, JSON.stringify(theirs.body));
      assert.equal(infill.body.content, theirs.body.content);
      assert.equal(infill.body.tokens_evaluated, theirs.body.tokens_evaluated);
    } finally {
      await llama.stop();
    }
  } finally {
    await spm.stop();
  }
});
