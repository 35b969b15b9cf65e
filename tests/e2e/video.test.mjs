// Videos in chat prompts (--mmproj): video_url and input_video content parts, read through
// libmtmd's video helper (ffprobe and ffmpeg) into frames and timestamp texts. The videos are made
// here with ffmpeg (a 3-second 64x48 test pattern at 8 frames per second: 12 frames at the default
// --video-fps 4); llama-server, run beside cria on the same model and projector, is the oracle for
// the prompt's token count and the greedy text. Without ffmpeg every test skips, saying so.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCria, assertErrorShape, MODELS, TINY_MODEL } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';
import { llamaServerPath, startLlamaServer } from './lib/llama-server.mjs';
import { pngFile } from './lib/image-files.mjs';

const MMPROJ = path.join(MODELS, 'tiny-mmproj.gguf');
const FRAMES = 12;           // 3 s at --video-fps 4
const FRAME_PIXELS = 64 * 48;

function haveProgram(name) {
  try {
    execFileSync(name, ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const NO_FFMPEG = haveProgram('ffmpeg') && haveProgram('ffprobe') ? false : 'ffmpeg and ffprobe are not installed (Debian package ffmpeg)';
const NO_ORACLE = NO_FFMPEG || (llamaServerPath() ? false : 'llama-server is not installed (the oracle)');

let dir;         // temporary: the generated videos; dir/media is the --media-path
const videos = {};
let cria;        // defaults: --video-fps 4, --video-timestamp-interval 5000
let criaSlow;    // --video-fps 2 --video-timestamp-interval 1000
let textOnly;
const started = [];

function makeVideo(name, args, source = 'testsrc=size=64x48:rate=8') {
  const file = path.join(dir, name);
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', source, '-t', '3', ...args, file]);
  return fs.readFileSync(file);
}

const dataUrl = (bytes, type = 'video/mp4') => `data:${type};base64,${bytes.toString('base64')}`;
const videoUrlPart = (url) => ({ type: 'video_url', video_url: { url } });
function chatBody(...parts) {
  return {
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Describe.' }, ...parts] }],
    max_tokens: 8, temperature: 0,
  };
}
async function chat(server, ...parts) {
  return server.post('/v1/chat/completions', chatBody(...parts));
}
// The answer, its prompt's token count and its cache figures, or a failure with the body.
async function answer(server, ...parts) {
  const res = await chat(server, ...parts);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return {
    text: res.body.choices[0].message.content,
    promptTokens: res.body.usage.prompt_tokens,
    promptN: res.body.timings.prompt_n,
    cacheN: res.body.timings.cache_n,
  };
}

async function start(args, options) {
  const server = await startCria(args, options);
  started.push(server);
  return server;
}

before(async () => {
  if (NO_FFMPEG) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cria-video-'));
  fs.mkdirSync(path.join(dir, 'media'));
  videos.mp4 = makeVideo('t.mp4', ['-pix_fmt', 'yuv420p', '-c:v', 'mpeg4']);
  videos.webm = makeVideo('t.webm', ['-c:v', 'libvpx']);
  videos.bars = makeVideo('bars.mp4', ['-pix_fmt', 'yuv420p', '-c:v', 'mpeg4'], 'smptebars=size=64x48:rate=8');
  fs.writeFileSync(path.join(dir, 'media', 'clip.mp4'), videos.mp4);
  const vision = ['--mmproj', MMPROJ, '-np', '1', '-c', '2048', ...THREADS];
  cria = await start([...vision, '--media-path', path.join(dir, 'media')]);
  criaSlow = await start([...vision, '--video-fps', '2', '--video-timestamp-interval', '1000']);
  textOnly = await start(['-np', '1', '-c', '512', ...THREADS]);
});

after(async () => {
  for (const server of started) await server.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('/props reports video where a projector is loaded, as llama-server does', { skip: NO_ORACLE }, async () => {
  assert.deepEqual((await cria.get('/props')).body.modalities, { vision: true, video: true, audio: false });
  assert.deepEqual((await textOnly.get('/props')).body.modalities, { vision: false, video: false, audio: false });
});

test('the same prompt token count and greedy text as llama-server, at two --video-fps settings', { skip: NO_ORACLE },
  async (t) => {
    const settings = [
      { server: cria, args: [] },
      { server: criaSlow, args: ['--video-fps', '2', '--video-timestamp-interval', '1000'] },
    ];
    const counts = [];
    for (const { server, args } of settings) {
      const oracle = await startLlamaServer(TINY_MODEL, ['--mmproj', MMPROJ, '-np', '1', '-c', '2048', ...THREADS,
        '--no-webui', ...args], { timeoutMs: 120000 });
      try {
        for (const [name, bytes, type] of [['mp4', videos.mp4, 'video/mp4'], ['webm', videos.webm, 'video/webm']]) {
          const part = videoUrlPart(dataUrl(bytes, type));
          const ours = await answer(server, part);
          const theirs = await answer(oracle, part);
          t.diagnostic(`${args.join(' ') || 'defaults'} ${name}: cria ${ours.promptTokens} tokens '${ours.text}', ` +
            `llama-server ${theirs.promptTokens} tokens '${theirs.text}'`);
          assert.equal(ours.promptTokens, theirs.promptTokens, name);
          assert.equal(ours.text, theirs.text, name);
          if (name === 'mp4') counts.push(ours.promptTokens);
        }
      } finally {
        await oracle.stop();
      }
    }
    // Half the frames at --video-fps 2: the video's share of the prompt shrinks (timestamps every
    // second add a little text back).
    const text = (await answer(textOnly)).promptTokens;  // the prompt without the video
    assert.ok(counts[1] - text < counts[0] - text, JSON.stringify({ counts, text }));
    assert.ok(counts[1] - text > (counts[0] - text) / 2, JSON.stringify({ counts, text }));
  });

test('input_video (base64 data and a format) is the same video as video_url', { skip: NO_FFMPEG }, async () => {
  const a = await answer(cria, videoUrlPart(dataUrl(videos.mp4)));
  const b = await answer(cria, { type: 'input_video', input_video: { data: videos.mp4.toString('base64'), format: 'mp4' } });
  assert.equal(b.promptTokens, a.promptTokens);
  assert.equal(b.text, a.text);
});

test('the file decides, not the part type: an image in video_url is an image, a video in image_url a video ' +
  '(as in llama-server)', { skip: NO_ORACLE }, async (t) => {
    const png = pngFile(32, 32, (x, y) => [x * 8, y * 8, 128]);
    const imageUrlPart = (url) => ({ type: 'image_url', image_url: { url } });
    // [name, the file in the other part type, the same file in its own]
    const cases = [
      ['image in video_url', videoUrlPart(dataUrl(png, 'video/mp4')), imageUrlPart(dataUrl(png, 'image/png'))],
      ['video in image_url', imageUrlPart(dataUrl(videos.webm, 'image/png')), videoUrlPart(dataUrl(videos.webm, 'video/webm'))],
    ];
    const oracle = await startLlamaServer(TINY_MODEL, ['--mmproj', MMPROJ, '-np', '1', '-c', '2048', ...THREADS,
      '--no-webui'], { timeoutMs: 120000 });
    try {
      for (const [name, swapped, proper] of cases) {
        const ours = await answer(cria, swapped);
        const asSent = await answer(cria, proper);
        const theirs = await answer(oracle, swapped);
        t.diagnostic(`${name}: cria ${ours.promptTokens} tokens (${asSent.promptTokens} in its own part type), ` +
          `llama-server ${theirs.promptTokens}`);
        assert.equal(ours.promptTokens, asSent.promptTokens, name);
        assert.equal(ours.text, asSent.text, name);
        assert.equal(ours.promptTokens, theirs.promptTokens, name);
      }
    } finally {
      await oracle.stop();
    }
  });

test('a second identical request reuses the cached video', { skip: NO_FFMPEG }, async () => {
  // A video no other test sends: nothing of it is cached yet.
  const first = await answer(cria, videoUrlPart(dataUrl(videos.bars)));
  const second = await answer(cria, videoUrlPart(dataUrl(videos.bars)));
  assert.ok(first.promptN > FRAMES * 2, JSON.stringify(first));
  assert.equal(second.promptTokens, first.promptTokens);
  assert.equal(second.cacheN, second.promptTokens - 1, JSON.stringify(second));
  assert.equal(second.promptN, 1, JSON.stringify(second));
  assert.equal(second.text, first.text);
});

test('file:// videos under --media-path are read; outside it, or without it, refused', { skip: NO_FFMPEG }, async () => {
  const data = await answer(cria, videoUrlPart(dataUrl(videos.mp4)));
  const file = await answer(cria, videoUrlPart('file://clip.mp4'));
  assert.equal(file.promptTokens, data.promptTokens);
  const field = 'messages[0].content[1].video_url';
  assertErrorShape(assert, await chat(cria, videoUrlPart('file://../t.mp4')), 400, field);
  assertErrorShape(assert, await chat(criaSlow, videoUrlPart('file://clip.mp4')), 400, field);
  assertErrorShape(assert, await chat(cria, videoUrlPart('https://example.invalid/v.mp4')), 400, field);
});

test('damaged videos and files that are not videos: 400 naming the part', { skip: NO_FFMPEG }, async () => {
  const field = 'messages[0].content[1].video_url';
  // An MP4 header and nothing after it: past the container check, refused by ffprobe.
  const cut = videos.mp4.subarray(0, 40);
  const res = await chat(cria, videoUrlPart(dataUrl(cut)));
  assertErrorShape(assert, res, 400, field);
  assert.match(res.body.error.message, /could not be decoded/);
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  const notVideo = await chat(cria, videoUrlPart(dataUrl(png)));
  assertErrorShape(assert, notVideo, 400, field);
  assert.match(notVideo.body.error.message, /does not hold a video/);
  assertErrorShape(assert, await chat(cria, { type: 'input_video', input_video: { format: 'mp4' } }), 400,
    'messages[0].content[1].input_video');
  // The server is still well.
  assert.equal((await cria.get('/health')).status, 200);
});

test('a model without a projector refuses a video with a 400', { skip: NO_FFMPEG }, async () => {
  const res = await chat(textOnly, videoUrlPart(dataUrl(videos.mp4)));
  assertErrorShape(assert, res, 400, 'messages[0].content[1].video_url');
  assert.match(res.body.error.message, /--mmproj/);
});

test('each video limit: at the limit served, one over it 400 naming the field', { skip: NO_FFMPEG }, async () => {
  const size = videos.mp4.length;
  const base = ['--mmproj', MMPROJ, '-np', '1', '-c', '2048', ...THREADS];
  const atLimit = await start([...base, '--max-videos', '1', '--max-video-size', String(size),
    '--max-video-frames', String(FRAMES), '--max-image-pixels', String(FRAME_PIXELS)]);
  const part = videoUrlPart(dataUrl(videos.mp4));
  await answer(atLimit, part);
  const two = await chat(atLimit, part, part);
  assertErrorShape(assert, two, 400, 'messages');
  assert.match(two.body.error.message, /--max-videos/);
  const field = 'messages[0].content[1].video_url';
  for (const [option, value] of [['--max-video-size', size - 1], ['--max-video-frames', FRAMES - 1],
    ['--max-image-pixels', FRAME_PIXELS - 1]]) {
    const server = await start([...base, option, String(value)]);
    const res = await chat(server, part);
    assertErrorShape(assert, res, 400, field);
    assert.ok(res.body.error.message.includes(option), res.body.error.message);
    await server.stop();
  }
  // --max-video-frames holds for a request's videos together: the second video goes over.
  const together = await start([...base, '--max-video-frames', String(2 * FRAMES - 1)]);
  await answer(together, part);
  const res = await chat(together, part, part);
  assertErrorShape(assert, res, 400, 'messages[0].content[2].video_url');
  assert.match(res.body.error.message, /--max-video-frames/);
});

test('a request\'s frames are held to 64 Mi pixels together: large frames at a high --video-fps are refused', { skip: NO_FFMPEG }, async () => {
  // 3 s at 8 frames per second: 24 frames of 2560 x 1440 (3.7 Mi pixels each, 88 Mi together), each
  // frame within --max-image-pixels and the count within --max-video-frames.
  const big = makeVideo('big.mp4', ['-pix_fmt', 'yuv420p', '-c:v', 'mpeg4', '-movflags', '+faststart'], 'testsrc=size=2560x1440:rate=8');
  const server = await start(['--mmproj', MMPROJ, '-np', '1', '-c', '2048', ...THREADS, '--video-fps', '8']);
  const res = await chat(server, videoUrlPart(dataUrl(big)));
  assertErrorShape(assert, res, 400, 'messages[0].content[1].video_url');
  assert.match(res.body.error.message, /2560 x 1440 pixels: more frames of that size than a request may hold at once/);
  await answer(server, videoUrlPart(dataUrl(videos.mp4)));  // small frames at the same rate: served
  await server.stop();
});

test('--video-ffmpeg-dir without ffmpeg in it: a 400 saying the server has no ffmpeg', { skip: NO_FFMPEG }, async () => {
  const empty = fs.mkdtempSync(path.join(dir, 'no-ffmpeg-'));
  const server = await start(['--mmproj', MMPROJ, '-np', '1', '-c', '1024', ...THREADS, '--video-ffmpeg-dir', empty]);
  const res = await chat(server, videoUrlPart(dataUrl(videos.mp4)));
  assertErrorShape(assert, res, 400, 'messages[0].content[1].video_url');
  assert.match(res.body.error.message, /no ffmpeg and ffprobe/);
  assert.match(server.log(), /video input will fail/);
  assert.equal((await server.get('/health')).status, 200);
  await server.stop();
});
