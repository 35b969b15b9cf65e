// The built-in web UI in a real browser (Debian's chromium through playwright-core), against cria
// on the tiny test model: its replies are gibberish, which is fine here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startCria, sleep } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';
import { makeTempDir, pollUntil, startLongStream } from './lib/misc-helpers.mjs';
import { launchChromium, screenshot } from './lib/browser.mjs';

const WAIT = { timeout: 20000 };

let cria;
let browser;
before(async () => {
  [cria, browser] = await Promise.all([startCria(['-np', '2', '--metrics', ...THREADS]), launchChromium()]);
});
after(async () => {
  await browser?.close();
  await cria?.stop();
});

// A fresh browser profile (its own localStorage) on the UI, ready to send.
async function openUi(options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(cria.url('/'));
  await page.getByTestId('composer-input').and(page.locator(':not([disabled])')).waitFor(WAIT);
  return { context, page, problems };
}

async function changeSettings(page, fields) {
  await page.getByTestId('settings-button').click();
  for (const [selector, value] of Object.entries(fields)) await page.locator(selector).fill(value);
  await page.getByTestId('settings-done').click();
}

// Sends a chat message and returns the JSON body the page posted for it.
async function send(page, text) {
  const request = page.waitForRequest((r) => r.url().endsWith('/v1/chat/completions'), WAIT);
  await page.getByTestId('composer-input').fill(text);
  await page.getByTestId('composer-input').press('Enter');
  return (await request).postDataJSON();
}

const storedConversations = (page) => page.evaluate(() => {
  const ids = JSON.parse(localStorage.getItem('cria.conversations') || '[]');
  return ids.map((id) => JSON.parse(localStorage.getItem(`cria.conversation.${id}`)));
});

const waitForReplies = (page, count) =>
  page.waitForFunction((n) => document.querySelectorAll('[data-testid=reply-stats]').length >= n, count, WAIT);

