// The host-memory prompt cache (--cache-ram) and its persistence (--cache-dir): a conversation
// whose slot served another one in between comes back from host memory, computes only its new
// tokens, and answers exactly what it answers without the cache (greedy); the budget bounds what
// is kept; a restart keeps it; a corrupted or foreign file is ignored with a log line.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCria, SMALL_MODEL } from './lib/cria.mjs';
import { THREADS, greedy, complete, tokenize } from './lib/generation-helpers.mjs';

const SYSTEM = 'You are a patient assistant who answers questions about the sea, ships and harbours in plain words. ';
const A1 = SYSTEM + 'Tell me how the old lighthouse keeper climbed the stairs every evening and watched the ships ' +
  'sail past the rocks while the gulls circled above the harbour and the town slept under the stars.';
const B1 = 'Write a short list of the vegetables that grow well in a cold garden with little sun and much rain, ' +
  'and say which of them the children of the village liked to eat in the winter months after school.';
const C1 = 'Describe the mountain road that winds through the forest to the small village where the baker opens ' +
  'his shop before dawn and the smell of fresh bread fills the narrow streets around the square.';
const NEXT = ' And what did he see on the night of the great storm when the waves rose higher than the tower?';
const N = 8;

const BASE = ['-np', '1', '-c', '1024', '--metrics', ...THREADS];

