// Images in prompts (--mmproj): /completion's and /embedding's image_data with [img-N]
// references, chat image_url data URLs, and the errors around them. The projector is the random
// one tools/make-mmproj writes for the tiny model: a 32x32 image in 8x8 patches takes 16 positions.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { startCria, runCria, assertErrorShape, freePort, MODELS, TINY_MODEL, SMALL_MODEL } from './lib/cria.mjs';
import { THREADS, complete, greedy, streamCompletion, waitForBusySlots } from './lib/generation-helpers.mjs';
import { pngFile, jpegFile } from './lib/image-files.mjs';

const MMPROJ = path.join(MODELS, 'tiny-mmproj.gguf');
const EMBEDDING_MODEL = path.join(MODELS, 'tiny-embedding.gguf');
const IMAGE_POSITIONS = 16;

const gradient = pngFile(32, 32, (x, y) => [x * 8, y * 8, 128]);
const checkers = pngFile(40, 24, (x, y) => (((x >> 2) + (y >> 2)) % 2 ? [250, 240, 10] : [5, 20, 200]));
const photo = jpegFile(48, 40, (x, y) => [(x * y) % 256, 255 - x * 5, y * 6]);
const b64 = (file) => file.toString('base64');
const dataUrl = (file, type = 'image/png') => `data:${type};base64,${b64(file)}`;

// A greedy /completion body with one image, id 1.
function withImage(prompt, file, nPredict = 12, extra = {}) {
  return greedy(prompt, nPredict, { image_data: [{ data: b64(file), id: 1 }], ...extra });
}
const ASK = 'USER: [img-1] Describe the image in detail.\nASSISTANT:';

let vision;     // the tiny model with its projector, two slots
let textOnly;   // the tiny model alone
let client;

before(async () => {
  vision = await startCria(['--mmproj', MMPROJ, '-np', '2', '-c', '1024', ...THREADS]);
  textOnly = await startCria(['-np', '1', '-c', '512', ...THREADS]);
  client = new OpenAI({ baseURL: vision.url('/v1'), apiKey: 'none', maxRetries: 0 });
});

after(async () => {
  await vision?.stop();
  await textOnly?.stop();
});

test('/props reports vision (and video) only where a projector is loaded', async () => {
  assert.deepEqual((await vision.get('/props')).body.modalities, { vision: true, video: true, audio: false });
  assert.deepEqual((await textOnly.get('/props')).body.modalities, { vision: false, video: false, audio: false });
});

test('a PNG in /completion: the prompt count includes the image positions', async () => {
  const one = await complete(vision, withImage('Look: [img-1] and tell.', gradient, 4, { cache_prompt: false }));
  const two = await complete(vision, withImage('Look: [img-1][img-1] and tell.', gradient, 4, { cache_prompt: false }));
  assert.equal(one.tokens_evaluated, one.timings.prompt_n);
  assert.equal(two.tokens_evaluated - one.tokens_evaluated, IMAGE_POSITIONS);
  // The text around the image is tokenized as text: the prompt is longer than the image alone.
  const text = await vision.post('/tokenize', { content: 'Look:' });
  assert.ok(one.tokens_evaluated > IMAGE_POSITIONS + text.body.tokens.length, JSON.stringify(one));
  assert.equal(one.tokens_predicted, 4);
});

// The tiny random model's next token depends mostly on the last few positions: prompts that
// compare images end with the image (or one token after it), or compare probabilities.
const CAPTION = 'Caption this: [img-1]';

// The first generated token's top probabilities, by token id (needs n_probs).
function firstTokenProbs(body) {
  return new Map(body.completion_probabilities[0].probs.map((p) => [p.id, p.prob]));
}
function largestDifference(p, q) {
  let largest = 0;
  for (const id of new Set([...p.keys(), ...q.keys()])) largest = Math.max(largest, Math.abs((p.get(id) ?? 0) - (q.get(id) ?? 0)));
  return largest;
}

test('different images give different greedy output; the same image the same output', async () => {
  const a = await complete(vision, withImage(CAPTION, gradient, 12, { cache_prompt: false }));
  const b = await complete(vision, withImage(CAPTION, checkers, 12, { cache_prompt: false }));
  const c = await complete(vision, withImage(CAPTION, photo, 12, { cache_prompt: false }));
  const a2 = await complete(vision, withImage(CAPTION, gradient, 12, { cache_prompt: false }));
  assert.equal(a2.content, a.content);
  assert.notEqual(a.content, b.content);
  assert.notEqual(a.content, c.content);  // the JPEG is read too
  assert.notEqual(b.content, c.content);
  // With text after the image, the image still shifts the next token's probabilities.
  const pa = firstTokenProbs(await complete(vision, withImage(ASK, gradient, 1, { cache_prompt: false, n_probs: 5 })));
  const pb = firstTokenProbs(await complete(vision, withImage(ASK, checkers, 1, { cache_prompt: false, n_probs: 5 })));
  const pa2 = firstTokenProbs(await complete(vision, withImage(ASK, gradient, 1, { cache_prompt: false, n_probs: 5 })));
  assert.ok(largestDifference(pa, pb) > 1e-3, JSON.stringify([...pa, ...pb]));
  assert.deepEqual(pa2, pa);
});

