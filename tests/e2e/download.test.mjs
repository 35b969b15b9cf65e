// Models from the network: -mu/--model-url and -hf/--hf-repo with -hff/--hf-file, against a model
// server on loopback written here. It serves the tiny test model with an ETag and Range support, can
// drop the connection mid-file or hold the body back, and records every request, so the tests see
// exactly what cria asked for: full downloads, HEAD checks, "Range: bytes=N-" resumes, tokens.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startCria, runCria, freePort, waitForHealth, TINY_MODEL } from './lib/cria.mjs';
import { makeTempDir } from './lib/misc-helpers.mjs';

const TINY = fs.readFileSync(TINY_MODEL);
const TOKEN = 'hf_e2eSecretTokenThatMustNeverBeLogged';

// A loopback HTTP server of model files. `files` maps a URL path to its bytes.
async function startModelServer(files) {
  const state = {
    files,
    etag: '"v1"',
    requests: [],          // { method, path, headers }
    dropAfter: null,       // the next full GET sends this many bytes, then the connection is cut
    holdBody: null,        // a Promise: the next GET sends half the body, waits for it, sends the rest
    requireToken: null,    // paths under this prefix answer 401 without "Authorization: Bearer <TOKEN>"
    trees: {},             // "/api/models/<repo>/tree/main" -> JSON value
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    state.requests.push({ method: req.method, path: url.pathname, query: url.search, headers: req.headers });
    if (state.requireToken && url.pathname.startsWith(state.requireToken) &&
        req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end('{"error":"Invalid credentials"}');
      return;
    }
    if (state.trees[url.pathname] !== undefined) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(state.trees[url.pathname]));
      return;
    }
    const body = state.files[url.pathname];
    if (!body) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('Entry not found');
      return;
    }
    const common = { ETag: state.etag, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' };
    if (req.method === 'HEAD') {
      res.writeHead(200, { ...common, 'Content-Length': body.length });
      res.end();
      return;
    }
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const ifRange = req.headers['if-range'];
    if (range && (ifRange === undefined || ifRange === state.etag) && Number(range[1]) < body.length) {
      const start = Number(range[1]);
      res.writeHead(206, {
        ...common,
        'Content-Length': body.length - start,
        'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`,
      });
      res.end(body.subarray(start));
      return;
    }
    res.writeHead(200, { ...common, 'Content-Length': body.length });
    if (state.dropAfter !== null) {
      const n = state.dropAfter;
      state.dropAfter = null;
      res.write(body.subarray(0, n), () => res.socket.destroy());
      return;
    }
    if (state.holdBody !== null) {
      const hold = state.holdBody;
      state.holdBody = null;
      const half = Math.floor(body.length / 2);
      res.write(body.subarray(0, half));
      hold.then(() => res.end(body.subarray(half)));
      return;
    }
    res.end(body);
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    state,
    base: `http://127.0.0.1:${port}`,
    gets: (p) => state.requests.filter((r) => r.method === 'GET' && r.path === p),
    fullGets: (p) => state.requests.filter((r) => r.method === 'GET' && r.path === p && !r.headers.range),
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

async function completes(cria) {
  const res = await cria.post('/completion', { prompt: 'Hello', n_predict: 4, temperature: 0 });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(typeof res.body.content, 'string');
  assert.equal(res.body.tokens_predicted, 4);
}

function assertSameBytes(file) {
  assert.ok(fs.existsSync(file), `${file} was not created`);
  assert.ok(fs.readFileSync(file).equals(TINY), `${file} differs from the served model`);
}

function leftovers(dir) {
  return fs.readdirSync(dir).filter((n) => n.includes('downloadInProgress') || n.endsWith('.tmp'));
}

describe('-mu: a model from a URL, cached', () => {
  let models;
  let cache;
  before(async () => {
    models = await startModelServer({ '/models/tiny.gguf': TINY });
    cache = makeTempDir('cria-dl-cache-');
  });
  after(async () => { await models?.close(); cache?.cleanup(); });

  test('the first start downloads into LLAMA_CACHE, loads it and serves; no token goes to a plain URL', async () => {
    const cria = await startCria(['-mu', `${models.base}/models/tiny.gguf`],
      { model: null, env: { LLAMA_CACHE: cache.dir, HF_TOKEN: TOKEN } });
    try {
      await completes(cria);
      const props = await cria.get('/props');
      assert.equal(props.body.model_path, path.join(cache.dir, 'tiny.gguf'));
    } finally {
      await cria.stop();
    }
    assertSameBytes(path.join(cache.dir, 'tiny.gguf'));
    const meta = JSON.parse(fs.readFileSync(path.join(cache.dir, 'tiny.gguf.json'), 'utf8'));
    assert.equal(meta.url, `${models.base}/models/tiny.gguf`);
    assert.equal(meta.etag, '"v1"');
    assert.deepEqual(leftovers(cache.dir), []);
    assert.equal(models.fullGets('/models/tiny.gguf').length, 1);
    for (const r of models.state.requests) assert.equal(r.headers.authorization, undefined);
  });

  test('a second start checks the ETag and does not download again', async () => {
    const before = models.state.requests.length;
    const cria = await startCria(['-mu', `${models.base}/models/tiny.gguf`],
      { model: null, env: { LLAMA_CACHE: cache.dir } });
    try {
      await completes(cria);
    } finally {
      await cria.stop();
    }
    const asked = models.state.requests.slice(before);
    assert.deepEqual(asked.map((r) => `${r.method} ${r.path}`), ['HEAD /models/tiny.gguf']);
    assert.equal(models.fullGets('/models/tiny.gguf').length, 1);
    assert.match(cria.log(), /up to date/);
  });

  test('a changed ETag downloads the file again', async () => {
    models.state.etag = '"v2"';
    const cria = await startCria(['-mu', `${models.base}/models/tiny.gguf`],
      { model: null, env: { LLAMA_CACHE: cache.dir } });
    await cria.stop();
    assert.equal(models.fullGets('/models/tiny.gguf').length, 2);
    assertSameBytes(path.join(cache.dir, 'tiny.gguf'));
    assert.equal(JSON.parse(fs.readFileSync(path.join(cache.dir, 'tiny.gguf.json'), 'utf8')).etag, '"v2"');
  });

  test('with the server down: --offline uses the cache; without it, a warning and the cache', async () => {
    await models.close();
    const offline = await startCria(['-mu', `${models.base}/models/tiny.gguf`, '--offline'],
      { model: null, env: { LLAMA_CACHE: cache.dir } });
    try {
      await completes(offline);
    } finally {
      await offline.stop();
    }
    const online = await startCria(['-mu', `${models.base}/models/tiny.gguf`],
      { model: null, env: { LLAMA_CACHE: cache.dir } });
    await online.stop();
    assert.match(online.log(), /cannot check .* for a newer version/);
  });
});

describe('-mu: interrupted downloads resume', () => {
  let models;
  let cache;
  before(async () => {
    models = await startModelServer({ '/models/tiny.gguf': TINY });
  });
  after(async () => { await models?.close(); });

  test('a connection dropped mid-file is retried with "Range: bytes=N-" and the file is whole', async () => {
    cache = makeTempDir('cria-dl-drop-');
    try {
      const half = Math.floor(TINY.length / 2);
      models.state.dropAfter = half;
      const cria = await startCria(['-mu', `${models.base}/models/tiny.gguf`],
        { model: null, env: { LLAMA_CACHE: cache.dir } });
      try {
        await completes(cria);
      } finally {
        await cria.stop();
      }
      const gets = models.gets('/models/tiny.gguf');
      assert.equal(gets.length, 2, JSON.stringify(gets.map((g) => g.headers.range)));
      assert.equal(gets[0].headers.range, undefined);
      assert.equal(gets[1].headers.range, `bytes=${half}-`);
      assert.equal(gets[1].headers['if-range'], '"v1"');
      assert.match(cria.log(), /retrying/);
      assertSameBytes(path.join(cache.dir, 'tiny.gguf'));
      assert.deepEqual(leftovers(cache.dir), []);
    } finally {
      cache.cleanup();
    }
  });

  test('a partial file left by an earlier run is resumed from its size', async () => {
    cache = makeTempDir('cria-dl-part-');
    try {
      const url = `${models.base}/models/tiny.gguf`;
      const n = 1000;
      fs.writeFileSync(path.join(cache.dir, 'tiny.gguf.downloadInProgress'), TINY.subarray(0, n));
      fs.writeFileSync(path.join(cache.dir, 'tiny.gguf.downloadInProgress.json'),
        JSON.stringify({ url, etag: '"v1"', lastModified: '' }));
      const before = models.state.requests.length;
      const cria = await startCria(['-mu', url], { model: null, env: { LLAMA_CACHE: cache.dir } });
      await cria.stop();
      const asked = models.state.requests.slice(before);
      assert.equal(asked.length, 1);
      assert.equal(asked[0].headers.range, `bytes=${n}-`);
      assertSameBytes(path.join(cache.dir, 'tiny.gguf'));
    } finally {
      cache.cleanup();
    }
  });

  test('SIGTERM mid-download stops cria and keeps the partial file; the next start resumes it', async () => {
    cache = makeTempDir('cria-dl-stop-');
    let release;
    models.state.holdBody = new Promise((resolve) => { release = resolve; });
    let first;
    try {
      const url = `${models.base}/models/tiny.gguf`;
      const part = path.join(cache.dir, 'tiny.gguf.downloadInProgress');
      first = await startCria(['-mu', url], { model: null, waitReady: false, env: { LLAMA_CACHE: cache.dir } });
      // Bounded wait for the first bytes to land in the partial file (the server holds the rest).
      for (let i = 0; i < 2000 && !(fs.existsSync(part) && fs.statSync(part).size > 0); ++i) {
        await new Promise((r) => setTimeout(r, 10));
      }
      first.proc.kill('SIGTERM');
      const { code } = await first.exited;
      assert.equal(code, 0, first.log());
      assert.match(first.log(), /is kept and resumed next time/);
      assert.equal(fs.existsSync(path.join(cache.dir, 'tiny.gguf')), false);
      const kept = fs.statSync(part).size;
      assert.ok(kept > 0 && kept < TINY.length, `partial size ${kept}`);
      assert.ok(fs.readFileSync(part).equals(TINY.subarray(0, kept)), 'the partial file is not a prefix of the model');

      const before = models.state.requests.length;
      const second = await startCria(['-mu', url], { model: null, env: { LLAMA_CACHE: cache.dir } });
      await second.stop();
      const asked = models.state.requests.slice(before);
      assert.equal(asked.length, 1);
      assert.equal(asked[0].headers.range, `bytes=${kept}-`);
      assertSameBytes(path.join(cache.dir, 'tiny.gguf'));
    } finally {
      release();
      await first?.stop();
      cache.cleanup();
    }
  });

  test('a partial file of an older version (ETag changed) starts over from zero', async () => {
    cache = makeTempDir('cria-dl-stale-');
    try {
      const url = `${models.base}/models/tiny.gguf`;
      // Bytes that are not the model: resumed, they would corrupt it.
      fs.writeFileSync(path.join(cache.dir, 'tiny.gguf.downloadInProgress'), Buffer.alloc(1000, 0x5a));
      fs.writeFileSync(path.join(cache.dir, 'tiny.gguf.downloadInProgress.json'),
        JSON.stringify({ url, etag: '"v0"', lastModified: '' }));
      const cria = await startCria(['-mu', url], { model: null, env: { LLAMA_CACHE: cache.dir } });
      await cria.stop();
      assertSameBytes(path.join(cache.dir, 'tiny.gguf'));
    } finally {
      cache.cleanup();
    }
  });

  test('/health says "loading model" while the download runs', async () => {
    cache = makeTempDir('cria-dl-health-');
    let release;
    models.state.holdBody = new Promise((resolve) => { release = resolve; });
    let cria;
    try {
      cria = await startCria(['-mu', `${models.base}/models/tiny.gguf`, '-m', path.join(cache.dir, 'sub', 'my.gguf')],
        { model: null, waitReady: false, env: { LLAMA_CACHE: '' } });
      let seen = null;
      for (let i = 0; i < 1000 && seen === null; ++i) {
        try {
          const res = await cria.get('/health');
          if (res.status === 503) seen = res.body;
        } catch { /* not listening yet */ }
        if (seen === null) await new Promise((r) => setTimeout(r, 10));
      }
      assert.deepEqual(seen, { status: 'loading model' });
      release();
      await waitForHealth(cria, 200);
      await completes(cria);
      // -m is where the download goes when it comes with -mu.
      assertSameBytes(path.join(cache.dir, 'sub', 'my.gguf'));
    } finally {
      release();
      await cria?.stop();
      cache.cleanup();
    }
  });
});

describe('-mu failures', () => {
  let models;
  let cache;
  before(async () => {
    models = await startModelServer({ '/models/tiny.gguf': TINY });
    cache = makeTempDir('cria-dl-fail-');
  });
  after(async () => { await models?.close(); cache?.cleanup(); });

  test('--offline without a cached file exits 1 saying it is not in the cache', async () => {
    const res = await runCria(['-mu', `${models.base}/models/tiny.gguf`, '--offline', '--port', String(await freePort())],
      { env: { LLAMA_CACHE: cache.dir } });
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /--offline: .*tiny\.gguf is not in the cache/);
    assert.equal(models.state.requests.length, 0);
  });

  test('a 404 exits 1 with a message naming the status and the URL, without retrying', async () => {
    const url = `${models.base}/models/missing.gguf`;
    const res = await runCria(['-mu', url, '--port', String(await freePort())], { env: { LLAMA_CACHE: cache.dir } });
    assert.equal(res.code, 1, res.stderr);
    assert.ok(res.stderr.includes('HTTP 404'), res.stderr);
    assert.ok(res.stderr.includes(url), res.stderr);
    assert.equal(models.gets('/models/missing.gguf').length, 1);
    assert.deepEqual(leftovers(cache.dir), []);
  });

  test('a server that cannot be reached exits 1 naming the URL', async () => {
    const url = `http://127.0.0.1:${await freePort()}/models/tiny.gguf`;
    const res = await runCria(['-mu', url, '--port', String(await freePort())],
      { env: { LLAMA_CACHE: cache.dir }, timeoutMs: 30000 });
    assert.equal(res.code, 1, res.stderr);
    assert.ok(res.stderr.includes(`cannot download ${url}`), res.stderr);
  });
});

