// Barrier analysis (`litmus-check fences`): for each ordering primitive, does taking it away or
// weakening it make the bad outcome reachable (necessary) or not (redundant)? And for a test
// whose bad outcome is reachable, the smallest sets of barriers to insert that forbid it.
// Every answer comes from re-running the normal checker on a mutated program.
//
// "Bad outcome reachable": for `exists P` (and `bad NAME P`) and for `~exists P`, some execution
// ends in a state satisfying P; for `forall P`, some execution ends in a state violating P.
import { decideProgram, prepareTest, type DecideOptions, type TestResult } from '../api.js';
import type { KvmArch } from '../lower/kvm-arch.js';
import type { Diagnostic } from '../diagnostics.js';
import { lowerTest, type LowerOptions } from '../lower/lower.js';
import type { Program } from '../lower/program.js';
import type { MemoryModel } from '../models/model.js';
import type { LitmusTest } from '../parse/ast.js';
import { applyInsertions, candidateInsertions, noStrongerThan, type Insertion } from './insertions.js';
import { applyMutation, orderingPrimitives, primitiveIdentity, type Mutation, type OrderingPrimitive } from './ordering.js';

export type Reach = 'reachable' | 'never' | 'unknown';

export interface FencesOptions {
  model?: string | MemoryModel;
  /** Per-check limits, as for `run`. */
  timeoutMs?: number;
  maxExecutions?: number;
  /** Largest number of insertions in one suggested fix (default 2). */
  maxInsertions?: number;
  /** Most checker runs for the whole analysis (default 2000). */
  maxChecks?: number;
  /** The KVM architecture of a test without a KvmArch= line. */
  kvmArch?: KvmArch;
  /** Lowering options: the primitives of a model's macros file (`--macros`), for the test and its edited copies. */
  lower?: LowerOptions;
}

export interface VariantResult {
  /** What the primitive became: "removed", "smp_wmb()", "xchg_relaxed()". */
  label: string;
  verdict: Reach;
  /** Flags the mutation raised that the judged program did not (e.g. data-race). */
  newFlags: string[];
}

export type Necessity = 'necessary' | 'redundant' | 'unknown';

export interface PrimitiveReport {
  /** "smp_mb()", "smp_wmb() in kvm_make_request". */
  label: string;
  primitive: string;
  part: string | null;
  /** The vCPU, for a per-vCPU step of a request helper (kvm_make_all_cpus_request). */
  target?: string;
  thread: number;
  line: number;
  removed: VariantResult | null;
  weakened: VariantResult[];
  /** necessary: without its ordering the bad outcome is reachable (or a data race appears). */
  verdict: Necessity;
  /** Weaker forms that still forbid the bad outcome (only for a necessary primitive). */
  weakerSuffices: string[];
}

export interface FixChange {
  kind: 'fence' | 'strengthen';
  /** smp_mb / smp_wmb / smp_rmb, or the release/acquire primitive the access becomes. */
  primitive: string;
  thread: number;
  line: number;
  text: string;
}

export interface Fix {
  changes: FixChange[];
  text: string;
}

export type FixSearch =
  /** The bad outcome is not reachable as written: nothing to fix. */
  | 'not needed'
  | 'found'
  /** Even every candidate inserted at once leaves it reachable: no barrier placement can help. */
  | 'impossible'
  /** A fix exists (every candidate at once works) but needs more insertions than allowed. */
  | 'too large'
  /** A limit stopped the search before it could decide. */
  | 'incomplete';

export interface FencesReport {
  file: string;
  name: string;
  model: string;
  condition: string;
  outcome: string | null;
  asWritten: Reach;
  flags: string[];
  /** What the primitives were judged against: the test as written, or with fix 1 applied. */
  judgedWith: 'as written' | 'fix 1' | null;
  primitives: PrimitiveReport[];
  fixSearch: FixSearch;
  fixes: Fix[];
  candidates: number;
  maxInsertions: number;
  checks: number;
  /** Why the analysis is not a proof, when it is not (limits hit). */
  incomplete: string[];
  timeMs: number;
}

export type FencesResult = { ok: true; report: FencesReport } | { ok: false; diagnostics: Diagnostic[] };

class BudgetExhausted extends Error {}

/** Runs the checker with the analysis-wide budget and reduces each result to "bad outcome reachable?". */
class Checker {
  checks = 0;
  readonly incomplete = new Set<string>();
  constructor(
    private readonly model: MemoryModel,
    private readonly options: DecideOptions,
    private readonly maxChecks: number,
    /** How the edited copies are lowered (a macros file's primitives). */
    readonly lower: LowerOptions = {},
  ) {}

