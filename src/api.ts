// The library API: the CLI, the tests, the fuzzer and the benchmarks all come through here.
import { DiagnosticError, type Diagnostic } from './diagnostics.js';
import { parseLitmus } from './parse/parser.js';
import type { LitmusTest } from './parse/ast.js';
import { lowerTest, type LowerOptions } from './lower/lower.js';
import type { Program } from './lower/program.js';
import { explore, type ConsistentExecution, type ExploreLimits, type ExploreStats } from './explore/explorer.js';
import { searchVerdict } from './judge/search.js';
import { Judge, type Judgement } from './judge/judge.js';
import { applyLoopBound } from './judge/loop-bound.js';
import { DEFAULT_MODEL, modelByName, MODELS } from './models/index.js';
import type { MemoryModel } from './models/model.js';
import { formatCondition } from './parse/print.js';
import { readCatModel, type FileReader, type LoadResult, type ModelRequest } from './cat/index.js';

/**
 * Milliseconds from an arbitrary origin. On Node, process.hrtime: the global `performance` loads
 * perf_hooks on first use, milliseconds of a one-test process's start-up; in a browser, performance.
 */
const hrtime = (globalThis as { process?: { hrtime?: { bigint?: () => bigint } } }).process?.hrtime?.bigint;
const now: () => number = hrtime ? () => Number(hrtime()) / 1e6 : () => performance.now();

export interface DecideOptions extends ExploreLimits {
  /** A model name (lkmm, sc, tso) or a model object (e.g. a cat-interpreted one). */
  model?: string | MemoryModel;
  /** Called for every consistent execution (after the judge has seen it). */
  onExecution?: (e: ConsistentExecution) => void;
  /** Time limit in milliseconds, measured from the call. */
  timeoutMs?: number;
  /** Lowering options (e.g. primitives defined by a .def file). */
  lower?: LowerOptions;
  /**
   * Verdict mode: decide the Observation (and Ok/No) by directed searches that stop at the first
   * deciding execution, without listing every state (see judge/search.ts).
   */
  verdictOnly?: boolean;
}

export interface TestResult {
  file: string;
  name: string;
  model: string;
  /** The flags the model can raise: an expected DATARACE is compared only when it has data-race. */
  modelFlags: string[];
  test: LitmusTest;
  program: Program;
  judgement: Judgement;
  stats: ExploreStats;
  /** Condition as herd7 prints it. */
  conditionText: string;
  timeMs: number;
}

export type DecideResult = { ok: true; result: TestResult } | { ok: false; diagnostics: Diagnostic[] };

/** What an unknown model name is told, with the registry's names. */
export function unknownModelMessage(name: string): string {
  return `unknown model '${name}' (known: ${[...MODELS.keys()].join(', ')})`;
}

export function resolveModel(model: string | MemoryModel | undefined): MemoryModel | null {
  if (model === undefined) return DEFAULT_MODEL;
  if (typeof model !== 'string') return model;
  return modelByName(model) ?? null;
}

export type PreparedTest =
  | { ok: true; test: LitmusTest; program: Program; model: MemoryModel }
  | { ok: false; diagnostics: Diagnostic[] };

/** Parse and lower one litmus test and find its model: what every analysis starts from. */
export function prepareTest(source: string, file: string, options: { model?: string | MemoryModel; lower?: LowerOptions } = {}): PreparedTest {
  const parsed = parseLitmus(source, file);
  if (!parsed.ok) return parsed;
  const lowered = lowerTest(parsed.test, options.lower);
  if (!lowered.ok) return lowered;
  const model = resolveModel(options.model);
  if (!model) return { ok: false, diagnostics: [{ file, line: 1, col: 1, severity: 'error', message: unknownModelMessage(String(options.model)) }] };
  return { ok: true, test: parsed.test, program: lowered.program, model };
}

