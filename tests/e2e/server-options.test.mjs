// llama-server's server options that shape what the routes do around a request:
// --sse-ping-interval (keep-alives in silent streams), --ui-config (the web UI's defaults in
// /props), --media-path (file:// images), --log-prompts-dir (prompts written for debugging) and
// --prefill-assistant (a last assistant message is continued).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startCria, assertErrorShape, MODELS } from './lib/cria.mjs';
import { THREADS, settleAfterDisconnect, startBackgroundStream } from './lib/generation-helpers.mjs';
import { makeTempDir } from './lib/misc-helpers.mjs';
import { pngFile } from './lib/image-files.mjs';
import { launchChromium } from './lib/browser.mjs';

// A stream read as raw text, so that comment lines (which SSE readers drop) can be seen. It is read
// in the background from the start; text() is what came so far, read(until) waits until
// until(text) holds or the stream ended, and returns the text.
function rawStream(server, path, body) {
  const state = { text: '', ended: false, error: null };
  state.done = (async () => {
    const res = await fetch(server.url(path), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...body, stream: true }),
      signal: AbortSignal.timeout(120000),
    });
    state.status = res.status;
    const decoder = new TextDecoder();
    for await (const bytes of res.body) state.text += decoder.decode(bytes, { stream: true });
  })().catch((e) => { state.error = e; }).finally(() => { state.ended = true; });
  return {
    text: () => state.text,
    async read(until = () => false) {
      while (!state.ended && !until(state.text)) await new Promise((resolve) => setTimeout(resolve, 20));
      if (state.error) throw state.error;
      if (state.ended) assert.equal(state.status, 200, state.text);
      return state.text;
    },
  };
}

// A fetch for the SDK clients that keeps a copy of every response body's raw text.
function recordingFetch() {
  const record = { text: '' };
  record.fetch = async (...args) => {
    const res = await fetch(...args);
    if (!res.body) return res;
    const [forClient, forRecord] = res.body.tee();
    (async () => {
      const decoder = new TextDecoder();
      for await (const bytes of forRecord) record.text += decoder.decode(bytes, { stream: true });
    })().catch(() => {});
    return new Response(forClient, { status: res.status, statusText: res.statusText, headers: res.headers });
  };
  return record;
}

