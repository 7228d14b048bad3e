#!/usr/bin/env node
// Bench: the cat-interpreted LKMM (the kernel's own linux-kernel.cfg) against the native lkmm
// model, in-process, on every test of the shared corpora. Both run the same explorer; only the
// model (and the .def-defined primitives) differ. Usage: node bench/cat.mjs [rounds] [--json]
// Reports the best round of each (CPU time) and the ratio cat / native.
// (build first: npx tsc -p .).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decideSource } from '../dist/api.js';
import { loadCatModel } from '../dist/cat/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const shared = resolve(here, '../../shared');
const rounds = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5);
const asJson = process.argv.includes('--json');
const read = (p) => (existsSync(p) ? readFileSync(p, 'utf8') : null);

const loaded = loadCatModel({ conf: join(shared, 'models/lkmm/linux-kernel.cfg') }, read);
if (!loaded.ok) {
  for (const d of loaded.diagnostics) console.error(`${d.file}:${d.line}:${d.col}: ${d.message}`);
  process.exit(2);
}
const catOptions = { model: loaded.loaded.model, lower: { primitives: loaded.loaded.primitives } };

const tests = [];
for (const c of ['lkmm-kernel', 'herd-catalogue-linux']) {
  const dir = join(shared, 'corpus', c);
  for (const f of readdirSync(dir).sort()) if (f.endsWith('.litmus')) tests.push({ file: join(dir, f), source: readFileSync(join(dir, f), 'utf8') });
}

/** CPU time (user + system) of one pass over the corpora: steadier than wall time on a busy machine. */
function runAll(options) {
  const t0 = process.cpuUsage();
  let explored = 0;
  for (const t of tests) {
    const r = decideSource(t.source, t.file, options);
    if (!r.ok) throw new Error(`${t.file}: ${r.diagnostics[0].message}`);
    explored += r.result.stats.explored;
  }
  const d = process.cpuUsage(t0);
  return { ms: (d.user + d.system) / 1000, explored };
}

// One warm-up round each, then alternate so both see the same machine conditions.
runAll({});
runAll(catOptions);
const native = [];
const cat = [];
let explored = { native: 0, cat: 0 };
for (let i = 0; i < rounds; i++) {
  const n = runAll({});
  native.push(n.ms);
  const c = runAll(catOptions);
  cat.push(c.ms);
  explored = { native: n.explored, cat: c.explored };
}
// The fastest round is the least disturbed by other work on the machine.
const best = (xs) => Math.min(...xs);
const result = {
  tests: tests.length,
  // A cat model is not assumed to require coherence, so the explorer hands it incoherent
  // candidates too (it rejects them); the native model gets coherent ones only.
  candidates: explored,
  rounds,
  nativeMs: Number(best(native).toFixed(1)),
  catMs: Number(best(cat).toFixed(1)),
  ratio: Number((best(cat) / best(native)).toFixed(2)),
};
if (asJson) console.log(JSON.stringify(result));
else {
  console.log(
    `cat-vs-native: ${result.tests} tests, best of ${rounds} rounds (CPU time): native ${result.nativeMs} ms (${explored.native} candidates), ` +
      `cat ${result.catMs} ms (${explored.cat} candidates), ratio ${result.ratio}x`,
  );
}