async function metric(server, name) {
  const text = await (await fetch(server.url('/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`llamacpp:${name} `));
  assert.ok(line, `no ${name} in /metrics:\n${text}`);
  return Number(line.split(' ')[1]);
}

// A then B in the one slot (B evicts A from it), then A's next turn. Returns A's next answer.
async function conversation(server) {
  const a1 = await complete(server, greedy(A1, N));
  await complete(server, greedy(B1, N));
  const a2Prompt = A1 + a1.content + NEXT;
  return { a1, a2Prompt, a2: await complete(server, greedy(a2Prompt, N)) };
}

describe('the host-memory prompt cache', () => {
  let cached;
  let plain;
  before(async () => {
    cached = await startCria(BASE);
    plain = await startCria([...BASE, '--cache-ram', '0']);
  });
  after(async () => { await cached?.stop(); await plain?.stop(); });

  test('a conversation evicted from its slot is restored: only its new tokens are computed', async () => {
    const { a2Prompt, a2 } = await conversation(cached);
    const a1Tokens = (await tokenize(cached, A1, true)).length;
    const a2Tokens = (await tokenize(cached, a2Prompt, true)).length;
    assert.equal(await metric(cached, 'prompt_cache_hits_total'), 1);
    const restored = await metric(cached, 'prompt_cache_tokens_restored_total');
    // The entry holds A1's prompt and reply (but its last token); the reply's first token may
    // merge with the prompt's last piece when the whole history is tokenized, hence the - 1.
    assert.ok(restored >= a1Tokens - 1, `restored ${restored} < ${a1Tokens}`);
    assert.equal(a2.timings.cache_n, restored);
    assert.ok(a2.timings.prompt_n <= a2Tokens - a1Tokens + 1, `prompt_n ${a2.timings.prompt_n} of ${a2Tokens}`);
    assert.ok(await metric(cached, 'prompt_cache_bytes') > 0);
    assert.ok(await metric(cached, 'prompt_cache_saves_total') >= 2);  // A left the slot, then B

    // The same conversation without the cache computes the whole prompt and answers the same.
    const without = await conversation(plain);
    assert.equal(without.a2Prompt, a2Prompt);
    assert.equal(without.a2.content, a2.content);
    assert.ok(without.a2.timings.prompt_n >= a2Tokens - 1, `prompt_n ${without.a2.timings.prompt_n}`);  // B's BOS at most
    assert.equal(await metric(plain, 'prompt_cache_hits_total'), 0);
    assert.equal(await metric(plain, 'prompt_cache_bytes'), 0);
  });
});

describe('the prompt cache budget', () => {
  let server;
  // Bytes of one conversation's state on the small model (the tiny one's fit by the hundred in the
  // smallest budget, 1 MiB), measured on a server without a limit.
  let entryBytes;
  before(async () => {
    const probe = await startCria(BASE, { model: SMALL_MODEL });
    try {
      await complete(probe, greedy(A1, N));
      await complete(probe, greedy(B1, N));  // A is saved
      entryBytes = await metric(probe, 'prompt_cache_bytes');
    } finally { await probe.stop(); }
  });
  after(async () => { await server?.stop(); });

  test('the least recently used conversation is evicted to stay within --cache-ram', async () => {
    // A budget of 1 MiB holds about this many such conversations: fill it past that.
    const fits = Math.floor((1 << 20) / entryBytes);
    assert.ok(fits >= 1 && fits < 40, `entry of ${entryBytes} bytes`);
    server = await startCria([...BASE, '--cache-ram', '1'], { model: SMALL_MODEL });
    const prompts = [A1];
    for (let i = 0; prompts.length < fits + 3; ++i) prompts.push(`${i} ${C1} ${i} ${B1}`);
    for (const p of prompts) {
      await complete(server, greedy(p, N));
      assert.ok(await metric(server, 'prompt_cache_bytes') <= 1 << 20);
    }
    assert.ok(await metric(server, 'prompt_cache_entries') <= fits);
    // A was saved first and used least: it is gone, so its next turn computes everything.
    const a1 = await complete(server, greedy(A1, N));
    assert.ok(a1.timings.cache_n <= 1, `cache_n ${a1.timings.cache_n}`);  // the slot's BOS at most
    assert.equal(await metric(server, 'prompt_cache_hits_total'), 0);
  });
});

describe('--cache-dir', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cria-prompt-cache-'));
  const file = path.join(dir, 'prompt-cache.bin');
  const args = (ctx = '1024') => ['-np', '1', '-c', ctx, '--metrics', ...THREADS, '--cache-dir', dir];
  let server;
  after(async () => { await server?.stop(); fs.rmSync(dir, { recursive: true, force: true }); });

  let a1;
  let a2Prompt;
  let a2Expected;

  test('the cache is written at shutdown and a restarted server restores from it', async () => {
    server = await startCria(args());
    a1 = await complete(server, greedy(A1, N));
    a2Prompt = A1 + a1.content + NEXT;
    await server.stop();
    assert.match(server.log(), /prompt cache: 1 entries .* saved to /);
    assert.ok(fs.statSync(file).size > 0);

    server = await startCria(args());
    assert.match(server.log(), /prompt cache: 1 entries .* loaded from /);
    const a2 = await complete(server, greedy(a2Prompt, N));
    assert.equal(await metric(server, 'prompt_cache_hits_total'), 1);
    assert.ok(a2.timings.cache_n >= (await tokenize(server, A1, true)).length - 1, `cache_n ${a2.timings.cache_n}`);
    a2Expected = a2.content;
    await server.stop();
  });

  test('a corrupted file is ignored with a log line, and the server serves as without it', async () => {
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0x55;
    fs.writeFileSync(file, bytes);
    server = await startCria(args());
    assert.match(server.log(), /prompt cache: ignoring .*checksum/);
    const a2 = await complete(server, greedy(a2Prompt, N));
    assert.equal(a2.timings.cache_n, 0);
    assert.equal(a2.content, a2Expected);
    assert.equal(await metric(server, 'prompt_cache_hits_total'), 0);
    await server.stop();
  });

  test('a file written under other settings is ignored', async () => {
    // The last stop wrote a good file again; a server with another context size must not use it.
    server = await startCria(args('2048'));
    assert.match(server.log(), /prompt cache: ignoring .*another model or other settings/);
    const a2 = await complete(server, greedy(a2Prompt, N));
    assert.equal(a2.timings.cache_n, 0);
    await server.stop();
  });
});

describe('--cache-reuse', () => {
  const HEAD = 'You are a patient assistant who answers questions about the sea in plain words.';
  const MIDDLE = ' Ignore this note about the weather in the mountains, the snow and the roads.';
  const TAIL = ' The old lighthouse keeper climbed the stairs every evening and watched the ships sail past the ' +
    'rocks while the gulls circled above the harbour and the town slept under the stars';
  const dropMiddle = async (extra) => {
    const server = await startCria([...BASE, ...extra]);
    try {
      await complete(server, greedy(HEAD + MIDDLE + TAIL, 4));
      const next = await complete(server, greedy(HEAD + TAIL + ' tonight', 4));
      return { next, head: (await tokenize(server, HEAD, true)).length, tail: (await tokenize(server, TAIL, false)).length };
    } finally { await server.stop(); }
  };

  test('a chunk after a removed part of the prompt is shifted into place, not recomputed', async () => {
    const { next, head, tail } = await dropMiddle(['--cache-reuse', '8']);
    assert.ok(next.timings.cache_n >= head + tail - 2, `cache_n ${next.timings.cache_n}, head ${head}, tail ${tail}`);
    const off = await dropMiddle([]);
    assert.ok(off.next.timings.cache_n <= head + 1, `without --cache-reuse: cache_n ${off.next.timings.cache_n}`);
  });
});

describe('--slot-prompt-similarity', () => {
  const FIRST = 'The old lighthouse keeper climbed the stairs every evening and watched the ships sail past the rocks';
  const SECOND = 'The old lighthouse keeper climbed the stairs and then wrote a long letter to his daughter in the city ' +
    'about the storms of the winter';
  const slotOfSecond = async (extra) => {
    const server = await startCria(['-np', '2', '-c', '1024', ...THREADS, ...extra]);
    try {
      assert.equal((await complete(server, greedy(FIRST, 2))).id_slot, 0);
      return (await complete(server, greedy(SECOND, 2))).id_slot;
    } finally { await server.stop(); }
  };

  test('a slot is chosen by its cache only when that covers more than the given share of the prompt', async () => {
    assert.equal(await slotOfSecond([]), 0, 'default 0.1: the slot sharing a third of the prompt');
    assert.equal(await slotOfSecond(['-sps', '0.9']), 1, 'the least recently used slot');
    assert.equal(await slotOfSecond(['-sps', '0']), 1, '0: always the least recently used');
  });
});
