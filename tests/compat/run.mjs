#!/usr/bin/env node
// Runs the differential harness and prints its table (harness.mjs).
//   node tests/compat/run.mjs [--fast] [--only ID,ID] [--details] [--markdown FILE]
// --markdown writes the tables between the BEGIN/END markers of FILE (docs/compatibility.md).
// Exit status 1 when a difference is unexplained; 0 with a printed reason when llama-server is missing.
import fs from 'node:fs';

import { differencesReport, extrasReport, isUnexplained, markdownReport, runCases, unavailableReason } from './harness.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);

const why = unavailableReason();
if (why) {
  console.log(`compat: skipped: ${why}`);
  process.exit(0);
}
const only = value('--only') ? new Set(value('--only').split(',')) : null;
const results = await runCases((c) => (!flag('--fast') || c.fast) && (!only || only.has(c.id)),
  { log: (line) => console.error(line) });
const table = markdownReport(results);
const differences = differencesReport(results);
console.log(table);
if (flag('--details')) console.log(`\n${differences}\n\nFields cria adds:\n${extrasReport(results)}`);
const sent = results.filter((r) => !r.skipped);
const rows = sent.flatMap((r) => r.rows);
const unexplained = rows.filter(isUnexplained);
const summary = `${results.length} cases (${sent.length} sent, ${results.length - sent.length} being added), ` +
  `${rows.filter((r) => r.kind !== 'extra').length} differences (${unexplained.length} unexplained), ` +
  `${rows.filter((r) => r.kind === 'extra').length} fields cria adds`;
console.log(`\n${summary}`);
const file = value('--markdown');
if (file) {
  const text = fs.readFileSync(file, 'utf8');
  const begin = '<!-- BEGIN HARNESS TABLE -->';
  const end = '<!-- END HARNESS TABLE -->';
  const body = `${begin}\n${summary}.\n\n${table}\n\n### Every difference\n\n${differences}\n\n### Fields cria adds\n\n` +
    `${extrasReport(results)}\n${end}`;
  // A function, not the string: the tables hold `$` (the root's path), which a replacement string reads as a pattern.
  fs.writeFileSync(file, text.replace(new RegExp(`${begin}[\\s\\S]*${end}`), () => body));
}
process.exit(unexplained.length ? 1 : 0);
