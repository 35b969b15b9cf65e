// Helpers for the generation*.test.mjs end-to-end tests (batching, streaming, stop strings,
// disconnects, prompt caching, context shift). Every wait here is bounded in count and time.
import http from 'node:http';
import assert from 'node:assert/strict';
import { sleep } from './cria.mjs';

// Server arguments shared by the generation tests: one thread (two threads spin-wait badly when
// the machine is busy).
export const THREADS = ['-t', '1', '-tb', '1'];

// A greedy /completion body.
export function greedy(prompt, nPredict, extra = {}) {
  return { prompt, n_predict: nPredict, temperature: 0, ...extra };
}

// POST /completion and insist on 200; returns the body.
export async function complete(server, body) {
  const res = await server.post('/completion', body);
  assert.equal(res.status, 200, `completion failed: ${JSON.stringify(res.body)}\n${server.log().slice(-2000)}`);
  return res.body;
}

// Streams /completion; returns { events, chunks (all but the last), final (the last), content
// (concatenation of every event's content), tokens (one per chunk) }. Asserts HTTP 200.
export async function streamCompletion(server, body, options = {}) {
  const res = await server.stream('/completion', body, options);
  assert.equal(res.status, 200, `stream failed: ${JSON.stringify(res.body)}`);
  const events = res.events;
  assert.ok(events.length > 0, 'the stream carried no events');
  const final = events[events.length - 1];
  const chunks = events.slice(0, -1);
  return {
    events,
    chunks,
    final,
    content: events.map((e) => e.content).join(''),
    tokens: chunks.flatMap((e) => e.tokens ?? []),
  };
}

// Polls /health until slots_idle === idle (bounded); returns the last body or throws.
export async function waitForIdleSlots(server, idle, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
    const res = await server.get('/health');
    last = res.body;
    if (res.status === 200 && last.slots_idle === idle) return last;
    await sleep(25);
  }
  throw new Error(`slots_idle never became ${idle} within ${timeoutMs} ms; last /health: ${JSON.stringify(last)}`);
}

// Polls /health until at least `busy` slots are processing (bounded).
export async function waitForBusySlots(server, busy, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
    const res = await server.get('/health');
    last = res.body;
    if (last.slots_processing >= busy) return last;
    await sleep(10);
  }
  throw new Error(`slots_processing never reached ${busy} within ${timeoutMs} ms; last /health: ${JSON.stringify(last)}`);
}

// A raw node:http POST of a JSON body whose socket the caller can destroy mid-request.
// Returns { req, done } where done resolves to { status, body } or { error }.
export function rawPost(server, path, body) {
  const payload = JSON.stringify(body);
  const req = http.request({
    host: '127.0.0.1',
    port: server.port,
    path,
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
  });
  const done = new Promise((resolve) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
      res.on('error', (error) => resolve({ error }));
    });
    req.on('error', (error) => resolve({ error }));
  });
  req.end(payload);
  return { req, done };
}

// Token ids of `text` per /tokenize.
export async function tokenize(server, text, addSpecial) {
  const res = await server.post('/tokenize', { content: text, add_special: addSpecial });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.tokens;
}

// The text each generated token adds to the output: offsets[k] is the length of the text of
// tokens[0..k-1]. /detokenize drops the leading space of a first token, so BOS goes in front
// (as it does in front of a generated sequence) and is not rendered.
export async function tokenBoundaries(server, tokens, content) {
  const [bos] = await tokenize(server, '', true);
  const offsets = [0];
  for (let k = 1; k <= tokens.length; k++) {
    const res = await server.post('/detokenize', { tokens: bos === undefined ? tokens.slice(0, k) : [bos, ...tokens.slice(0, k)] });
    assert.equal(res.status, 200);
    offsets.push(res.body.content.length);
  }
  const whole = await server.post('/detokenize', { tokens: bos === undefined ? tokens : [bos, ...tokens] });
  assert.equal(whole.body.content, content, 'detokenized tokens do not reproduce the content');
  return offsets;
}

// Runs `count` streamed requests that start one after another: request i+1 is sent once request
// i has received `afterEvents` events (so its prompt is read while i is generating). Resolves to
// the streamCompletion results in order.
// Each result also gets `first` and `last`: the positions of its first and last events in the
// order all streams' events arrived, to tell whether requests really overlapped.
export async function staggeredStreams(server, bodies, afterEvents = 3) {
  const results = new Array(bodies.length);
  const starters = [];
  let arrived = 0;
  const launch = (i) => {
    if (i >= bodies.length || starters[i]) return;
    let fired = false;
    let first = -1;
    let last = -1;
    const next = () => { if (!fired) { fired = true; launch(i + 1); } };
    starters[i] = streamCompletion(server, bodies[i], {
      onEvent: (_event, events) => {
        last = arrived++;
        if (first < 0) first = last;
        if (events.length >= afterEvents) next();
      },
    }).then((r) => { next(); results[i] = { ...r, first, last }; return r; }, (e) => { next(); throw e; });
  };
  launch(0);
  // Every launch happens from an earlier request's promise chain; wait for all of them.
  for (let i = 0; i < bodies.length; i++) {
    for (let k = 0; k < 2000 && !starters[i]; k++) await sleep(5);
    assert.ok(starters[i], `request ${i} was never started`);
    await starters[i];
  }
  return results;
}

