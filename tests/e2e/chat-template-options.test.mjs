// --chat-template (a name or Jinja text) and --chat-template-file choose how conversations render.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCria, runCria, TINY_MODEL } from './lib/cria.mjs';

const messages = [{ role: 'system', content: 'S' }, { role: 'user', content: 'U' }];
const custom = '{% for m in messages %}[{{ m.role | upper }}]{{ m.content }}{% endfor %}{% if add_generation_prompt %}>>{% endif %}';

async function renderedWith(args) {
  const cria = await startCria(['-np', '1', ...args]);
  try {
    return (await cria.post('/apply-template', { messages })).body.prompt;
  } finally {
    await cria.stop();
  }
}

test('--chat-template with Jinja text replaces the model\'s template', async () => {
  assert.equal(await renderedWith(['--chat-template', custom]), '[SYSTEM]S[USER]U>>');
});

test('--chat-template-file reads the template from a file', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cria-tmpl-')), 'template.jinja');
  fs.writeFileSync(file, custom);
  assert.equal(await renderedWith(['--chat-template-file', file]), '[SYSTEM]S[USER]U>>');
});

test('--chat-template chatml names the built-in ChatML template', async () => {
  assert.equal(await renderedWith(['--chat-template', 'chatml']),
    '<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n<|im_start|>assistant\n');
});

test('--chat-template llama3 names a built-in Llama 3 template', async () => {
  const prompt = await renderedWith(['--chat-template', 'llama3']);
  assert.match(prompt, /<\|start_header_id\|>system<\|end_header_id\|>/);
  assert.match(prompt, /<\|start_header_id\|>assistant<\|end_header_id\|>/);
});

test('an unknown template name or a missing file is a start-up error naming the option', async () => {
  const bad = await runCria(['-m', TINY_MODEL, '--chat-template', 'no-such-template']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--chat-template/);
  const missing = await runCria(['-m', TINY_MODEL, '--chat-template-file', '/nonexistent/template.jinja']);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /--chat-template-file/);
});

test('a template that raises on the conversation is a 400 naming messages', async () => {
  const strict = "{% if messages[0]['role'] != 'user' %}{{ raise_exception('first message must be from the user') }}{% endif %}x";
  const cria = await startCria(['-np', '1', '--chat-template', strict]);
  try {
    const res = await cria.post('/v1/chat/completions', { messages, max_tokens: 1 });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.param, 'messages');
    assert.match(res.body.error.message, /first message must be from the user/);
  } finally {
    await cria.stop();
  }
});
