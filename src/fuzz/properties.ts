// The fuzz properties. Each is a generator plus a check over litmus TEXT (what the generator's
// value prints to), so a failure is a file that the same check can replay.
import fc from 'fast-check';
import { decideProgram, resolveModel } from '../api.js';
import { lowerTest, type LowerOptions } from '../lower/lower.js';
import type { MemoryModel } from '../models/model.js';
import { DEFAULT_MODEL, MODELS } from '../models/index.js';
import type { Program, Value } from '../lower/program.js';
import { interleave, type EngineBreak, type OperationalModel } from '../interleave/interleave.js';
import { parseLitmus } from '../parse/parser.js';
import { printLitmus } from '../parse/print.js';
import type { LitmusTest } from '../parse/ast.js';
import { canonicalAst, litmusAstArb } from './ast-gen.js';
import { applyMutation, buildTest, mutationArb, programSpecArb, simplerSpecs, type GenOptions, type Mutation, type ProgramSpec } from './generate.js';
import { buildKvmTest, kvmDescription, kvmSpecArb, kvmThreadName, type KvmSpec } from './kvm-gen.js';
import { explainSource } from '../explain/explain.js';
import { describeOrdering } from '../explain/ordering.js';
import { mutatedTextArb } from './text-gen.js';

/** A built-in model by name, or a model object (one read from cat files). */
export type ModelRef = string | MemoryModel;

function nameOf(m: ModelRef): string {
  return typeof m === 'string' ? m : m.name;
}

export interface PropertyOptions {
  /** Models to check (the property's default when empty). */
  models?: ModelRef[];
  /** How generated tests are lowered (the primitives of a model's macros file). */
  lower?: LowerOptions;
  /** Self-test only: a deliberately broken interleaving engine. */
  break?: EngineBreak;
  /** Seed texts for the parser property (e.g. corpus files). */
  seeds?: string[];
  gen?: GenOptions;
  /** Time limit for checking one generated test under one model (ms); past it the run is skipped. */
  runTimeoutMs?: number;
}

export type Verdict = { ok: true; skipped?: string } | { ok: false; message: string };

/** A property ready to run: everything bound to the campaign's options. */
export interface BoundProperty<T> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  /** The litmus file(s) a value stands for: what is written for a failure and what replay reads. */
  files(value: T): string[];
  /** Checks the files (one, or two for strengthen-monotone): how a written failure is replayed. */
  checkFiles(files: string[]): Verdict;
  /** Checks a generated value; checkFiles(files(value)) unless the value knows more than its text. */
  check(value: T): Verdict;
  /** Groups runs for the report (the KVM campaign's protocol shape: helpers and barriers per thread). */
  group?(value: T): string;
  /** Why the property holds for a value, in words (the KVM campaign: the orderings that forbid a lost request). */
  safeBecause?(value: T): string;
  /** How many failures to shrink by default (a protocol shape is its own minimal case). */
  defaultShrinks: number;
  /** Smaller variants of a value, tried greedily after fast-check's shrinking. */
  simplify?(value: T): T[];
}

export interface PropertyInfo {
  name: string;
  summary: string;
  defaultModels: string[];
  /**
   * The models the property checks: which it can (a built-in one or one read from files, asked
   * for what it can do), the registry's names of those (what `--model` may name), and what to
   * say otherwise (none accepted: the property has no model).
   */
  models: { accepts(m: MemoryModel): boolean; accepted: string[]; otherwise: string };
  files: number;
}