async function waitFor(condition, what, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const EMPTY_COMMENT = /(^|\n):\n\n/;
const countOf = (text, piece) => text.split(piece).length - 1;

describe('--sse-ping-interval', () => {
  let cria;
  before(async () => {
    // One slot: a background stream holds it, so every request below waits in the queue, silent.
    cria = await startCria(['--sse-ping-interval', '1', '-np', '1', '-c', '1024', ...THREADS]);
  });
  after(async () => { await cria?.stop(); });

  // Holds the only slot until release() (a generation that does not end on its own).
  async function holdSlot() {
    const controller = new AbortController();
    const background = await startBackgroundStream(cria, {
      prompt: 'Once upon a time', n_predict: 100000, ignore_eos: true, temperature: 0, cache_prompt: false,
    }, controller.signal);
    return async () => {
      controller.abort();
      await background.done;
      await settleAfterDisconnect(cria, 1);
    };
  }

  test('queued streams ping on every SSE route before their first data; NDJSON streams stay silent', { timeout: 120000 },
    async () => {
      const release = await holdSlot();
      let streams;
      let held;
      try {
        const chat = { messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 4, temperature: 0 };
        streams = {
          completion: rawStream(cria, '/completion', { prompt: 'Hello there', n_predict: 4, temperature: 0 }),
          chat: rawStream(cria, '/v1/chat/completions', chat),
          completions: rawStream(cria, '/v1/completions', { prompt: 'Hello there', max_tokens: 4, temperature: 0 }),
          responses: rawStream(cria, '/v1/responses', { input: 'Hello there', max_output_tokens: 4, temperature: 0 }),
          messages: rawStream(cria, '/v1/messages', { ...chat, model: 'tiny' }),
          ollama: rawStream(cria, '/api/chat', { model: 'tiny', messages: chat.messages, options: { num_predict: 4 } }),
        };
        // Two pings each, read while the slot is held, so before anything was generated for them:
        // the silence is measured from the stream's last write, again and again.
        await streams.completion.read((t) => countOf(t, ':\n\n') >= 2);
        await streams.chat.read((t) => countOf(t, ':\n\n') >= 2);
        await streams.completions.read((t) => countOf(t, ':\n\n') >= 2);
        await streams.responses.read((t) => countOf(t, ':\n\n') >= 2);
        // Anthropic's stream opens with message_start and one ping; its keep-alives are ping events.
        await streams.messages.read((t) => countOf(t, 'event: ping\ndata: {"type":"ping"}\n\n') >= 3);
        held = Object.fromEntries(Object.entries(streams).map(([route, stream]) => [route, stream.text()]));
      } finally {
        await release();
      }
      // Nothing generated was sent while the slot was held.
      assert.ok(!/"content":"[^"]|"text":"[^"]|"delta":"[^"]/.test(held.completion + held.chat + held.completions), JSON.stringify(held));
      assert.ok(!held.messages.includes('content_block_delta') && !held.responses.includes('output_text.delta'));
      assert.ok(!EMPTY_COMMENT.test(held.messages), 'Anthropic streams ping with events, not comments');
      assert.equal(held.ollama, '', 'an NDJSON stream sent something while waiting');
      const ends = {
        completion: /"stop":true/, chat: /data: \[DONE\]/, completions: /data: \[DONE\]/,
        responses: /event: response\.(completed|incomplete)/, messages: /event: message_stop/,
      };
      for (const [route, stream] of Object.entries(streams)) {
        const text = await stream.read();
        if (route === 'ollama') {
          // NDJSON has no comments: every line is a JSON object.
          const lines = text.split('\n').filter((line) => line !== '');
          assert.ok(lines.length >= 1, text);
          for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `${route}: ${line}`);
          assert.equal(JSON.parse(lines.at(-1)).done, true);
          continue;
        }
        assert.ok(text.startsWith(held[route]));
        assert.match(text, ends[route], `${route} did not finish`);
      }
    });

  test('the openai and Anthropic SDKs read streams that pinged while queued', { timeout: 120000 }, async () => {
    const openaiRecord = recordingFetch();
    const anthropicRecord = recordingFetch();
    const openai = new OpenAI({ baseURL: cria.url('/v1'), apiKey: 'none', maxRetries: 0, fetch: openaiRecord.fetch });
    const anthropic = new Anthropic({ baseURL: cria.base, apiKey: 'none', maxRetries: 0, fetch: anthropicRecord.fetch });
    const release = await holdSlot();
    let openaiDone;
    let anthropicDone;
    try {
      openaiDone = (async () => {
        const stream = await openai.chat.completions.create({
          model: 'tiny', messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 6, temperature: 0, stream: true,
        });
        let content = '';
        for await (const chunk of stream) content += chunk.choices[0]?.delta?.content ?? '';
        return content;
      })();
      anthropicDone = (async () => {
        const stream = anthropic.messages.stream({
          model: 'tiny', max_tokens: 6, temperature: 0, messages: [{ role: 'user', content: 'Hello there' }],
        });
        return stream.finalMessage();
      })();
      await waitFor(() => countOf(openaiRecord.text, ':\n\n') >= 2, 'pings to the openai client');
      await waitFor(() => countOf(anthropicRecord.text, 'event: ping') >= 3, 'pings to the Anthropic client');
    } finally {
      await release();
    }
    const content = await openaiDone;
    assert.ok(content.length > 0, 'the openai client read no content');
    const message = await anthropicDone;
    assert.equal(message.stop_reason, 'max_tokens');
    assert.ok(message.content[0].text.length > 0, JSON.stringify(message));
  });

  test('gives no start-up notice: it is implemented', () => {
    assert.ok(!/--sse-ping-interval/.test(cria.log()), cria.log());
  });
});

