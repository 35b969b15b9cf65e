// The soak's mix: every action a client may pick, with its weight, the request it sends and the
// answers it expects. An action returns an outcome,
//
//   { variant, method, path, body (a short description of what was sent), result (soak-http's),
//     expect (statuses), expectStreamError (codes of an SSE error event that are the right
//     answer), validate (result -> null, or what is wrong with a 2xx answer) }
//
// and the caller classifies it (soak.mjs). Requests are built from the client's seeded RNG, so a
// run with the same --seed sends the same sequence per client (the interleaving differs).
import { request, holdSocket, keepAliveAgent } from './soak-http.mjs';
import { pngFile, jpegFile } from '../tests/e2e/lib/image-files.mjs';

// ---------------------------------------------------------------------------------------------
// Random building blocks

const WORDS = `the be to of and a in that have it for not on with he as you do at this but his by from
they we say her she or an will my one all would there their what so up out if about who get which go
me when make can like time no just him know take people into year your good some could them see other
than then now look only come its over think also back after use two how our work first well way even
new want because any these give day most us is are was were been has had did does said made went got
quick brown fox jump lazy dog cat bird fish horse tree house home water fire earth air sun moon star
king queen castle forest dragon knight village journey magic dream door window garden flower rain`
  .split(/\s+/).filter(Boolean);

export const pick = (rng, list) => list[Math.floor(rng() * list.length)];
export const int = (rng, lo, hi) => lo + Math.floor(rng() * (hi - lo + 1));  // inclusive
const chance = (rng, p) => rng() < p;

function words(rng, lo, hi) {
  const n = int(rng, lo, hi);
  return Array.from({ length: n }, () => pick(rng, WORDS)).join(' ');
}

// Weighted choice among [{ weight, ... }].
export function weighted(rng, items) {
  const total = items.reduce((s, x) => s + x.weight, 0);
  let at = rng() * total;
  for (const x of items) {
    at -= x.weight;
    if (at < 0) return x;
  }
  return items[items.length - 1];
}

// Valid sampling options, some of them hostile (look-back windows far past the context, many
// stop strings, large n_probs): each must be served.
function samplingOptions(rng, f) {
  const o = {};
  if (chance(rng, 0.7)) o.temperature = +(rng() * 1.5).toFixed(2);
  if (chance(rng, 0.3)) o.top_k = int(rng, 0, 100);
  if (chance(rng, 0.3)) o.top_p = +(0.5 + rng() * 0.5).toFixed(2);
  if (chance(rng, 0.3)) o.min_p = +(rng() * 0.2).toFixed(2);
  if (chance(rng, 0.2)) {
    o.repeat_penalty = +(1 + rng() * 0.3).toFixed(2);
    o.repeat_last_n = pick(rng, [-1, 0, 64, 2147483647]);
    if (chance(rng, 0.5)) o.penalize_nl = false;
  }
  if (chance(rng, 0.15)) {
    o.dry_multiplier = 0.8;
    o.dry_penalty_last_n = pick(rng, [-1, 32, 2147483647]);
  }
  if (chance(rng, 0.15)) {
    o.presence_penalty = +(rng() * 1).toFixed(2);
    o.frequency_penalty = +(rng() * 1).toFixed(2);
  }
  if (chance(rng, 0.08)) o.mirostat = pick(rng, [1, 2]);
  if (chance(rng, 0.1)) Object.assign(o, { xtc_probability: 0.5, xtc_threshold: 0.1 });
  if (chance(rng, 0.1)) o.typical_p = 0.9;
  if (chance(rng, 0.1)) o.top_n_sigma = 1.5;
  if (chance(rng, 0.1)) o.dynatemp_range = 0.5;
  if (chance(rng, 0.25)) o.n_probs = chance(rng, 0.1) ? f.maxNProbs : int(rng, 1, 8);
  if (chance(rng, 0.25)) {
    const n = chance(rng, 0.1) ? f.maxStopStrings : int(rng, 1, 4);
    o.stop = Array.from({ length: n }, (_, i) => (i === 0 && chance(rng, 0.1) ? 'x'.repeat(f.maxStopLength) : words(rng, 1, 2)));
  }
  if (chance(rng, 0.3)) o.seed = int(rng, 0, 1e6);
  if (chance(rng, 0.1)) o.ignore_eos = true;
  if (chance(rng, 0.1)) {
    const all = ['penalties', 'dry', 'top_n_sigma', 'top_k', 'typical_p', 'top_p', 'min_p', 'xtc', 'temperature'];
    o.samplers = all.filter(() => chance(rng, 0.6));
  }
  if (chance(rng, 0.15)) o.logit_bias = Array.from({ length: int(rng, 1, 20) }, () => [int(rng, 0, f.nVocab - 1), pick(rng, [-5, -1, 1, 5, false])]);
  if (chance(rng, 0.3)) o.cache_prompt = chance(rng, 0.5);
  if (chance(rng, 0.1)) o.id_slot = int(rng, -1, f.parallel - 1);
  return o;
}