/** "a, b and c" */
const listed = (names: readonly string[]) => (names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`);

/** The models a property takes, from the registry: every model, or the ones with a capability. */
function modelsWhere(accepts: (m: MemoryModel) => boolean, otherwise: (accepted: string[]) => string): PropertyInfo['models'] {
  const accepted = [...MODELS.values()].filter(accepts).map((m) => m.name);
  return { accepts, accepted, otherwise: otherwise(accepted) };
}

/** The model sc-subset compares the others with: the one that runs on sequentially consistent memory. */
const SC_MODEL = [...MODELS.values()].find((m) => m.operational === 'sc');

const ANY_MODEL = modelsWhere(() => true, (all) => `the models are ${listed(all)}`);
const NO_MODEL = modelsWhere(() => false, () => 'it takes no model');
const OPERATIONAL = modelsWhere((m) => m.operational !== undefined, (ms) => `it compares the ${listed(ms)} models (the interleaving engine runs no other)`);
const NOT_SC = modelsWhere((m) => SC_MODEL !== undefined && m !== SC_MODEL, (ms) => `it compares ${SC_MODEL?.name} with --model ${ms.join(' or ')}`);

export const PROPERTIES: readonly PropertyInfo[] = [
  {
    name: 'engines-agree', summary: `the axiomatic and the interleaving engine give the same final states (${OPERATIONAL.accepted.join(', ')})`, defaultModels: OPERATIONAL.accepted, files: 1,
    models: OPERATIONAL,
  },
  { name: 'sc-subset', summary: `every SC outcome is an outcome of the other models (${NOT_SC.accepted.join(', ')})`, defaultModels: NOT_SC.accepted, files: 1, models: NOT_SC },
  { name: 'strengthen-monotone', summary: 'adding a fence or strengthening an access never adds an outcome', defaultModels: ANY_MODEL.accepted, files: 2, models: ANY_MODEL },
  { name: 'print-parse', summary: 'printing an AST then parsing it gives the same AST', defaultModels: [], files: 1, models: NO_MODEL },
  { name: 'parse-total', summary: 'the parser (and lowering) never throw: bad text gives diagnostics', defaultModels: [], files: 1, models: NO_MODEL },
  { name: 'kvm-lost-request', summary: 'KVM vCPU-request protocols: for which helpers and barriers is a lost request reachable, and what keeps the others safe', defaultModels: [DEFAULT_MODEL.name], files: 1, models: ANY_MODEL },
];

export function propertyInfo(name: string): PropertyInfo | undefined {
  return PROPERTIES.find((p) => p.name === name);
}

// ---- shared helpers ---------------------------------------------------------------------

type Loaded = { ok: true; test: LitmusTest; program: Program } | { ok: false; message: string };

function load(text: string, file = 'fuzz.litmus', lower: LowerOptions = {}): Loaded {
  const parsed = parseLitmus(text, file);
  if (!parsed.ok) return { ok: false, message: `generated test does not parse: ${parsed.diagnostics[0]?.message}` };
  const lowered = lowerTest(parsed.test, lower);
  if (!lowered.ok) return { ok: false, message: `generated test does not lower: ${lowered.diagnostics[0]?.message}` };
  return { ok: true, test: parsed.test, program: lowered.program };
}

function showValue(v: Value): string {
  return typeof v === 'string' ? v : String(v);
}

/** A final state as herd7 prints it: `0:r0=1; [x]=2;`. */
function stateText(program: Program, values: Value[]): string {
  return program.observed.map((o, i) => `${o.label}=${showValue(values[i])};`).join(' ');
}

/** The axiomatic engine's final states; null when a limit stopped it. */
function axiomaticStates(test: LitmusTest, program: Program, model: ModelRef, runTimeoutMs: number): Set<string> | null {
  const m = resolveModel(model);
  if (!m) throw new Error(`unknown model ${nameOf(model)}`);
  const r = decideProgram(test, program, m, { timeoutMs: runTimeoutMs });
  if (!r.judgement.complete) return null;
  return new Set(r.judgement.states.map((s) => stateText(program, s.values)));
}

function minus(a: Set<string>, b: Set<string>): string[] {
  return [...a].filter((x) => !b.has(x)).sort();
}

function listStates(states: string[]): string {
  return states.length === 0 ? '(none)' : states.map((s) => `\n    ${s}`).join('');
}

function commented(test: LitmusTest, comment: string): string {
  return printLitmus(test, comment);
}

// ---- the properties -----------------------------------------------------------------------

function enginesAgree(models: ModelRef[], brk: EngineBreak | undefined, runTimeoutMs: number): (files: string[]) => Verdict {
  return ([text]) => {
    const l = load(text);
    if (!l.ok) return { ok: false, message: l.message };
    for (const model of models) {
      const machine = resolveModel(model)?.operational;
      if (machine === undefined) throw new Error(`engines-agree compares models the interleaving engine runs (${OPERATIONAL.accepted.join(', ')}), not ${nameOf(model)}`);
      const axiomatic = axiomaticStates(l.test, l.program, model, runTimeoutMs);
      const operational = interleave(l.program, machine satisfies OperationalModel, { break: brk, deadline: Date.now() + runTimeoutMs });
      if (axiomatic === null || !operational.complete) return { ok: true, skipped: 'limit hit' };
      const op = new Set(operational.states.map((s) => stateText(l.program, s)));
      const onlyAx = minus(axiomatic, op);
      const onlyOp = minus(op, axiomatic);
      if (onlyAx.length > 0 || onlyOp.length > 0) {
        return {
          ok: false,
          message: `model ${model}${brk ? ` (interleaving engine broken: ${brk})` : ''}: the engines disagree\n  only the axiomatic engine:${listStates(onlyAx)}\n  only the interleaving engine:${listStates(onlyOp)}`,
        };
      }
    }
    return { ok: true };
  };
}

function scSubset(models: ModelRef[], runTimeoutMs: number, lower: LowerOptions): (files: string[]) => Verdict {
  return ([text]) => {
    const l = load(text, 'fuzz.litmus', lower);
    if (!l.ok) return { ok: false, message: l.message };
    if (!SC_MODEL) throw new Error('sc-subset needs a model that runs on sequentially consistent memory');
    const sc = axiomaticStates(l.test, l.program, SC_MODEL, runTimeoutMs);
    if (sc === null) return { ok: true, skipped: 'limit hit' };
    for (const model of models) {
      const other = axiomaticStates(l.test, l.program, model, runTimeoutMs);
      if (other === null) return { ok: true, skipped: 'limit hit' };
      const missing = minus(sc, other);
      if (missing.length > 0) return { ok: false, message: `SC outcomes that ${nameOf(model)} does not allow:${listStates(missing)}` };
    }
    return { ok: true };
  };
}

function monotone(models: ModelRef[], runTimeoutMs: number, lower: LowerOptions): (files: string[]) => Verdict {
  return ([weakText, strongText]) => {
    const weak = load(weakText, 'weak.litmus', lower);
    if (!weak.ok) return { ok: false, message: weak.message };
    const strong = load(strongText, 'strong.litmus', lower);
    if (!strong.ok) return { ok: false, message: strong.message };
    const sameObserved = weak.program.observed.map((o) => o.label).join() === strong.program.observed.map((o) => o.label).join();
    if (!sameObserved) return { ok: false, message: 'the two tests observe different things' };
    for (const model of models) {
      const w = axiomaticStates(weak.test, weak.program, model, runTimeoutMs);
      const s = axiomaticStates(strong.test, strong.program, model, runTimeoutMs);
      if (w === null || s === null) return { ok: true, skipped: 'limit hit' };
      const added = minus(s, w);
      if (added.length > 0) return { ok: false, message: `model ${nameOf(model)}: the stronger test has outcomes the weaker one lacks:${listStates(added)}` };
    }
    return { ok: true };
  };
}

function printParse([text]: string[]): Verdict {
  const first = parseLitmus(text, 'fuzz.litmus');
  if (!first.ok) return { ok: false, message: `does not parse: ${first.diagnostics[0]?.line}:${first.diagnostics[0]?.col}: ${first.diagnostics[0]?.message}` };
  const printed = printLitmus(first.test);
  const second = parseLitmus(printed, 'fuzz.litmus');
  if (!second.ok) return { ok: false, message: `the printed AST does not parse: ${second.diagnostics[0]?.line}:${second.diagnostics[0]?.col}: ${second.diagnostics[0]?.message}\n${printed}` };
  if (canonicalAst(first.test) !== canonicalAst(second.test)) return { ok: false, message: `print then parse changes the AST; printed:\n${printed}` };
  return { ok: true };
}

/** Parsing, and lowering what parses, return values: any exception is a failure. */
export function parseTotal([text]: string[]): Verdict {
  try {
    const parsed = parseLitmus(text, 'fuzz.litmus');
    if (!parsed.ok) {
      const d = parsed.diagnostics[0];
      if (!d || !(d.line >= 1 && d.col >= 1)) return { ok: false, message: 'a diagnostic without a valid position' };
      return { ok: true };
    }
    lowerTest(parsed.test);
    return { ok: true };
  } catch (e) {
    const err = e instanceof Error ? `${e.name}: ${e.message}\n${(e.stack ?? '').split('\n').slice(1, 4).join('\n')}` : String(e);
    return { ok: false, message: `threw ${err}` };
  }
}

function kvmLost(model: ModelRef, runTimeoutMs: number, lower: LowerOptions): (files: string[]) => Verdict {
  return ([text]) => {
    const l = load(text, 'fuzz.litmus', lower);
    if (!l.ok) return { ok: false, message: l.message };
    const m = resolveModel(model);
    if (!m) throw new Error(`unknown model ${nameOf(model)}`);
    const r = decideProgram(l.test, l.program, m, { timeoutMs: runTimeoutMs, verdictOnly: true });
    if (!r.judgement.complete) return { ok: true, skipped: 'limit hit' };
    if (r.judgement.positive === 0) return { ok: true };
    const bad = r.judgement.states.find((s) => s.satisfies)!;
    return { ok: false, message: `lost request reachable under ${nameOf(model)}, e.g. ${stateText(l.program, bad.values)}` };
  };
}

/**
 * Why a protocol never loses a request, from the explanation of its Never: the model check that
 * rejects the candidates ending in a lost request, and on its cycle what keeps each thread's
 * store before its load (e.g. "propagation: vCPU smp_mb(); P1 smp_mb__after_atomic() with the set_bit()").
 */
export function kvmSafeBecause(text: string, model: ModelRef, lower: LowerOptions = {}): string {
  const r = explainSource(text, 'kvm-fuzz.litmus', { model, lower });
  if (!r.ok || r.explanation.kind !== 'never') return 'not explained';
  const x = r.explanation;
  if (x.ruledOut.length === 0) return 'no candidate execution ends in a lost request';
  const first = x.ruledOut[0];
  const kept = (first.example.cycle ?? []).flatMap((e) =>
    e.kind === 'po' && e.pair?.held ? [`${kvmThreadName(e.from.thread)} ${e.pair.orderings.map((o) => describeOrdering(o).replace(/ at line \d+/g, '')).join(' and ')}`] : [],
  );
  return kept.length > 0 ? `${first.check}: ${kept.join('; ')}` : first.check;
}

/** The named property with the campaign's options applied; null for an unknown name. */
export function bindProperty(name: string, options: PropertyOptions = {}): BoundProperty<unknown> | null {
  const info = propertyInfo(name);
  if (!info) return null;
  const models: ModelRef[] = options.models && options.models.length > 0 ? options.models : info.defaultModels;
  const lower = options.lower ?? {};
  const runTimeoutMs = options.runTimeoutMs ?? 10_000;
  const gen = options.gen ?? {};
  switch (name) {
    case 'engines-agree': {
      // Spinlocks included: the interleaving engine blocks on a held lock, as lock.cat requires.
      const check = enginesAgree(models, options.break, runTimeoutMs);
      return programProperty(name, programSpecArb({ locks: true, ...gen }), check, 'engines-agree');
    }
    case 'sc-subset':
      return programProperty(name, programSpecArb({ locks: true, ...gen }), scSubset(models, runTimeoutMs, lower), 'sc-subset');
    case 'strengthen-monotone':
      return monotoneProperty(programSpecArb({ locks: true, ...gen }), monotone(models, runTimeoutMs, lower));
    case 'print-parse':
      return printParseProperty();
    case 'parse-total':
      return parseTotalProperty(options.seeds ?? []);
    case 'kvm-lost-request':
      return kvmProperty(models[0], runTimeoutMs, lower, gen.maxThreads ?? 3);
  }
  return null;
}

/** A property over generated programs: one litmus file per value, simplified greedily after shrinking. */
function programProperty(name: string, arb: fc.Arbitrary<ProgramSpec>, check: (files: string[]) => Verdict, label: string): BoundProperty<unknown> {
  const p: BoundProperty<ProgramSpec> = {
    name,
    arbitrary: arb,
    files: (spec) => [commented(buildTest(spec, label), `fuzz ${label}`)],
    checkFiles: check,
    simplify: (spec) => simplerSpecs(spec),
    check(value) {
      return this.checkFiles(this.files(value));
    },
    defaultShrinks: 3,
  };
  return p as BoundProperty<unknown>;
}

/** Two files per value: a generated test and the same test with one fence added or one access strengthened. */
function monotoneProperty(specs: fc.Arbitrary<ProgramSpec>, check: (files: string[]) => Verdict): BoundProperty<unknown> {
  const p: BoundProperty<[ProgramSpec, Mutation]> = {
    name: 'strengthen-monotone',
    arbitrary: fc.tuple(specs, mutationArb),
    files([spec, mutation]) {
      const mutated = applyMutation(spec, mutation) ?? { spec, change: 'no change' };
      return [
        commented(buildTest(spec, 'weak'), `fuzz strengthen-monotone: the weaker test`),
        commented(buildTest(mutated.spec, 'strong'), `fuzz strengthen-monotone: the weaker test with one change: ${mutated.change}`),
      ];
    },
    checkFiles: check,
    simplify: ([spec, mutation]) => simplerSpecs(spec).map((smaller): [ProgramSpec, Mutation] => [smaller, mutation]),
    check(value) {
      return this.checkFiles(this.files(value));
    },
    defaultShrinks: 3,
  };
  return p as BoundProperty<unknown>;
}

function printParseProperty(): BoundProperty<unknown> {
  const p: BoundProperty<LitmusTest> = {
    name: 'print-parse',
    arbitrary: litmusAstArb,
    files: (t) => [printLitmus(t)],
    // Against the generated AST itself: a printer that loses something in a way that is
    // stable on re-printing would pass a text-only round trip.
    check: (t) => {
      const text = printLitmus(t);
      const parsed = parseLitmus(text, 'fuzz.litmus');
      if (!parsed.ok) return { ok: false, message: `the printed AST does not parse: ${parsed.diagnostics[0]?.line}:${parsed.diagnostics[0]?.col}: ${parsed.diagnostics[0]?.message}` };
      if (canonicalAst(parsed.test) !== canonicalAst(t)) return { ok: false, message: 'print then parse gives a different AST' };
      return { ok: true };
    },
    checkFiles: printParse,
    defaultShrinks: 3,
  };
  return p as BoundProperty<unknown>;
}

function parseTotalProperty(seeds: string[]): BoundProperty<unknown> {
  const p: BoundProperty<string> = {
    name: 'parse-total',
    arbitrary: mutatedTextArb(seeds),
    files: (t) => [t],
    checkFiles: parseTotal,
    check: (t) => parseTotal([t]),
    defaultShrinks: 3,
  };
  return p as BoundProperty<unknown>;
}

function kvmProperty(model: ModelRef, runTimeoutMs: number, lower: LowerOptions, maxThreads: number): BoundProperty<unknown> {
  const p: BoundProperty<KvmSpec> = {
    name: 'kvm-lost-request',
    arbitrary: kvmSpecArb(maxThreads - 1),
    files: (s) => [commented(buildKvmTest(s), `fuzz kvm-lost-request: ${kvmDescription(s)}`)],
    checkFiles: kvmLost(model, runTimeoutMs, lower),
    check(value) {
      return this.checkFiles(this.files(value));
    },
    group: kvmDescription,
    safeBecause: (s) => kvmSafeBecause(printLitmus(buildKvmTest(s)), model, lower),
    defaultShrinks: 1,
  };
  return p as BoundProperty<unknown>;
}
