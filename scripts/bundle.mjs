#!/usr/bin/env node
// `npm run build`'s second step: one CommonJS file per executable (dist/bundle/), so a process
// deciding one test reads one file instead of ~100 modules. Modules loaded on demand (fuzzing,
// JUnit/XML, SVG, hardware runs, the cat interpreter) stay behind lazy initialisers and run only
// when used. bin/ loads these through a V8 code cache (bin/load.cjs).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// scripts/prepare.mjs names a fresh folder of its own, whose files it moves into dist/ by rename.
const outdir = process.argv[2] ?? join(root, 'dist/bundle');
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { 'litmus-check': join(root, 'src/cli/main.ts'), 'litmus-herd7': join(root, 'src/cli/herd7.ts') },
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  // Graphviz (wasm, 1.6 MB, an ES module) stays a real import() from node_modules: only drawing reads it.
  external: ['@viz-js/viz'],
  // The bundle stands where dist/cli/main.js would: package.json two levels up, and worker
  // threads start dist/cli/decide-worker.js (tsc's output) beside that path.
  define: { 'import.meta.url': '__cliUrl' },
  banner: { js: "const __cliUrl = require('node:url').pathToFileURL(require('node:path').join(__dirname, '..', 'cli', 'main.js')).href;" },
});
