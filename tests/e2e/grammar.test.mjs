// Constrained generation with a GBNF `grammar`: whatever the seed, the output parses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, assertErrorShape } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

let cria;
before(async () => { cria = await startCria(['-np', '2', ...THREADS]); });
after(async () => { await cria?.stop(); });

const SEEDS = [1, 2, 3, 4, 5, 6];

test('a yes/no grammar: every sampled output is "yes" or "no" and a two-digit number, then EOS', async () => {
  const grammar = 'root ::= ("yes" | "no") " " [0-9] [0-9]';
  for (const seed of SEEDS) {
    const res = await cria.post('/completion', { prompt: 'Answer:', grammar, temperature: 1.5, seed, n_predict: 32 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.body.content, /^(yes|no) [0-9]{2}$/, `seed ${seed}: ${JSON.stringify(res.body.content)}`);
    assert.equal(res.body.stopped_eos, true, `seed ${seed}: the grammar is complete, only end-of-generation is left`);
    assert.equal(res.body.generation_settings.grammar, grammar);
  }
});

test('a JSON object grammar: outputs parse as JSON with the required shape, streamed or not', async () => {
  const grammar = [
    'root ::= "{" ws "\\"name\\":" ws name "," ws "\\"age\\":" ws age ws "}"',
    'name ::= "\\"" [a-z]{1,8} "\\""',
    'age ::= [1-9] [0-9]?',
    'ws ::= [ ]?',
  ].join('\n');
  for (const seed of SEEDS.slice(0, 4)) {
    const body = { prompt: 'Person:', grammar, temperature: 1.2, seed, n_predict: 64 };
    const plain = await cria.post('/completion', body);
    assert.equal(plain.status, 200, JSON.stringify(plain.body));
    const value = JSON.parse(plain.body.content);
    assert.deepEqual(Object.keys(value), ['name', 'age']);
    assert.match(value.name, /^[a-z]{1,8}$/);
    assert.ok(Number.isInteger(value.age) && value.age >= 1 && value.age <= 99);
    const streamed = await cria.stream('/completion', body);
    assert.equal(streamed.events.map((e) => e.content).join(''), plain.body.content, `seed ${seed}: stream differs`);
  }
});

test('without the grammar the same requests do not follow it (the grammar is what constrains)', async () => {
  let free = 0;
  for (const seed of SEEDS) {
    const res = await cria.post('/completion', { prompt: 'Answer:', temperature: 1.5, seed, n_predict: 8 });
    if (!/^(yes|no) [0-9]{2}$/.test(res.body.content)) free++;
  }
  assert.ok(free > 0);
});

test('a grammar that does not parse is a 400 "Failed to parse grammar" saying where, and the server goes on', async () => {
  const cases = [
    ['root ::= "unterminated', /line 1, column 10: unterminated string/],
    ['start ::= "a"', /no 'root' rule/],
    ['root ::= value\nvalue ::= "a" | undefined-rule', /'undefined-rule' is used at line 2, column 17/],
    ['root ::= ("a" | "b"', /line 1, column 10: .*parenthes/],
  ];
  for (const [grammar, where] of cases) {
    const res = await cria.post('/completion', { prompt: 'x', grammar, n_predict: 4 });
    assertErrorShape(assert, res, 400, 'grammar');
    assert.match(res.body.error.message, /Failed to parse grammar/);
    assert.match(res.body.error.message, where);
  }
  assert.equal((await cria.post('/completion', { prompt: 'x', n_predict: 2 })).status, 200);
});
