// `litmus-check hw`: run litmus tests on this machine and check what it does against a model.
// The I/O half of src/hw: writes the generated C, runs the C compiler and the program, prints.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { decideProgram, prepareTest } from '../api.js';
import { formatDiagnostic } from '../diagnostics.js';
import { formatCondition } from '../parse/print.js';
import { generateC, hwRefusals } from '../hw/generate.js';
import { hwLayout, instanceCells, type HwLayout } from '../hw/layout.js';
import { MAPPINGS, mappingByName, mappingForNodeArch, type Mapping } from '../hw/mapping.js';
import { formatHwReport } from '../hw/report.js';
import { allowedStates, compareWithModel, modelProgram, parseHarnessOutput } from '../hw/tally.js';
import type { Program, Value } from '../lower/program.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK, combineExit, summarizeExits } from './exit-codes.js';
import { formatReadError, readLitmusFile } from './files.js';
import { gatherInputs } from './inputs.js';
import { modelOf, resolveDecider, type DecideFlags, type Decider } from './decide-spec.js';
import { secondsToMs } from './limits.js';

export interface HwOptions extends DecideFlags {
  runs: number;
  size: number;
  cc?: string;
  keep?: string;
  /** Hidden: x86-64, arm64, or the self-test x86-64-broken-mb. */
  mapping?: string;
  /** Seconds each compiled test may run before it is stopped (exit 3). */
  timeout: number;
}

/** Default compilers to look for when generating for another architecture. */
const CROSS_CC: Readonly<Record<string, string[]>> = { arm64: ['aarch64-linux-gnu-gcc'], 'x86-64': ['x86_64-linux-gnu-gcc'] };

/** Memory the instances of one round may take. */
const MAX_INSTANCE_BYTES = 2 ** 30;

function fail(file: string, message: string): number {
  process.stderr.write(`${file}: error: ${message}\n`);
  return EXIT_BAD_INPUT;
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.+-]/g, '_').slice(0, 100) || 'test';
}

function compilerWorks(cc: string): boolean {
  const r = spawnSync(cc, ['--version'], { encoding: 'utf8' });
  return r.error === undefined && r.status === 0;
}

export async function hwCommand(paths: string[], opts: HwOptions): Promise<number> {
  const host = mappingForNodeArch(process.arch);
  let mapping: Mapping | null;
  if (opts.mapping !== undefined) {
    mapping = mappingByName(opts.mapping) ?? null;
    if (!mapping) {
      process.stderr.write(`litmus-check: unknown mapping '${opts.mapping}' (known: ${[...MAPPINGS.keys()].join(', ')})\n`);
      return EXIT_BAD_INPUT;
    }
  } else mapping = host;
  if (!mapping) {
    process.stderr.write(`litmus-check: no mapping for this machine (${process.arch}); give --mapping x86-64 or arm64 to generate C only\n`);
    return EXIT_BAD_INPUT;
  }
  const runHere = host !== null && host.arch === mapping.arch;
  // The model each observation is checked against: the mapping's own, unless --model (or a model read from files) says otherwise.
  const decider = resolveDecider(opts, mapping.defaultModel);
  if (!decider) return EXIT_BAD_INPUT;
  let cc = opts.cc;
  if (cc === undefined) cc = runHere ? 'cc' : CROSS_CC[mapping.arch]?.find(compilerWorks);
  if (cc !== undefined && !compilerWorks(cc)) {
    if (runHere) {
      process.stderr.write(`litmus-check: C compiler '${cc}' not found (give one with --cc)\n`);
      return EXIT_BAD_INPUT;
    }
    cc = undefined;
  }
  const inputs = gatherInputs(paths);
  if (!inputs) return EXIT_BAD_INPUT;
  const { files, codes } = inputs;
  if (mapping.broken) process.stderr.write(`litmus-check: warning: mapping ${mapping.name} is wrong on purpose (a self-test of the checker)\n`);
  const dir = opts.keep !== undefined ? resolve(opts.keep) : mkdtempSync(join(tmpdir(), 'litmus-check-hw-'));
  if (opts.keep !== undefined) mkdirSync(dir, { recursive: true });
  try {
    // Prepare every test (errors are said now), compile them two at a time, then run them one
    // at a time: a test has the machine to itself while it runs.
    const prepared = files.map((file, index) => prepareFile(file, index, opts, decider, mapping, cc, runHere, dir));
    const jobs = prepared.filter((p): p is Job => typeof p !== 'number');
    const compiled = await inPool(jobs, Math.max(1, Math.min(2, availableParallelism())), (j) => compile(cc ?? 'cc', j.cFile, j.exe));
    const results = new Map(jobs.map((j, i) => [j, compiled[i]]));
    for (const p of prepared) {
      if (typeof p === 'number') {
        codes.push(p);
        continue;
      }
      const c = results.get(p);
      codes.push(c && !c.ok ? fail(p.file, c.message) : runJob(p, opts, decider.spec.model, mapping));
    }
  } finally {
    if (opts.keep === undefined) rmSync(dir, { recursive: true, force: true });
  }
  if (codes.length > 1) process.stdout.write(summarizeExits(codes) + '\n');
  return combineExit(codes);
}

/** A test ready to compile and run. */
interface Job {
  file: string;
  program: Program;
  /** The condition as herd7 prints it. */
  conditionText: string;
  layout: HwLayout;
  allowed: Map<string, Value[]>;
  cFile: string;
  exe: string;
}

