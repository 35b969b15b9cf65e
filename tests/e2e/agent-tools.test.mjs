// Agent tools (--tools, --tools-runtime, --mcp-servers-json, --ui-mcp-proxy, --agent): off by
// default as in llama-server; each built-in tool through POST /tools on a temporary directory;
// exec_shell_command's timeout and stream; a container runtime through a fake `docker` on PATH
// that records its arguments; an MCP server over stdio; the MCP CORS proxy against a loopback
// server of the test; CORS limited to localhost. Shapes are compared with llama-server where it is
// installed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { criaPool, TINY_MODEL } from './lib/cria.mjs';
import { llamaServerPath, startLlamaServer } from './lib/llama-server.mjs';

const pool = criaPool();
const oracles = [];
let dir;       // the tools' working directory (x-tool-cwd)
let fakebin;   // a fake docker
let dockerLog;
let upstream;  // the proxy's target
let upstreamPort;

const MCP_SERVER = `
const readline = require('node:readline');
const rl = readline.createInterface({ input: process.stdin });
const send = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
rl.on('line', (line) => {
  const m = JSON.parse(line);
  if (m.id === undefined) return;
  if (m.method === 'initialize') send({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: '2024-11-05', capabilities: { tools: {} }, serverInfo: { name: 'fake', version: '1' } } });
  else if (m.method === 'tools/list') send({ jsonrpc: '2.0', id: m.id, result: { tools: [
    { name: 'echo', description: 'Echo text', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
    { name: 'fail', description: 'Fails', inputSchema: { type: 'object', properties: {} } },
    { name: 'hang', description: 'Never answers', inputSchema: { type: 'object', properties: {} } }] } });
  else if (m.method === 'tools/call' && m.params.name === 'hang') return;
  else if (m.method === 'tools/call' && m.params.name === 'fail') send({ jsonrpc: '2.0', id: m.id, result: { content: [{ type: 'text', text: 'boom' }], isError: true } });
  else if (m.method === 'tools/call') send({ jsonrpc: '2.0', id: m.id, result: { content: [{ type: 'text', text: 'echo: ' + m.params.arguments.text + ' ' + process.env.MCP_FLAG }] } });
});
`;

// Records its arguments; "exec [-i] ID ARGS..." runs ARGS here; "run ... --cidfile F ..." writes an
// id to F and then waits on stdin like the container's sh.
const FAKE_DOCKER = `#!/bin/sh
printf '%s\\n' "$*" >> "$FAKE_DOCKER_LOG"
case "$1" in
  run)
    while [ $# -gt 0 ]; do if [ "$1" = --cidfile ]; then printf 'fakecid42' > "$2"; fi; shift; done
    exec cat > /dev/null;;
  exec)
    shift; [ "$1" = -i ] && shift; shift
    exec "$@";;
esac
exit 0
`;

const tool = (server, body, headers = {}) => server.post('/tools', body, { 'x-tool-cwd': dir, ...headers });
const text = (res) => res.body.plain_text_response;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cria-agent-'));
  fs.writeFileSync(path.join(dir, 'a.txt'), 'hello\nworld\nfoo bar\n');
  fs.mkdirSync(path.join(dir, 'sub'));
  fs.writeFileSync(path.join(dir, 'sub', 'm.cpp'), 'int main() {}\n');
  fs.writeFileSync(path.join(dir, 'mcp.js'), MCP_SERVER);
  fakebin = fs.mkdtempSync(path.join(os.tmpdir(), 'cria-fakebin-'));
  fs.writeFileSync(path.join(fakebin, 'docker'), FAKE_DOCKER, { mode: 0o755 });
  dockerLog = path.join(fakebin, 'docker.log');
  let release = null;  // ends the held SSE stream
  upstream = http.createServer((req, res) => {
    if (req.url === '/sse') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('data: first\n\n');
      release = () => { res.end('data: second\n\n'); };
      return;
    }
    if (req.url === '/release') {
      release?.();
      res.end('released');
      return;
    }
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      res.writeHead(req.url.includes('missing') ? 404 : 200,
        { 'Content-Type': 'application/json', 'Mcp-Session-Id': 'sess-1', 'Access-Control-Allow-Origin': 'http://upstream' });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
    });
  });
  await new Promise((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamPort = upstream.address().port;
});

