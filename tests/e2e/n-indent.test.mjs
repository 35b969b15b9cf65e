// n_indent (llama-server's code-completion field): once the answer has started a new line, a line
// indented by fewer spaces/tabs ends generation as "limit", cut where that line's content begins.
// A grammar forces the answer's text, so the lines are known; llama-server, on the same model and
// requests, is the oracle for the text, the stop type and the blank-line rule.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, TINY_MODEL } from './lib/cria.mjs';
import { startLlamaServer, llamaServerPath } from './lib/llama-server.mjs';

// The forced answers and, for n_indent 4, the text both servers keep.
const CASES = [
  { name: 'a line at column 0 ends the block', answer: '\n    x = 1\n    y = 2\nz = 3\n', kept: '\n    x = 1\n    y = 2\n' },
  { name: 'a short indentation stays, its content goes', answer: '\n    x = 1\n  y = 2\nz = 3\n', kept: '\n    x = 1\n  ' },
  { name: 'a blank line counts as indented by zero', answer: '\n    x = 1\n\n    y = 2\n', kept: '\n    x = 1\n' },
];

const body = (answer, extra = {}) => ({
  prompt: 'def f():', n_predict: 40, temperature: 0,
  grammar: `root ::= ${JSON.stringify(answer)}`, ...extra,
});

describe('n_indent', () => {
  let cria;
  before(async () => { cria = await startCria(['-np', '2']); });
  after(async () => { await cria?.stop(); });

  for (const c of CASES) {
    test(`${c.name}: whole and streamed`, async () => {
      const whole = await cria.post('/completion', body(c.answer, { n_indent: 4 }));
      assert.equal(whole.status, 200, JSON.stringify(whole.body));
      assert.equal(whole.body.content, c.kept);
      assert.equal(whole.body.stop_type, 'limit');
      assert.equal(whole.body.stopped_limit, true);
      assert.equal(whole.body.generation_settings.n_indent, 4);

      const streamed = await cria.stream('/completion', body(c.answer, { n_indent: 4, stream: true }));
      assert.equal(streamed.status, 200);
      assert.equal(streamed.events.map((e) => e.content ?? '').join(''), c.kept, 'the stream never sends what is cut');
      assert.equal(streamed.events.at(-1).stop_type, 'limit');
    });
  }

  test('without n_indent (or with 0 or below) the whole forced answer comes back', async () => {
    for (const n_indent of [undefined, 0, -2]) {
      const r = await cria.post('/completion', body(CASES[0].answer, n_indent === undefined ? {} : { n_indent }));
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.content, CASES[0].answer);
      assert.equal(r.body.stop_type, 'eos');
    }
  });

  test('the first line continues the prompt and is never checked; /infill takes it too', async () => {
    const r = await cria.post('/completion', body('x\n    y\nz', { n_indent: 4 }));
    assert.equal(r.body.content, 'x\n    y\n');
    const infill = await cria.post('/infill', { input_prefix: 'def f():', input_suffix: '', n_predict: 40, temperature: 0,
      grammar: `root ::= ${JSON.stringify(CASES[0].answer)}`, n_indent: 4 });
    assert.equal(infill.status, 200, JSON.stringify(infill.body));
    assert.equal(infill.body.content, CASES[0].kept);
  });

  test('a value that is not an integer is a 400 naming n_indent', async () => {
    for (const n_indent of ['4', 1.5, 2 ** 40]) {
      const r = await cria.post('/completion', body(CASES[0].answer, { n_indent }));
      assert.equal(r.status, 400, JSON.stringify(r.body));
      assert.match(JSON.stringify(r.body), /n_indent/);
    }
  });

  test('llama-server keeps the same text with the same stop type', { skip: llamaServerPath() ? false : 'llama-server is not installed (scripts/install-deps installs it)' }, async () => {
    const oracle = await startLlamaServer(TINY_MODEL, ['-t', '1']);
    try {
      for (const c of CASES) {
        const r = await oracle.post('/completion', body(c.answer, { n_indent: 4 }));
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.content, c.kept, c.name);
        assert.equal(r.body.stop_type, 'limit', c.name);
      }
    } finally {
      await oracle.stop();
    }
  });
});
