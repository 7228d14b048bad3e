#!/usr/bin/env node
// `npm run build`'s second step: one CommonJS file per executable (dist/bundle/), so a process
// deciding one test reads one file instead of ~100 modules. Modules loaded on demand (fuzzing,
// JUnit/XML, SVG, hardware runs, the cat interpreter) stay behind lazy initialisers and run only
// when used. bin/ loads these through a V8 code cache (bin/load.cjs).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// scripts/prepare.mjs names a fresh folder of its own, whose files it moves into dist/ by rename.
const target = process.argv[2] ?? join(root, 'dist/bundle');
// Built and trained in a fresh folder beside the target, then moved in file by file (rename is
// atomic): a process starting meanwhile, or test files building at once, never see half a bundle.
mkdirSync(dirname(target), { recursive: true });
const outdir = mkdtempSync(join(dirname(target), '.bundle-'));
const require = createRequire(import.meta.url);

// Node's built-in modules that a bare `node` has already loaded, or whose exports are used while
// the bundle starts (commander's class extends EventEmitter): these are required as they are.
const EAGER_BUILTINS = new Set(['fs', 'path', 'url', 'events', 'process', 'module', 'vm', 'buffer', 'util']);

/**
 * Every other built-in module (child_process, os, tty, worker_threads, http...) is required on
 * first use of one of its exports: commander requires child_process (and with it net, dgram and
 * the streams) at start, for executable subcommands we do not have; the worker pool requires
 * worker_threads, which a one-test run never starts. Loading them cost a process about 10 ms. The stand-in has a getter per export, so esbuild's
 * interop (which copies exports as getters too) does not load the module either.
 */
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!builtinModules.includes(name) || EAGER_BUILTINS.has(name)) return undefined;
      // The stand-in's own require is the real module.
      if (args.namespace === 'lazy-builtin') return { path: `node:${name}`, external: true };
      return { path: name, namespace: 'lazy-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
      const names = Object.keys(require(`node:${args.path}`)).filter((k) => k !== 'default' && /^[A-Za-z_$][\w$]*$/.test(k));
      const props = names.map((k) => `${JSON.stringify(k)}: { get: () => load()[${JSON.stringify(k)}], enumerable: true }`);
      return {
        contents: `let m;\nconst load = () => (m ??= require(${JSON.stringify(`node:${args.path}`)}));\nObject.defineProperties(module.exports, {\n  ${props.join(',\n  ')}\n});\n`,
        loader: 'js',
      };
    });
  },
};

await build({
  entryPoints: { 'litmus-check': join(root, 'src/cli/main.ts'), 'litmus-herd7': join(root, 'src/cli/herd7.ts') },
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  // No comments nor indentation: the file is read and decoded whole by every process (names are
  // kept, for readable stack traces). ASCII only, which node decodes fastest.
  minifyWhitespace: true,
  minifySyntax: true,
  charset: 'ascii',
  // Graphviz (wasm, 1.6 MB, an ES module), fast-check (fuzzing) and the XML writer (JUnit) stay
  // real requires from node_modules: only the commands that use them read them.
  external: ['@viz-js/viz', 'fast-check', 'fast-xml-parser'],
  plugins: [lazyBuiltins],
  // The bundle stands where dist/cli/main.js would: package.json two levels up, and worker
  // threads start dist/cli/decide-worker.js (tsc's output) beside that path.
  define: { 'import.meta.url': '__cliUrl' },
  banner: { js: "const __cliUrl = require('node:url').pathToFileURL(require('node:path').join(__dirname, '..', 'cli', 'main.js')).href;" },
});

/**
 * The V8 code cache of each bundle (bin/load.cjs), made now by deciding one small test, so that
 * it holds the functions a one-test process compiles: made by the first run instead, it would hold
 * only what that run used (`--version`'s cache lacks the whole engine). Written beside the bundle
 * under a name keyed by its size and time, which scripts/prepare.mjs's renames keep.
 */
function trainCodeCache() {
  const dir = mkdtempSync(join(tmpdir(), 'litmus-check-train-'));
  const test = join(dir, 'MP+pooncerelease+poacquireonce.litmus');
  writeFileSync(
    test,
    `C MP+pooncerelease+poacquireonce

{}

P0(int *x, int *y)
{
\tWRITE_ONCE(*x, 1);
\tsmp_store_release(y, 1);
}

P1(int *x, int *y)
{
\tint r0;
\tint r1;

\tr0 = smp_load_acquire(y);
\tr1 = READ_ONCE(*x);
}

exists (1:r0=1 /\\ 1:r1=0)
`,
  );
  const load = join(root, 'bin', 'load.cjs');
  const runs = [
    ['litmus-check.cjs', `m.main(${JSON.stringify(['run', '--format', 'herd', test])})`],
    ['litmus-herd7.cjs', `m.herd7Main(${JSON.stringify(['-conf', 'linux-kernel.cfg', test])})`],
  ];
  try {
    for (const [bundle, call] of runs) {
      const file = join(outdir, bundle);
      const code = `const m = require(${JSON.stringify(load)}).load(${JSON.stringify(file)}); ${call};`;
      const r = spawnSync(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
      if (r.status !== 0 || !/Observation/.test(r.stdout)) throw new Error(`code cache of ${bundle}: exit ${r.status}\n${r.stdout}${r.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
try {
  trainCodeCache();
  mkdirSync(target, { recursive: true });
  const made = readdirSync(outdir);
  for (const f of made) renameSync(join(outdir, f), join(target, f));
  // Bundles and caches of earlier builds (a cache's name holds its bundle's size and time).
  for (const f of readdirSync(target)) if (!made.includes(f)) rmSync(join(target, f), { force: true });
} finally {
  rmSync(outdir, { recursive: true, force: true });
}