/** Parse, lower, explore and judge one litmus test. Pure apart from reading the clock. */
export function decideSource(source: string, file: string, options: DecideOptions = {}): DecideResult {
  const start = now();
  const prepared = prepareTest(source, file, options);
  if (!prepared.ok) return prepared;
  try {
    return { ok: true, result: decideProgram(prepared.test, prepared.program, prepared.model, options, start) };
  } catch (e) {
    // A model read from files can fail while it runs (say, a type error in a .cat file).
    if (e instanceof DiagnosticError) return { ok: false, diagnostics: [e.diagnostic] };
    throw e;
  }
}

export function decideProgram(test: LitmusTest, program: Program, model: MemoryModel, options: DecideOptions = {}, start = now()): TestResult {
  const judge = new Judge(program);
  const limits: ExploreLimits = { ...options };
  if (options.timeoutMs !== undefined) limits.deadline = Date.now() + options.timeoutMs;
  const visit = (e: ConsistentExecution) => {
    judge.add(e);
    options.onExecution?.(e);
  };
  let stats: ExploreStats;
  let judgement: Judgement;
  if (options.verdictOnly) {
    const v = searchVerdict(program, model, visit, limits);
    stats = v.stats;
    judgement = { ...judge.finish(stats), verdictOnly: { dataRaceSearched: v.dataRaceSearched } };
  } else {
    stats = explore(program, model, visit, limits);
    judgement = judge.finish(stats);
  }
  // Executions the --unroll bound cut: counted, and a Never or Always they could change is incomplete.
  ({ judgement, stats } = applyLoopBound(program, model.flags ?? [], judgement, stats));
  return {
    file: program.file,
    name: program.name,
    model: model.name,
    modelFlags: [...(model.flags ?? [])],
    test,
    program,
    judgement,
    stats,
    conditionText: formatCondition(test.condition),
    timeMs: now() - start,
  };
}

/** What a result warns about: lowering's warnings (e.g. bounded loops) and undefined behaviour. */
export function warningsOf(r: TestResult): Diagnostic[] {
  const out: Diagnostic[] = r.program.warnings.map((w) => ({ file: r.file, line: w.pos.line, col: w.pos.col, severity: 'warning', message: w.message }));
  for (const u of r.judgement.undefinedBehaviour) {
    const n = `${u.executions} consistent execution${u.executions === 1 ? '' : 's'}`;
    out.push({ file: r.file, line: u.pos.line, col: u.pos.col, severity: 'warning', message: `undefined behaviour in P${u.thread} (${u.message}) in ${n}, left out of the verdict` });
  }
  return out;
}

/** A small test with reads, writes, fences, an RMW, a plain access and a lock. */
const VALIDATION_TEST = `C model-file-check
{}
P0(int *x, int *y, spinlock_t *s) { int r0; WRITE_ONCE(*x, 1); smp_mb(); r0 = READ_ONCE(*y); spin_lock(s); *x = 2; spin_unlock(s); }
P1(int *x, int *y) { int r1; int r2; r1 = xchg(y, 1); smp_wmb(); r2 = smp_load_acquire(x); }
exists (0:r0=0 /\\ 1:r2=0)
`;

/**
 * A model read from herd7-style files (cat, bell, macros, .cfg), run once on VALIDATION_TEST so
 * that most mistakes in the files show now, at load time, with their file:line:column, rather
 * than in the middle of a run. Every command's --conf/--cat comes through here.
 */
export function loadCatModel(req: ModelRequest, read: FileReader): LoadResult {
  const res = readCatModel(req, read);
  if (!res.ok) return res;
  const run = decideSource(VALIDATION_TEST, 'model-file-check.litmus', { model: res.loaded.model, maxExecutions: 200 });
  // A diagnostic in the test itself would be ours, not the model's: only the model's files count.
  const d = run.ok ? undefined : run.diagnostics[0];
  if (d && d.file !== 'model-file-check.litmus') return { ok: false, diagnostics: [d] };
  return res;
}

export type { FileReader, LoadResult, LoadedModel, ModelRequest } from './cat/index.js';
export { parseLitmus, lowerTest };
