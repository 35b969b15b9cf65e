// Static content over HTTP: the built-in web UI (compressed, cached, off with --no-webui), the files
// of --path DIR (never anything outside DIR), /completion.js beside either, and API keys.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { startCria, runCria, freePort, TINY_MODEL } from './lib/cria.mjs';
import { makeTempDir, rawRequest } from './lib/misc-helpers.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

const SECRET = 'top-secret-outside-the-static-dir';

// DIR (www/) and, beside it, a folder it must never reveal.
let temp;
let www;
before(() => {
  temp = makeTempDir('cria-static-');
  www = path.join(temp.dir, 'www');
  const outside = path.join(temp.dir, 'outside');
  fs.mkdirSync(path.join(www, 'docs'), { recursive: true });
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(www, 'index.html'), '<!doctype html><title>mine</title><p>my page</p>');
  fs.writeFileSync(path.join(www, 'docs', 'index.html'), '<p>docs index</p>');
  fs.writeFileSync(path.join(www, 'docs', 'notes.txt'), 'plain notes');
  fs.writeFileSync(path.join(www, 'style.css'), 'body { color: red }');
  fs.writeFileSync(path.join(www, 'props'), 'a file that must not shadow GET /props');
  fs.writeFileSync(path.join(outside, 'secret.txt'), SECRET);
  fs.symlinkSync(path.join(www, 'docs', 'notes.txt'), path.join(www, 'link-inside.txt'));
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(www, 'link-outside.txt'));
  fs.symlinkSync(outside, path.join(www, 'dir-outside'));
});
after(() => temp.cleanup());

const get = (server, p, headers = {}) => rawRequest(server.port, { method: 'GET', path: p, headers });

