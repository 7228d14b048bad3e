// `litmus-herd7`: a herd7 drop-in for the kernel's tools/memory-model scripts (docs/herd7.md).
// It reads herd7's command line, prints herd7's result blocks and `Warning: File ...` errors,
// and exits as herd7 does: 0 whatever the verdicts, 2 on a usage error. When the model files
// resolved are the kernel's LKMM (same contents), the native engine decides; otherwise the cat
// interpreter, loaded only then (start-up matters: the scripts run one process per test).
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decideSource, type DecideOptions, type TestResult } from '../api.js';
import type { Diagnostic } from '../diagnostics.js';
import type { LowerOptions } from '../lower/lower.js';
import type { MemoryModel } from '../models/model.js';
import { formatHerd7 } from '../report/herd.js';
import { readLitmusFile } from './files.js';
import { secondsToMs } from './limits.js';
import { libFind, parseHerd7Args, USAGE, type Herd7Args } from './herd7-args.js';
import { packageVersion } from './version.js';
import { fingerprint } from './fingerprint.js';
import { writeErr, writeOut } from './write-sync.js';

/** herd7's version this drop-in follows (the corpora's outputs are 7.58's). */
const HERD_VERSION = '7.58';

/** Fingerprints (fingerprint.ts) of the kernel's LKMM files (tools/memory-model, as in ../shared/models/lkmm). */
const LKMM_FINGERPRINT: Record<string, string> = {
  cat: '8391-3574b8c3-dd5afa02',
  bell: '3619-c22226fa-61e953dd',
  macros: '6357-44d7da76-6007aa38',
  lock: '5206-da39d28d-23708802',
};
/** The name herd7 finds in its own libdir when no file of that name is elsewhere. */
const BUILTIN_LKMM_CFG = 'linux-kernel.cfg';

interface ModelChoice {
  model: string | MemoryModel;
  lower: LowerOptions;
}

class UsageError extends Error {}

/** A file's fingerprint (fingerprint.ts: MD5 cost a one-test process ~45 ms). */
function contentHash(path: string): string {
  return fingerprint(readFileSync(path));
}

/** Reads a model file named by a .cfg or an include: where named, else through herd7's search. */
function modelReader(a: Herd7Args): (path: string) => string | null {
  return (path) => {
    const found = libFind(path, a) ?? libFind(basename(path), a);
    try {
      return found ? readFileSync(found, 'utf8') : null;
    } catch {
      return null;
    }
  };
}

/** The model files the options name, resolved as herd7 would (the .cfg's lines below options). */
function modelFiles(a: Herd7Args): { cat: string; bell?: string; macros?: string; variants: string[] } | 'builtin-lkmm' {
  let fromConf: { cat?: string; bell?: string; macros?: string; variants: string[] } = { variants: [] };
  if (a.conf !== undefined) {
    const conf = libFind(a.conf, a);
    if (conf === null) {
      if (basename(a.conf) === BUILTIN_LKMM_CFG && a.cat === undefined && a.bell === undefined && a.macros === undefined) return 'builtin-lkmm';
      throw new UsageError(`cannot find file ${a.conf}`);
    }
    fromConf = readCfg(conf);
  }
  const find = (name: string | undefined) => (name === undefined ? undefined : (libFind(name, a) ?? name));
  const cat = find(a.cat) ?? fromConf.cat;
  if (cat === undefined) throw new UsageError('no model: give -conf FILE.cfg or -model FILE.cat');
  return { cat, bell: find(a.bell) ?? fromConf.bell, macros: find(a.macros) ?? fromConf.macros, variants: [...fromConf.variants, ...a.variants] };
}

