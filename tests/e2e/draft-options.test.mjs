// The draft model's own settings (-td, -tbd, -ctkd, -ctvd, --spec-draft-n-ubatch, -devd, -otd,
// -cmoed, -ncmoed): --print-options shows them, libllama's load messages show that the draft
// context (and not the main one) got them, drafting still gives plain decoding's output, and a bad
// value is a start-up error naming the option. (-hfd, the draft model from the hub, is in
// download.test.mjs, beside -hf.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, runCria, freePort, TINY_MODEL } from './lib/cria.mjs';
import { THREADS, greedy, complete } from './lib/generation-helpers.mjs';

const PROMPT = 'The old lighthouse keeper climbed the stairs every evening and watched';

async function printOptions(args) {
  const res = await runCria(['-m', TINY_MODEL, '--print-options', ...args]);
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout);
}

test('--print-options shows the draft settings, without notices', async () => {
  const out = await printOptions(['-md', TINY_MODEL, '-td', '2', '-tbd', '3', '-ctkd', 'bf16', '-ctvd', 'f32',
    '--spec-draft-n-ubatch', '16', '-devd', 'none', '-otd', 'output=CPU', '-cmoed', '-ncmoed', '1']);
  assert.equal(out.options['--spec-draft-threads'], '2');
  assert.equal(out.options['--spec-draft-threads-batch'], '3');
  assert.equal(out.options['--spec-draft-type-k'], 'bf16');
  assert.equal(out.options['--spec-draft-type-v'], 'f32');
  assert.equal(out.options['--spec-draft-n-ubatch'], '16');
  assert.equal(out.options['--spec-draft-device'], 'none');
  assert.equal(out.options['--spec-draft-override-tensor'], 'output=CPU');
  assert.equal(out.options['--spec-draft-cpu-moe'], 'enabled');
  assert.equal(out.options['--spec-draft-n-cpu-moe'], '1');
  assert.equal(out.options['--override-tensor'] ?? '', '', 'the main model got -otd');
  assert.deepEqual(out.notices ?? [], []);
  // llama-server's defaults: f16 for the draft whatever -ctk says.
  const defaults = await printOptions(['-md', TINY_MODEL, '-ctk', 'f32']);
  assert.equal(defaults.options['--spec-draft-type-k'], 'f16');
  assert.equal(defaults.options['--spec-draft-threads'], '-1');
});

// libllama's load messages (-v) of the two contexts, in load order: the main one, then the draft's.
function contexts(log) {
  const ubatch = [...log.matchAll(/n_ubatch\s+= (\d+)/g)].map((m) => Number(m[1]));
  const kv = [...log.matchAll(/K \((\w+)\).*V \((\w+)\)/g)].map((m) => `${m[1]}/${m[2]}`);
  return { ubatch, kv };
}

test('the draft context gets its KV types, ubatch and threads; greedy output is unchanged', async () => {
  const body = { ...greedy(PROMPT, 40, { cache_prompt: false }), 'speculative.p_min': 0 };
  const plain = await startCria(['-np', '1', ...THREADS]);
  let want;
  try { want = await complete(plain, body); } finally { await plain.stop(); }

  // The draft is the main model itself: it agrees, so drafts are accepted.
  const cria = await startCria(['-np', '1', ...THREADS, '-v', '-md', TINY_MODEL, '-ctkd', 'bf16', '-ctvd', 'f32',
    '--spec-draft-n-ubatch', '32', '-td', '2', '-tbd', '1', '-devd', 'none', '-otd', 'output=CPU']);
  let got;
  let log;
  try {
    got = await complete(cria, body);
    log = cria.log();
  } finally { await cria.stop(); }
  assert.deepEqual(got.tokens, want.tokens, 'drafting changed the output');
  assert.equal(got.content, want.content);
  assert.ok(got.timings.draft_n > 0, 'nothing was drafted');
  assert.ok(got.timings.draft_n_accepted > 0, 'no draft token was accepted');
  const { ubatch, kv } = contexts(log);
  assert.deepEqual(ubatch, [512, 32], `n_ubatch of the main and draft contexts:\n${log}`);
  assert.deepEqual(kv, ['f16/f16', 'bf16/f32'], `KV cache types of the main and draft contexts:\n${log}`);
  // cria's line with what libllama's draft context reports (llama_n_threads, llama_n_ubatch).
  assert.match(log, /draft context: \d+ tokens, threads 2 \(batch 1\), n_ubatch 32, KV cache bf16\/f32/);
});

test('without -td and -tbd the draft context has the main one\'s threads (-tbd: as -tb, as llama-server does)', async () => {
  const cria = await startCria(['-np', '1', '-t', '2', '-tb', '3', '-md', TINY_MODEL]);
  await cria.stop();
  assert.match(cria.log(), /draft context: \d+ tokens, threads 2 \(batch 3\), n_ubatch 512, KV cache f16\/f16/);
  const own = await startCria(['-np', '1', '-t', '2', '-tb', '3', '-td', '1', '-md', TINY_MODEL]);
  await own.stop();
  assert.match(own.log(), /draft context: \d+ tokens, threads 1 \(batch 3\)/);
});

test('bad draft settings exit 1 naming the option', async () => {
  for (const [args, name] of [[['-ctkd', 'q9'], '--spec-draft-type-k'], [['-td', '0'], '--spec-draft-threads'],
    [['--spec-draft-n-ubatch', 'x'], '--spec-draft-n-ubatch'], [['-otd', 'no-equals'], '--spec-draft-override-tensor'],
    [['-ncmoed', '-1'], '--spec-draft-n-cpu-moe']]) {
    const res = await runCria(['-m', TINY_MODEL, '-md', TINY_MODEL, '--print-options', ...args]);
    assert.equal(res.code, 1, `${args.join(' ')}: ${res.stdout}`);
    assert.ok(res.stderr.includes(name), res.stderr);
  }
  // A device or buffer type that does not exist is found when the draft model loads.
  for (const [args, name] of [[['-devd', 'NoSuchDevice'], '--spec-draft-device (-devd): no device named'],
    [['-otd', 'output=NoSuchBuffer'], '--spec-draft-override-tensor (-otd): no buffer type named']]) {
    const res = await runCria(['-m', TINY_MODEL, '-md', TINY_MODEL, ...THREADS, '--port', String(await freePort()), ...args],
      { timeoutMs: 30000 });
    assert.equal(res.code, 1, res.stderr);
    assert.ok(res.stderr.includes(name), res.stderr);
  }
});
