// llama-server's model presets (--fim-qwen-7b-default, ...) and --fit, end to end: --print-options
// shows what a preset resolves to; a preset downloads its repository from a loopback hub (HF_ENDPOINT)
// and serves it; on this CPU-only machine --fit says in the log what it decided, as llama-server does.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { CRIA, CriaServer, TINY_MODEL, freePort, runCria, startCria, waitForHealth } from './lib/cria.mjs';
import { makeTempDir } from './lib/misc-helpers.mjs';

async function printOptions(args) {
  const res = await runCria(['--print-options', ...args]);
  assert.equal(res.code, 0, res.stderr);
  return JSON.parse(res.stdout);
}

describe('model presets', () => {
  test('--fim-qwen-7b-default: the repository, the file and llama-server\'s options', async () => {
    const { options } = await printOptions(['--fim-qwen-7b-default']);
    assert.equal(options['--hf-repo'], 'ggml-org/Qwen2.5-Coder-7B-Q8_0-GGUF');
    assert.equal(options['--hf-file'], 'qwen2.5-coder-7b-q8_0.gguf');
    assert.equal(options['--port'], '8012');
    assert.equal(options['--ctx-size'], '0');
    assert.equal(options['--batch-size'], '1024');
    assert.equal(options['--ubatch-size'], '1024');
    assert.equal(options['--cache-reuse'], '256');
    assert.equal(options['--fim-qwen-7b-default'], 'enabled');
  });

  test('--gpt-oss-20b-default: sampling, slots and context; an option after it wins, one before it does not', async () => {
    const { options } = await printOptions(['--top-k', '5', '--gpt-oss-20b-default', '--port', '9999']);
    assert.equal(options['--hf-repo'], 'ggml-org/gpt-oss-20b-GGUF');
    assert.equal(options['--hf-file'], 'gpt-oss-20b-mxfp4.gguf');
    assert.equal(options['--parallel'], '2');
    assert.equal(options['--ctx-size'], '262144');
    assert.equal(options['--batch-size'], '32768');
    assert.equal(options['--temp'], '1.00');
    assert.equal(options['--top-k'], '0');  // the preset came after --top-k 5
    assert.equal(options['--min-p'], '0.01');
    assert.equal(options['--port'], '9999');  // --port came after the preset
  });

  describe('a preset downloads its model from the hub and serves it', () => {
    const REPO = 'ggml-org/Qwen2.5-Coder-7B-Q8_0-GGUF';
    const FILE = 'qwen2.5-coder-7b-q8_0.gguf';
    let hub;
    let hubBase;
    const requests = [];
    let cache;
    before(async () => {
      const tiny = fs.readFileSync(TINY_MODEL);
      cache = makeTempDir('cria-preset-cache-');
      hub = http.createServer((req, res) => {
        const url = new URL(req.url, 'http://127.0.0.1');
        requests.push(`${req.method} ${url.pathname}`);
        if (url.pathname === `/api/models/${REPO}/tree/main`) {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify([{ type: 'file', path: FILE, size: tiny.length }]));
        } else if (url.pathname === `/${REPO}/resolve/main/${FILE}`) {
          res.writeHead(200, { 'Content-Length': tiny.length, ETag: '"v1"', 'Content-Type': 'application/octet-stream' });
          res.end(req.method === 'HEAD' ? undefined : tiny);
        } else {
          res.writeHead(404);
          res.end('Entry not found');
        }
      });
      const port = await freePort();
      await new Promise((resolve) => hub.listen(port, '127.0.0.1', resolve));
      hubBase = `http://127.0.0.1:${port}`;
    });
    after(async () => {
      await new Promise((resolve) => { hub.closeAllConnections(); hub.close(resolve); });
      cache.cleanup();
    });

    test('--fim-qwen-7b-default then --port: downloaded, loaded with the preset\'s batches, /infill answers', async () => {
      const port = await freePort();
      // The preset first (it sets --port 8012), then the test's own port, which wins.
      const proc = spawn(CRIA, ['--fim-qwen-7b-default', '--host', '127.0.0.1', '--port', String(port)],
        { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HF_ENDPOINT: hubBase, LLAMA_CACHE: cache.dir } });
      let log = '';
      proc.stdout.on('data', (d) => { log += d; });
      proc.stderr.on('data', (d) => { log += d; });
      const cria = new CriaServer(proc, port, () => log);
      try {
        await waitForHealth(cria);
        const props = await cria.get('/props');
        assert.equal(props.body.model_path, path.join(cache.dir, `ggml-org_Qwen2.5-Coder-7B-Q8_0-GGUF_${FILE}`));
        const res = await cria.post('/infill', { input_prefix: 'def f(', input_suffix: '):', n_predict: 3, temperature: 0 });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.tokens_predicted, 3);
        assert.ok(requests.includes(`GET /${REPO}/resolve/main/${FILE}`), requests.join('\n'));
        // On this CPU-only machine --fit (on by default) checked the host memory and said so.
        assert.match(cria.log(), /fit: no GPU device; .* no changes needed/);
      } finally {
        await cria.stop();
      }
    });
  });
});

describe('--fit without a GPU', () => {
  test('a target the host cannot meet: the log says why and the options are used as given', async () => {
    const cria = await startCria(['-fitt', '100000000']);
    try {
      assert.match(cria.log(), /fit: cannot fit the model to the memory targets \(no GPU device, and the model does not fit in host memory/);
      const res = await cria.post('/completion', { prompt: 'Hello', n_predict: 2 });
      assert.equal(res.status, 200);
    } finally {
      await cria.stop();
    }
  });

  test('--fit off: no fitting', async () => {
    const cria = await startCria(['--fit', 'off']);
    try {
      assert.match(cria.log(), /fit: off/);
      assert.doesNotMatch(cria.log(), /no changes needed/);
    } finally {
      await cria.stop();
    }
  });

  test('bad values are start-up errors naming the option', async () => {
    const target = await runCria(['-m', TINY_MODEL, '-fitt', '1,x']);
    assert.equal(target.code, 1);
    assert.match(target.stderr, /--fit-target/);
    const fit = await runCria(['-m', TINY_MODEL, '--fit=maybe']);
    assert.equal(fit.code, 1);
    assert.match(fit.stderr, /--fit/);
  });
});