/** A .cfg's model, bell, macros and variant lines (herd7 looks those names up as it does -conf's). */
function readCfg(path: string): { cat?: string; bell?: string; macros?: string; variants: string[] } {
  const out: { cat?: string; bell?: string; macros?: string; variants: string[] } = { variants: [] };
  for (const raw of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const m = /^\s*(model|bell|macros|variant)\s+(\S.*?)\s*$/.exec(raw.replace(/#.*$/, ''));
    if (!m) continue;
    const beside = join(dirname(path), m[2]);
    if (m[1] === 'variant') out.variants.push(...m[2].split(/[\s,]+/).filter(Boolean));
    else out[m[1] === 'model' ? 'cat' : (m[1] as 'bell' | 'macros')] = readable(beside) ? beside : m[2];
  }
  return out;
}

function readable(path: string): boolean {
  try {
    readFileSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Whether these are the kernel's LKMM files, by content: then the native engine runs them. */
function isKernelLkmm(f: { cat: string; bell?: string; macros?: string; variants: string[] }, a: Herd7Args): boolean {
  if (a.skipchecks.length > 0 || f.bell === undefined || f.macros === undefined) return false;
  if (f.variants.length !== 1 || f.variants[0] !== 'lkmmv2') return false;
  const path = (name: string) => libFind(name, a);
  const lock = libFind(join(dirname(f.cat), 'lock.cat'), a) ?? path('lock.cat');
  const files: Array<[string, string | null]> = [['cat', path(f.cat)], ['bell', path(f.bell)], ['macros', path(f.macros)], ['lock', lock]];
  try {
    return files.every(([k, p]) => p !== null && contentHash(p) === LKMM_FINGERPRINT[k]);
  } catch {
    return false;
  }
}

export async function chooseModel(a: Herd7Args): Promise<ModelChoice> {
  if (a.conf === undefined && a.cat === undefined && a.bell === undefined && a.macros === undefined && a.skipchecks.length === 0) {
    // herd7 picks a C model by default; kernel developers mean the LKMM (docs/herd7.md).
    return { model: 'lkmm', lower: {} };
  }
  const files = modelFiles(a);
  if (files === 'builtin-lkmm' || isKernelLkmm(files, a)) {
    if (files === 'builtin-lkmm' && a.skipchecks.length > 0) throw new UsageError(`-skipchecks needs the model's files (${BUILTIN_LKMM_CFG} was not found)`);
    return { model: 'lkmm', lower: {} };
  }
  const { loadCatWithout, CatLoadError } = await import('./herd7-cat.js');
  try {
    return loadCatWithout(files, modelReader(a), a.skipchecks);
  } catch (e) {
    throw e instanceof CatLoadError ? new UsageError(e.message) : e;
  }
}

/** herd7's error line for a test it cannot run; judgelitmus.sh reads `: Unknown macro NAME`. */
function herdWarning(file: string, d: Diagnostic): string {
  const macro = /^unknown primitive '([^']+)'/.exec(d.message);
  if (macro) return `Warning: File "${file}": Unknown macro ${macro[1]} (User error)`;
  return `Warning: File "${file}", line ${d.line}, characters ${d.col - 1}-${d.col}: ${d.message} (User error)`;
}

async function runFile(file: string, a: Herd7Args, choice: ModelChoice): Promise<void> {
  const read = readLitmusFile(file);
  if (!read.ok) {
    writeErr(`Warning: File "${file}": ${read.message} (User error)\n`);
    return;
  }
  const options: DecideOptions = {
    model: choice.model,
    // herd7 unrolls every loop, a spin too, and counts each number of iterations apart.
    lower: { ...choice.lower, unroll: a.unroll, spinAwait: false },
    timeoutMs: secondsToMs(a.timeout),
    verdictOnly: a.speedcheck !== 'false',
  };
  let res;
  try {
    res = decideSource(read.text, file, options);
  } catch (e) {
    writeErr(`\nFatal: File "${file}" Adios\n${e instanceof Error ? e.message : String(e)}\n`);
    return;
  }
  if (!res.ok) {
    for (const d of res.diagnostics) writeErr(herdWarning(file, d) + '\n');
    return;
  }
  const r: TestResult = res.result;
  const text = formatHerd7(r, read.text);
  if (text !== null) writeOut(text);
  if (a.show !== 'none' || a.gv) {
    const { writeGraphs } = await import('./herd7-graphs.js');
    await writeGraphs(file, read.text, a, options);
  }
}

export async function herd7Main(argv: readonly string[]): Promise<number> {
  const parsed = parseHerd7Args(argv);
  if (!parsed.ok) {
    writeErr(`herd7: ${parsed.message}\n${USAGE}`);
    return 2;
  }
  const a = parsed.args;
  if (a.info === 'version') {
    writeOut(`${HERD_VERSION}, Rev: litmus-check ${packageVersion()}\n`);
    return 0;
  }
  if (a.info === 'help') {
    writeOut(USAGE);
    return 0;
  }
  if (a.info === 'libdir') {
    writeOut(`${a.libdir ?? process.env.HERDLIB ?? ''}\n`);
    return 0;
  }
  let choice: ModelChoice;
  try {
    choice = await chooseModel(a);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    writeErr(`herd7: ${e.message}\n`);
    return 2;
  }
  for (const file of a.files) await runFile(file, a, choice);
  return 0;
}