function compile(cc: string, cFile: string, exe: string): Promise<{ ok: boolean; message: string }> {
  return new Promise((done) => {
    const child = spawn(cc, ['-O2', '-pthread', '-o', exe, cFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', (e) => done({ ok: false, message: `cannot run the C compiler '${cc}': ${e.message}` }));
    child.on('close', (code) => done(code === 0 ? { ok: true, message: '' } : { ok: false, message: `${cc} failed on ${cFile}:\n${err}` }));
  });
}

/** f over items, at most n at a time; results in the items' order. */
async function inPool<T, R>(items: readonly T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

function prepareFile(file: string, index: number, opts: HwOptions, decider: Decider, mapping: Mapping, cc: string | undefined, runHere: boolean, dir: string): Job | number {
  const read = readLitmusFile(file);
  if (!read.ok) {
    process.stderr.write(formatReadError(file, read) + '\n');
    return EXIT_BAD_INPUT;
  }
  const prepared = prepareTest(read.text, file, { model: modelOf(decider), lower: { ...decider.files?.lower, kvmArch: decider.spec.kvmArch } });
  if (!prepared.ok) {
    for (const d of prepared.diagnostics) {
      // Lowering suggests --unroll for loops; hw has none (see docs/hw.md).
      const message = d.message.replace(/ \(litmus tests are loop-free; run with --unroll N[^)]*\)/, ' (hw cannot run loops)');
      process.stderr.write(formatDiagnostic({ ...d, message }, d.file === file ? read.text : undefined) + '\n');
    }
    return EXIT_BAD_INPUT;
  }
  const { program, test } = prepared;
  const refused = hwRefusals(program);
  if (refused.length > 0) {
    for (const d of refused) process.stderr.write(formatDiagnostic(d, read.text) + '\n');
    return EXIT_BAD_INPUT;
  }
  const layout = hwLayout(program);
  // Each instance is a few 128-byte lines: refuse a --size whose instances would not fit.
  const instanceBytes = opts.size * instanceCells(layout) * 128;
  if (instanceBytes > MAX_INSTANCE_BYTES) {
    return fail(file, `--size ${opts.size} needs ${Math.ceil(instanceBytes / 2 ** 20)} MiB for this test's instances (at most ${MAX_INSTANCE_BYTES / 2 ** 20} MiB): use a smaller --size and more --runs`);
  }
  // Numbered, so that two tests with the same name (from two folders) keep their own files.
  const base = join(dir, `${String(index + 1).padStart(3, '0')}-${safeName(program.name)}`);
  const cFile = `${base}.c`;
  const exe = base;
  writeFileSync(cFile, generateC(program, mapping));
  if (!runHere) {
    let note = `${file}: generated ${cFile} for ${mapping.arch}`;
    if (cc !== undefined) {
      const c = spawnSync(cc, ['-O2', '-pthread', '-o', exe, cFile], { encoding: 'utf8' });
      if (c.status !== 0) return fail(file, `${cc} failed on ${cFile}:\n${c.stderr}`);
      note += `, compiled with ${cc}`;
    } else note += ` (no ${mapping.arch} compiler found; give one with --cc)`;
    process.stdout.write(`${note}; not run: this machine is ${mappingForNodeArch(process.arch)?.arch ?? process.arch}\n`);
    return EXIT_OK;
  }
  // The model's allowed states first: a test that can only deadlock would never finish.
  const modelResult = decideProgram(test, modelProgram(program, layout), prepared.model, { timeoutMs: decider.spec.timeoutMs });
  if (!modelResult.judgement.complete) {
    process.stderr.write(`${file}: incomplete: the ${prepared.model.name} model's allowed states could not all be enumerated (${modelResult.stats.incomplete ?? 'limit hit'})\n`);
    return EXIT_INCOMPLETE;
  }
  if (modelResult.judgement.vacuous?.includes('deadlock')) {
    process.stderr.write(`${file}: error: not run: ${modelResult.judgement.vacuous}\n`);
    return EXIT_BAD_INPUT;
  }
  return { file, program, conditionText: formatCondition(test.condition), layout, allowed: allowedStates(modelResult.judgement), cFile, exe };
}

function runJob(job: Job, opts: HwOptions, model: string, mapping: Mapping): number {
  const { file, program, layout, exe } = job;
  const ran = spawnSync(exe, [String(opts.runs), String(opts.size)], { encoding: 'utf8', timeout: secondsToMs(opts.timeout), maxBuffer: 64 * 1024 * 1024 });
  if (ran.error && (ran.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    process.stderr.write(`${file}: incomplete: the compiled test did not finish within ${opts.timeout} s (--timeout)\n`);
    return EXIT_INCOMPLETE;
  }
  if (ran.status !== 0) return fail(file, `the compiled test ${exe} failed (${ran.signal ?? `exit ${ran.status}`}): ${ran.stderr}`);
  const parsed = parseHarnessOutput(ran.stdout, layout);
  if (!parsed.ok) return fail(file, parsed.message);
  const cmp = compareWithModel(parsed.run, program, layout, job.allowed);
  process.stdout.write(
    formatHwReport({ name: program.name, quantifier: program.quantifier, conditionText: job.conditionText, run: parsed.run, layout, cmp, model, mapping: mapping.name }) + '\n',
  );
  return cmp.forbidden.length > 0 ? EXIT_FAILED : EXIT_OK;
}
