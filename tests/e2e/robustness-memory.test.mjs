// Issue #12, found by bench/soak: the memory a large request used is given back once it is
// answered. glibc kept up to 64 MiB of freed memory per HTTP thread after one large body (its
// mmap and trim thresholds rise with every large block freed), and parsing a large JSON body
// left small freed chunks through the thread's arena that only malloc_trim returns: bursts of
// large requests from 8 clients left the server's RSS 200-600 MiB higher for good. The server
// now fixes those thresholds and trims after large bodies (src/util/allocator.h). Asserts memory
// figures once the answers are in, never timings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startCria, assertErrorShape, sleep, CRIA } from './lib/cria.mjs';
import { assertStillServing, rawRequest } from './lib/misc-helpers.mjs';

// Under AddressSanitizer or ThreadSanitizer the sanitizer's allocator (and its quarantine of
// freed memory) replaces glibc's: these figures mean nothing there.
const sanitized = Boolean(process.env.ASAN_OPTIONS || process.env.TSAN_OPTIONS) ||
  /__(asan|tsan)_init/.test(fs.readFileSync(CRIA, 'latin1'));

const CLIENTS = 8;
// What the server may hold after the bursts above its RSS before them. Without the fix each
// burst below alone left it 200 MiB or more higher.
const SLACK_MIB = 48;

const rssMiB = (server) => Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${server.proc.pid}/status`, 'utf8'))[1]) / 1024;

// A connection's last buffers are freed after its answer is sent: RSS is read until it is back
// within the slack (at most 50 reads, 100 ms apart), and the last reading returned.
async function settledRssMiB(server, baseline) {
  let rss = rssMiB(server);
  for (let i = 0; i < 50 && rss - baseline > SLACK_MIB; i++) {
    await sleep(100);
    rss = rssMiB(server);
  }
  return rss;
}

// CLIENTS requests at once, twice over, each answered `status`.
async function burst(server, path, body, status) {
  for (let round = 0; round < 2; round++) {
    const answers = await Promise.all(Array.from({ length: CLIENTS }, () => rawRequest(server.port, { path, body })));
    for (const res of answers) {
      assert.equal(res.error, null, `${path}: no answer: ${res.error}`);
      assertErrorShape(assert, res, status);
    }
  }
}

let cria;
let nVocab;
before(async () => {
  cria = await startCria(['-np', '2', '-t', '1', '-tb', '1']);
  nVocab = (await cria.get('/v1/models')).body.data[0].meta.n_vocab;
});
after(async () => { await cria?.stop(); });

test('bursts of large bodies from 8 clients leave RSS where it was', { timeout: 300000, skip: sanitized && 'a sanitizer build' }, async (t) => {
  // The HTTP threads and their arenas exist before the baseline: a burst of small requests.
  await burst(cria, '/tokenize', JSON.stringify({ content: 'x'.repeat(1000), add_special: 5 }), 400);
  const before = rssMiB(cria);
  const bodies = [
    // 131,073 logit_bias pairs (one over the limit): ~25 MiB of small JSON values per request.
    ['/completion', JSON.stringify({ prompt: 'x', n_predict: 1, logit_bias: Array.from({ length: 131073 }, (_, i) => [i % nVocab, -1]) }), 400],
    // /tokenize content one byte over its 4 MiB budget.
    ['/tokenize', JSON.stringify({ content: 'a'.repeat((4 << 20) + 1) }), 400],
    // /detokenize one id over its budget of 1048576.
    ['/detokenize', JSON.stringify({ tokens: Array.from({ length: 1048577 }, (_, i) => i % nVocab) }), 400],
    // A body over the 32 MiB limit.
    ['/completion', `{"prompt": "${'a'.repeat(32 << 20)}"}`, 413],
  ];
  const grew = [];
  for (const [path, body, status] of bodies) {
    await burst(cria, path, body, status);
    grew.push(`${path} (${(body.length / 2 ** 20).toFixed(1)} MiB): ${(await settledRssMiB(cria, before) - before).toFixed(1)} MiB`);
  }
  const after = await settledRssMiB(cria, before);
  t.diagnostic(`RSS before ${before.toFixed(1)} MiB; above it after each burst: ${grew.join(', ')}`);
  assert.ok(after - before <= SLACK_MIB,
    `RSS ${before.toFixed(1)} MiB before the bursts, ${after.toFixed(1)} MiB after (more than ${SLACK_MIB} MiB higher); after each: ${grew.join(', ')}`);
  await assertStillServing(assert, cria);
});
