// A compiled cat program as a memory model: prepare() runs everything that does not depend on
// rf and co once per skeleton; consistency() runs the rest for one candidate.
import type { Candidate, Skeleton } from '../execution/execution.js';
import type { MemoryModel, ModelVerdict, PreparedModel } from '../models/model.js';
import type { Relation } from '../execution/relation.js';
import type { CompiledModel, Step } from './program.js';
import { force } from './slots.js';
import { CatError } from './errors.js';
import { testHolds } from './ops.js';
import { ChoiceSet, EmptyV, ValueSet, type Value, SkeletonState, type Ctx } from './values.js';

type TestStep = Extract<Step, { k: 'test' }>;
type WithStep = Extract<Step, { k: 'with' }>;

/** What consistency() still has to do, in program order: dynamic checks and choices, or a static failure. */
type Planned = TestStep | WithStep | { k: 'fail'; name: string };

export class CatModel implements MemoryModel {
  /** A user's model may be weaker than coherence: the explorer must not prune for it. */
  readonly assumesCoherence = false;
  /** The named flags the model's `flag` statements raise (linux-kernel.cat: data-race, ...). */
  readonly flags: readonly string[];
  /** Each check's words, generic: the file's check names its relation, not what it is for. */
  readonly checkMeanings: Readonly<Record<string, string>>;
  constructor(
    readonly name: string,
    readonly description: string,
    readonly compiled: CompiledModel,
  ) {
    this.flags = [...new Set(compiled.steps.flatMap((s) => (s.k === 'test' && s.flavour === 'flag' ? [flagName(s)] : [])))];
    this.checkMeanings = Object.fromEntries(compiled.steps.flatMap((s) => (s.k === 'test' && s.flavour === 'check' ? [[s.name ?? s.test, checkWords(s)]] : [])));
  }

  /**
   * The value of a name at the end of the model for one candidate (tests and debugging);
   * undefined when the candidate is rejected before the name's `with` runs.
   */
  evaluate(sk: Skeleton, cand: Candidate, name: string): Value | undefined {
    const slot = this.compiled.names.get(name);
    if (!slot) throw new Error(`no name '${name}' in this model`);
    const { ctx } = (this.prepare(sk) as PreparedCat).run(cand);
    const known = (slot.dynamic ? ctx.dyn : ctx.p.statics)[slot.index];
    if (known !== undefined) return known;
    return slot.fill ? force(ctx, slot) : undefined;
  }

  prepare(sk: Skeleton): PreparedModel {
    const m = this.compiled;
    const st = new SkeletonState(sk, m.slots.length, m.cacheSize, m.enums);
    const c: Ctx = { p: st, dyn: [], cand: null, edges: null };
    const plan: Planned[] = [];
    const dynamicFlags: TestStep[] = [];
    const staticFlags: string[] = [];
    for (const step of m.steps) {
      if (step.k === 'with' || step.dynamic) {
        if (step.k === 'test' && step.flavour !== 'check') dynamicFlags.push(step);
        else plan.push(step);
        continue;
      }
      const holds = testHolds(st, step.test, step.code(c, null), step.pos) !== step.negated;
      if (step.flavour === 'check') {
        if (!holds) {
          // Every candidate fails here (or at an earlier dynamic check).
          plan.push({ k: 'fail', name: step.name ?? step.test });
          break;
        }
      } else if (step.flavour === 'flag' ? holds : !holds) staticFlags.push(flagName(step));
    }
    return new PreparedCat(st, plan, dynamicFlags, staticFlags);
  }
}

/** "the relation the cat model checks as happens-before must be acyclic". */
function checkWords(step: TestStep): string {
  return `the relation the cat model checks as ${step.name ?? 'this'} must ${step.negated ? 'not ' : ''}be ${step.test}`;
}

function flagName(step: TestStep): string {
  if (step.flavour === 'requires') return step.name ?? 'undefined';
  return step.name ?? `${step.negated ? '~' : ''}${step.test}`;
}

class PreparedCat implements PreparedModel {
  constructor(
    private readonly st: SkeletonState,
    private readonly plan: readonly Planned[],
    private readonly dynamicFlags: readonly TestStep[],
    private readonly staticFlags: readonly string[],
  ) {}

  consistency(cand: Candidate): ModelVerdict {
    return this.run(cand).verdict;
  }

  /** Runs the model on a candidate; the context holds every value computed on the way. */
  run(cand: Candidate): { verdict: ModelVerdict; ctx: Ctx } {
    const st = this.st;
    const c: Ctx = { p: st, dyn: new Array<Value | undefined>(st.statics.length), cand, edges: null };
    return { verdict: this.decide(c), ctx: c };
  }

  private decide(c: Ctx): ModelVerdict {
    const st = this.st;
    for (const step of this.plan) {
      if (step.k === 'fail') return reject(step.name);
      if (step.k === 'with') {
        if (!choose(c, step)) return reject(`with ${step.slot.name}`);
        continue;
      }
      if (testHolds(st, step.test, step.code(c, null), step.pos) === step.negated) return reject(step.name ?? step.test);
    }
    const flags = [...this.staticFlags];
    for (const step of this.dynamicFlags) {
      const holds = testHolds(st, step.test, step.code(c, null), step.pos) !== step.negated;
      if (step.flavour === 'flag' ? holds : !holds) flags.push(flagName(step));
    }
    return { consistent: true, failed: null, flags };
  }
}

function reject(name: string): ModelVerdict {
  return { consistent: false, failed: name, flags: [] };
}

/**
 * `with x from S`: herd7 runs the rest of the model once per element of S. The explorer has
 * already chosen rf and co, so the element is the one the candidate realises: the candidate's
 * rf and co edges that S's elements can contain (their union, S's support). When that is not
 * an element of S, herd7 has no such execution and the candidate is rejected.
 */
function choose(c: Ctx, step: WithStep): boolean {
  const v = step.code(c, null);
  if (v instanceof EmptyV) return false;
  const edges = (c.edges ??= c.cand!.rf.union(c.cand!.co));
  let chosen: Relation;
  if (v instanceof ChoiceSet) {
    chosen = edges.inter(v.support);
    if (!v.has(chosen)) return false;
  } else if (v instanceof ValueSet) {
    chosen = edges.inter(v.support(c.p.n, step.pos));
    if (!v.has(chosen)) return false;
  } else throw new CatError(step.pos, "'with ... from' needs a set of relations");
  c.dyn[step.slot.index] = chosen;
  return true;
}

