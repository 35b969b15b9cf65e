// End-to-end tests of /completion's prompt shapes as llama-server 0.7 reads them (api/completion_prompts.h):
// several prompts in one request (an array of results, one per prompt and n_cmpl), and the
// {"prompt_string", "multimodal_data"} object whose media go where its <__media__> markers are.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCria, assertErrorShape, MODELS, TINY_MODEL } from './lib/cria.mjs';
import { THREADS, complete, streamCompletion } from './lib/generation-helpers.mjs';
import { llamaServerPath, startLlamaServer } from './lib/llama-server.mjs';
import { pngFile } from './lib/image-files.mjs';

const MMPROJ = path.join(MODELS, 'tiny-mmproj.gguf');
const NO_ORACLE = llamaServerPath() ? false : 'llama-server is not installed (the oracle)';
function haveFfmpeg() {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const NO_FFMPEG = haveFfmpeg() ? false : 'ffmpeg is not installed (Debian package ffmpeg)';
const greedy = { n_predict: 4, temperature: 0 };
const png = pngFile(32, 32, (x, y) => [x * 8, y * 8, 128]).toString('base64');

let cria;    // -np 2, --max-request-tasks 4
let vision;  // --mmproj
before(async () => {
  [cria, vision] = await Promise.all([
    startCria(['-np', '2', '-c', '1024', '--max-request-tasks', '4', ...THREADS]),
    startCria(['-np', '1', '-c', '1024', '--mmproj', MMPROJ, ...THREADS]),
  ]);
});
after(async () => {
  await cria?.stop();
  await vision?.stop();
});

test('an array of prompts gives one result per prompt, in order, each as if sent alone', async () => {
  const prompts = ['Hello', [1, 300, 301], { prompt_string: 'Once upon' }];
  const alone = [];
  for (const prompt of prompts) alone.push(await complete(cria, { prompt, ...greedy }));
  const together = await complete(cria, { prompt: prompts, ...greedy });
  assert.ok(Array.isArray(together), JSON.stringify(together));
  assert.equal(together.length, 3);
  for (let i = 0; i < 3; i++) {
    assert.equal(together[i].index, i);
    assert.equal(together[i].content, alone[i].content, `prompt ${i}`);
    assert.equal(together[i].prompt, alone[i].prompt, `prompt ${i}: its own prompt text`);
    assert.equal(together[i].tokens_evaluated, alone[i].tokens_evaluated, `prompt ${i}`);
  }
  // A bare token id anywhere makes the array one prompt of ids and text, as in the seed.
  const mixed = await complete(cria, { prompt: [1, 'Hello', 300], ...greedy });
  assert.ok(!Array.isArray(mixed));
});

test('prompts x n_cmpl: index is prompt * n_cmpl + k, streamed too', async () => {
  const both = await complete(cria, { prompt: ['Hello', 'World'], n_cmpl: 2, ...greedy });
  assert.deepEqual(both.map((r) => r.index), [0, 1, 2, 3]);
  assert.equal(both[0].content, both[1].content);
  assert.equal(both[2].content, both[3].content);
  assert.notEqual(both[0].prompt, both[2].prompt);
  const streamed = await streamCompletion(cria, { prompt: ['Hello', 'World'], ...greedy, stream: true });
  for (const index of [0, 1]) {
    const mine = streamed.events.filter((e) => e.index === index);
    assert.equal(mine.filter((e) => e.stop).length, 1, `prompt ${index} ends once`);
    assert.equal(mine.map((e) => e.content).join(''), both[index * 2].content, `prompt ${index}`);
  }
});

test('bad prompt shapes and too many completions: a 400 naming prompt', async () => {
  for (const prompt of [[1, ['b']], [{ multimodal_data: [] }], { prompt_string: 5 }, [true], { prompt_string: 'x', multimodal_data: 'no' }]) {
    assertErrorShape(assert, await cria.post('/completion', { prompt, n_predict: 1 }), 400, 'prompt');
  }
  // --max-request-tasks 4: two prompts twice is at the limit, five prompts or three twice over it.
  assert.equal((await cria.post('/completion', { prompt: ['a', 'b'], n_cmpl: 2, n_predict: 1 })).status, 200);
  const over = await cria.post('/completion', { prompt: ['a', 'b', 'c', 'd', 'e'], n_predict: 1 });
  assertErrorShape(assert, over, 400, 'prompt');
  assert.match(over.body.error.message, /--max-request-tasks/);
  assertErrorShape(assert, await cria.post('/completion', { prompt: ['a', 'b', 'c'], n_cmpl: 2, n_predict: 1 }), 400, 'prompt');
  // Media on a model without a projector.
  const noProjector = await cria.post('/completion', { prompt: { prompt_string: '<__media__>', multimodal_data: [png] }, n_predict: 1 });
  assertErrorShape(assert, noProjector, 400, 'prompt.multimodal_data[0]');
  assert.equal((await cria.get('/health')).status, 200);
});

test('multimodal_data: the image at the marker, the same prompt tokens and text as llama-server', { skip: NO_ORACLE }, async (t) => {
  const body = { prompt: { prompt_string: 'Describe <__media__> now', multimodal_data: [png] }, ...greedy };
  const ours = await complete(vision, body);
  // The same image through the seed's image_data gives the same prompt.
  const seed = await complete(vision, { prompt: 'Describe [img-1] now', image_data: [{ data: png, id: 1 }], ...greedy });
  const oracle = await startLlamaServer(TINY_MODEL, ['--mmproj', MMPROJ, '-np', '1', '-c', '1024', ...THREADS, '--no-webui'],
    { timeoutMs: 120000 });
  try {
    const marker = (await oracle.get('/props')).body.media_marker ?? '<__media__>';
    const theirs = await complete(oracle, { ...body, prompt: { ...body.prompt, prompt_string: `Describe ${marker} now` } });
    t.diagnostic(`cria ${ours.tokens_evaluated} tokens '${ours.content}', image_data ${seed.tokens_evaluated}, ` +
      `llama-server ${theirs.tokens_evaluated} '${theirs.content}'`);
    assert.equal(ours.tokens_evaluated, theirs.tokens_evaluated);
    assert.equal(ours.content, theirs.content);
    assert.equal(seed.tokens_evaluated, ours.tokens_evaluated);
  } finally {
    await oracle.stop();
  }
});

test('multimodal_data: markers and files must agree; not both image_data and multimodal_data', async () => {
  const twoMarkers = { prompt_string: '<__media__> and <__media__>', multimodal_data: [png] };
  assertErrorShape(assert, await vision.post('/completion', { prompt: twoMarkers, n_predict: 1 }), 400, 'prompt');
  const both = await vision.post('/completion', {
    prompt: { prompt_string: '<__media__>', multimodal_data: [png] }, image_data: [{ data: png, id: 1 }], n_predict: 1,
  });
  assertErrorShape(assert, both, 400, 'prompt');
  const notBase64 = await vision.post('/completion', { prompt: { prompt_string: '<__media__>', multimodal_data: ['@@'] }, n_predict: 1 });
  assertErrorShape(assert, notBase64, 400, 'prompt');
  assert.equal((await vision.get('/health')).status, 200);
});

test('multimodal_data takes a video too (llama-server 0.7 aborts on one): its frames cost what they cost in chat',
  { skip: NO_FFMPEG }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cria-prompt-video-'));
    try {
      const file = path.join(dir, 'v.webm');
      execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=8', '-t', '3',
        '-c:v', 'libvpx', file]);
      const video = fs.readFileSync(file).toString('base64');
      const withVideo = await complete(vision, { prompt: { prompt_string: 'See <__media__> now', multimodal_data: [video] }, ...greedy });
      // Against the same prompt with an image in the video's place: only the media differ.
      const withImage = await complete(vision, { prompt: { prompt_string: 'See <__media__> now', multimodal_data: [png] }, ...greedy });
      const chat = async (content) => (await vision.post('/v1/chat/completions',
        { messages: [{ role: 'user', content }], max_tokens: 1 })).body.usage.prompt_tokens;
      const chatVideo = await chat([{ type: 'text', text: 'See' },
        { type: 'video_url', video_url: { url: `data:video/webm;base64,${video}` } }]);
      const chatImage = await chat([{ type: 'text', text: 'See' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } }]);
      const share = withVideo.tokens_evaluated - withImage.tokens_evaluated;
      assert.ok(share > 100, JSON.stringify({ withVideo: withVideo.tokens_evaluated, withImage: withImage.tokens_evaluated }));
      assert.equal(share, chatVideo - chatImage);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
