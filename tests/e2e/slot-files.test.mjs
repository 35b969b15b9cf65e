// POST /slots/{id}?action=save|restore|erase with --slot-save-path: a slot's cache survives an
// erase through its file, and the restored cache gives the same greedy continuation without
// recomputing the prompt.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCria, assertErrorShape, sleep } from './lib/cria.mjs';
import { THREADS, greedy, complete } from './lib/generation-helpers.mjs';

const PROMPT = 'The old lighthouse keeper climbed the stairs every evening and watched the ships ' +
  'sail past the rocks while the gulls circled above the harbour and the town slept';

describe('slot files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cria-slots-'));
  let cria;
  before(async () => { cria = await startCria(['-np', '2', '-c', '1024', '--slot-save-path', dir, ...THREADS]); });
  after(async () => { await cria?.stop(); });

  const action = (id, verb, body) => cria.post(`/slots/${id}?action=${verb}`, body ?? {});

  test('save, erase, restore (into another slot) gives the same greedy continuation', async () => {
    const first = await complete(cria, greedy(PROMPT, 12, { id_slot: 0 }));

    const saved = await action(0, 'save', { filename: 'lighthouse.bin' });
    assert.equal(saved.status, 200, JSON.stringify(saved.body));
    assert.equal(saved.body.id_slot, 0);
    assert.equal(saved.body.filename, 'lighthouse.bin');
    assert.equal(saved.body.n_saved, first.tokens_cached);
    assert.ok(saved.body.n_written > 0);
    assert.equal(typeof saved.body.timings.save_ms, 'number');
    assert.equal(fs.statSync(path.join(dir, 'lighthouse.bin')).size, saved.body.n_written);

    const erased = await action(0, 'erase');
    assert.equal(erased.status, 200, JSON.stringify(erased.body));
    assert.deepEqual(erased.body, { id_slot: 0, n_erased: first.tokens_cached });
    const slots = (await cria.get('/slots')).body;
    assert.equal(slots[0].n_cached, 0);

    const restored = await action(1, 'restore', { filename: 'lighthouse.bin' });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal(restored.body.n_restored, saved.body.n_saved);
    assert.equal(restored.body.n_read, saved.body.n_written);
    assert.equal((await cria.get('/slots')).body[1].n_cached, saved.body.n_saved);

    const again = await complete(cria, greedy(PROMPT, 12, { id_slot: 1 }));
    assert.equal(again.content, first.content);
    // The prompt came from the restored cache: at most the last token is evaluated again.
    assert.ok(again.timings.prompt_n <= 1, `prompt_n ${again.timings.prompt_n}`);
    assert.ok(again.timings.cache_n >= first.tokens_evaluated - 1);
  });

  test('file names stay inside the directory', async () => {
    for (const filename of ['../escape.bin', '/tmp/abs.bin', 'a/b.bin', '..', '.hidden', '', 'x\u0000y']) {
      const res = await action(0, 'save', { filename });
      assertErrorShape(assert, res, 400, 'filename');
    }
    assert.ok(!fs.existsSync(path.join(dir, '..', 'escape.bin')));
    assertErrorShape(assert, await action(0, 'restore', { filename: 'never-saved.bin' }), 400, 'filename');
    assertErrorShape(assert, await action(0, 'save', {}), 400, 'filename');
  });

  test('a bad action or slot id is a 400 naming it', async () => {
    assertErrorShape(assert, await action(0, 'delete'), 400, 'action');
    assertErrorShape(assert, await cria.post('/slots/0', {}), 400, 'action');
    assertErrorShape(assert, await action(2, 'erase'), 400, 'id_slot');
    assertErrorShape(assert, await action('x', 'erase'), 400, 'id_slot');
  });

  test('a file that is not a slot file is refused and leaves the slot empty', async () => {
    fs.writeFileSync(path.join(dir, 'garbage.bin'), 'not a llama state file at all');
    const res = await action(0, 'restore', { filename: 'garbage.bin' });
    assertErrorShape(assert, res, 400, 'filename');
    assert.equal((await cria.get('/slots')).body[0].n_cached, 0);
    // The server goes on serving.
    await complete(cria, greedy('Hello there', 2));
  });

  test('a busy slot is a 409 and its request goes on', async () => {
    const controller = new AbortController();
    const stream = cria.stream('/completion', greedy(PROMPT, 400, { id_slot: 0, ignore_eos: true }), {
      signal: controller.signal,
    }).catch(() => null);
    let busy = false;
    for (let i = 0; i < 200 && !busy; i++) {
      busy = (await cria.get('/slots')).body[0].is_processing;
      if (!busy) await sleep(10);
    }
    assert.ok(busy, 'slot 0 never became busy');
    const res = await action(0, 'save', { filename: 'busy.bin' });
    assertErrorShape(assert, res, 409);
    controller.abort();
    await stream;
  });
});

test('without --slot-save-path slot actions are a 501', async () => {
  const cria = await startCria([...THREADS]);
  try {
    const res = await cria.post('/slots/0?action=save', { filename: 'x.bin' });
    assertErrorShape(assert, res, 501);
    assert.equal(res.body.error.type, 'not_supported_error');
  } finally {
    await cria.stop();
  }
});