test('the prompt cache reuses an image only when it is the same image', async () => {
  const prompt = 'SYSTEM: you see pictures.\nUSER: Look at this: [img-1].';
  const run = (file, extra) => complete(vision, withImage(prompt, file, 6, { n_probs: 5, ...extra }));
  const soloA = await run(gradient, { cache_prompt: false, id_slot: 0 });
  const soloB = await run(checkers, { cache_prompt: false, id_slot: 1 });
  assert.ok(largestDifference(firstTokenProbs(soloA), firstTokenProbs(soloB)) > 1e-3);
  // Slot 0 holds the prompt with image A. The same request again reuses all of it, image included...
  const againA = await run(gradient, { id_slot: 0 });
  assert.equal(againA.content, soloA.content);
  assert.ok(largestDifference(firstTokenProbs(againA), firstTokenProbs(soloA)) < 1e-4);
  assert.ok(againA.timings.cache_n > IMAGE_POSITIONS, JSON.stringify(againA.timings));
  assert.equal(againA.timings.prompt_n, 1);
  // ...while image B in the same place reuses only the text before the image, and reads B whole.
  const thenB = await run(checkers, { id_slot: 0 });
  assert.equal(thenB.content, soloB.content);
  assert.ok(largestDifference(firstTokenProbs(thenB), firstTokenProbs(soloB)) < 1e-4);
  assert.ok(thenB.timings.cache_n > 0 && thenB.timings.cache_n < againA.timings.cache_n, JSON.stringify(thenB.timings));
  assert.ok(thenB.timings.prompt_n > IMAGE_POSITIONS, JSON.stringify(thenB.timings));
});

test('an image at the very end of the prompt, and streaming', async () => {
  const whole = await complete(vision, withImage(CAPTION, checkers, 8, { cache_prompt: false }));
  assert.equal(whole.tokens_predicted, 8);
  const streamed = await streamCompletion(vision, withImage(CAPTION, checkers, 8, { cache_prompt: false }));
  assert.equal(streamed.content, whole.content);
  assert.equal(streamed.final.tokens_evaluated, whole.tokens_evaluated);
});

test('broken images and references are 400s naming the field, and the server goes on', async () => {
  const truncated = gradient.subarray(0, 60);  // a PNG header, then nothing
  for (const [body, field] of [
    [withImage(ASK, Buffer.from('definitely not an image')), 'image_data'],
    [withImage(ASK, truncated), 'image_data'],
    [withImage(ASK, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])), 'image_data'],  // a JPEG that stops
    [{ ...greedy(ASK, 4), image_data: [{ data: '***', id: 1 }] }, 'image_data'],
    [{ ...greedy(ASK, 4), image_data: [{ data: b64(gradient) }] }, 'image_data'],
    [{ ...greedy(ASK, 4), image_data: [{ data: b64(gradient), id: 1 }, { data: b64(gradient), id: 2 }] }, 'image_data'],
    [{ ...greedy('USER: [img-7] hi', 4), image_data: [{ data: b64(gradient), id: 1 }] }, 'prompt'],
    [{ ...greedy(['token', 'list'], 4), image_data: [{ data: b64(gradient), id: 1 }] }, 'prompt'],
  ]) {
    const res = await vision.post('/completion', body);
    assertErrorShape(assert, res, 400, field);
  }
  const damaged = await vision.post('/completion', withImage(ASK, truncated));
  assert.match(damaged.body.error.message, /id 1/);
  // Other routes that share /completion's options do not take image_data.
  assertErrorShape(assert, await vision.post('/v1/completions', { prompt: 'hi', image_data: [{ data: b64(gradient), id: 1 }] }), 400, 'image_data');
  // Text-only requests still work; literal "[img-N]" text without image_data is just text.
  const plain = await complete(vision, greedy('USER: [img-1] hello', 3));
  assert.equal(plain.tokens_predicted, 3);
});

