// --rpc across real network boundaries on one host. Two ggml-rpc-server workers, each in a network
// namespace of its own reached from the root namespace (where cria runs) through a veth pair:
//   root 198.18.1.1 <-> worker A 198.18.1.2      root 198.18.2.1 <-> worker B 198.18.2.2
// Only addresses inside these namespaces are used (198.18.0.0/15, the benchmarking range); the
// namespaces and links are removed in `after`, also when a test failed. Without the right to make
// namespaces (no CAP_NET_ADMIN), the same checks run on loopback workers and the reason is printed
// (CRIA_RPC_TEST_LOOPBACK=1 asks for that path).
//
// Checked: greedy output over two workers (-ngl 99) equals single-machine output token for token;
// /props says which device holds which layers; a worker killed mid-stream fails that stream with an
// error event while the server keeps answering; /health is 503 naming the worker until it is back,
// then serving works again without a restart; a worker unreachable at start-up is an exit 1 naming it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startCria, runCria, waitForHealth, freePort, sleep, TINY_MODEL } from './lib/cria.mjs';
import { THREADS, greedy, complete } from './lib/generation-helpers.mjs';

const PROMPT = 'Once upon a time there was a little girl who lived in a village';
const N_PREDICT = 32;

// Debian's llama.cpp-tools-extra installs the worker outside PATH.
function findRpcServer() {
  const candidates = ['/usr/libexec'].flatMap((dir) => {
    try { return fs.readdirSync(dir).map((arch) => path.join(dir, arch, 'llama/bin/ggml-rpc-server')); } catch { return []; }
  });
  return [...candidates, '/usr/bin/ggml-rpc-server'].find((p) => fs.existsSync(p));
}
const RPC_SERVER = findRpcServer();

function ip(args) {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${(r.stderr || r.error?.message || '').trim()}`);
}

// The two namespaces and their links; `remove()` undoes whatever was made.
class Network {
  constructor() {
    this.tag = String(process.pid % 100000);
    this.spaces = [];
  }
  make() {
    for (const i of [1, 2]) {
      const ns = `cria-rpc-${this.tag}-${i}`;
      const hostEnd = `crh${this.tag}${i}`;
      const peerEnd = `crp${this.tag}${i}`;
      ip(['netns', 'add', ns]);
      this.spaces.push({ ns, hostEnd });
      ip(['link', 'add', hostEnd, 'type', 'veth', 'peer', 'name', peerEnd]);
      ip(['link', 'set', peerEnd, 'netns', ns]);
      ip(['addr', 'add', `198.18.${i}.1/24`, 'dev', hostEnd]);
      ip(['link', 'set', hostEnd, 'up']);
      ip(['netns', 'exec', ns, 'ip', 'addr', 'add', `198.18.${i}.2/24`, 'dev', peerEnd]);
      ip(['netns', 'exec', ns, 'ip', 'link', 'set', peerEnd, 'up']);
      ip(['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    }
  }
  remove() {
    for (const { ns, hostEnd } of this.spaces) {
      spawnSync('ip', ['link', 'del', hostEnd]);  // deletes both ends of the pair (may be gone already)
      spawnSync('ip', ['netns', 'del', ns]);
    }
    this.spaces = [];
  }
}

function tcpOpen(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 500 });
    socket.on('connect', () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => { socket.destroy(); resolve(false); });
  });
}

// One worker: ggml-rpc-server on host:port, inside namespace `ns` (null: this namespace).
class Worker {
  constructor(ns, host, port) { Object.assign(this, { ns, host, port, proc: null, log: '' }); }
  get endpoint() { return `${this.host}:${this.port}`; }
  async start() {
    const argv = [RPC_SERVER, '-H', this.host, '-p', String(this.port), '-t', '1'];
    this.proc = this.ns ? spawn('ip', ['netns', 'exec', this.ns, ...argv]) : spawn(argv[0], argv.slice(1));
    this.proc.stdout.on('data', (d) => { this.log += d; });
    this.proc.stderr.on('data', (d) => { this.log += d; });
    this.exited = new Promise((resolve) => this.proc.on('exit', resolve));
    for (let i = 0; i < 200; ++i) {
      if (await tcpOpen(this.host, this.port)) return;
      if (this.proc.exitCode !== null) break;
      await sleep(25);
    }
    throw new Error(`worker ${this.endpoint} did not start:\n${this.log}`);
  }
  async kill() {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGKILL');
      await this.exited;
    }
  }
}

let network = null;
let fallbackReason = null;
const workers = [];
let cria;
let reference;  // single-machine greedy output

before(async () => {
  assert.ok(RPC_SERVER, 'ggml-rpc-server is not installed (Debian package llama.cpp-tools-extra; scripts/install-deps)');
  network = new Network();
  try {
    if (process.env.CRIA_RPC_TEST_LOOPBACK) throw new Error('CRIA_RPC_TEST_LOOPBACK is set');
    network.make();
  } catch (error) {
    network.remove();
    network = null;
    fallbackReason = error.message;
  }
  if (network) {
    workers.push(new Worker(network.spaces[0].ns, '198.18.1.2', 50052), new Worker(network.spaces[1].ns, '198.18.2.2', 50052));
  } else {
    console.log(`# rpc.test: network namespaces cannot be made here (${fallbackReason}); ` +
      'running the same checks with both workers on loopback');
    workers.push(new Worker(null, '127.0.0.1', await freePort()), new Worker(null, '127.0.0.1', await freePort()));
  }
  for (const w of workers) await w.start();
  const single = await startCria(['-np', '2', ...THREADS]);
  try {
    reference = await complete(single, greedy(PROMPT, N_PREDICT));
  } finally {
    await single.stop();
  }
  cria = await startMain();
});

