// -dr, --docker-repo: a GGUF model from a Docker (OCI) registry, against a loopback registry written
// here that speaks the part of the protocol llama-server uses: an anonymous pull token from the
// token service, the image manifest (bearer token required), and the GGUF layer's blob by digest.
// CRIA_DOCKER_REGISTRY and CRIA_DOCKER_AUTH point cria at it (llama-server's endpoints are fixed).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { startCria, runCria, freePort, TINY_MODEL } from './lib/cria.mjs';
import { makeTempDir } from './lib/misc-helpers.mjs';

const TINY = fs.readFileSync(TINY_MODEL);
const DIGEST = `sha256:${crypto.createHash('sha256').update(TINY).digest('hex')}`;
const TOKEN = 'registry-pull-token';

const manifest = (layers) => JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  config: { mediaType: 'application/vnd.docker.ai.model.config.v0.1+json', digest: `sha256:${'0'.repeat(64)}`, size: 2 },
  layers,
});

async function startRegistry() {
  const requests = [];
  const manifests = {
    '/v2/ai/tiny/manifests/latest': manifest([
      { mediaType: 'application/vnd.docker.ai.license', digest: `sha256:${'1'.repeat(64)}`, size: 3 },
      { mediaType: 'application/vnd.docker.ai.gguf.v3', digest: DIGEST, size: TINY.length },
    ]),
    '/v2/me/nogguf/manifests/v1': manifest([
      { mediaType: 'application/vnd.docker.ai.license', digest: `sha256:${'1'.repeat(64)}`, size: 3 },
    ]),
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    requests.push({ method: req.method, path: url.pathname, query: url.search, headers: req.headers });
    if (url.pathname === '/token') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ token: TOKEN, expires_in: 300 }));
      return;
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="/token"' });
      res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    if (manifests[url.pathname]) {
      res.writeHead(200, { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' });
      res.end(manifests[url.pathname]);
      return;
    }
    if (url.pathname === `/v2/ai/tiny/blobs/${DIGEST}`) {
      res.writeHead(200, { 'Content-Length': TINY.length, ETag: `"${DIGEST}"`, 'Content-Type': 'application/octet-stream' });
      res.end(req.method === 'HEAD' ? undefined : TINY);
      return;
    }
    res.writeHead(404);
    res.end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
  });
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${port}`;
  return {
    requests,
    env: { CRIA_DOCKER_REGISTRY: base, CRIA_DOCKER_AUTH: `${base}/token?service=registry.test` },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

describe('-dr, --docker-repo', () => {
  let registry;
  let cache;
  before(async () => {
    registry = await startRegistry();
    cache = makeTempDir('cria-docker-cache-');
  });
  after(async () => { await registry?.close(); cache?.cleanup(); });

  test('-dr tiny: token, manifest, GGUF blob into the cache as ai_tiny_latest.gguf; then it serves', async () => {
    const cria = await startCria(['-dr', 'tiny'], { model: null, env: { ...registry.env, LLAMA_CACHE: cache.dir } });
    try {
      const res = await cria.post('/completion', { prompt: 'Hello', n_predict: 3, temperature: 0 });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.tokens_predicted, 3);
      const props = await cria.get('/props');
      assert.equal(props.body.model_path, path.join(cache.dir, 'ai_tiny_latest.gguf'));
    } finally {
      await cria.stop();
    }
    assert.ok(fs.readFileSync(path.join(cache.dir, 'ai_tiny_latest.gguf')).equals(TINY));
    const asked = registry.requests.map((r) => `${r.method} ${r.path}${r.query}`);
    assert.deepEqual(asked, [
      'GET /token?service=registry.test&scope=repository:ai/tiny:pull',
      'GET /v2/ai/tiny/manifests/latest',
      `GET /v2/ai/tiny/blobs/${DIGEST}`,
    ]);
    assert.match(registry.requests[1].headers.accept, /application\/vnd\.oci\.image\.manifest\.v1\+json/);
    for (const r of registry.requests.slice(1)) assert.equal(r.headers.authorization, `Bearer ${TOKEN}`);
  });

  test('a second start finds the blob unchanged and does not download it again; --offline asks nothing', async () => {
    const before = registry.requests.length;
    const again = await startCria(['-dr', 'ai/tiny:latest'], { model: null, env: { ...registry.env, LLAMA_CACHE: cache.dir } });
    await again.stop();
    const asked = registry.requests.slice(before).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(asked, ['GET /token', 'GET /v2/ai/tiny/manifests/latest', `HEAD /v2/ai/tiny/blobs/${DIGEST}`]);
    const offline = await startCria(['-dr', 'tiny', '--offline'], { model: null, env: { ...registry.env, LLAMA_CACHE: cache.dir } });
    await offline.stop();
    assert.equal(registry.requests.length, before + 3);
  });

  test('a manifest without a GGUF layer, an unknown tag and a malformed reference are start-up errors', async () => {
    const env = { ...registry.env, LLAMA_CACHE: cache.dir };
    const port = String(await freePort());
    const none = await runCria(['-dr', 'me/nogguf:v1', '--port', port], { env });
    assert.equal(none.code, 1, none.stderr);
    assert.match(none.stderr, /me\/nogguf:v1: the manifest has no GGUF layer/);
    const unknown = await runCria(['-dr', 'tiny:nope', '--port', port], { env });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /404/);
    const bad = await runCria(['-dr', '../etc', '--port', port], { env });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--docker-repo/);
    // cria names no registry host of its own: without the two variables it says what to set.
    const unset = await runCria(['-dr', 'other', '--port', port], { env: { LLAMA_CACHE: cache.dir } });
    assert.equal(unset.code, 1, unset.stderr);
    assert.match(unset.stderr, /set CRIA_DOCKER_REGISTRY .* and CRIA_DOCKER_AUTH/);
  });
});