describe('--ui-config', () => {
  const UI = { temperature: 0.25, max_tokens: 7, systemMessage: 'Be terse.', theme: 'dark', showTokensPerSecond: true };
  let cria;
  let browser;
  before(async () => {
    [cria, browser] = await Promise.all([
      startCria(['--ui-config', JSON.stringify(UI), '-np', '1', ...THREADS]), launchChromium()]);
  });
  after(async () => {
    await browser?.close();
    await cria?.stop();
  });

  test('/props carries the object as ui_settings, with no start-up notice', async () => {
    assert.deepEqual((await cria.get('/props')).body.ui_settings, UI);
    assert.ok(!/--ui-config/.test(cria.log()), cria.log());
  });

  test('--ui-config-file: the same from a file', async () => {
    const { dir } = makeTempDir();
    const file = path.join(dir, 'ui.json');
    fs.writeFileSync(file, JSON.stringify({ theme: 'light' }));
    const other = await startCria(['--webui-config-file', file, '-np', '1', ...THREADS]);
    try {
      assert.deepEqual((await other.get('/props')).body.ui_settings, { theme: 'light' });
    } finally {
      await other.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the web UI starts with the settings that mean the same here; what the user saves wins', { timeout: 60000 },
    async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      try {
        const page = await context.newPage();
        const send = async (text) => {
          const request = page.waitForRequest((r) => r.url().endsWith('/v1/chat/completions'), { timeout: 20000 });
          await page.getByTestId('composer-input').fill(text);
          await page.getByTestId('composer-input').press('Enter');
          return (await request).postDataJSON();
        };
        await page.goto(cria.url('/'));
        await page.getByTestId('composer-input').and(page.locator(':not([disabled])')).waitFor({ timeout: 20000 });
        await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark', null, { timeout: 20000 });
        const body = await send('Hello');
        assert.equal(body.temperature, 0.25);
        assert.equal(body.max_tokens, 7);
        assert.deepEqual(body.messages[0], { role: 'system', content: 'Be terse.' });
        await page.getByTestId('reply-stats').first().waitFor({ timeout: 20000 });
        // The user's own temperature, saved in this browser, outlives a reload.
        await page.getByTestId('settings-button').click();
        await page.locator('#setting-temperature').fill('0.9');
        await page.getByTestId('settings-done').click();
        await page.reload();
        await page.getByTestId('composer-input').and(page.locator(':not([disabled])')).waitFor({ timeout: 20000 });
        const again = await send('Hello again');
        assert.equal(again.temperature, 0.9);
        assert.equal(again.max_tokens, 7);
      } finally {
        await context.close();
      }
    });
});

describe('--media-path', () => {
  const MMPROJ = path.join(MODELS, 'tiny-mmproj.gguf');
  const image = pngFile(32, 32, (x, y) => [x * 8, y * 8, 128]);
  const dataUrl = `data:image/png;base64,${image.toString('base64')}`;
  let dir;
  let outside;
  let cria;
  let plain;
  before(async () => {
    dir = makeTempDir().dir;
    outside = makeTempDir().dir;
    fs.mkdirSync(path.join(dir, 'photos'));
    fs.writeFileSync(path.join(dir, 'photos', 'cat.png'), image);
    fs.writeFileSync(path.join(dir, 'big.png'), Buffer.concat([image, Buffer.alloc(4096)]));
    fs.writeFileSync(path.join(outside, 'secret.png'), image);
    fs.symlinkSync(path.join(outside, 'secret.png'), path.join(dir, 'link.png'));
    fs.symlinkSync(path.join(dir, 'photos', 'cat.png'), path.join(dir, 'inner-link.png'));
    [cria, plain] = await Promise.all([
      startCria(['--mmproj', MMPROJ, '--media-path', dir, '--max-image-size', String(image.length + 100), '-np', '1',
        '-c', '1024', ...THREADS]),
      startCria(['--mmproj', MMPROJ, '-np', '1', '-c', '1024', ...THREADS]),
    ]);
  });
  after(async () => {
    await cria?.stop();
    await plain?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  const chatWith = (url) => ({
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Caption this:' }, { type: 'image_url', image_url: { url } }] }],
    max_tokens: 6, temperature: 0,
  });

  test('a file:// URL under the media path reads as the same image sent as a data URL', async () => {
    const fromData = await cria.post('/v1/chat/completions', chatWith(dataUrl));
    const fromFile = await cria.post('/v1/chat/completions', chatWith('file://photos/cat.png'));
    const throughLink = await cria.post('/v1/chat/completions', chatWith('file://inner-link.png'));
    assert.equal(fromData.status, 200, JSON.stringify(fromData.body));
    assert.equal(fromFile.status, 200, JSON.stringify(fromFile.body));
    assert.equal(throughLink.status, 200, JSON.stringify(throughLink.body));
    assert.equal(fromFile.body.choices[0].message.content, fromData.body.choices[0].message.content);
    assert.equal(fromFile.body.usage.prompt_tokens, fromData.body.usage.prompt_tokens);
    assert.equal(throughLink.body.choices[0].message.content, fromData.body.choices[0].message.content);
    assert.ok(!/--media-path/.test(cria.log()), cria.log());
  });

  test('Responses input_image and Anthropic url sources read it too', async () => {
    const responses = await cria.post('/v1/responses', {
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Caption this:' },
        { type: 'input_image', image_url: 'file://photos/cat.png' }] }],
      max_output_tokens: 4,
    });
    assert.equal(responses.status, 200, JSON.stringify(responses.body));
    const messages = await cria.post('/v1/messages', {
      model: 'tiny', max_tokens: 4,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'file://photos/cat.png' } },
        { type: 'text', text: 'Caption this:' }] }],
    });
    assert.equal(messages.status, 200, JSON.stringify(messages.body));
    const escaping = await cria.post('/v1/messages', {
      model: 'tiny', max_tokens: 4,
      messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'file://link.png' } }] }],
    });
    assert.equal(escaping.status, 400);
    assert.match(escaping.body.error.message, /messages\[0\]\.content\[0\]\.source\.url/);
    assert.match(escaping.body.error.message, /outside the media directory/);
  });

  test('paths that leave the directory, missing files and files over the size limit are 400s naming the field',
    async () => {
      const field = 'messages[0].content[1].image_url';
      const cases = [
        ['file://../' + path.basename(outside) + '/secret.png', /outside the media directory/],
        [`file://${path.join(outside, 'secret.png')}`, /outside the media directory/],
        ['file:///etc/passwd', /outside the media directory/],
        ['file://link.png', /outside the media directory/],
        ['file://photos/../../' + path.basename(outside) + '/secret.png', /outside the media directory/],
        ['file://photos/missing.png', /does not exist/],
        ['file://photos', /regular file/],
        ['file://big.png', /--max-image-size|bytes/],
        ['file://', /must name a file/],
        ['file://%zz.png', /must name a file/],
      ];
      for (const [url, message] of cases) {
        const res = await cria.post('/v1/chat/completions', chatWith(url));
        assertErrorShape(assert, res, 400, field);
        assert.match(res.body.error.message, message, url);
        assert.ok(res.body.error.message.includes(field), res.body.error.message);
        assert.ok(!res.body.error.message.includes(dir), `the media directory leaks: ${res.body.error.message}`);
      }
    });

  test('without --media-path file:// URLs stay refused', async () => {
    const res = await plain.post('/v1/chat/completions', chatWith('file://photos/cat.png'));
    assertErrorShape(assert, res, 400, 'messages[0].content[1].image_url');
    assert.match(res.body.error.message, /--media-path/);
  });
});

