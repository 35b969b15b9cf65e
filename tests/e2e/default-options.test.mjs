// Command-line defaults of requests that the sampling-defaults tests do not cover: --ignore-eos,
// -l/--logit-bias, --grammar, -j/--json-schema, --sampling-seq; and the model-loading options
// --override-kv and --check-tensors. A request's own field always wins over a default.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, runCria, freePort, TINY_MODEL } from './lib/cria.mjs';
import { THREADS, greedy, complete } from './lib/generation-helpers.mjs';

const EOS = 2;  // </s> in the generated test models (tools/make-model.cpp)
const BOS = 1;  // <s>
const PROMPT = 'The quick brown fox';
const YES_NO = 'root ::= "yes" | "no"';
const SCHEMA = { type: 'object', properties: { answer: { type: 'boolean' } }, required: ['answer'] };

let plain;       // no defaults: the reference
let eosServer;   // --ignore-eos with -l forcing EOS, plus --sampling-seq, --check-tensors, --override-kv
let banServer;   // -l TOKEN-inf on the token greedy decoding picks first
let grammarServer;
let schemaServer;
let bannedToken;

before(async () => {
  plain = await startCria(['-np', '1', ...THREADS]);
  bannedToken = (await complete(plain, greedy(PROMPT, 1))).tokens[0];
  [eosServer, banServer, grammarServer, schemaServer] = await Promise.all([
    startCria(['-np', '1', ...THREADS, '--ignore-eos', '-l', `${EOS}+100`, '--sampling-seq', 'kmt', '--check-tensors',
      '--override-kv', 'tokenizer.ggml.add_bos_token=bool:false']),
    startCria(['-np', '1', ...THREADS, '-l', `${bannedToken}-inf`]),
    startCria(['-np', '1', ...THREADS, '--grammar', YES_NO]),
    startCria(['-np', '1', ...THREADS, '-j', JSON.stringify(SCHEMA)]),
  ]);
});
after(async () => {
  await Promise.all([plain, eosServer, banServer, grammarServer, schemaServer].map((s) => s?.stop()));
});

test('plain server: no defaults in /props, the runtime shows no overrides', async () => {
  const props = (await plain.get('/props')).body;
  const settings = props.default_generation_settings;
  assert.equal(settings.ignore_eos, false);
  assert.deepEqual(settings.logit_bias, []);
  assert.equal(settings.grammar, '');
  assert.equal(props.runtime.check_tensors, false);
  assert.deepEqual(props.runtime.kv_overrides, []);
});

test('--ignore-eos and -l show in /props and in each response', async () => {
  const settings = (await eosServer.get('/props')).body.default_generation_settings;
  assert.equal(settings.ignore_eos, true);
  assert.deepEqual(settings.logit_bias, [[EOS, 100]]);
  const res = await complete(eosServer, greedy(PROMPT, 3));
  assert.equal(res.generation_settings.ignore_eos, true);
  assert.deepEqual(res.generation_settings.logit_bias, [[EOS, 100]]);
});

test('--ignore-eos keeps generating although -l makes every token EOS', async () => {
  const res = await complete(eosServer, greedy(PROMPT, 8));
  assert.equal(res.tokens.length, 8);
  assert.ok(res.tokens.every((t) => t === EOS), `the bias should force EOS: ${res.tokens}`);
  assert.equal(res.stopped_eos, false);
  assert.equal(res.stopped_limit, true);
});

test("a request's own ignore_eos and logit_bias win over the defaults", async () => {
  // ignore_eos false: the forced EOS ends the generation at once.
  const stops = await complete(eosServer, greedy(PROMPT, 8, { ignore_eos: false }));
  assert.equal(stops.stopped_eos, true);
  assert.equal(stops.generation_settings.ignore_eos, false);
  // Its own logit_bias replaces the default list: EOS is no longer forced, and the tokens are
  // what a server without defaults gives for the same request (token ids as the prompt: no BOS
  // on either server, whatever --override-kv did to eosServer's).
  const promptTokens = (await plain.post('/tokenize', { content: PROMPT })).body.tokens;
  const body = greedy(promptTokens, 6, { logit_bias: [[5, 0.5]] });
  const own = await complete(eosServer, body);
  assert.deepEqual(own.generation_settings.logit_bias, [[5, 0.5]]);
  assert.ok(!own.tokens.includes(EOS), `EOS should not be forced any more: ${own.tokens}`);
  const reference = await complete(plain, { ...body, ignore_eos: true });
  assert.deepEqual(own.tokens, reference.tokens);
  // An empty list is a list too: no bias at all.
  assert.deepEqual((await complete(eosServer, greedy(PROMPT, 2, { logit_bias: [] }))).generation_settings.logit_bias, []);
});

test('-l TOKEN-inf bans the token: never sampled, greedy or seeded', async () => {
  assert.deepEqual((await banServer.get('/props')).body.default_generation_settings.logit_bias, [[bannedToken, false]]);
  const first = await complete(banServer, greedy(PROMPT, 1));
  assert.notEqual(first.tokens[0], bannedToken, 'greedy decoding still picked the banned token');
  for (let seed = 1; seed <= 5; seed++) {
    const res = await complete(banServer, { prompt: PROMPT, n_predict: 16, temperature: 1.5, top_k: 0, min_p: 0, seed,
      ignore_eos: true });
    assert.ok(!res.tokens.includes(bannedToken), `seed ${seed}: the banned token ${bannedToken} came: ${res.tokens}`);
  }
  // A request's own list replaces the ban.
  const own = await complete(banServer, greedy(PROMPT, 1, { logit_bias: [[EOS, -1]] }));
  assert.equal(own.tokens[0], bannedToken);
});

