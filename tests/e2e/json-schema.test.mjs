// json_schema: the schema becomes a grammar; whatever the seed, the output is JSON that validates.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, assertErrorShape } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

let cria;
before(async () => { cria = await startCria(['-np', '2', ...THREADS]); });
after(async () => { await cria?.stop(); });

const schema = {
  type: 'object',
  properties: {
    name: { type: 'string', pattern: '^[a-z]{1,8}$' },
    age: { type: 'integer', minimum: 1, maximum: 99 },
    kind: { enum: ['cat', 'dog', 'bird'] },
    tags: { type: 'array', items: { type: 'string', maxLength: 4 }, minItems: 1, maxItems: 3 },
    owner: { $ref: '#/$defs/person' },
    alive: { type: 'boolean' },
  },
  required: ['name', 'age', 'kind', 'tags', 'owner', 'alive'],
  additionalProperties: false,
  $defs: {
    person: {
      type: 'object',
      properties: { first: { type: 'string', maxLength: 6 }, id: { type: 'string', format: 'uuid' } },
      required: ['first', 'id'],
      additionalProperties: false,
    },
  },
};

// A validator for exactly this schema (the project has no JSON Schema library).
function validate(v) {
  const errors = [];
  const check = (ok, what) => { if (!ok) errors.push(what); };
  check(v && typeof v === 'object' && !Array.isArray(v), 'an object');
  check(JSON.stringify(Object.keys(v)) === JSON.stringify(['name', 'age', 'kind', 'tags', 'owner', 'alive']), `keys ${Object.keys(v)}`);
  check(typeof v.name === 'string' && /^[a-z]{1,8}$/.test(v.name), `name ${v.name}`);
  check(Number.isInteger(v.age) && v.age >= 1 && v.age <= 99, `age ${v.age}`);
  check(['cat', 'dog', 'bird'].includes(v.kind), `kind ${v.kind}`);
  check(Array.isArray(v.tags) && v.tags.length >= 1 && v.tags.length <= 3
    && v.tags.every((t) => typeof t === 'string' && [...t].length <= 4), `tags ${JSON.stringify(v.tags)}`);
  const o = v.owner;
  check(o && JSON.stringify(Object.keys(o)) === JSON.stringify(['first', 'id']), `owner keys ${o && Object.keys(o)}`);
  check(o && typeof o.first === 'string' && [...o.first].length <= 6, `owner.first ${o?.first}`);
  check(o && /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(o.id), `owner.id ${o?.id}`);
  check(typeof v.alive === 'boolean', `alive ${v.alive}`);
  return errors;
}

test('over many seeds, every output parses as JSON and validates against the schema', async () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const res = await cria.post('/completion', {
      prompt: 'A pet:', json_schema: schema, temperature: 1.0, seed, n_predict: 400, cache_prompt: false,
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.stopped_eos, true, `seed ${seed}: the document did not close: ${res.body.content}`);
    let value;
    assert.doesNotThrow(() => { value = JSON.parse(res.body.content); }, `seed ${seed}: not JSON: ${res.body.content}`);
    assert.deepEqual(validate(value), [], `seed ${seed}: ${res.body.content}`);
  }
});

test('a streamed schema-constrained completion equals the plain one', async () => {
  const body = { prompt: 'A pet:', json_schema: schema, temperature: 1.0, seed: 11, n_predict: 400, cache_prompt: false };
  const plain = await cria.post('/completion', body);
  const { events } = await cria.stream('/completion', body);
  assert.equal(events.map((e) => e.content).join(''), plain.body.content);
  assert.deepEqual(validate(JSON.parse(plain.body.content)), []);
});

test('unsupported schema keywords and bad combinations are a 400 naming json_schema', async () => {
  const bad = [
    { type: 'string', not: { const: 'x' } },
    { type: 'object', patternProperties: { '^a': { type: 'string' } } },
    { type: 'integer', multipleOf: 3 },
    { $ref: '#/$defs/missing' },
    'not a schema',
  ];
  for (const json_schema of bad) {
    const res = await cria.post('/completion', { prompt: 'x', json_schema, n_predict: 2 });
    assertErrorShape(assert, res, 400, 'json_schema');
  }
  const both = await cria.post('/completion', { prompt: 'x', json_schema: { type: 'boolean' }, grammar: 'root ::= "a"' });
  assertErrorShape(assert, both, 400, 'json_schema');
  assert.equal((await cria.post('/completion', { prompt: 'x', n_predict: 2 })).status, 200);
});

test('the property order of the schema as written is kept (not alphabetical)', async () => {
  const ordered = { type: 'object', properties: { zeta: { type: 'boolean' }, alpha: { type: 'boolean' } }, required: ['zeta', 'alpha'] };
  const res = await cria.post('/completion', { prompt: 'x', json_schema: ordered, seed: 3, temperature: 1, n_predict: 64 });
  assert.deepEqual(Object.keys(JSON.parse(res.body.content)), ['zeta', 'alpha']);
});