describe('--log-prompts-dir', () => {
  let dir;
  let cria;
  before(async () => {
    dir = path.join(makeTempDir().dir, 'nested', 'prompts');  // created by the server
    cria = await startCria(['--log-prompts-dir', dir, '-np', '1', ...THREADS]);
  });
  after(async () => {
    await cria?.stop();
    fs.rmSync(path.dirname(path.dirname(dir)), { recursive: true, force: true });
  });

  const files = () => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);

  test('each generation request writes its rendered prompt to a file the server names', async () => {
    assert.ok(!/--log-prompts-dir/.test(cria.log()), cria.log());
    const chat = await cria.post('/v1/chat/completions', {
      messages: [{ role: 'user', content: '../../escape' }], max_tokens: 2, user: '../../evil',
    });
    assert.equal(chat.status, 200);
    const afterChat = files();
    assert.equal(afterChat.length, 1, afterChat.join(','));
    assert.match(afterChat[0], /^\d+-\d+\.txt$/);
    // The rendered conversation, as /apply-template shows it (llama-server writes the same).
    const rendered = (await cria.post('/apply-template', { messages: [{ role: 'user', content: '../../escape' }] })).body.prompt;
    assert.equal(fs.readFileSync(path.join(dir, afterChat[0]), 'utf8'), rendered);

    const completion = await cria.post('/completion', { prompt: 'hello world', n_predict: 2 });
    assert.equal(completion.status, 200);
    const two = await cria.post('/v1/completions', { prompt: ['first prompt', 'second prompt'], max_tokens: 1 });
    assert.equal(two.status, 200);
    const all = files();
    assert.equal(all.length, 4, all.join(','));
    const texts = all.map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
    assert.ok(texts.includes('hello world'), texts.join('|'));
    assert.ok(texts.includes('first prompt') && texts.includes('second prompt'), texts.join('|'));
    assert.equal(new Set(all).size, 4);
    // Nothing was written anywhere else: only these files are in the directory tree.
    assert.deepEqual(fs.readdirSync(path.dirname(dir)), ['prompts']);
  });

  test('embeddings and tokenizing write nothing', async () => {
    const before = files().length;
    await cria.post('/tokenize', { content: 'hello' });
    await cria.post('/apply-template', { messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(files().length, before);
  });
});

describe('--prefill-assistant', () => {
  // The tiny model's template is ChatML; the expected prompts here and below are llama-server 0.7's
  // /apply-template answers for the same messages and template (with and without --no-prefill-assistant).
  const CONVERSATION = [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'Sure thing' }];
  const PREFILLED = '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nSure thing';
  const FINISHED = '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nSure thing<|im_end|>\n<|im_start|>assistant\n';
  let prefill;
  let noPrefill;
  before(async () => {
    [prefill, noPrefill] = await Promise.all([
      startCria(['-np', '1', ...THREADS]),
      startCria(['--no-prefill-assistant', '-np', '1', ...THREADS]),
    ]);
  });
  after(async () => {
    await prefill?.stop();
    await noPrefill?.stop();
  });

  test('by default a last assistant message is continued, as llama-server renders it', async () => {
    assert.equal((await prefill.post('/apply-template', { messages: CONVERSATION })).body.prompt, PREFILLED);
    const parts = [{ role: 'user', content: 'hi' }, { role: 'assistant', content: [{ type: 'text', text: 'Sure' }] }];
    assert.equal((await prefill.post('/apply-template', { messages: parts })).body.prompt,
      '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nSure');
    const reasoning = [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'Sure thing', reasoning_content: 'hmm' }];
    assert.equal((await prefill.post('/apply-template', { messages: reasoning })).body.prompt, PREFILLED);
    assert.equal((await prefill.post('/apply-template', { messages: [{ role: 'assistant', content: 'A' }] })).body.prompt,
      '<|im_start|>assistant\nA');
    // A conversation that ends with a user message is untouched.
    assert.equal((await prefill.post('/apply-template', { messages: [{ role: 'user', content: 'hi' }] })).body.prompt,
      '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n');
    assert.ok(!/--prefill-assistant/.test(prefill.log()), prefill.log());
  });

  test('the continued prompt is what the model reads: its tokens are the prefilled text\'s', async () => {
    const chat = await prefill.post('/v1/chat/completions', { messages: CONVERSATION, max_tokens: 1 });
    const plain = await prefill.post('/completion', { prompt: PREFILLED, n_predict: 1 });
    assert.equal(chat.body.usage.prompt_tokens, plain.body.tokens_evaluated);
    const finished = await noPrefill.post('/v1/chat/completions', { messages: CONVERSATION, max_tokens: 1 });
    assert.ok(finished.body.usage.prompt_tokens > chat.body.usage.prompt_tokens);
  });

  test('two assistant messages at the end, or one with tool calls, cannot be continued (400)', async () => {
    const two = await prefill.post('/v1/chat/completions', {
      messages: [...CONVERSATION, { role: 'assistant', content: 'B' }], max_tokens: 1,
    });
    assertErrorShape(assert, two, 400, 'messages');
    assert.match(two.body.error.message, /2 or more assistant messages at the end/);
    const calls = await prefill.post('/apply-template', {
      messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'X',
        tool_calls: [{ id: 'a', type: 'function', function: { name: 'f', arguments: '{}' } }] }],
    });
    assertErrorShape(assert, calls, 400, 'messages');
    assert.match(calls.body.error.message, /tool calls/);
  });

  test('a template that writes a think block before the text keeps it (Qwen3), as llama-server', async () => {
    const template = path.join(import.meta.dirname, '../fuzz/corpus/fuzz_jinja_template/qwen3_think.jinja');
    const qwen = await startCria(['--chat-template-file', template, '-np', '1', ...THREADS]);
    try {
      const plain = await qwen.post('/apply-template', { messages: [{ role: 'system', content: 'S' }, ...CONVERSATION] });
      assert.equal(plain.body.prompt,
        '<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nSure thing');
      const reasoning = await qwen.post('/apply-template', {
        messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'Sure', reasoning_content: 'think' }],
      });
      assert.equal(reasoning.body.prompt, '<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\nthink\n</think>\n\nSure');
      // A text that also occurs in the end of turn is cut at its own place.
      const m = await qwen.post('/apply-template', { messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'm' }] });
      assert.ok(m.body.prompt.endsWith('</think>\n\nm'), m.body.prompt);
    } finally {
      await qwen.stop();
    }
  });

  test('--no-prefill-assistant: the last assistant message is a finished turn', async () => {
    assert.equal((await noPrefill.post('/apply-template', { messages: CONVERSATION })).body.prompt, FINISHED);
    const two = await noPrefill.post('/apply-template', { messages: [...CONVERSATION, { role: 'assistant', content: 'B' }] });
    assert.equal(two.status, 200);
  });
});