  run(test: LitmusTest, program: Program): { reach: Reach; flags: string[]; result: TestResult } {
    if (this.checks >= this.maxChecks) throw new BudgetExhausted(`the analysis budget of ${this.maxChecks} checks was used up`);
    this.checks++;
    const result = decideProgram(test, program, this.model, this.options);
    const reach = badOutcome(result);
    if (reach === 'unknown') this.incomplete.add(`a check stopped early (${result.stats.incomplete})`);
    return { reach, flags: result.judgement.flags, result };
  }
}

/** A witness settles "reachable" even when a limit cut the exploration short; "never" needs it all. */
export function badOutcome(r: TestResult): Reach {
  const j = r.judgement;
  const bad = r.program.quantifier === 'forall' ? j.negative > 0 : j.positive > 0;
  if (bad) return 'reachable';
  return j.complete ? 'never' : 'unknown';
}

export function analyzeFences(source: string, file: string, options: FencesOptions = {}): FencesResult {
  const start = performance.now();
  const prepared = prepareTest(source, file, { model: options.model, lower: { ...options.lower, kvmArch: options.kvmArch } });
  if (!prepared.ok) return prepared;
  const { program, model } = prepared;
  // The edited copies re-lower with lowerTest(test): they keep the architecture the option gave.
  const test = prepared.test.kvmArch ? prepared.test : { ...prepared.test, kvmArch: { name: program.kvmArch, pos: { line: 1, col: 1 } } };
  const maxInsertions = options.maxInsertions ?? 2;
  const checker = new Checker(model, { timeoutMs: options.timeoutMs, maxExecutions: options.maxExecutions, verdictOnly: true }, options.maxChecks ?? 2000, { primitives: options.lower?.primitives });
  const base = checker.run(test, program);
  const candidates = candidateInsertions(test);
  const report: FencesReport = {
    file,
    name: program.name,
    model: model.name,
    condition: base.result.conditionText,
    outcome: program.outcome,
    asWritten: base.reach,
    flags: base.flags,
    judgedWith: null,
    primitives: [],
    fixSearch: 'not needed',
    fixes: [],
    candidates: candidates.length,
    maxInsertions,
    checks: 0,
    incomplete: [],
    timeMs: 0,
  };
  const originals = orderingPrimitives(program);
  try {
    if (base.reach === 'never') {
      report.primitives = judgePrimitives(checker, test, program, base.flags, originals);
      report.judgedWith = 'as written';
    } else if (base.reach === 'reachable') {
      const search = searchFixes(checker, test, candidates, maxInsertions);
      report.fixSearch = search.status;
      report.fixes = search.fixes.map(describeFix);
      if (search.fixes.length > 0) {
        // Judge what is already there in the light of the first fix: which of it the fix still relies on.
        const fixedTest = applyInsertions(test, search.fixes[0]);
        const fixed = lowerOrThrow(fixedTest, checker.lower);
        const wanted = new Set(originals.map(primitiveIdentity));
        const fixedFlags = checker.run(fixedTest, fixed).flags;
        report.primitives = judgePrimitives(checker, fixedTest, fixed, fixedFlags, orderingPrimitives(fixed).filter((p) => wanted.has(primitiveIdentity(p))));
        report.judgedWith = 'fix 1';
      }
    } else {
      checker.incomplete.add('the test as written could not be decided within the limits');
    }
  } catch (e) {
    if (!(e instanceof BudgetExhausted)) throw e;
    checker.incomplete.add(e.message);
  }
  report.checks = checker.checks;
  report.incomplete = [...checker.incomplete];
  report.timeMs = performance.now() - start;
  return { ok: true, report };
}

function lowerOrThrow(test: LitmusTest, lower: LowerOptions): Program {
  const lowered = lowerTest(test, lower);
  // The edits only add fences and swap access primitives: failing to lower them is a bug here.
  if (!lowered.ok) throw new Error(`internal error: an edited test failed to lower: ${lowered.diagnostics[0]?.message}`);
  return lowered.program;
}

