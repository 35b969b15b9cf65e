// How ggml's OpenMP compute threads wait at their barriers (src/util/openmp_wait.h): cria sets
// GOMP_SPINCOUNT=1000 (a short spin, then sleep) unless the user set OMP_WAIT_POLICY or
// GOMP_SPINCOUNT, by executing itself once with it in the environment. libgomp reads the setting
// when it is loaded, so what counts is the environment of the process that serves: /proc shows it.
// The process id and the arguments must be the ones the caller started.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startCria } from './lib/cria.mjs';
import { greedy, complete } from './lib/generation-helpers.mjs';

function environOf(pid) {
  return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
}

// The user's own settings are taken out of the test's environment (undefined: not passed on).
const UNSET = { OMP_WAIT_POLICY: undefined, GOMP_SPINCOUNT: undefined };

describe('OpenMP wait policy', () => {
  test('without a setting of the user, the serving process has GOMP_SPINCOUNT=1000, same pid and arguments', async () => {
    const server = await startCria(['-t', '2'], { env: UNSET });
    try {
      const env = environOf(server.proc.pid);
      assert.ok(env.includes('GOMP_SPINCOUNT=1000'), `GOMP_SPINCOUNT not set: ${env.filter((e) => /OMP/.test(e))}`);
      assert.ok(!env.some((e) => e.startsWith('OMP_WAIT_POLICY=')));
      const cmdline = readFileSync(`/proc/${server.proc.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      assert.deepEqual(cmdline.slice(1), server.proc.spawnargs.slice(1));
      const body = await complete(server, greedy('the cat sat on the mat and', 4));
      assert.equal(body.tokens_predicted, 4);
    } finally {
      await server.stop();
    }
  });

  test('OMP_WAIT_POLICY given by the user is left alone, and no spin count is added', async () => {
    const server = await startCria([], { env: { ...UNSET, OMP_WAIT_POLICY: 'active' } });
    try {
      const env = environOf(server.proc.pid);
      assert.ok(env.includes('OMP_WAIT_POLICY=active'));
      assert.ok(!env.some((e) => e.startsWith('GOMP_SPINCOUNT=')), 'GOMP_SPINCOUNT was added');
    } finally {
      await server.stop();
    }
  });

  test('GOMP_SPINCOUNT given by the user is kept as given', async () => {
    const server = await startCria([], { env: { ...UNSET, GOMP_SPINCOUNT: '5000' } });
    try {
      assert.ok(environOf(server.proc.pid).includes('GOMP_SPINCOUNT=5000'));
    } finally {
      await server.stop();
    }
  });
});