function constraint(rng) {
  switch (int(rng, 0, 3)) {
    case 0: return { grammar: 'root ::= [a-z ]+' };
    case 1: return { grammar: 'root ::= ("yes" | "no") " " [0-9]+' };
    case 2: return { json_schema: { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'string', maxLength: 8 } }, required: ['a'] } };
    default: return { json_schema: { type: 'array', items: { enum: ['x', 'y', 'z'] }, maxItems: 3 } };
  }
}

// ---------------------------------------------------------------------------------------------
// Validators of 2xx answers

const isObj = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);
const checks = {
  completion: (r) => (isObj(r.body) && typeof r.body.content === 'string' ? null : 'no content string'),
  completionStream: (r) => (r.events.at(-1)?.stop === true ? null : 'the last event is not stop: true'),
  openai: (n) => (r) => {
    if (!isObj(r.body) || !Array.isArray(r.body.choices)) return 'no choices array';
    return r.body.choices.length === n ? null : `${r.body.choices.length} choices, expected ${n}`;
  },
  openaiStream: (r) => (r.done && r.events.every((e) => Array.isArray(e.choices)) ? null : 'an event without choices'),
  json: (r) => (isObj(r.body) || Array.isArray(r.body) ? null : 'the body is not JSON'),
  text: (r) => (typeof r.body === 'string' && r.body.length > 0 ? null : 'an empty body'),
  tokens: (r) => (isObj(r.body) && Array.isArray(r.body.tokens) ? null : 'no tokens array'),
  embedding: (r) => (isObj(r.body) || Array.isArray(r.body) ? null : 'the body is not JSON'),
};

// ---------------------------------------------------------------------------------------------
// Fixtures: built once per run (f.nVocab and the limits come from the server and options).

export function makeFixtures({ nVocab, parallel, limits }) {
  const f = { nVocab, parallel, ...limits };
  f.images = [
    { type: 'image/png', data: pngFile(32, 32, (x, y) => [x * 8, y * 8, 128]) },
    { type: 'image/png', data: pngFile(40, 24, (x, y) => (((x >> 2) + (y >> 2)) % 2 ? [250, 240, 10] : [5, 20, 200])) },
    { type: 'image/jpeg', data: jpegFile(48, 40, (x, y) => [(x * y) % 256, 255 - x * 5, y * 6]) },
  ];
  // Large bodies, made on first use and shared by every client.
  const lazy = (make) => {
    let v;
    return () => (v ??= make());
  };
  f.deepBody = lazy(() => `{"prompt": "x", "extra": ${'['.repeat(100000)}${']'.repeat(100000)}}`);
  f.hugeLogitBias = lazy(() => JSON.stringify({ prompt: 'x', n_predict: 1,
    logit_bias: Array.from({ length: f.maxLogitBias + 1 }, (_, i) => [i % nVocab, -1]) }));
  f.deadEndBias = lazy(() => Array.from({ length: nVocab }, (_, id) => [id, false]));
  f.overLimitBody = lazy(() => {
    const size = f.maxBodyBytes + 1024;
    const body = Buffer.alloc(size, 0x61);
    body.write('{"prompt": "', 0);
    body.write('", "n_predict": 1}', size - 18);
    return body;
  });
  f.bigTokenize = lazy(() => JSON.stringify({ content: 'a'.repeat(f.maxTokenizeSize + 1) }));
  f.bigDetokenize = lazy(() => JSON.stringify({ tokens: Array.from({ length: f.maxDetokenizeTokens + 1 }, (_, i) => i % nVocab) }));
  f.bigGrammar = lazy(() => `root ::= "${'a'.repeat(f.maxGrammarSize)}"`);
  return f;
}