test('an image for a model without a projector is a 400 that says so', async () => {
  const res = await textOnly.post('/completion', withImage(ASK, gradient));
  assertErrorShape(assert, res, 400, 'image_data');
  assert.match(res.body.error.message, /--mmproj/);
  const chat = await textOnly.post('/v1/chat/completions', {
    messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: dataUrl(gradient) } }] }],
    max_tokens: 2,
  });
  assertErrorShape(assert, chat, 400, 'messages[0].content[1].image_url');
  assert.match(chat.body.error.message, /--mmproj/);
  assert.equal((await complete(textOnly, greedy('hello', 2))).tokens_predicted, 2);
});

test('chat: image_url data URLs through the official openai client', async () => {
  const ask = (...images) => client.chat.completions.create({
    model: 'x',
    max_tokens: 8,
    temperature: 0,
    logprobs: true,
    top_logprobs: 5,
    messages: [
      { role: 'system', content: 'You describe pictures.' },
      { role: 'user', content: [{ type: 'text', text: 'What is in this picture?' }, ...images.map((url) => ({ type: 'image_url', image_url: { url } }))] },
    ],
  });
  const firstLogprobs = (chat) => new Map(chat.choices[0].logprobs.content[0].top_logprobs.map((t) => [t.token, Math.exp(t.logprob)]));
  const a = await ask(dataUrl(gradient));
  const b = await ask(dataUrl(photo, 'image/jpeg'));
  const a2 = await ask(dataUrl(gradient));
  const aa = await ask(dataUrl(gradient), dataUrl(gradient));
  assert.equal(a.choices[0].finish_reason, 'length');
  assert.equal(a.usage.completion_tokens, 8);
  assert.equal(a2.choices[0].message.content, a.choices[0].message.content);
  assert.deepEqual(firstLogprobs(a2), firstLogprobs(a));
  // The chat template puts the assistant's header after the image, which the tiny model's next
  // token mostly depends on: the image shows in the probabilities.
  assert.ok(largestDifference(firstLogprobs(a), firstLogprobs(b)) > 1e-3);
  assert.equal(aa.usage.prompt_tokens - a.usage.prompt_tokens, IMAGE_POSITIONS);
  // The rendered prompt shows where the image goes.
  const rendered = await vision.post('/apply-template', {
    messages: [{ role: 'user', content: [{ type: 'text', text: 'see ' }, { type: 'image_url', image_url: { url: dataUrl(gradient) } }] }],
  });
  assert.match(rendered.body.prompt, /see <__media__>/);
  // Only data URLs: this server fetches nothing.
  await assert.rejects(
    client.chat.completions.create({
      model: 'x',
      messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.invalid/cat.png' } }] }],
    }),
    (e) => e.status === 400 && e.error?.param === 'messages[0].content[0].image_url',
  );
  const corrupt = await vision.post('/v1/chat/completions', {
    messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${b64(Buffer.from('not a png'))}` } }] }],
  });
  assertErrorShape(assert, corrupt, 400, 'messages[0].content[0].image_url');
  // A message that writes the image marker itself cannot be told from an image: refused.
  const marker = await vision.post('/v1/chat/completions', {
    messages: [{ role: 'user', content: [{ type: 'text', text: 'a <__media__> b' }, { type: 'image_url', image_url: { url: dataUrl(gradient) } }] }],
  });
  assertErrorShape(assert, marker, 400, 'messages');
});

test('text requests beside an image request get the same greedy output as alone', async () => {
  const textBody = greedy('The quick brown fox jumps over the lazy dog and then', 24, { cache_prompt: false });
  const imageBody = withImage(ASK, checkers, 24, { cache_prompt: false });
  const textAlone = await complete(vision, textBody);
  const imageAlone = await complete(vision, imageBody);
  for (let round = 0; round < 2; round++) {
    const [image, text] = await Promise.all([complete(vision, imageBody), complete(vision, textBody)]);
    assert.equal(text.content, textAlone.content);
    assert.equal(image.content, imageAlone.content);
  }
});

test('--mtmd-batch-max-tokens and -bs: several images in one request and across requests, the same output', async () => {
  // The vision encoder takes a step's upcoming images (this request's, then other readers') in one
  // batch up to the limit. tiny-mmproj is a LLaVA-style projector, which libmtmd 0.7 encodes one
  // image per batch whatever the limit; the results must not depend on it either way. With -bs,
  // a prompt that ends with an image has its first token sampled in the image's own decode.
  const small = await startCria(['--mmproj', MMPROJ, '-np', '3', '-c', '1536', '--mtmd-batch-max-tokens', '16', '-bs',
    ...THREADS]);
  try {
    const three = greedy('USER: [img-1] then [img-2] and [img-3]. Compare them.\nASSISTANT:', 12, {
      cache_prompt: false, return_tokens: true,
      image_data: [{ data: b64(gradient), id: 1 }, { data: b64(checkers), id: 2 }, { data: b64(photo), id: 3 }],
    });
    const other = withImage(ASK, photo, 12, { cache_prompt: false, return_tokens: true });
    const last = withImage('Look: [img-1]', checkers, 12, { cache_prompt: false, return_tokens: true });
    const bodies = [three, other, last];
    const want = [];
    for (const body of bodies) want.push(await complete(vision, body));
    for (const server of [small, vision]) {
      const got = await Promise.all(bodies.map((body) => complete(server, body)));
      assert.deepEqual(got.map((r) => r.tokens), want.map((r) => r.tokens));
      assert.deepEqual(got.map((r) => r.tokens_evaluated), want.map((r) => r.tokens_evaluated));
    }
    assert.ok(want[0].tokens_evaluated > 3 * IMAGE_POSITIONS, JSON.stringify(want[0]));
  } finally {
    await small.stop();
  }
});

test('two slots share a prefix that holds an image, with the results of reading it alone', async () => {
  const system = 'SYSTEM: You are a careful assistant who looks at every picture the user sends and describes ' +
    'its colours, its shapes and its mood in a few short words, then answers the question.\n';
  const body = (file, tail) => withImage(`${system}USER: [img-1] ${tail}`, file, 8);
  const tails = ['What colour is it?', 'Is it happy?'];
  const alone = [];
  for (const tail of tails) alone.push((await complete(vision, { ...body(gradient, tail), cache_prompt: false })).content);
  // Clear both slots' caches of this prompt, then send both at once: one reads the shared prefix
  // (image included), the other takes it from there.
  await Promise.all([0, 1].map((id) => complete(vision, { ...greedy('unrelated words', 1), id_slot: id, cache_prompt: false })));
  const both = await Promise.all(tails.map((tail) => complete(vision, body(gradient, tail))));
  assert.deepEqual(both.map((r) => r.content), alone);
  const shared = Math.max(...both.map((r) => r.timings.cache_n));
  assert.ok(shared > 32 + IMAGE_POSITIONS, JSON.stringify(both.map((r) => r.timings)));
});

test('a system prompt goes before a prompt with images, and slot files keep the image cache', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cria-mm-'));
  const server = await startCria(['--mmproj', MMPROJ, '--slot-save-path', dir, ...THREADS]);
  try {
    const plain = await complete(server, withImage(CAPTION, gradient, 8));
    const system = { prompt: 'You are a careful describer of pictures.\n' };
    const withSystem = await complete(server, { ...withImage(CAPTION, gradient, 8), system_prompt: system });
    const systemTokens = (await server.post('/tokenize', { content: system.prompt, add_special: true })).body.tokens.length;
    // The system prompt takes the place of the prompt's own BOS; the image moves with the text.
    assert.equal(withSystem.tokens_evaluated, plain.tokens_evaluated + systemTokens - 1);
    assert.notEqual(withSystem.content, plain.content);
    const again = await complete(server, withImage(CAPTION, gradient, 8, { cache_prompt: false }));
    assert.equal(again.content, withSystem.content);  // the system prompt now applies to every request
    // Save the slot (the image's cache with it), erase it, restore it: the image is reused.
    const checkers1 = withImage('Caption this: [img-1] then', checkers, 4);
    const first = await complete(server, checkers1);
    assert.equal((await server.post('/slots/0?action=save', { filename: 'mm.bin' })).status, 200);
    assert.equal((await server.post('/slots/0?action=erase', {})).status, 200);
    assert.equal((await server.post('/slots/0?action=restore', { filename: 'mm.bin' })).status, 200);
    const restored = await complete(server, checkers1);
    assert.equal(restored.content, first.content);
    assert.ok(restored.timings.cache_n > IMAGE_POSITIONS, JSON.stringify(restored.timings));
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an image is decoded under its own request\'s LoRA scales', async () => {
  // A request at scale 1 keeps generating while the image request (scale 0, then 1) is read: the
  // steps alternate between the two scale sets, so the second image follows a decode at the
  // other scales, which it must not inherit.
  const server = await startCria(['--mmproj', MMPROJ, '--lora', path.join(MODELS, 'tiny-lora.gguf'), '-np', '2', ...THREADS]);
  try {
    const twoImages = 'Caption these: [img-1][img-1]';
    const base = await complete(vision, withImage(twoImages, gradient, 8, { cache_prompt: false }));
    const scale = (s) => [{ id: 0, scale: s }];
    const background = complete(server, greedy('The quick brown fox', 400, { lora: scale(1), ignore_eos: true, cache_prompt: false }));
    await waitForBusySlots(server, 1);
    const zero = await complete(server, withImage(twoImages, gradient, 8, { lora: scale(0), cache_prompt: false }));
    const one = await complete(server, withImage(twoImages, gradient, 8, { lora: scale(1), cache_prompt: false }));
    await background;
    assert.equal(zero.content, base.content);  // scale 0 is the base model
    assert.notEqual(one.content, base.content);
  } finally {
    await server.stop();
  }
});

test('speculative decoding leaves requests with images alone, and their results unchanged', async () => {
  // The n-gram lookup would find "red green" before the image and copy the image's placeholders.
  const server = await startCria(['--mmproj', MMPROJ, '--spec-type', 'ngram-simple,draft-simple', '-md', TINY_MODEL,
    '--spec-ngram-simple-size-n', '2', ...THREADS]);
  try {
    for (const prompt of ['red green [img-1] red green', 'red green [img-1] red green [img-1] red green']) {
      const body = withImage(prompt, checkers, 24, { cache_prompt: false });
      const plain = await complete(vision, body);
      const r = await complete(server, body);
      assert.equal(r.content, plain.content);
      assert.equal(r.timings.draft_n ?? 0, 0);
    }
    // The draft model never saw the placeholders (libllama logs "invalid token" when it does).
    assert.doesNotMatch(server.log(), /invalid token/);
    const text = await complete(server, greedy('one two three one two three one two', 24));
    assert.ok(text.timings.draft_n > 0, JSON.stringify(text.timings));  // drafting is on
  } finally {
    await server.stop();
  }
});

test('/embedding: image_data with [img-N] in content', async () => {
  const server = await startCria(['--embedding', '--mmproj', MMPROJ, ...THREADS], { model: EMBEDDING_MODEL });
  try {
    const embed = async (file, content = 'Image: [img-21].\nCaption: This is a picture of a house') => {
      const res = await server.post('/embedding', { content, image_data: [{ data: b64(file), id: 21 }] });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.embedding;
    };
    const a = await embed(gradient);
    const b = await embed(photo);
    const a2 = await embed(gradient);
    assert.equal(a.length, 32);
    assert.ok(Math.abs(Math.hypot(...a) - 1) < 1e-4);
    assert.deepEqual(a2, a);
    assert.notDeepEqual(b, a);
    const end = await embed(gradient, 'ends with an image [img-21]');
    assert.notDeepEqual(end, a);
    assertErrorShape(assert, await server.post('/embedding', { content: 'x [img-21]', image_data: [{ data: b64(Buffer.from('junk')), id: 21 }] }), 400, 'image_data');
    assertErrorShape(assert, await server.post('/v1/embeddings', { input: 'x', image_data: [{ data: b64(gradient), id: 21 }] }), 400, 'image_data');
  } finally {
    await server.stop();
  }
});

test('a request with an image stops at the end of its context instead of shifting it', async () => {
  // Shifting drops the middle of the context, which could cut an image in half.
  const server = await startCria(['--mmproj', MMPROJ, '-c', '64', ...THREADS]);
  try {
    const r = await complete(server, withImage(CAPTION, gradient, 100, { ignore_eos: true }));
    assert.equal(r.truncated, true);
    assert.equal(r.stop_type, 'limit');
    assert.equal(r.tokens_cached, 64);  // the context is full: the image and everything after it stay
    // Text alone still shifts and goes on.
    const text = await complete(server, greedy('Caption this:', 100, { ignore_eos: true }));
    assert.equal(text.tokens_predicted, 100);
  } finally {
    await server.stop();
  }
});

test('--mmproj that cannot be loaded stops the server with a message', async () => {
  const missing = await runCria(['-m', TINY_MODEL, '--port', String(await freePort()), '--mmproj', path.join(MODELS, 'no-such-mmproj.gguf')], { timeoutMs: 20000 });
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /--mmproj/);
  // A projector made for another model's width.
  const mismatch = await runCria(['-m', SMALL_MODEL, '--port', String(await freePort()), '--mmproj', MMPROJ], { timeoutMs: 20000 });
  assert.notEqual(mismatch.code, 0);
  assert.match(mismatch.stderr, /projector/);
  // Self-extend moves positions as it goes; images do not fit that yet.
  const selfExtend = await runCria(['-m', TINY_MODEL, '--port', String(await freePort()), '--mmproj', MMPROJ, '--grp-attn-n', '2'], { timeoutMs: 20000 });
  assert.notEqual(selfExtend.code, 0);
  assert.match(selfExtend.stderr, /--grp-attn-n/);
});