describe('-hf: Hugging Face repositories through HF_ENDPOINT', () => {
  let hub;
  let cache;
  const env = () => ({ HF_ENDPOINT: hub.base, LLAMA_CACHE: cache.dir, HF_TOKEN: '' });
  before(async () => {
    hub = await startModelServer({
      '/user/repo/resolve/main/tiny-Q8_0.gguf': TINY,
      '/user/repo/resolve/main/tiny-Q4_K_M.gguf': TINY,
      '/user/private/resolve/main/tiny-Q8_0.gguf': TINY,
    });
    hub.state.trees['/api/models/user/repo/tree/main'] = [
      { type: 'file', path: 'README.md' },
      { type: 'file', path: 'mmproj-tiny-f16.gguf' },
      { type: 'file', path: 'tiny-Q8_0.gguf' },
      { type: 'file', path: 'tiny-Q4_K_M.gguf' },
    ];
    hub.state.requireToken = '/user/private/';
    cache = makeTempDir('cria-dl-hf-');
  });
  after(async () => { await hub?.close(); cache?.cleanup(); });

  test('-hfr with -hff and --hf-token asks <endpoint>/<repo>/resolve/main/<file> with the bearer token', async () => {
    const cria = await startCria(['-hfr', 'user/private', '-hff', 'tiny-Q8_0.gguf', '--hf-token', TOKEN],
      { model: null, env: env() });
    try {
      await completes(cria);
    } finally {
      await cria.stop();
    }
    const gets = hub.gets('/user/private/resolve/main/tiny-Q8_0.gguf');
    assert.equal(gets.length, 1);
    assert.equal(gets[0].headers.authorization, `Bearer ${TOKEN}`);
    assertSameBytes(path.join(cache.dir, 'user_private_tiny-Q8_0.gguf'));
    assert.ok(!cria.log().includes(TOKEN), 'the token appears in the log');
  });

  test('a 401 (no or wrong token) exits 1 naming the URL, never the token', async () => {
    fs.rmSync(path.join(cache.dir, 'user_private_tiny-Q8_0.gguf'));
    const wrong = 'hf_wrongTokenWrongTokenWrongTokenWrong';
    const res = await runCria(['-hf', 'user/private', '-hff', 'tiny-Q8_0.gguf', '--port', String(await freePort())],
      { env: { ...env(), HF_TOKEN: wrong } });
    assert.equal(res.code, 1, res.stderr);
    assert.ok(res.stderr.includes('HTTP 401'), res.stderr);
    assert.ok(res.stderr.includes(`${hub.base}/user/private/resolve/main/tiny-Q8_0.gguf`), res.stderr);
    assert.ok(!res.stderr.includes(wrong) && !res.stdout.includes(wrong), 'the token appears in the output');
    assert.equal(hub.gets('/user/private/resolve/main/tiny-Q8_0.gguf').at(-1).headers.authorization, `Bearer ${wrong}`);
  });

  test('without HF_ENDPOINT (or MODEL_ENDPOINT) -hf asks the Hugging Face hub, as llama-server does', async () => {
    // A proxy on a closed loopback port: the download fails at once, without leaving this machine,
    // and the error names the URL cria asked for.
    const closed = `http://127.0.0.1:${await freePort()}`;
    const res = await runCria(['-hf', 'user/private', '-hff', 'tiny-Q8_0.gguf', '--port', String(await freePort())],
      { env: { ...env(), HF_ENDPOINT: '', MODEL_ENDPOINT: '', https_proxy: closed, HTTPS_PROXY: closed, no_proxy: '', NO_PROXY: '' } });
    assert.equal(res.code, 1, res.stderr);
    assert.ok(res.stderr.includes('https://huggingface.co/user/private/resolve/main/tiny-Q8_0.gguf'), res.stderr);
  });

  test('without -hff the quant picks the file from the repository list (default Q4_K_M)', async () => {
    const cria = await startCria(['-hf', 'user/repo'], { model: null, env: env() });
    await cria.stop();
    const trees = hub.gets('/api/models/user/repo/tree/main');
    assert.equal(trees.length, 1);
    assert.equal(trees[0].query, '?recursive=true');
    assert.equal(hub.gets('/user/repo/resolve/main/tiny-Q4_K_M.gguf').length, 1);
    assertSameBytes(path.join(cache.dir, 'user_repo_tiny-Q4_K_M.gguf'));

    const q8 = await startCria(['-hf', 'user/repo:q8_0'], { model: null, env: env() });
    await q8.stop();
    assert.equal(hub.gets('/user/repo/resolve/main/tiny-Q8_0.gguf').length, 1);
    assertSameBytes(path.join(cache.dir, 'user_repo_tiny-Q8_0.gguf'));
  });

  test('--offline finds the cached file for the quant without asking the hub', async () => {
    const before = hub.state.requests.length;
    const cria = await startCria(['-hf', 'user/repo:Q8_0', '--offline'], { model: null, env: env() });
    try {
      const props = await cria.get('/props');
      assert.equal(props.body.model_path, path.join(cache.dir, 'user_repo_tiny-Q8_0.gguf'));
    } finally {
      await cria.stop();
    }
    assert.equal(hub.state.requests.length, before);
  });

  test('a quant the repository lacks exits 1 listing the files', async () => {
    const res = await runCria(['-hf', 'user/repo:IQ1_S', '--port', String(await freePort())], { env: env() });
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /no \.gguf file matches the quantization 'IQ1_S'.*tiny-Q8_0\.gguf/);
  });
});