after(async () => {
  await pool.stopAll();
  for (const o of oracles) await o.stop();
  upstream.close();
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(fakebin, { recursive: true, force: true });
});

test('off by default: /tools and /cors-proxy answer 403 feature_disabled, as llama-server', async () => {
  const server = await pool.start();
  const disabled = { error: { message: 'this feature is disabled', type: 'feature_disabled' } };
  for (const res of [await server.get('/tools'), await tool(server, { tool: 'get_info', params: {} }),
    await server.get(`/cors-proxy?url=http://127.0.0.1:${upstreamPort}/`)]) {
    assert.equal(res.status, 403);
    assert.deepEqual(res.body, disabled);
  }
  assert.equal((await server.get('/props')).body.cors_proxy_enabled, false);
  // CORS stays as it was (any origin)
  const cors = await server.get('/health', { Origin: 'http://evil.example' });
  assert.equal(cors.headers.get('access-control-allow-origin'), 'http://evil.example');
});

let agent;  // --tools all, an MCP server, the proxy
test('--tools all: GET /tools lists the seven tools with llama-server\'s shape', async (t) => {
  agent = await pool.start(['--tools', 'all', '--ui-mcp-proxy', '--mcp-servers-json',
    JSON.stringify({ mcpServers: { fk: { command: process.execPath, args: [path.join(dir, 'mcp.js')], env: { MCP_FLAG: 'on' },
      timeout_ms: 3000 } } })]);
  const res = await agent.get('/tools');
  assert.equal(res.status, 200);
  const names = res.body.map((x) => x.tool);
  assert.deepEqual(names, ['read_file', 'file_glob_search', 'grep_search', 'exec_shell_command', 'write_file',
    'edit_file', 'get_info', 'fk_echo', 'fk_fail', 'fk_hang']);
  const exec = res.body.find((x) => x.tool === 'exec_shell_command');
  assert.equal(exec.type, 'server');
  assert.equal(exec.permissions.write, true);
  assert.equal(exec.uses_cwd, true);
  assert.equal(exec.definition.function.name, 'exec_shell_command');
  const echo = res.body.find((x) => x.tool === 'fk_echo');
  assert.deepEqual({ type: echo.type, uses_cwd: echo.uses_cwd, write: echo.permissions.write }, { type: 'mcp', uses_cwd: false, write: false });
  assert.deepEqual(echo.definition.function.parameters.required, ['text']);
  if (!llamaServerPath()) return t.skip('llama-server is not installed: shapes not compared');
  const oracle = await startLlamaServer(TINY_MODEL, ['--tools', 'all']);
  oracles.push(oracle);
  const theirs = (await oracle.get('/tools')).body;
  assert.deepEqual(names.slice(0, 7), theirs.map((x) => x.tool));
  for (const [i, entry] of theirs.entries()) {
    const ours = res.body[i];
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(entry).sort());
    assert.deepEqual(ours.permissions, entry.permissions, entry.tool);
    assert.equal(ours.display_name, entry.display_name);
    const p = (x) => x.definition.function.parameters;
    assert.deepEqual(Object.keys(p(ours).properties), Object.keys(p(entry).properties), entry.tool);
    assert.deepEqual(p(ours).required, p(entry).required, entry.tool);
    for (const [k, v] of Object.entries(p(entry).properties)) assert.equal(p(ours).properties[k].type, v.type, `${entry.tool}.${k}`);
  }
});