test('chat: settings are sent, the reply streams in, and a reload keeps the conversation', async () => {
  const { context, page, problems } = await openUi();
  try {
    await changeSettings(page, { '#setting-temperature': '0', '#setting-n_predict': '12', '#setting-system': 'Be brief.' });
    const body = await send(page, 'Hello there');
    assert.equal(body.temperature, 0);
    assert.equal(body.max_tokens, 12);
    assert.equal(body.stream, true);
    assert.deepEqual(body.stream_options, { include_usage: true });
    assert.deepEqual(body.messages, [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello there' }]);
    assert.equal(body.top_k, undefined, 'fields left empty are the server\'s to decide');

    await waitForReplies(page, 1);
    const expected = await cria.post('/v1/chat/completions', { messages: body.messages, temperature: 0, max_tokens: 12 });
    const reply = expected.body.choices[0].message.content;
    assert.ok(reply.length > 0);
    const [saved] = await storedConversations(page);
    assert.equal(saved.title, 'Hello there');
    assert.equal(saved.messages[1].content, reply, 'the streamed pieces add up to the whole reply');
    const stats = await page.getByTestId('reply-stats').textContent();
    const { prompt_tokens: promptTokens, completion_tokens: completionTokens } = expected.body.usage;
    assert.match(stats, new RegExp(`^${completionTokens} tokens · [\\d.]+ t/s · context ${promptTokens + completionTokens}/\\d+`));

    await page.reload();
    await page.getByTestId('message-assistant').waitFor(WAIT);
    assert.equal(await page.getByTestId('message-user').locator('.bubble').textContent(), 'Hello there');
    assert.match(await page.getByTestId('conversation-list').textContent(), /Hello there/);
    assert.equal(await page.getByTestId('reply-stats').textContent(), stats);
    await page.getByTestId('settings-button').click();
    assert.equal(await page.locator('#setting-temperature').inputValue(), '0', 'settings are kept too');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('chat: the stop button ends a long reply mid-way and frees the slot', async () => {
  const { context, page, problems } = await openUi();
  try {
    await changeSettings(page, { '#setting-n_predict': '100000', '#setting-extra': '{"ignore_eos": true}' });
    const body = await send(page, 'Go on forever');
    assert.equal(body.ignore_eos, true);
    assert.equal(body.max_tokens, 100000);
    // Text arrives while the reply is still streaming.
    await page.waitForFunction(() => {
      const streaming = document.querySelector('[data-testid=message-assistant].streaming .markdown');
      return streaming && streaming.textContent.length > 40;
    }, null, WAIT);
    await page.getByTestId('stop-button').click();
    await page.getByTestId('send-button').waitFor(WAIT);
    assert.match(await page.getByTestId('reply-stats').textContent(), /stopped/);
    await pollUntil(cria, '/slots', (res) => res.status === 200 && res.body.every((s) => !s.is_processing),
      { timeoutMs: 10000, intervalMs: 50 });
    const text = await page.getByTestId('message-assistant').locator('.markdown').textContent();
    await sleep(300);
    assert.equal(await page.getByTestId('message-assistant').locator('.markdown').textContent(), text, 'the reply kept growing');
    const [saved] = await storedConversations(page);
    assert.ok(saved.messages[1].content.length > 40);
    assert.equal(saved.messages[1].stats.finishReason, 'stopped');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('chat: regenerate the last reply, edit the last message (keyboard only)', async () => {
  const { context, page, problems } = await openUi();
  try {
    await changeSettings(page, { '#setting-n_predict': '6', '#setting-temperature': '0' });
    await send(page, 'First question');
    await waitForReplies(page, 1);

    const again = page.waitForRequest((r) => r.url().endsWith('/v1/chat/completions'), WAIT);
    await page.getByRole('button', { name: 'Regenerate reply' }).click();
    assert.deepEqual((await again).postDataJSON().messages, [{ role: 'user', content: 'First question' }],
      'the reply being replaced is not sent back');
    await waitForReplies(page, 1);
    assert.equal(await page.getByTestId('message-assistant').count(), 1);

    const edited = page.waitForRequest((r) => r.url().endsWith('/v1/chat/completions'), WAIT);
    await page.getByRole('button', { name: 'Edit message' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement && document.activeElement.classList.contains('edit-box'), null, WAIT);
    await page.keyboard.press('ControlOrMeta+a');
    await page.keyboard.type('Second question');
    // The box holds the new text before Enter sends it (under load, input events can lag the keys).
    await page.waitForFunction(() => document.activeElement?.value === 'Second question', null, WAIT);
    await page.keyboard.press('Enter');
    assert.deepEqual((await edited).postDataJSON().messages, [{ role: 'user', content: 'Second question' }]);
    await waitForReplies(page, 1);
    assert.equal(await page.getByTestId('message-user').count(), 1);
    assert.equal(await page.getByTestId('message-user').locator('.bubble').textContent(), 'Second question');
    const [saved] = await storedConversations(page);
    assert.deepEqual(saved.messages.map((m) => m.role), ['user', 'assistant']);
    assert.equal(saved.title, 'Second question');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('completion mode streams a raw prompt and shows each token\'s probabilities', async () => {
  const { context, page, problems } = await openUi();
  try {
    await changeSettings(page, { '#setting-n_predict': '8', '#setting-temperature': '0' });
    await page.getByTestId('mode-completion').click();
    await page.getByTestId('completion-prompt').fill('The capital of France is');
    await page.getByTestId('completion-n-probs').fill('3');
    const request = page.waitForRequest((r) => r.url().endsWith('/completion'), WAIT);
    await page.getByTestId('completion-generate').click();
    const body = (await request).postDataJSON();
    assert.equal(body.prompt, 'The capital of France is');
    assert.equal(body.n_probs, 3);
    assert.equal(body.n_predict, 8);
    assert.equal(body.stream, true);

    await page.locator('.completion-card.output .stats').waitFor(WAIT); // written when the stream ends
    const tokens = page.getByTestId('token');
    assert.equal(await tokens.count(), 8);
    const expected = await cria.post('/completion', { prompt: body.prompt, n_predict: 8, temperature: 0 });
    assert.equal(await page.getByTestId('completion-output').textContent(), expected.body.content);
    await tokens.first().hover();
    const popover = page.getByTestId('prob-popover');
    await popover.waitFor(WAIT);
    assert.equal(await popover.locator('.prob-row').count(), 3);
    assert.equal(await popover.locator('.prob-row.chosen').count(), 1, 'greedy: the chosen token is a candidate');
    await screenshot(page, 'webui-completion-light');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the live view shows the slots and charts throughput when /slots and /metrics answer', async () => {
  const { context, page, problems } = await openUi();
  // Someone else's long generation, for the view to watch.
  const other = await startLongStream(cria, { prompt: 'Count with me', n_predict: 20000, ignore_eos: true });
  try {
    await page.getByTestId('live-toggle').click();
    await page.getByTestId('live-chart').waitFor(WAIT);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=live-slots] li').length === 2, null, WAIT);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=live-slots] li.busy').length === 1, null, WAIT);
    // Two polls make the first point of the chart; the generation makes it non-zero.
    await page.waitForFunction(() => {
      const caption = document.querySelector('[data-testid=live-chart] figcaption');
      return document.querySelector('[data-testid=live-chart] polyline') !== null && /generated [1-9]/.test(caption.textContent);
    }, null, WAIT);
    await screenshot(page, 'webui-live-light');
    assert.deepEqual(problems, []);
  } finally {
    other.abort();
    await other.done;
    await context.close();
  }
});

test('the live view is not offered when the server has neither /slots nor /metrics', async () => {
  const plain = await startCria(['--no-slots', ...THREADS]);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(plain.url('/'));
    await page.getByTestId('composer-input').and(page.locator(':not([disabled])')).waitFor(WAIT);
    assert.equal(await page.getByTestId('live-toggle').count(), 0);
  } finally {
    await context.close();
    await plain.stop();
  }
});

test('a page load logs no console error and asks no route that /props says is off', async () => {
  // Default routes: /slots on, /metrics off (501). The page learns that from /props.
  const plain = await startCria([...THREADS]);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    const asked = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await page.goto(plain.url('/'));
    await page.getByTestId('composer-input').and(page.locator(':not([disabled])')).waitFor(WAIT);
    await page.getByTestId('live-toggle').waitFor(WAIT);  // /slots is on: the live view is offered
    assert.deepEqual(errors, []);
    assert.ok(!asked.includes('/metrics'), asked.join(' '));
  } finally {
    await context.close();
    await plain.stop();
  }
});

test('under --api-prefix the page, its assets and every API call stay under the prefix', async () => {
  const prefixed = await startCria(['--api-prefix', '/llm', '--metrics', '-n', '4', ...THREADS], { healthPath: '/llm/health' });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const problems = [];
    const urls = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => urls.push(new URL(r.url()).pathname));
    await page.goto(prefixed.url('/llm/'));
    await page.getByTestId('composer-input').and(page.locator(':not([disabled])')).waitFor(WAIT);
    await page.getByTestId('live-toggle').waitFor(WAIT);  // it found /llm/metrics
    const request = page.waitForRequest((r) => r.url().endsWith('/llm/v1/chat/completions'), WAIT);
    await page.getByTestId('composer-input').fill('hi');
    await page.getByTestId('composer-input').press('Enter');
    await request;
    await waitForReplies(page, 1);
    assert.equal(await page.locator('.error-box').count(), 0);
    assert.deepEqual(problems, []);
    assert.ok(urls.some((u) => /^\/llm\/assets\/.+\.js$/.test(u)), urls.join(' '));
    assert.ok(urls.includes('/llm/props'), urls.join(' '));
    const outside = urls.filter((u) => !u.startsWith('/llm/'));
    assert.deepEqual(outside, [], 'every request the page made is under the prefix');
  } finally {
    await context.close();
    await prefixed.stop();
  }
});

test('with --api-key the page asks for the key, then sends it', async () => {
  const locked = await startCria(['--api-key', 'sesame', ...THREADS]);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(locked.url('/'));
    await page.getByText('The server wants an API key').waitFor(WAIT);
    await changeSettings(page, { '#setting-api-key': 'sesame', '#setting-n_predict': '3' });
    await page.getByTestId('composer-input').and(page.locator(':not([disabled])')).waitFor(WAIT);
    const request = page.waitForRequest((r) => r.url().endsWith('/v1/chat/completions'), WAIT);
    await page.getByTestId('composer-input').fill('hi');
    await page.getByTestId('composer-input').press('Enter');
    assert.equal((await request).headers().authorization, 'Bearer sesame');
    await waitForReplies(page, 1);
    assert.equal(await page.locator('.error-box').count(), 0);
  } finally {
    await context.close();
    await locked.stop();
  }
});

// The seed's example page, byte for byte, served from --path with /completion.js from cria.
const SEED_PAGE = `<html>
<body>
<pre>
<script type="module">
import { llama } from '/completion.js'
const prompt = \`### Instruction:
Write dad jokes, each one paragraph.
You can use html formatting if needed.
### Response:\`
for await (const chunk of llama(prompt)) {
document.write(chunk.data.content)
}
</script>
</pre>
</body>
</html>
`;

test('the seed\'s /completion.js example page, served with --path, writes the streamed completion', async () => {
  const www = makeTempDir('cria-seed-page-');
  fs.writeFileSync(path.join(www.dir, 'index.html'), SEED_PAGE);
  // -n caps the example's n_predict of 500; a fixed seed makes its temperature 0.2 repeatable.
  const server = await startCria(['--path', www.dir, '-n', '16', '-s', '7', ...THREADS]);
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(server.url('/'));
    const prompt = SEED_PAGE.match(/`([^`]*)`/)[1];
    const expected = await server.post('/completion', { prompt, n_predict: 500, temperature: 0.2, stop: ['</s>'] });
    assert.equal(expected.status, 200);
    assert.equal(expected.body.tokens_predicted, 16);
    // What document.write wrote, as the browser parsed it (leading white space goes, and any
    // markup the model wrote is markup).
    const want = await page.evaluate((html) => {
      const probe = document.createElement('div');
      probe.innerHTML = html;
      return probe.textContent.trim();
    }, expected.body.content);
    assert.ok(want.length > 0);
    await page.waitForFunction((text) => document.body && document.body.textContent.includes(text), want, WAIT);
  } finally {
    await context.close();
    await server.stop();
    www.cleanup();
  }
});

test('under --api-prefix, /completion.js talks to the API beside it (PREFIX/completion)', async () => {
  const www = makeTempDir('cria-seed-page-');
  fs.writeFileSync(path.join(www.dir, 'index.html'), SEED_PAGE.replace("'/completion.js'", "'/p/completion.js'"));
  const server = await startCria(['--api-prefix', '/p', '--path', www.dir, '-n', '8', '-s', '7', ...THREADS],
    { healthPath: '/p/health' });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const posted = page.waitForRequest((r) => r.method() === 'POST', WAIT);
    await page.goto(server.url('/p/'));
    assert.equal(new URL((await posted).url()).pathname, '/p/completion');
    const prompt = SEED_PAGE.match(/`([^`]*)`/)[1];
    const expected = await server.post('/p/completion', { prompt, n_predict: 500, temperature: 0.2, stop: ['</s>'] });
    assert.equal(expected.body.tokens_predicted, 8);
    const want = await page.evaluate((html) => {
      const probe = document.createElement('div');
      probe.innerHTML = html;
      return probe.textContent.trim();
    }, expected.body.content);
    assert.ok(want.length > 0);
    await page.waitForFunction((text) => document.body && document.body.textContent.includes(text), want, WAIT);
  } finally {
    await context.close();
    await server.stop();
    www.cleanup();
  }
});

// A conversation that shows what replies can hold, for the screenshots.
const SHOWCASE = {
  format: 'cria-conversations',
  version: 1,
  conversations: [{
    id: 'showcase',
    title: 'Fibonacci in Python',
    created: 1700000000000,
    updated: 1700000000000,
    messages: [
      { id: 'u1', role: 'user', content: 'How do I compute Fibonacci numbers quickly in Python?' },
      {
        id: 'a1',
        role: 'assistant',
        reasoning: 'The user wants a fast method. Iteration is O(n); mention the closed form too.',
        content: [
          'Iterate instead of recursing — each step only needs the previous two numbers:',
          '',
          '```python',
          'def fib(n: int) -> int:',
          '    a, b = 0, 1',
          '    for _ in range(n):',
          '        a, b = b, a + b  # shift the window',
          '    return a',
          '```',
          '',
          'A few things worth knowing:',
          '',
          '1. This runs in **O(n)** time and `O(1)` memory.',
          '2. Binet\'s formula gives a closed form: $F_n = \\frac{\\varphi^n - \\psi^n}{\\sqrt 5}$.',
          '3. For huge `n`, use fast doubling:',
          '',
          '$$F_{2k} = F_k \\left(2F_{k+1} - F_k\\right)$$',
          '',
          '| n | F(n) |',
          '|---|------|',
          '| 10 | 55 |',
          '| 20 | 6765 |',
        ].join('\n'),
        stats: { completionTokens: 187, tokensPerSecond: 64.2, contextUsed: 241, contextSize: 4096, finishReason: 'stop' },
      },
      { id: 'u2', role: 'user', content: 'Thanks! And in one line?' },
      {
        id: 'a2',
        role: 'assistant',
        content: 'Sure: `fib = lambda n: round(((1 + 5 ** 0.5) / 2) ** n / 5 ** 0.5)` — exact up to about n = 70.',
        stats: { completionTokens: 31, tokensPerSecond: 66.8, contextUsed: 290, contextSize: 4096, finishReason: 'stop' },
      },
    ],
  }],
};

test('screenshots: import a conversation and look at it in light, dark and at phone width', async () => {
  const { context, page, problems } = await openUi({ colorScheme: 'light' });
  try {
    await page.getByTestId('import-file').setInputFiles({
      name: 'showcase.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(SHOWCASE)),
    });
    await page.getByText('Imported 1 conversation.').click(); // seen, and dismissed
    await page.locator('.hljs-keyword').first().waitFor(WAIT);
    await page.locator('.math-display math').waitFor(WAIT); // the math renderer loaded and drew it
    assert.ok(await page.locator('.markdown math').count() >= 2);
    assert.equal(await page.locator('.copy-code').count(), 1);
    assert.equal(await page.locator('details.reasoning').count(), 1);
    assert.equal(await page.locator('details.reasoning[open]').count(), 0, 'reasoning is folded');
    await screenshot(page, 'webui-chat-light');

    // 'auto' follows the system's scheme, also when it changes while the page is open.
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForFunction(() => document.documentElement.dataset.scheme === 'dark', null, WAIT);
    await page.emulateMedia({ colorScheme: 'light' });
    await page.waitForFunction(() => document.documentElement.dataset.scheme === 'light', null, WAIT);
    await page.getByTestId('theme-toggle').click(); // auto -> light
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'light', null, WAIT);
    await page.getByTestId('theme-toggle').click(); // light -> dark
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark', null, WAIT);
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(background, 'rgb(247, 247, 248)', 'the dark theme is applied');
    await screenshot(page, 'webui-chat-dark');

    await page.getByTestId('settings-button').click();
    await page.getByTestId('settings-dialog').waitFor(WAIT);
    await screenshot(page, 'webui-settings-dark');
    await page.keyboard.press('Escape');

    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'webui-chat-phone-dark');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone screen`);
    await page.getByRole('button', { name: 'Show conversations' }).click();
    await screenshot(page, 'webui-list-phone-dark');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