// POST JSON with a time limit; resolves to { status, body } or rejects (AbortError) past timeoutMs.
export async function postWithin(server, path, body, timeoutMs) {
  const res = await fetch(server.url(path), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let parsed;
  try { parsed = JSON.parse(text); } catch { parsed = text; }
  return { status: res.status, body: parsed };
}

// Greedy decoding has near-ties: where the best and second-best logits of the random-weight
// model are a few thousandths apart, the rounding differences libllama legitimately has between
// batch shapes (its CPU matrix kernels change with the batch size; measured up to ~0.01 on the
// tiny model) can flip the argmax. Tests that compare greedy output across batch layouts use
// prompts whose reference decode has no such near-tie: every step's top-1/top-2 gap >= MIN_GAP.
export const MIN_GAP = 0.05;

// The first `count` prompts of `candidates` whose reference decode of nPredict tokens has
// gap_min >= MIN_GAP; each as { prompt, reference } (reference-decode's JSON).
export function promptsWithoutNearTies(referenceDecode, model, candidates, count, nPredict) {
  const chosen = [];
  const rejected = [];
  for (const prompt of candidates) {
    if (chosen.length === count) break;
    const reference = referenceDecode(model, prompt, nPredict, ['-t', '1', '--stats']);
    if (reference.tokens.length === nPredict && reference.stats.gap_min >= MIN_GAP) {
      chosen.push({ prompt, reference });
    } else {
      rejected.push(`${JSON.stringify(prompt.slice(0, 20))}: gap_min ${reference.stats.gap_min}, ${reference.tokens.length} tokens`);
    }
  }
  if (chosen.length < count) {
    throw new Error(`only ${chosen.length} of ${count} candidate prompts decode ${nPredict} tokens without a near-tie ` +
      `(gap < ${MIN_GAP}); rejected: ${rejected.join('; ')}`);
  }
  return chosen;
}

// Candidate prompts: short ones (a handful of tokens) and long ones (36+ tokens, more than the
// 32 tokens from which slots share prompt prefixes, and several 8-token batches long).
export const SHORT_PROMPTS = [
  'The quick brown fox',
  'people know what they like',
  'she said that it was good',
  'look at the water',
  'my time is up now',
  'we will go out and play',
  'a little girl who lived in a village',
  'Where is the old man',
  'Give me the red book',
  'They found a small house',
  'This is the first day of school',
  'He wanted to know more about the world',
];
export const LONG_PROMPTS = [
  'I think we can go now because the time has come and all of the other people want to see what ' +
    'will happen when they look at the water over the hill',
  'Once upon a time there was a little girl who lived in a village near the forest and every day ' +
    'she would go out to see her friends and play with them in the garden',
  'The people of the town could not believe what they saw when the man came back from the long ' +
    'journey over the sea with a big box of gold and a small black dog',
  'When you want to make something good you have to think about what other people need and then ' +
    'work on it every day for a long time until it is done',
  'She said that the best time of the year is when the trees turn red and the children come home ' +
    'from school to eat with their family at the big table in the house',
  'It was a cold night and the wind was strong so the old woman made a fire and sat down to read ' +
    'a book about a king who lived in a castle on the hill',
  'My father told me that if I work hard and learn something new every day then one day I will be ' +
    'able to build a house of my own near the river',
  'There are many ways to get to the city but the best one is to take the train in the morning ' +
    'when the sun comes up and the streets are still quiet',
  'The teacher asked the students to write a story about their favorite animal and most of them ' +
    'chose a dog or a cat but one boy wrote about a bird',
  'After the long rain the river was so high that the people in the small village had to move ' +
    'their things up the hill and wait for the water to go down',
];

// After a client has gone away: waits (bounded) until every slot is idle again. cria frees the
// slot of a disconnected client at the engine's next step, but /health only catches up with that
// when the engine does something else, so this sends a 1-token request each round to give it
// something to do (the disconnect tests check /health on its own).
export async function settleAfterDisconnect(server, nSlots, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (let i = 0; i < 100 && Date.now() < deadline; i++) {
    await complete(server, { prompt: 'ok', n_predict: 1, cache_prompt: false });
    last = (await server.get('/health')).body;
    if (last.slots_idle === nSlots) return last;
    await sleep(50);
  }
  throw new Error(`slots never all idle (${nSlots}) within ${timeoutMs} ms; last /health: ${JSON.stringify(last)}`);
}

// Starts a /completion stream that goes on until `signal` aborts it (or it ends on its own), and
// waits until it has streamed 3 events. Returns { done: the stream's promise (resolving to
// { aborted: true } when aborted), events(): the events streamed so far }.
export async function startBackgroundStream(server, body, signal) {
  let events = 0;
  let streaming;
  const started = new Promise((resolve) => { streaming = resolve; });
  const done = server.stream('/completion', body, {
    signal,
    onEvent: () => { if (++events >= 3) streaming(); },
  }).catch((e) => (e.name === 'AbortError' ? { aborted: true } : Promise.reject(e)));
  await Promise.race([started, done]);
  assert.ok(events >= 3, 'the background request did not start streaming');
  return { done, events: () => events };
}