function startMain() {
  return startCria(['-np', '2', '-ngl', '99', '--rpc', workers.map((w) => w.endpoint).join(','), ...THREADS],
    { timeoutMs: 60000 });
}

after(async () => {
  await cria?.stop();
  for (const w of workers) await w.kill();
  network?.remove();
});

describe('--rpc over two workers', () => {
  test('runs across namespaces, or says why not', () => {
    if (fallbackReason) console.log(`# rpc.test ran on loopback: ${fallbackReason}`);
    assert.ok(network || fallbackReason);
  });

  test('/props lists the workers and the layers each device holds', async () => {
    const props = await cria.get('/props');
    const runtime = props.body.runtime;
    assert.deepEqual(runtime.rpc_servers, workers.map((w) => w.endpoint));
    const layers = runtime.device_layers;
    const total = layers.reduce((sum, d) => sum + d.layers, 0);
    assert.equal(total, runtime.n_layers, JSON.stringify(layers));
    for (const w of workers) {
      const entry = layers.find((d) => d.device.includes(w.endpoint));
      assert.ok(entry && entry.layers > 0, `no layers on ${w.endpoint}: ${JSON.stringify(layers)}`);
    }
  });

  test('greedy output equals single-machine output token for token', async () => {
    const remote = await complete(cria, greedy(PROMPT, N_PREDICT));
    assert.deepEqual(remote.tokens, reference.tokens);
    assert.equal(remote.content, reference.content);
  });

  test('-dev and -ts place layers across the workers as in llama-server', async () => {
    // ggml-rpc-server serves one client at a time: the main server lets go of the workers meanwhile.
    await cria.stop();
    const rpc = workers.map((w) => w.endpoint).join(',');
    const layersOf = async (args) => {
      const server = await startCria(['-np', '1', '-ngl', '99', '--rpc', rpc, ...THREADS, ...args], { timeoutMs: 60000 });
      try {
        const runtime = (await server.get('/props')).body.runtime;
        const out = await complete(server, greedy(PROMPT, N_PREDICT));
        assert.deepEqual(out.tokens, reference.tokens, `output with ${args.join(' ')}`);
        return workers.map((w) => runtime.device_layers.find((d) => d.device.includes(w.endpoint))?.layers ?? 0);
      } finally {
        await server.stop();
      }
    };
    const [onlySecondA, onlySecondB] = await layersOf(['-dev', 'RPC1']);
    assert.equal(onlySecondA, 0);
    assert.ok(onlySecondB > 0);
    const [splitA, splitB] = await layersOf(['-ts', '1,3']);
    assert.ok(splitA > 0 && splitB > splitA, `-ts 1,3 gave ${splitA} and ${splitB} layers`);
    cria = await startMain();
  });

  test('a worker killed mid-stream fails that stream; /health names it until it is back', async () => {
    const killed = workers[1];
    let killing = null;
    const res = await cria.stream('/completion', greedy(PROMPT, 4000, { ignore_eos: true }), {
      onEvent: (event, events) => {
        if (events.length === 3 && !killing) killing = killed.kill();
      },
    });
    await killing;
    assert.equal(res.status, 200);
    const last = res.events[res.events.length - 1];
    assert.ok(last.error, `the stream should end with an error event: ${JSON.stringify(last)}`);
    assert.match(JSON.stringify(last.error), /RPC worker/);
    assert.ok(res.events.length < 4000, 'the stream went on after the worker died');

    // The server answers (degraded), naming the worker; requests meanwhile get a 503.
    const health = await cria.get('/health');
    assert.equal(health.status, 503, JSON.stringify(health.body));
    assert.equal(health.body.status, 'degraded');
    assert.deepEqual(health.body.rpc_workers_unreachable, [killed.endpoint]);
    const refused = await cria.post('/completion', greedy(PROMPT, 4));
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal((await cria.get('/props')).status, 200);

    await killed.start();
    await waitForHealth(cria, 200, 60000);
    const again = await complete(cria, greedy(PROMPT, N_PREDICT));
    assert.deepEqual(again.tokens, reference.tokens, 'after the reload the output must be the same');
    // The surviving worker was told to drop the abandoned model (its old connection closed).
    assert.match(workers[0].log, /Client connection closed/);
    assert.equal(cria.proc.exitCode, null);
  });

  test('a worker unreachable at start-up is an exit 1 naming it', async () => {
    const port = await freePort();
    const down = `${workers[0].host}:${port}`;
    const r = await runCria(['-m', TINY_MODEL, '--port', String(await freePort()), '--rpc', down], { timeoutMs: 30000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr + r.stdout, new RegExp(`RPC worker ${down.replace(/\./g, '\\.')} is unreachable`));
  });
});