test('file tools on a temporary directory: read, write, edit, glob, grep', async () => {
  assert.equal(text(await tool(agent, { tool: 'read_file', params: { path: 'a.txt' } })), 'hello\nworld\nfoo bar\n');
  assert.equal(text(await tool(agent, { tool: 'read_file', params: { path: 'a.txt', start_line: 2, append_loc: true } })),
    '2→world\n3→foo bar\n');
  assert.deepEqual((await tool(agent, { tool: 'read_file', params: { path: 'nofile' } })).body, { error: 'cannot stat file: nofile' });
  const w = await tool(agent, { tool: 'write_file', params: { path: 'new/w.txt', content: 'one\ntwo\n' } });
  assert.deepEqual(w.body, { result: 'file written successfully', path: 'new/w.txt', bytes: 8 });
  const e = await tool(agent, { tool: 'edit_file', params: { path: 'new/w.txt', edits: [{ old_text: 'two', new_text: '2' }] } });
  assert.deepEqual(e.body, { result: 'file edited successfully', path: 'new/w.txt', edits_applied: 1 });
  assert.equal(fs.readFileSync(path.join(dir, 'new', 'w.txt'), 'utf8'), 'one\n2\n');
  const g = await tool(agent, { tool: 'file_glob_search', params: { path: '.', include: '*.cpp' } });
  assert.deepEqual(g.body.entries, [{ path: 'sub/m.cpp', type: 'file' }]);
  assert.equal(g.body.base, dir);
  assert.equal(text(g), 'sub/m.cpp\n\n---\nTotal matches: 1\n');
  const grep = await tool(agent, { tool: 'grep_search', params: { path: '.', pattern: 'wor', return_line_numbers: true, include: '*.txt' } });
  assert.equal(text(grep), 'a.txt:2:world\n\n---\nTotal matches: 1\n');
  const info = await tool(agent, { tool: 'get_info', params: {} });
  assert.equal(info.body.cwd, dir);
});

test('exec_shell_command: exit code, timeout, and a stream of chunks', async () => {
  assert.equal(text(await tool(agent, { tool: 'exec_shell_command', params: { command: 'echo hi; pwd; exit 3' } })),
    `hi\n${dir}\n\n[exit code: 3]`);
  const slow = text(await tool(agent, { tool: 'exec_shell_command', params: { command: 'echo a; sleep 30', timeout: 1 } }));
  assert.match(slow, /^a\n\n\[exit code: \d+\] \[exit due to timed out\]$/);
  const res = await fetch(agent.url('/tools'), {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'x-tool-cwd': dir },
    body: JSON.stringify({ tool: 'exec_shell_command', params: { command: 'echo 1; echo 2' }, stream: true }),
  });
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const events = (await res.text()).split('\n\n').filter((f) => f.startsWith('data: ')).map((f) => JSON.parse(f.slice(6)));
  assert.deepEqual(events.at(-1), { done: true });
  assert.equal(events.slice(0, -1).map((x) => x.chunk).join(''), '1\n2\n\n[exit code: 0]');
  // a character whose bytes arrive in two reads (the pause between them) comes whole
  const split = await fetch(agent.url('/tools'), {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'x-tool-cwd': dir },
    body: JSON.stringify({ tool: 'exec_shell_command', params: { command: "printf '\\303'; sleep 0.3; printf '\\251\\n'" }, stream: true }),
  });
  const parts = (await split.text()).split('\n\n').filter((f) => f.startsWith('data: ')).map((f) => JSON.parse(f.slice(6)));
  assert.equal(parts.filter((x) => x.chunk !== undefined).map((x) => x.chunk).join(''), 'é\n\n[exit code: 0]');
});

test('errors: bad bodies are 400 in llama-server\'s flat shape, an unknown tool 404, tool failures 200', async () => {
  const bad = await tool(agent, 'notjson');
  assert.equal(bad.status, 400);
  assert.deepEqual(Object.keys(bad.body).sort(), ['code', 'message', 'type']);
  assert.equal(bad.body.type, 'invalid_request_error');
  assert.equal((await tool(agent, { params: {} })).status, 400);
  const wrongType = await tool(agent, { tool: 'read_file', params: { path: 5 } });
  assert.equal(wrongType.status, 400);
  assert.match(wrongType.body.message, /path/);
  assert.equal((await tool(agent, { tool: 'nope', params: {} })).status, 404);
  assert.equal((await tool(agent, { tool: 'read_file', params: { path: 'a.txt' }, stream: true })).status, 400);
  const failed = await tool(agent, { tool: 'file_glob_search', params: { path: '.', limit: 0 } });
  assert.deepEqual(failed.body, { error: 'invalid limit: 0 (expected 1 or more)' });
  assert.equal((await tool(agent, { tool: 'get_info', params: {} }, { 'x-tool-runtime': 'host' })).status, 500);
});

