// The differential harness's fast cases (tests/compat/): cria and the installed llama-server on
// the same model; every difference must be explained in tests/compat/known.mjs. The full table:
// node tests/compat/run.mjs (docs/compatibility.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { differencesReport, isUnexplained, runCases, unavailableReason } from '../compat/harness.mjs';

const why = unavailableReason();
if (why) console.log(`# compat: skipped: ${why}`);

test('the fast cases show no unexplained difference from llama-server', { skip: why || false, timeout: 300000 },
  async () => {
    const results = await runCases((c) => c.fast);
    assert.ok(results.filter((r) => !r.skipped).length >= 20, `only ${results.length} fast cases ran`);
    const unexplained = results.filter((r) => r.rows.some(isUnexplained));
    assert.equal(unexplained.length, 0, differencesReport(unexplained.map((r) => ({ ...r, rows: r.rows.filter(isUnexplained) }))));
  });