test('--grammar constrains requests that set no grammar, and /props shows it', async () => {
  assert.equal((await grammarServer.get('/props')).body.default_generation_settings.grammar, YES_NO);
  for (let seed = 1; seed <= 4; seed++) {
    const res = await complete(grammarServer, { prompt: PROMPT, n_predict: 8, temperature: 1, seed });
    assert.ok(['yes', 'no'].includes(res.content), `seed ${seed}: ${JSON.stringify(res.content)}`);
    assert.equal(res.generation_settings.grammar, YES_NO);
  }
  // Through the OpenAI-compatible endpoint too.
  const chat = await grammarServer.post('/v1/chat/completions', {
    messages: [{ role: 'user', content: 'hi' }], max_tokens: 8, temperature: 0,
  });
  assert.equal(chat.status, 200, JSON.stringify(chat.body));
  assert.ok(['yes', 'no'].includes(chat.body.choices[0].message.content), chat.body.choices[0].message.content);
});

test("a request's own grammar, json_schema or response_format wins over --grammar", async () => {
  const own = await complete(grammarServer, greedy(PROMPT, 8, { grammar: 'root ::= "maybe"' }));
  assert.equal(own.content, 'maybe');
  const schema = await complete(grammarServer, greedy(PROMPT, 40, { json_schema: { type: 'integer', minimum: 0, maximum: 99 } }));
  assert.ok(Number.isInteger(JSON.parse(schema.content)), schema.content);
  // An explicitly empty grammar asks for none: the output is what an unconstrained server gives.
  const free = await complete(grammarServer, greedy(PROMPT, 6, { grammar: '', ignore_eos: true }));
  const reference = await complete(plain, greedy(PROMPT, 6, { ignore_eos: true }));
  assert.equal(free.content, reference.content);
  const chat = await grammarServer.post('/v1/chat/completions', {
    messages: [{ role: 'user', content: 'hi' }], max_tokens: 60, temperature: 0,
    response_format: { type: 'json_schema', json_schema: { name: 'n', schema: { type: 'boolean' } } },
  });
  assert.equal(chat.status, 200, JSON.stringify(chat.body));
  assert.equal(typeof JSON.parse(chat.body.choices[0].message.content), 'boolean');
});

test('-j makes every default output parse as JSON following the schema', async () => {
  const grammar = (await schemaServer.get('/props')).body.default_generation_settings.grammar;
  assert.ok(grammar.includes('root'), grammar);
  for (let seed = 1; seed <= 3; seed++) {
    const res = await complete(schemaServer, { prompt: PROMPT, n_predict: 60, temperature: 1, seed });
    const value = JSON.parse(res.content);
    assert.equal(typeof value.answer, 'boolean', res.content);
  }
  const own = await complete(schemaServer, greedy(PROMPT, 8, { grammar: YES_NO }));
  assert.ok(['yes', 'no'].includes(own.content), own.content);
});

test('--sampling-seq sets the sampler order, shown in /props; a request\'s samplers win', async () => {
  assert.deepEqual((await eosServer.get('/props')).body.default_generation_settings.samplers, ['top_k', 'min_p', 'temperature']);
  const own = await complete(eosServer, greedy(PROMPT, 1, { samplers: ['top_p'] }));
  assert.deepEqual(own.generation_settings.samplers, ['top_p']);
});

test('--override-kv tokenizer.ggml.add_bos_token=bool:false: tokenizing with add_special adds no BOS', async () => {
  const withBos = await plain.post('/tokenize', { content: 'hello', add_special: true });
  assert.equal(withBos.body.tokens[0], BOS, 'the test model should add a BOS by default');
  const overridden = await eosServer.post('/tokenize', { content: 'hello', add_special: true });
  assert.deepEqual(overridden.body.tokens, withBos.body.tokens.slice(1));
  assert.deepEqual((await eosServer.get('/props')).body.runtime.kv_overrides, ['tokenizer.ggml.add_bos_token']);
});

test('--check-tensors is shown in /props runtime', async () => {
  assert.equal((await eosServer.get('/props')).body.runtime.check_tensors, true);
});

test('bad defaults stop the server at start-up with exit 1, naming the option', async () => {
  const cases = [
    [['--grammar', 'root ::= "unterminated'], '--grammar'],
    [['-j', '{"type": "object", "not": {}}'], '--json-schema'],
    [['-jf', '/nonexistent/schema.json'], '--json-schema-file'],
    [['--grammar-file', '/nonexistent/grammar.gbnf'], '--grammar-file'],
    [['-l', '5*2'], '--logit-bias'],
    [['-l', '99999999-inf'], '--logit-bias'],  // valid syntax; the vocabulary check comes after loading
    [['--sampling-seq', 'kzt'], '--sampling-seq'],
    [['--override-kv', 'tokenizer.ggml.add_bos_token=bool'], '--override-kv'],
    [['--override-kv', 'a=list:1'], '--override-kv'],
  ];
  for (const [args, option] of cases) {
    const res = await runCria(['-m', TINY_MODEL, '--host', '127.0.0.1', '--port', String(await freePort()), ...THREADS, ...args], { timeoutMs: 20000 });
    assert.equal(res.code, 1, `${args.join(' ')}: exit ${res.code}\n${res.stderr}`);
    assert.ok(res.stderr.includes(option), `${args.join(' ')}: the error should name ${option}:\n${res.stderr}`);
  }
});
