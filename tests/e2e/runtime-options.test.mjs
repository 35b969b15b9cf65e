// Options that only pass through to libllama (threads, GPU layers and devices, memory mapping and
// locking, NUMA): each must reach libllama, as /props' "runtime" object and the start-up log show.
// On a machine without a GPU, -ngl is accepted and reported as no offload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCria } from './lib/cria.mjs';
import { greedy, complete } from './lib/generation-helpers.mjs';

test('threads, -ngl, -mg, -ts, -sm, --mlock, --no-mmap and --numa reach libllama', async () => {
  const server = await startCria(['-t', '1', '-tb', '2', '-ngl', '99', '-mg', '0', '-ts', '1', '-sm', 'none',
    '--mlock', '--no-mmap', '--numa', 'distribute']);
  try {
    const runtime = (await server.get('/props')).body.runtime;
    assert.equal(runtime.n_threads, 1);
    assert.equal(runtime.n_threads_batch, 2);
    assert.equal(runtime.n_gpu_layers, 99);
    assert.equal(runtime.main_gpu, 0);
    assert.deepEqual(runtime.tensor_split, [1]);
    assert.equal(runtime.split_mode, 'none');
    assert.equal(runtime.mlock, true);
    assert.equal(runtime.mmap, false);
    assert.equal(runtime.numa, 'distribute');
    assert.equal(runtime.n_layers, 3);  // the tiny model's 2 layers and its output layer
    assert.ok(runtime.devices.some((d) => d.startsWith('CPU')), JSON.stringify(runtime.devices));
    assert.match(server.log(), /threads: 1 generating, 2 for batches; mmap off, mlock on, numa distribute/);
    if (runtime.gpu_devices.length === 0) {
      // No GPU here: -ngl 99 is accepted, and nothing is offloaded.
      assert.equal(runtime.n_gpu_layers_offloaded, 0);
      assert.match(server.log(), /GPU offload: none, no GPU device: no layers are offloaded \(-ngl 99\)/);
    } else {
      assert.equal(runtime.n_gpu_layers_offloaded, 3);
    }
    // And the server works as ever.
    const r = await complete(server, greedy('Hello there', 8));
    assert.equal(r.tokens_predicted, 8);
  } finally {
    await server.stop();
  }
});

test('the defaults: mmap on, no mlock, no NUMA strategy, layer split, every core', async () => {
  const server = await startCria([]);
  try {
    const runtime = (await server.get('/props')).body.runtime;
    assert.equal(runtime.mmap, true);
    assert.equal(runtime.mlock, false);
    assert.equal(runtime.numa, null);
    assert.equal(runtime.split_mode, 'layer');
    assert.equal(runtime.grp_attn_n, 1);
    assert.ok(runtime.n_threads >= 1);
    assert.equal(runtime.n_threads_batch, runtime.n_threads);
  } finally {
    await server.stop();
  }
});

test('--numa alone means distribute and leaves the next option alone', async () => {
  const server = await startCria(['--numa', '-t', '1']);
  try {
    const runtime = (await server.get('/props')).body.runtime;
    assert.equal(runtime.numa, 'distribute');
    assert.equal(runtime.n_threads, 1);
  } finally {
    await server.stop();
  }
});