function judgePrimitives(checker: Checker, test: LitmusTest, program: Program, flags: string[], prims: OrderingPrimitive[]): PrimitiveReport[] {
  const variant = (m: Mutation): VariantResult => {
    const r = checker.run(test, applyMutation(program, m));
    return { label: m.label, verdict: r.reach, newFlags: r.flags.filter((f) => !flags.includes(f)) };
  };
  return prims.map((p) => {
    const removed = p.removal ? variant(p.removal) : null;
    const weakened = p.weakenings.map(variant);
    const strip = removed ?? weakened[p.weakenings.indexOf(p.strip)];
    let verdict: Necessity = 'unknown';
    if (strip.verdict === 'reachable' || (strip.verdict === 'never' && strip.newFlags.includes('data-race'))) verdict = 'necessary';
    else if (strip.verdict === 'never') verdict = 'redundant';
    const weakerSuffices = verdict === 'necessary' ? weakened.filter((w) => w !== strip && w.verdict === 'never' && !w.newFlags.includes('data-race')).map((w) => w.label) : [];
    return { label: p.label, primitive: p.primitive, part: p.part, ...(p.target ? { target: p.target } : {}), thread: p.thread, line: p.line, removed, weakened, verdict, weakerSuffices };
  });
}

/** Fences count double: a fix with smp_wmb + smp_rmb reads better than one with two smp_mb()s. */
function cost(fix: readonly Insertion[]): number {
  return fix.reduce((c, i) => c + (i.kind === 'fence' && i.fence === 'smp_mb' ? 2 : 1), 0);
}

function searchFixes(checker: Checker, test: LitmusTest, candidates: Insertion[], maxInsertions: number): { status: FixSearch; fixes: Insertion[][] } {
  if (candidates.length === 0) return { status: 'impossible', fixes: [] };
  // Barriers only remove executions, so if the strongest of everything does not help, nothing will.
  const strongest = candidates.filter((c) => c.kind === 'strengthen' || c.fence === 'smp_mb' || !candidates.some((d) => d.kind === 'fence' && d.point === c.point && d.fence === 'smp_mb'));
  const found: Insertion[][] = [];
  let undecided = false;
  try {
    const all = checker.run(test, lowerOrThrow(applyInsertions(test, strongest), checker.lower));
    if (all.reach === 'reachable') return { status: 'impossible', fixes: [] };
    undecided = all.reach === 'unknown';
    // A fix must not leave a data race (undefined behaviour under LKMM), unless no barrier can remove it.
    const raceFixable = !all.flags.includes('data-race');
    for (let size = 1; size <= Math.min(maxInsertions, candidates.length); size++) {
      for (const combo of combinations(candidates, size)) {
        const points = new Set(combo.map((c) => c.point));
        if (points.size < combo.length) continue; // two edits at one point: the stronger alone would do
        if (found.some((f) => f.every((x) => combo.includes(x)))) continue; // not minimal
        const r = checker.run(test, lowerOrThrow(applyInsertions(test, combo), checker.lower));
        if (r.reach === 'never' && !(raceFixable && r.flags.includes('data-race'))) found.push(combo);
        else if (r.reach === 'unknown') undecided = true;
      }
      if (found.length > 0) break;
    }
  } catch (e) {
    // Sizes are searched in order, so what was found is still minimal; the list may be short.
    if (!(e instanceof BudgetExhausted)) throw e;
    checker.incomplete.add(e.message);
    undecided = true;
  }
  // Of fixes at the same points, keep only those with no weaker fences (smp_wmb over smp_mb).
  const fixes = found.filter((f) => !found.some((g) => g !== f && noStrongerThan(g, f)));
  fixes.sort((a, b) => a.length - b.length || cost(a) - cost(b));
  if (fixes.length > 0) return { status: 'found', fixes };
  return { status: undecided ? 'incomplete' : 'too large', fixes };
}

function* combinations<T>(items: readonly T[], k: number, from = 0, prefix: T[] = []): Generator<T[]> {
  if (prefix.length === k) {
    yield prefix.slice();
    return;
  }
  for (let i = from; i <= items.length - (k - prefix.length); i++) {
    prefix.push(items[i]);
    yield* combinations(items, k, i + 1, prefix);
    prefix.pop();
  }
}

function describeFix(fix: Insertion[]): Fix {
  const changes = fix.map((i): FixChange => ({
    kind: i.kind,
    primitive: i.kind === 'fence' ? i.fence : i.to,
    thread: i.thread,
    line: i.line,
    text: `P${i.thread}: ${i.text}`,
  }));
  return { changes, text: changes.map((c) => c.text).join(' + ') };
}
