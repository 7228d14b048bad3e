#!/usr/bin/env node
// The mutation campaign: N fast-check mutants of the shared corpus files, each run through the
// whole pipeline (decode, parse, lower, explore with small limits, judge, report) on worker
// threads. A watchdog terminates a worker whose mutant runs too long and records a hang.
//
//   npm run mutate -- [--mutants 100000] [--workers 2] [--seed 1] [--hang-seconds 30]
//
// Runs on the compiled library in dist/ (npm run mutate builds it first). Prints the figures;
// exits 1 if any mutant crashed or hung, saving each such mutant under the system's temp folder.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { applyMutations, checkMutant, mutantArbitrary } from './mutations.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const CORPORA = ['lkmm-kernel', 'herd-catalogue-linux'].map((c) => resolve(ROOT, '../shared/corpus', c));
/** Mutants generated per fast-check call (each call has its own seed, so runs are reproducible). */
const CHUNK = 500;

function corpusSeeds() {
  const seeds = [];
  for (const dir of CORPORA) {
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.litmus')) seeds.push({ name: f, bytes: new Uint8Array(readFileSync(join(dir, f))) });
  }
  return seeds;
}

if (isMainThread) await main();
else await worker();

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const seeds = corpusSeeds();
  const chunks = Math.ceil(args.mutants / CHUNK);
  const started = performance.now();
  const totals = { mutants: 0, kinds: {}, crashes: [], hangs: [], slowest: { ms: 0, what: '' }, times: [] };
  const outDir = join(tmpdir(), 'litmus-check-mutants');
  /** Keep a failing mutant (and how it was checked), and say so at once: a long run may be cut short. */
  const save = (what, m, error = '') => {
    mkdirSync(outDir, { recursive: true });
    const path = join(outDir, `${what}-${args.seed}-${m.chunk}-${m.index}.litmus`);
    writeFileSync(path, applyMutations(seeds[m.mutant.seed].bytes, m.mutant.ops));
    writeFileSync(path + '.json', JSON.stringify({ ...m, seedFile: seeds[m.mutant.seed].name, error }, null, 2));
    process.stdout.write(`${what.toUpperCase()} ${describe(seeds, m)}${error ? `: ${error.split('\n')[0]}` : ''}\n  saved as ${path}\n`);
    return path;
  };
  process.stdout.write(`mutation campaign: ${args.mutants} mutants of ${seeds.length} corpus files, ${args.workers} workers, seed ${args.seed}\n`);

  const countOf = (chunk) => Math.min(CHUNK, args.mutants - chunk * CHUNK);
  /** A worker whose events go to whichever chunk it is running (listeners stay attached). */
  const newWorker = () => {
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { seedCount: seeds.length } });
    w.handler = null;
    w.on('message', (msg) => w.handler?.message(msg));
    w.on('error', (e) => w.handler?.lost(`worker error: ${e.message}`)); // e.g. out of memory
    w.on('exit', (code) => w.handler?.lost(`worker exited (${code})`));
    return w;
  };

  /** Check mutants from..end of one chunk on w; resolves when done, or when w hung or died. */
  const runChunk = (w, chunk, from) =>
    new Promise((resolveChunk, rejectChunk) => {
      let current = null; // the mutant being checked, for the watchdog and crash reports
      let timer = null;
      const finish = (outcome) => {
        clearTimeout(timer);
        w.handler = null;
        resolveChunk(outcome);
      };
      w.handler = {
        lost(why) {
          if (!current) return rejectChunk(new Error(`a campaign worker failed before its first mutant: ${why}`));
          totals.mutants++;
          totals.crashes.push({ ...current, error: why, saved: save('crash', current, why) });
          finish({ stopped: current.index });
        },
        message(msg) {
          if (msg.type === 'start') {
            current = msg;
            clearTimeout(timer);
            timer = setTimeout(() => {
              totals.mutants++;
              totals.hangs.push({ ...current, saved: save('hang', current) });
              finish({ stopped: current.index });
            }, args.hangSeconds * 1000);
          } else if (msg.type === 'done') {
            clearTimeout(timer);
            totals.mutants++;
            totals.kinds[msg.kind] = (totals.kinds[msg.kind] ?? 0) + 1;
            totals.times.push(msg.ms);
            if (msg.ms > totals.slowest.ms) totals.slowest = { ms: msg.ms, what: describe(seeds, current) };
            if (msg.kind === 'crash') totals.crashes.push({ ...current, error: msg.error, saved: save('crash', current, msg.error) });
          } else if (msg.type === 'chunk-done') finish({ stopped: null });
        },
      };
      w.postMessage({ chunk, from, count: countOf(chunk), seed: args.seed });
    });

  let nextChunk = 0;
  const lane = async () => {
    let w = newWorker();
    for (let chunk = nextChunk++; chunk < chunks; chunk = nextChunk++) {
      for (let from = 0; from < countOf(chunk); ) {
        const { stopped } = await runChunk(w, chunk, from);
        if (stopped === null) break;
        // The worker hung or died on a mutant: replace it and carry on after that mutant.
        w.removeAllListeners('exit');
        await w.terminate();
        w = newWorker();
        from = stopped + 1;
      }
      if (process.env.MUTATE_VERBOSE || totals.mutants % 10_000 < CHUNK) process.stdout.write(`  ${totals.mutants} mutants, ${totals.crashes.length} crashes, ${totals.hangs.length} hangs, ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    }
    w.removeAllListeners('exit');
    await w.terminate();
  };
  await Promise.all(Array.from({ length: args.workers }, lane));

  const seconds = (performance.now() - started) / 1000;
  const sorted = totals.times.sort((a, b) => a - b);
  const pct = (p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : 0);
  const lines = [
    `mutants: ${totals.mutants}`,
    `outcomes: ${Object.entries(totals.kinds).sort().map(([k, n]) => `${k} ${n}`).join(', ')}`,
    `crashes (uncaught exceptions or broken results): ${totals.crashes.length}`,
    `hangs (over ${args.hangSeconds} s): ${totals.hangs.length}`,
    `time per mutant: median ${pct(0.5).toFixed(1)} ms, p99 ${pct(0.99).toFixed(1)} ms, max ${totals.slowest.ms.toFixed(0)} ms (${totals.slowest.what})`,
    `total: ${seconds.toFixed(0)} s`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  process.exitCode = totals.crashes.length + totals.hangs.length > 0 ? 1 : 0;
}

function describe(seeds, m) {
  if (!m) return '?';
  return `chunk ${m.chunk} #${m.index} of ${seeds[m.mutant.seed].name} (${m.mutant.model}${m.mutant.unroll ? `, --unroll ${m.mutant.unroll}` : ''}): ${m.mutant.ops.map((o) => o.kind).join(', ')}`;
}

async function worker() {
  const lib = {
    ...(await import(join(ROOT, 'dist/api.js'))),
    ...(await import(join(ROOT, 'dist/cli/files.js'))),
    ...(await import(join(ROOT, 'dist/diagnostics.js'))),
    ...(await import(join(ROOT, 'dist/report/herd.js'))),
    ...(await import(join(ROOT, 'dist/report/json.js'))),
  };
  const seeds = corpusSeeds();
  const arb = mutantArbitrary(workerData.seedCount);
  parentPort.on('message', ({ chunk, from, count, seed }) => {
    const mutants = fc.sample(arb, { numRuns: count, seed: seed * 1_000_003 + chunk });
    for (let index = from; index < mutants.length; index++) {
      const mutant = mutants[index];
      parentPort.postMessage({ type: 'start', chunk, index, mutant });
      const t0 = performance.now();
      let kind;
      let error;
      try {
        kind = checkMutant(lib, applyMutations(seeds[mutant.seed].bytes, mutant.ops), mutant);
      } catch (e) {
        kind = 'crash';
        error = e instanceof Error ? (e.stack ?? e.message).split('\n').slice(0, 6).join('\n') : String(e);
      }
      parentPort.postMessage({ type: 'done', kind, error, ms: performance.now() - t0 });
    }
    parentPort.postMessage({ type: 'chunk-done' });
  });
}

function parseArgs(argv) {
  const args = { mutants: 100_000, workers: Math.max(1, availableParallelism()), seed: 1, hangSeconds: 30 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-(\w)/g, (_, c) => c.toUpperCase());
    const value = Number(argv[i + 1]);
    if (!(key in args) || !Number.isFinite(value) || value <= 0) {
      process.stderr.write(`mutate: bad option ${argv[i]} ${argv[i + 1] ?? ''}\n`);
      process.exit(2);
    }
    args[key] = value;
  }
  return args;
}