const b64 = (img) => img.data.toString('base64');
const dataUrl = (img) => `data:${img.type};base64,${b64(img)}`;

// ---------------------------------------------------------------------------------------------
// Requests

function chatMessages(rng, f, { image = false } = {}) {
  const messages = [];
  if (chance(rng, 0.4)) messages.push({ role: 'system', content: words(rng, 3, 12) });
  if (chance(rng, 0.3)) {
    messages.push({ role: 'user', content: words(rng, 2, 10) });
    messages.push({ role: 'assistant', content: words(rng, 2, 10) });
  }
  if (image) {
    const parts = [{ type: 'text', text: words(rng, 2, 8) }, { type: 'image_url', image_url: { url: dataUrl(pick(rng, f.images)) } }];
    messages.push({ role: 'user', content: chance(rng, 0.5) ? parts : parts.reverse() });
  } else {
    messages.push({ role: 'user', content: words(rng, 2, 20) });
  }
  return messages;
}

const TOOLS = [
  { type: 'function', function: { name: 'get_weather', description: 'the weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } }, required: ['city'] } } },
  { type: 'function', function: { name: 'search', description: 'search the web',
    parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } } },
];

// A valid chat request of one of the variants; returns [variant, body].
function chatBody(rng, f, stream) {
  const body = { messages: chatMessages(rng, f), max_tokens: int(rng, 1, 40), stream };
  if (chance(rng, 0.6)) body.temperature = +(rng() * 1.2).toFixed(2);
  if (chance(rng, 0.2)) body.seed = int(rng, 0, 1e6);
  let variant = 'plain';
  switch (int(rng, 0, 5)) {
    case 0:
      variant = 'tools';
      body.tools = TOOLS;
      body.tool_choice = pick(rng, ['auto', 'none', 'required', { type: 'function', function: { name: 'search' } }]);
      if (chance(rng, 0.3)) body.parallel_tool_calls = true;
      break;
    case 1:
      variant = 'tool-history';
      body.tools = TOOLS;
      body.messages.push({ role: 'assistant', content: null,
        tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"paris"}' } }] });
      body.messages.push({ role: 'tool', tool_call_id: 'call_1', content: words(rng, 2, 6) });
      break;
    case 2:
      variant = 'json_schema';
      body.response_format = { type: 'json_schema', json_schema: { name: 'answer', schema: constraint(rng).json_schema ??
        { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] } } };
      break;
    case 3:
      variant = 'json_object';
      body.response_format = { type: 'json_object' };
      break;
    case 4:
      variant = 'logprobs';
      body.logprobs = true;
      body.top_logprobs = int(rng, 0, 5);
      break;
    default:
      if (chance(rng, 0.3)) {
        variant = 'n2';
        body.n = 2;
      }
      if (chance(rng, 0.3)) body.stop = [words(rng, 1, 1)];
  }
  if (stream && chance(rng, 0.5)) body.stream_options = { include_usage: true };
  return [variant, body];
}

function completionBody(rng, f, stream) {
  const body = { prompt: words(rng, 1, 40), n_predict: int(rng, 1, 48), stream, ...samplingOptions(rng, f) };
  let variant = 'text';
  if (chance(rng, 0.1)) {
    variant = 'tokens';
    body.prompt = Array.from({ length: int(rng, 1, 30) }, () => int(rng, 0, f.nVocab - 1));
  } else if (chance(rng, 0.1)) {
    variant = 'mixed-prompt';
    body.prompt = [words(rng, 1, 5), int(rng, 0, f.nVocab - 1), words(rng, 1, 5)];
  }
  if (chance(rng, 0.15)) {
    variant = 'constrained';
    Object.assign(body, constraint(rng));
    body.n_predict = int(rng, 1, 24);
  }
  if (body.n_probs >= 100) body.n_predict = Math.min(body.n_predict, 4);  // large, but answers stay small
  return [variant, body];
}

function openaiCompletionBody(rng, f, stream) {
  const prompts = int(rng, 1, 3);
  const body = {
    prompt: prompts === 1 ? words(rng, 1, 30) : Array.from({ length: prompts }, () => words(rng, 1, 20)),
    max_tokens: int(rng, 1, 32), n: int(rng, 1, 2), stream,
  };
  if (chance(rng, 0.5)) body.temperature = +(rng() * 1.2).toFixed(2);
  if (chance(rng, 0.2)) body.logprobs = int(rng, 0, 5);
  if (chance(rng, 0.1)) body.echo = true;
  if (chance(rng, 0.2)) body.stop = [words(rng, 1, 1), words(rng, 1, 1)];
  if (chance(rng, 0.2)) body.seed = int(rng, 0, 1e6);
  return [prompts > 1 ? 'batch' : 'single', body, prompts * body.n];
}

function infillBody(rng, stream) {
  const body = { input_prefix: words(rng, 0, 15), input_suffix: words(rng, 0, 15), n_predict: int(rng, 1, 32), stream };
  if (chance(rng, 0.3)) body.prompt = words(rng, 1, 4);
  if (chance(rng, 0.3)) body.input_extra = [{ filename: 'notes.txt', text: words(rng, 2, 12) }];
  if (chance(rng, 0.5)) body.temperature = +(rng() * 1.2).toFixed(2);
  return body;
}

// A request that generates for long: the target of cuts and cancels.
function longGeneration(rng, f) {
  const route = weighted(rng, [
    { weight: 3, path: '/completion', body: () => ({ prompt: words(rng, 1, 30), n_predict: pick(rng, [256, -1]), ignore_eos: true, ...samplingOptions(rng, f) }) },
    { weight: 2, path: '/v1/completions', body: () => ({ prompt: words(rng, 1, 30), max_tokens: 256, n: int(rng, 1, 2) }) },
    { weight: 3, path: '/v1/chat/completions', body: () => ({ ...chatBody(rng, f, false)[1], max_tokens: 256 }) },
    { weight: 1, path: '/infill', body: () => ({ ...infillBody(rng, false), n_predict: 256 }) },
    { weight: f.multimodal ? 1 : 0, path: '/v1/chat/completions', body: () => ({ messages: chatMessages(rng, f, { image: true }), max_tokens: 256 }) },
  ]);
  const body = route.body();
  delete body.stop;  // no early end: the client is the one that ends it
  delete body.grammar;
  delete body.json_schema;
  delete body.response_format;
  return { path: route.path, body };
}

// ---------------------------------------------------------------------------------------------
// Bad requests: [name, weight, make(rng, f) -> { method, path, body, headers, expect, expectStreamError }]

const GEN_ROUTES = ['/completion', '/v1/completions', '/v1/chat/completions', '/infill'];
const JSON_ROUTES = [...GEN_ROUTES, '/tokenize', '/detokenize', '/apply-template'];
const okBodyFor = (path) => ({
  '/completion': { prompt: 'x', n_predict: 1 }, '/v1/completions': { prompt: 'x', max_tokens: 1 },
  '/v1/chat/completions': { messages: [{ role: 'user', content: 'x' }], max_tokens: 1 },
  '/infill': { input_prefix: 'a', input_suffix: 'b', n_predict: 1 }, '/tokenize': { content: 'x' },
  '/detokenize': { tokens: [1] }, '/apply-template': { messages: [{ role: 'user', content: 'x' }] },
}[path]);
const chatWith = (extra) => ({ messages: [{ role: 'user', content: 'hi' }], max_tokens: 2, ...extra });

const BAD = [
  ['malformed-json', 4, (rng) => {
    const path = pick(rng, JSON_ROUTES);
    const good = JSON.stringify(okBodyFor(path));
    const body = pick(rng, [good.slice(0, int(rng, 1, good.length - 1)), `${good}}`, '{"prompt": }', 'not json', '{,}', '[1,2', '"\\u12"']);
    return { path, body, expect: [400] };
  }],
  ['empty-body', 1, (rng) => ({ path: pick(rng, JSON_ROUTES), body: '', expect: [400] })],
  ['invalid-utf8', 1, (rng) => ({ path: pick(rng, ['/completion', '/tokenize']),
    body: Buffer.concat([Buffer.from('{"prompt": "x', 'utf8'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('", "content": "y"}')]), expect: [400] })],
  ['wrong-type', 6, (rng) => {
    const [path, body] = pick(rng, [
      ['/completion', { prompt: 5 }], ['/completion', { prompt: 'x', n_predict: 'many' }],
      ['/completion', { prompt: 'x', temperature: 'hot' }], ['/completion', { prompt: 'x', stop: 3 }],
      ['/completion', { prompt: 'x', logit_bias: 'none' }], ['/completion', { prompt: 'x', samplers: [1, 2] }],
      ['/completion', { prompt: [[[['x']]]] }], ['/completion', { prompt: 'x', grammar: 42 }],
      ['/v1/chat/completions', { messages: 'hi' }], ['/v1/chat/completions', { messages: [] }],
      ['/v1/chat/completions', chatWith({ tools: [{ type: 5 }] })],
      ['/v1/chat/completions', chatWith({ tool_choice: { type: 'function' } })],
      ['/v1/chat/completions', { messages: [{ role: 'user', content: 7 }] }],
      ['/v1/chat/completions', chatWith({ response_format: { type: 'json_schema', json_schema: 'x' } })],
      ['/v1/completions', { prompt: { a: 1 } }], ['/v1/completions', { prompt: 'x', n: -1 }],
      ['/infill', { input_prefix: 3 }], ['/tokenize', { content: ['x'] }], ['/detokenize', { tokens: 'abc' }],
      ['/detokenize', { tokens: [-1] }], ['/apply-template', { messages: 5 }],
    ]);
    return { path, body, expect: [400] };
  }],
  ['too-many-stop-strings', 1, (rng, f) => {
    const stop = Array.from({ length: f.maxStopStrings + 1 }, (_, i) => `s${i}`);
    return chance(rng, 0.5) ? { path: '/completion', body: { prompt: 'x', n_predict: 2, stop }, expect: [400] }
      : { path: '/v1/chat/completions', body: chatWith({ stop }), expect: [400] };
  }],
  ['stop-string-too-long', 1, (rng, f) => ({ path: '/completion', body: { prompt: 'x', n_predict: 2, stop: ['y'.repeat(f.maxStopLength + 1)] }, expect: [400] })],
  ['n_probs-over-limit', 1, (rng, f) => ({ path: '/completion', body: { prompt: 'x', n_predict: 2, n_probs: f.maxNProbs + 1 }, expect: [400] })],
  ['too-many-samplers', 1, (rng, f) => ({ path: '/completion', body: { prompt: 'x', n_predict: 2, samplers: Array(f.maxSamplers + 1).fill('top_k') }, expect: [400] })],
  ['too-many-tasks', 1, (rng, f) => pick(rng, [
    { path: '/v1/completions', body: { prompt: Array(20000).fill('x'), n: 16, max_tokens: 1 }, expect: [400] },
    { path: '/v1/chat/completions', body: chatWith({ n: f.maxRequestTasks + 1 }), expect: [400] },
  ])],
  ['nesting-too-deep', 1, (rng, f) => pick(rng, [
    { path: pick(rng, JSON_ROUTES), body: `{"x": ${'['.repeat(f.maxJsonDepth + 1)}${']'.repeat(f.maxJsonDepth + 1)}}`, expect: [400] },
    { path: '/v1/chat/completions', body: f.deepBody(), expect: [400] },
  ])],
  ['huge-logit-bias', 0.3, (rng, f) => ({ path: '/completion', body: f.hugeLogitBias(), expect: [400] })],
  ['grammar-too-large', 0.5, (rng, f) => ({ path: '/completion', body: { prompt: 'x', n_predict: 1, grammar: f.bigGrammar() }, expect: [400] })],
  ['grammar-invalid', 1, (rng) => ({ path: '/completion', body: { prompt: 'x', n_predict: 2, grammar: pick(rng, ['root ::= [a-', 'foo ::= "x"', 'root ::= "a" | (']) }, expect: [400] })],
  ['json-schema-explosive', 0.5, () => ({ path: '/v1/chat/completions',
    body: chatWith({ response_format: { type: 'json_schema', json_schema: { schema: { type: 'string', minLength: 100000, maxLength: 200000 } } } }), expect: [400] })],
  // libllama's grammar sampler is left with no token (the server died of this once, issue 12).
  ['grammar-dead-end', 0.5, (rng, f) => {
    const stream = chance(rng, 0.5);
    return { path: '/completion', body: { prompt: 'x', n_predict: 4, grammar: 'root ::= "a"', logit_bias: f.deadEndBias(), stream },
      expect: stream ? [200, 400] : [400], expectStreamError: [400] };
  }],
  ['prompt-over-context', 1, (rng, f) => ({ path: '/completion', body: { prompt: ' word'.repeat(f.nCtxSlot + 50), n_predict: 2 }, expect: [400] })],
  ['bad-slot-id', 0.5, (rng, f) => ({ path: '/completion', body: { prompt: 'x', n_predict: 2, id_slot: f.parallel + 3 }, expect: [400] })],
  ['bad-image', 1, (rng, f) => pick(rng, [
    { path: '/completion', body: { prompt: '[img-1] x', n_predict: 2, image_data: [{ id: 1, data: 'bm90IGFuIGltYWdl' }] }, expect: [400] },
    { path: '/completion', body: { prompt: 'x', n_predict: 2, image_data: Array.from({ length: f.maxImages + 1 }, (_, i) => ({ id: i, data: b64(f.images[0]) })) }, expect: [400] },
    { path: '/v1/chat/completions', body: { max_tokens: 2, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,%%%' } }] }] }, expect: [400] },
    { path: '/v1/chat/completions', body: { max_tokens: 2, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://127.0.0.1:1/x.png' } }] }] }, expect: [400] },
  ])],
  ['tokenize-too-large', 0.2, (rng, f) => ({ path: '/tokenize', body: f.bigTokenize(), expect: [400] })],
  ['detokenize-too-many', 0.1, (rng, f) => ({ path: '/detokenize', body: f.bigDetokenize(), expect: [400] })],
  ['body-over-limit', 0.1, (rng, f) => ({ path: pick(rng, ['/completion', '/tokenize']), body: f.overLimitBody(), expect: [413] })],
  ['unknown-route', 2, (rng) => pick(rng, [
    { method: 'GET', path: pick(rng, ['/nope', '/v1/nothing', '/completion/extra', '/slots/0/x']), expect: [404] },
    { method: 'POST', path: pick(rng, ['/v1/does-not-exist', '/v2/completions', '/tokenize/x']), body: { prompt: 'x' }, expect: [404] },
  ])],
  ['wrong-method', 1, (rng) => ({ method: pick(rng, ['GET', 'PUT', 'DELETE']), path: pick(rng, ['/completion', '/v1/chat/completions', '/tokenize']), expect: [404, 405] })],
  // Bodies are read as JSON whatever their Content-Type says (as llama-server does).
  ['wrong-content-type', 2, (rng) => {
    const type = pick(rng, ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream']);
    return chance(rng, 0.5)
      ? { path: '/tokenize', headers: { 'Content-Type': type }, body: JSON.stringify({ content: 'hello world' }), expect: [200], validate: checks.tokens }
      : { path: pick(rng, JSON_ROUTES), headers: { 'Content-Type': type }, body: pick(rng, ['prompt=hello', '--x\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nhi\r\n--x--', 'hello']), expect: [400] };
  }],
  ['bad-slot-action', 0.5, (rng) => ({ path: pick(rng, ['/slots/abc?action=save', '/slots/0?action=bogus', '/slots/0', '/slots/99?action=erase']), body: { filename: 'x.bin' }, expect: [400] })],
];

const BAD_WEIGHTED = BAD.map(([name, weight, make]) => ({ name, weight, make }));

// ---------------------------------------------------------------------------------------------
// The actions

const INFO_ROUTES = ['/health', '/v1/health', '/props', '/slots', '/metrics', '/v1/models', '/models', '/lora-adapters', '/'];

// The actions for fixtures `f`; `withoutBad` names bad-request kinds left out.
export function actions(f, withoutBad = []) {
  const bad = BAD_WEIGHTED.filter((b) => !withoutBad.includes(b.name));
  const T = f.requestTimeoutMs;
  const gen = (port, path, body, extra = {}) => request(port, { path, body, timeoutMs: T, stream: body.stream, ...extra });
  const list = [
    { name: 'completion', weight: 10, run: async (c) => {
      const [variant, body] = completionBody(c.rng, f, false);
      return { variant, path: '/completion', body, result: await gen(c.port, '/completion', body), expect: [200], validate: checks.completion };
    } },
    { name: 'completion-stream', weight: 8, run: async (c) => {
      const [variant, body] = completionBody(c.rng, f, true);
      return { variant, path: '/completion', body, result: await gen(c.port, '/completion', body), expect: [200], validate: checks.completionStream };
    } },
    { name: 'v1-completions', weight: 6, run: async (c) => {
      const stream = chance(c.rng, 0.4);
      const [variant, body, n] = openaiCompletionBody(c.rng, f, stream);
      return { variant: `${variant}${stream ? '-stream' : ''}`, path: '/v1/completions', body, result: await gen(c.port, '/v1/completions', body),
        expect: [200], validate: stream ? checks.openaiStream : checks.openai(n) };
    } },
    { name: 'chat', weight: 9, run: async (c) => {
      const [variant, body] = chatBody(c.rng, f, false);
      return { variant, path: '/v1/chat/completions', body, result: await gen(c.port, '/v1/chat/completions', body), expect: [200], validate: checks.openai(body.n ?? 1) };
    } },
    { name: 'chat-stream', weight: 7, run: async (c) => {
      const [variant, body] = chatBody(c.rng, f, true);
      return { variant, path: '/v1/chat/completions', body, result: await gen(c.port, '/v1/chat/completions', body), expect: [200], validate: checks.openaiStream };
    } },
    { name: 'image', weight: f.multimodal ? 5 : 0, run: async (c) => {
      if (chance(c.rng, 0.6)) {
        const stream = chance(c.rng, 0.4);
        const body = { messages: chatMessages(c.rng, f, { image: true }), max_tokens: int(c.rng, 1, 24), stream };
        return { variant: `chat${stream ? '-stream' : ''}`, path: '/v1/chat/completions', body, result: await gen(c.port, '/v1/chat/completions', body),
          expect: [200], validate: stream ? checks.openaiStream : checks.openai(1) };
      }
      const n = int(c.rng, 1, 2);
      const body = { prompt: `${words(c.rng, 1, 5)} ${Array.from({ length: n }, (_, i) => `[img-${i + 1}]`).join(' ')} ${words(c.rng, 1, 5)}`,
        n_predict: int(c.rng, 1, 16), image_data: Array.from({ length: n }, (_, i) => ({ id: i + 1, data: b64(pick(c.rng, f.images)) })) };
      return { variant: 'completion', path: '/completion', body, result: await gen(c.port, '/completion', body), expect: [200], validate: checks.completion };
    } },
    { name: 'infill', weight: 4, run: async (c) => {
      const body = infillBody(c.rng, chance(c.rng, 0.3));
      return { variant: body.stream ? 'stream' : 'whole', path: '/infill', body, result: await gen(c.port, '/infill', body),
        expect: [200], validate: body.stream ? checks.completionStream : checks.completion };
    } },
    { name: 'embedding', weight: f.embedPort ? 5 : 0, run: async (c) => {
      const ids = () => Array.from({ length: int(c.rng, 1, 12) }, () => int(c.rng, 0, f.embedVocab - 1));
      const [variant, path, body] = pick(c.rng, [
        ['native', '/embedding', { content: words(c.rng, 1, 30) }],
        ['native-list', '/embeddings', { content: [words(c.rng, 1, 10), words(c.rng, 1, 10)] }],
        ['openai', '/v1/embeddings', { input: words(c.rng, 1, 30) }],
        ['openai-list', '/v1/embeddings', { input: Array.from({ length: int(c.rng, 1, 4) }, () => words(c.rng, 1, 10)), encoding_format: pick(c.rng, ['float', 'base64']) }],
        ['openai-tokens', '/v1/embeddings', { input: ids() }],
      ]);
      return { variant, path, body, server: 'embedding', result: await request(f.embedPort, { path, body, timeoutMs: T }), expect: [200], validate: checks.embedding };
    } },
    { name: 'tokenize', weight: 4, run: async (c) => {
      const body = { content: words(c.rng, 0, 60) };
      if (chance(c.rng, 0.5)) body.add_special = chance(c.rng, 0.5);
      if (chance(c.rng, 0.5)) body.with_pieces = true;
      if (chance(c.rng, 0.2)) body.content += ' <|im_start|>';
      return { variant: body.with_pieces ? 'pieces' : 'ids', path: '/tokenize', body, result: await request(c.port, { path: '/tokenize', body, timeoutMs: T }), expect: [200], validate: checks.tokens };
    } },
    { name: 'detokenize', weight: 3, run: async (c) => {
      const body = { tokens: Array.from({ length: int(c.rng, 0, 60) }, () => int(c.rng, 0, f.nVocab - 1)) };
      return { variant: 'ids', path: '/detokenize', body, result: await request(c.port, { path: '/detokenize', body, timeoutMs: T }), expect: [200], validate: checks.json };
    } },
    { name: 'info', weight: 8, run: async (c) => {
      const path = pick(c.rng, INFO_ROUTES);
      return { variant: path, method: 'GET', path, result: await request(c.port, { path, timeoutMs: T }), expect: [200],
        validate: path === '/metrics' || path === '/' ? checks.text : checks.json };
    } },
    { name: 'admin', weight: 3, run: async (c) => {
      // Slot files: each client its own file name. A restore may name a file not saved yet, a
      // save a slot that holds no tokens (both 400); a slot busy with a request is refused (409).
      const slot = int(c.rng, 0, f.parallel - 1);
      const file = `soak-${c.id}.bin`;
      const [variant, path, body, expect] = pick(c.rng, [
        ['apply-template', '/apply-template', { messages: chatMessages(c.rng, f) }, [200]],
        ['props-post', '/props', { default_generation_settings: { temperature: 0.8 } }, [200]],
        ['lora-adapters', '/lora-adapters', [], [200]],
        ['slot-save', `/slots/${slot}?action=save`, { filename: file }, [200, 400, 409]],
        ['slot-restore', `/slots/${slot}?action=restore`, { filename: file }, [200, 400, 409]],
        ['slot-erase', `/slots/${slot}?action=erase`, {}, [200, 409]],
      ]);
      return { variant, path, body, result: await request(c.port, { path, body, timeoutMs: T }), expect, validate: checks.json };
    } },
    { name: 'keep-alive', weight: 2, run: async (c) => {
      // A few quick requests on one connection; the outcome is the last one's, any failure first.
      const agent = keepAliveAgent();
      try {
        let last;
        for (let i = int(c.rng, 2, 5); i > 0; --i) {
          const path = pick(c.rng, ['/health', '/props', '/tokenize']);
          last = await request(c.port, { path, body: path === '/tokenize' ? { content: words(c.rng, 1, 10) } : undefined, agent, timeoutMs: T });
          if (last.error || last.status !== 200) break;
        }
        return { variant: 'sequence', path: '(several)', result: last, expect: [200], validate: checks.json };
      } finally {
        agent.destroy();
      }
    } },
    { name: 'stream-cut', weight: 8, run: async (c) => {
      const { path, body } = longGeneration(c.rng, f);
      body.stream = true;
      const cutAfterEvents = int(c.rng, 1, 4);
      return { variant: `${path} after ${cutAfterEvents}`, path, body, result: await gen(c.port, path, body, { cutAfterEvents }), expect: [200],
        validate: path === '/completion' || path === '/infill' ? checks.completionStream : checks.openaiStream };
    } },
    { name: 'cancel', weight: 6, run: async (c) => {
      const { path, body } = longGeneration(c.rng, f);
      body.stream = chance(c.rng, 0.4);
      const abortAfterMs = int(c.rng, 0, 300);
      return { variant: `${path}${body.stream ? ' stream' : ''}`, path, body, result: await gen(c.port, path, body, { abortAfterMs }), expect: [200],
        validate: body.stream ? (path === '/completion' || path === '/infill' ? checks.completionStream : checks.openaiStream) : checks.json };
    } },
    { name: 'idle-socket', weight: 2, run: async (c) => {
      // A client that connects and sends nothing, or half a request head, or a head and half its
      // body, then goes away.
      const [variant, prefix] = pick(c.rng, [
        ['nothing', ''],
        ['half-head', 'POST /completion HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl'],
        ['half-body', 'POST /completion HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"prompt": "x", '],
      ]);
      const held = await holdSocket(c.port, prefix, int(c.rng, 100, 3000));
      return { variant, path: '(socket)', held };
    } },
    { name: 'bad-request', weight: 16, run: async (c) => {
      const { name, make } = weighted(c.rng, bad);
      const r = make(c.rng, f);
      const result = await request(c.port, { method: r.method, path: r.path, body: r.body, headers: r.headers, timeoutMs: T, stream: r.body?.stream });
      return { variant: name, method: r.method, path: r.path, body: r.body, result, expect: r.expect, expectStreamError: r.expectStreamError,
        validate: r.validate };
    } },
  ];
  return list.filter((a) => a.weight > 0 && (a.name !== 'bad-request' || bad.length));
}
