// Builds the web UI into dist/, which CMake embeds into the cria binary (cmake/embed_assets.cmake):
//   dist/index.html             the page, naming the hashed assets
//   dist/assets/*-HASH.{js,css} minified bundles (served as immutable)
//   dist/completion.js          the library for pages of your own (kept readable: it is its own doc)
//   dist/favicon.svg
// and beside each file its .gz (zlib level 9, no timestamp: the same sources give the same bytes).
// Only the .gz files are embedded.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, constants } from 'node:zlib';

const here = path.dirname(fileURLToPath(import.meta.url));
// Built into a staging folder first; dist/ then gets only what changed, so an unchanged UI keeps
// its files' times and CMake does not embed and compile it again.
const final = path.join(here, 'dist');
const dist = path.join(here, '.dist-staging');

fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(path.join(dist, 'assets'), { recursive: true });

const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints: ['src/main.jsx'],
  bundle: true,
  minify: true,
  format: 'esm',
  splitting: true, // the math renderer is loaded only when a message has math
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  outdir: path.join(dist, 'assets'),
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
});

// The entry bundle and its stylesheet, by the names esbuild gave them.
let appJs = null;
let appCss = null;
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (output.entryPoint === 'src/main.jsx') {
    appJs = path.basename(file);
    if (output.cssBundle) appCss = path.basename(output.cssBundle);
  }
}
if (!appJs || !appCss) throw new Error('build: the entry bundle or its stylesheet is missing');

const html = fs.readFileSync(path.join(here, 'index.html'), 'utf8')
  .replace('%APP_CSS%', `assets/${appCss}`)
  .replace('%APP_JS%', `assets/${appJs}`)
  .replace(/\n\s*/g, '\n');
fs.writeFileSync(path.join(dist, 'index.html'), html);
for (const name of fs.readdirSync(path.join(here, 'public'))) {
  fs.copyFileSync(path.join(here, 'public', name), path.join(dist, name));
}

// Compress every file; report the sizes.
let total = 0;
const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
  entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)]);
for (const file of walk(dist).sort()) {
  const packed = gzipSync(fs.readFileSync(file), { level: constants.Z_BEST_COMPRESSION });
  fs.writeFileSync(`${file}.gz`, packed);
  total += packed.length;
  console.log(`webui: ${path.relative(dist, file).padEnd(32)} ${String(packed.length).padStart(7)} bytes gzipped`);
}
console.log(`webui: ${total} bytes in all, gzipped`);

// Sync the staging folder into dist/: copy new or changed files, drop stale ones.
const built = new Set(walk(dist).map((file) => path.relative(dist, file)));
let changed = 0;
for (const relative of built) {
  const from = path.join(dist, relative);
  const to = path.join(final, relative);
  const bytes = fs.readFileSync(from);
  if (fs.existsSync(to) && fs.readFileSync(to).equals(bytes)) continue;
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.writeFileSync(to, bytes);
  changed += 1;
}
if (fs.existsSync(final)) {
  for (const file of walk(final)) {
    if (!built.has(path.relative(final, file))) {
      fs.rmSync(file);
      changed += 1;
    }
  }
}
fs.rmSync(dist, { recursive: true, force: true });
console.log(changed ? `webui: dist/ updated (${changed} files)` : 'webui: dist/ unchanged');