test('odd params never take the server down: every tool answers 200, 400 or 404', async () => {
  const odd = [null, 5, -1, 1e300, true, 'x', '', [], ['a'], {}, { a: 1 }, 'a\u0000b', '../'.repeat(2000), '\u00e9\ud800'];
  const fields = ['path', 'pattern', 'content', 'command', 'edits', 'start_line', 'end_line', 'limit', 'max_depth',
    'type', 'include', 'exclude', 'context_lines', 'timeout', 'max_output_size', 'literal'];
  const names = ['read_file', 'file_glob_search', 'grep_search', 'write_file', 'edit_file', 'get_info', 'exec_shell_command'];
  for (const [i, name] of names.entries()) {
    for (const [j, value] of odd.entries()) {
      const field = fields[(i * 7 + j) % fields.length];
      const params = { path: 'a.txt', pattern: 'x', content: 'c', command: 'true', edits: [], [field]: value };
      if (name === 'write_file' || name === 'edit_file') params.path = `odd/${name}-${j}.txt`;
      const res = await tool(agent, { tool: name, params });
      assert.ok([200, 400, 404].includes(res.status), `${name} ${field}=${JSON.stringify(value)}: ${res.status}`);
    }
    for (const params of [null, 5, 'x', []]) {
      assert.ok([200, 400].includes((await tool(agent, { tool: name, params })).status), `${name} params=${JSON.stringify(params)}`);
    }
  }
  assert.equal((await agent.get('/health')).status, 200);
});

test('MCP server tools run over stdio; their errors are {"error"}', async () => {
  assert.deepEqual((await tool(agent, { tool: 'fk_echo', params: { text: 'hi' } })).body, { plain_text_response: 'echo: hi on' });
  assert.deepEqual((await tool(agent, { tool: 'fk_fail', params: {} })).body, { error: 'boom' });
  // a server that does not answer in its timeout_ms: an error, and the next call gets a fresh process
  const hung = await tool(agent, { tool: 'fk_hang', params: {} });
  assert.equal(hung.status, 200);
  assert.match(hung.body.error, /timed out/);
  assert.deepEqual((await tool(agent, { tool: 'fk_echo', params: { text: 'again' } })).body, { plain_text_response: 'echo: again on' });
});

test('--agent: every tool and the proxy, CORS limited to localhost', async () => {
  const server = await pool.start(['-ag']);
  assert.equal((await server.get('/tools')).body.length, 7);
  assert.equal((await server.get('/props')).body.cors_proxy_enabled, true);
  const evil = await server.get('/health', { Origin: 'http://evil.example' });
  assert.equal(evil.headers.get('access-control-allow-origin'), null);
});

test('CORS is limited to localhost once tools are on; /props says the proxy is on', async () => {
  const evil = await agent.get('/health', { Origin: 'http://evil.example' });
  assert.equal(evil.headers.get('access-control-allow-origin'), null);
  const local = await agent.get('/health', { Origin: 'http://localhost:5173' });
  assert.equal(local.headers.get('access-control-allow-origin'), 'http://localhost:5173');
  assert.equal((await agent.get('/props')).body.cors_proxy_enabled, true);
});

test('/cors-proxy forwards method, body and x-llama-server-proxy-header-* headers; answers status and headers', async () => {
  const target = `http://127.0.0.1:${upstreamPort}/mcp?x=1`;
  const res = await agent.post(`/cors-proxy?url=${encodeURIComponent(target)}`, { jsonrpc: '2.0', id: 1 },
    { 'x-llama-server-proxy-header-Authorization': 'Bearer T', Authorization: 'Bearer OWN', Origin: 'http://localhost:5173' });
  assert.equal(res.status, 200);
  assert.equal(res.body.method, 'POST');
  assert.equal(res.body.url, '/mcp?x=1');
  assert.equal(res.body.headers.authorization, 'Bearer T');  // only the prefixed one
  assert.equal(res.body.body, '{"jsonrpc":"2.0","id":1}');
  assert.equal(res.headers.get('mcp-session-id'), 'sess-1');
  assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:5173');  // ours, not upstream's
  assert.equal((await agent.get(`/cors-proxy?url=http://127.0.0.1:${upstreamPort}/missing`)).status, 404);
  for (const url of ['', 'ftp://x/', '127.0.0.1/a']) {
    const refused = await agent.get(`/cors-proxy?url=${encodeURIComponent(url)}`);
    assert.equal(refused.status, 400, url);
  }
  assert.equal((await agent.get('/cors-proxy?url=http://127.0.0.1:1/')).status, 502);
  // pointed at itself, it stops at the second hop
  const loop = await agent.get(`/cors-proxy?url=${encodeURIComponent(agent.url(`/cors-proxy?url=${encodeURIComponent(agent.url('/health'))}`))}`);
  assert.equal(loop.status, 400);
  assert.match(loop.body.error.message, /leads back to a CORS proxy/);
});