test('--path serves DIR: index.html at / and in folders, content types, no-cache with a working ETag', async () => {
  const cria = await startCria(['--path', www, ...THREADS]);
  try {
    const root = await get(cria, '/');
    assert.equal(root.status, 200);
    assert.equal(root.raw, '<!doctype html><title>mine</title><p>my page</p>');
    assert.match(root.headers['content-type'], /^text\/html/);
    assert.equal((await get(cria, '/index.html')).raw, root.raw);
    assert.equal((await get(cria, '/docs/')).raw, '<p>docs index</p>');
    assert.equal((await get(cria, '/docs')).raw, '<p>docs index</p>');
    const notes = await get(cria, '/docs/notes.txt?v=2');
    assert.equal(notes.raw, 'plain notes');
    assert.match(notes.headers['content-type'], /^text\/plain/);
    assert.match((await get(cria, '/style.css')).headers['content-type'], /^text\/css/);
    assert.equal((await get(cria, '/docs/notes%2Etxt')).raw, 'plain notes', 'an encoded dot inside a name is fine');

    // Revalidation: the ETag answers 304 until the file changes.
    assert.equal(root.headers['cache-control'], 'no-cache');
    const etag = root.headers.etag;
    assert.ok(etag, 'no ETag');
    const again = await get(cria, '/', { 'If-None-Match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.raw, '');

    // A symbolic link that stays inside DIR is followed.
    assert.equal((await get(cria, '/link-inside.txt')).raw, 'plain notes');

    const missing = await get(cria, '/nothing-here.html');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 404);

    // The API is not shadowed, not even by a file of the same name, and a bare GET of a POST
    // route is still a JSON 404.
    const props = await get(cria, '/props');
    assert.equal(props.status, 200);
    assert.equal(typeof props.body.default_generation_settings, 'object');
    assert.equal((await get(cria, '/health')).body.status, 'ok');
    const completion = await cria.post('/completion', { prompt: 'Hello', n_predict: 2 });
    assert.equal(completion.status, 200);
    assert.equal((await get(cria, '/completion')).status, 404);
  } finally {
    await cria.stop();
  }
});

test('--path never serves anything outside DIR: .., encoded traversal, NUL, symbolic links out', async () => {
  const cria = await startCria(['--path', www, ...THREADS]);
  try {
    const attempts = [
      '/../outside/secret.txt',
      '/docs/../../outside/secret.txt',
      '/%2e%2e/outside/secret.txt',
      '/%2E%2E/outside/secret.txt',
      '/..%2foutside%2fsecret.txt',
      '/docs%2f..%2f..%2foutside%2fsecret.txt',
      '/%2e%2e%2f%2e%2e%2foutside/secret.txt',
      '/docs/..%5c..%5coutside%5csecret.txt',
      '/./index.html',
      '//outside/secret.txt',
      '/index.html%00.txt',
      '/link-outside.txt',
      '/dir-outside/secret.txt',
      '/dir-outside/',
      `/${'../'.repeat(12)}etc/passwd`,
    ];
    for (const attempt of attempts) {
      const res = await get(cria, attempt);
      assert.ok(res.status === 403 || res.status === 404 || res.status === 400,
        `${attempt} answered ${res.status}: ${res.raw.slice(0, 200)}`);
      assert.ok(!res.raw.includes(SECRET), `${attempt} revealed the file outside DIR`);
      assert.ok(!res.raw.includes('root:'), `${attempt} revealed /etc/passwd`);
    }
    // The ones that reach the file layer are refused as such (not merely missing).
    for (const attempt of ['/%2e%2e/outside/secret.txt', '/..%2foutside%2fsecret.txt', '/link-outside.txt',
      '/dir-outside/secret.txt', '/index.html%00.txt']) {
      const res = await get(cria, attempt);
      assert.equal(res.status, 403, `${attempt}: ${res.raw}`);
      assert.equal(res.body.error.code, 403);
    }
    // And the server is none the worse for it.
    assert.equal((await get(cria, '/')).status, 200);
  } finally {
    await cria.stop();
  }
});

test('/completion.js beside --path: ours when DIR has none, DIR\'s own when it has one', async () => {
  const own = makeTempDir('cria-static-own-');
  fs.writeFileSync(path.join(own.dir, 'index.html'), '<p>x</p>');
  const cria = await startCria(['--path', own.dir, ...THREADS]);
  try {
    const ours = await get(cria, '/completion.js');
    assert.equal(ours.status, 200);
    assert.match(ours.headers['content-type'], /^text\/javascript/);
    for (const name of ['llama', 'llamaEventTarget', 'llamaPromise', 'llamaComplete', 'llamaModelInfo']) {
      assert.match(ours.raw, new RegExp(`export (async )?function\\*? ?${name}\\b`), `completion.js does not export ${name}`);
    }
    fs.writeFileSync(path.join(own.dir, 'completion.js'), 'export const mine = 1;');
    assert.equal((await get(cria, '/completion.js')).raw, 'export const mine = 1;');
  } finally {
    await cria.stop();
    own.cleanup();
  }
});

test('the built-in UI: gzip when accepted, plain otherwise, hashed assets cached for good, 304s, HEAD', async () => {
  const cria = await startCria([...THREADS]);
  try {
    const plain = await get(cria, '/');
    assert.equal(plain.status, 200);
    assert.match(plain.headers['content-type'], /^text\/html/);
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.match(plain.raw, /<div id="app">/, 'not the built UI (was webui/dist built before cria?)');
    assert.equal(plain.headers['cache-control'], 'no-cache');
    assert.match(plain.headers.vary || '', /Accept-Encoding/);

    const packed = await get(cria, '/', { 'Accept-Encoding': 'gzip' });
    assert.equal(packed.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(packed.bytes).toString('utf8'), plain.raw);
    assert.ok(packed.bytes.length < plain.bytes.length);
    assert.equal((await get(cria, '/', { 'Accept-Encoding': 'gzip;q=0, identity' })).headers['content-encoding'], undefined);

    // Every script and stylesheet the page names (relative, so that --api-prefix works) is there,
    // typed, and immutable.
    const assets = [...plain.raw.matchAll(/(?:src|href)="(assets\/[^"]+)"/g)].map((m) => `/${m[1]}`);
    assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), plain.raw);
    for (const asset of assets) {
      const res = await get(cria, asset, { 'Accept-Encoding': 'gzip, deflate, br' });
      assert.equal(res.status, 200, asset);
      assert.equal(res.headers['content-encoding'], 'gzip');
      assert.match(res.headers['content-type'], asset.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.ok(gunzipSync(res.bytes).length > 1000, `${asset} is suspiciously small`);
    }

    const etag = plain.headers.etag;
    const cached = await get(cria, '/', { 'If-None-Match': `W/${etag}, "other"` });
    assert.equal(cached.status, 304);
    assert.equal(cached.raw, '');
    assert.equal((await get(cria, '/', { 'If-None-Match': '"stale"' })).status, 200);

    const head = await rawRequest(cria.port, { method: 'HEAD', path: '/' });
    assert.equal(head.status, 200);
    assert.equal(head.raw, '');

    const library = await get(cria, '/completion.js');
    assert.equal(library.status, 200);
    assert.match(library.raw, /export async function\* llama\(/);
    assert.equal((await get(cria, '/favicon.svg')).headers['content-type'], 'image/svg+xml');
    assert.equal((await get(cria, '/assets/nope.js')).status, 404);
  } finally {
    await cria.stop();
  }
});

test('--no-webui: no UI and no /completion.js, the API as before', async () => {
  const cria = await startCria(['--no-webui', ...THREADS]);
  try {
    const root = await get(cria, '/');
    assert.equal(root.status, 404);
    assert.equal(root.body.error.code, 404);
    assert.equal((await get(cria, '/completion.js')).status, 404);
    assert.equal((await get(cria, '/health')).status, 200);
  } finally {
    await cria.stop();
  }
});

test('with --api-key the UI loads without a key and the API still needs one', async () => {
  for (const args of [[], ['--path', www]]) {
    const cria = await startCria(['--api-key', 'sesame', ...args, ...THREADS]);
    try {
      assert.equal((await get(cria, '/')).status, 200, `${args}: the page needs no key`);
      assert.equal((await get(cria, '/completion.js')).status, 200, `${args}: completion.js needs no key`);
      const slots = await get(cria, '/slots');
      assert.equal(slots.status, 401, `${args}: /slots without a key`);
      assert.equal(slots.body.error.type, 'authentication_error');
      assert.equal((await get(cria, '/slots', { Authorization: 'Bearer sesame' })).status, 200);
      const props = await get(cria, '/props', { Authorization: 'Bearer sesame' });
      assert.equal(typeof props.body.default_generation_settings, 'object', `${args}: with the key, /props is the API's`);
      assert.equal((await get(cria, '/no-such-file')).status, 401, `${args}: nothing else is revealed without a key`);
      const post = await rawRequest(cria.port, { path: '/completion', body: Buffer.from('{"prompt":"x","n_predict":1}') });
      assert.equal(post.status, 401);
    } finally {
      await cria.stop();
    }
  }
  // With the file /props in DIR: a keyless GET gets at most that file, never the API's answer.
  const cria = await startCria(['--api-key', 'sesame', '--path', www, ...THREADS]);
  try {
    const res = await get(cria, '/props');
    assert.ok(!String(res.raw).includes('default_generation_settings'));
  } finally {
    await cria.stop();
  }
});

test('--path that is not a directory stops cria at start-up with a clear message', async () => {
  const file = path.join(www, 'index.html');
  for (const bad of [path.join(temp.dir, 'no-such-dir'), file]) {
    const out = await runCria(['-m', TINY_MODEL, '--port', String(await freePort()), '--path', bad]);
    assert.notEqual(out.code, 0);
    assert.match(out.stdout + out.stderr, /--path .*not a directory/);
  }
});