test('/cors-proxy relays an SSE stream as it comes', async () => {
  const res = await fetch(agent.url(`/cors-proxy?url=${encodeURIComponent(`http://127.0.0.1:${upstreamPort}/sse`)}`),
    { signal: AbortSignal.timeout(20000) });
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let seen = '';
  // The upstream holds the stream open after its first event: a proxy that buffered whole
  // answers would never hand it on (the signal above ends the wait).
  while (!seen.includes('data: first\n\n')) {
    const { value, done } = await reader.read();
    assert.ok(!done, 'the stream ended before its first event');
    seen += decoder.decode(value, { stream: true });
  }
  await fetch(`http://127.0.0.1:${upstreamPort}/release`);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += decoder.decode(value, { stream: true });
  }
  assert.equal(seen, 'data: first\n\ndata: second\n\n');
});

test('--tools-runtime docker-container:ID runs every command through docker exec', async () => {
  fs.writeFileSync(dockerLog, '');
  const env = { PATH: `${fakebin}:${process.env.PATH}`, FAKE_DOCKER_LOG: dockerLog };
  const server = await pool.start(['--tools', 'read_file,exec_shell_command', '--tools-runtime', 'docker-container:c1'], { env });
  assert.equal(text(await tool(server, { tool: 'read_file', params: { path: 'a.txt' } })), 'hello\nworld\nfoo bar\n');
  assert.equal(text(await tool(server, { tool: 'exec_shell_command', params: { command: 'echo via' } })), 'via\n\n[exit code: 0]');
  const calls = fs.readFileSync(dockerLog, 'utf8').trim().split('\n');
  assert.ok(calls.length >= 2);
  for (const call of calls) assert.match(call, /^exec -i c1 sh -c /);
  assert.ok(calls.some((c) => c.includes(`_ ${dir} cat -- a.txt`)), calls.join('\n'));
  assert.ok(calls.some((c) => c.includes(`_ ${dir} timeout 10s sh -c echo via`)), calls.join('\n'));
  // a request may name another running container, never the host
  fs.writeFileSync(dockerLog, '');
  await tool(server, { tool: 'exec_shell_command', params: { command: 'true' } }, { 'x-tool-runtime': 'docker-container:c2' });
  assert.match(fs.readFileSync(dockerLog, 'utf8'), /^exec -i c2 /);
});

test('--tools-runtime docker:IMAGE starts one container and reuses it', async () => {
  fs.writeFileSync(dockerLog, '');
  const env = { PATH: `${fakebin}:${process.env.PATH}`, FAKE_DOCKER_LOG: dockerLog };
  const server = await pool.start(['--tools', 'exec_shell_command', '--tools-runtime', 'docker:alpine:3'], { env });
  for (let i = 0; i < 2; i++) {
    assert.equal(text(await tool(server, { tool: 'exec_shell_command', params: { command: 'echo x' } })), 'x\n\n[exit code: 0]');
  }
  const calls = fs.readFileSync(dockerLog, 'utf8').trim().split('\n');
  assert.equal(calls.filter((c) => c.startsWith('run ')).length, 1, calls.join('\n'));
  assert.match(calls[0], /^run --rm -i --cidfile \S+ alpine:3 sh$/);
  assert.equal(calls.filter((c) => c.startsWith('exec -i fakecid42 ')).length, 2);
});
