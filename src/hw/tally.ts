// What the machine did, and whether the model allows it: the harness output read back into
// final states, the states the model allows, and the comparison. Pure functions.
import type { Value } from '../lower/program.js';
import type { Program } from '../lower/program.js';
import { parseInt64 } from '../lower/int64.js';
import { holds, formatValue, type FinalState } from '../execution/condition.js';
import { compareValues, verdictOf, type Judgement } from '../judge/judge.js';
import type { HwLayout } from './layout.js';

export interface HwObservedState {
  /** Values in the order of layout.observables (addresses as location names). */
  values: Value[];
  count: number;
}

export interface HwRun {
  arch: string;
  threads: number;
  cpus: number;
  pinned: boolean;
  runs: number;
  size: number;
  states: HwObservedState[];
  /** Instances in which a thread dereferenced something that is not a location. */
  undefined: number;
  /** Instances left out: a KVM_REQUEST_WAIT wait that no thread was left to acknowledge. */
  waitUnacked: number;
  /** Instances left out: a KVM_REQUEST_WAIT wait given up after HW_WAIT_SPINS reads. */
  waitGaveUp: number;
  timeNs: number;
}

/** The harness's one-number lines, and the field each fills. */
const NUMERIC_LINES = new Map<string, 'threads' | 'cpus' | 'runs' | 'size' | 'undefined' | 'waitUnacked' | 'waitGaveUp' | 'timeNs'>([
  ['threads', 'threads'],
  ['cpus', 'cpus'],
  ['runs', 'runs'],
  ['size', 'size'],
  ['undefined', 'undefined'],
  ['wait_unacked', 'waitUnacked'],
  ['wait_gaveup', 'waitGaveUp'],
  ['time_ns', 'timeNs'],
]);

export type ParseRunResult = { ok: true; run: HwRun } | { ok: false; message: string };

/** Reads the harness's output (see generateC for the format). */
export function parseHarnessOutput(text: string, layout: HwLayout): ParseRunResult {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines[0] !== 'hw-litmus 1') return { ok: false, message: `unexpected harness output: ${JSON.stringify(lines[0] ?? '')}` };
  const run: HwRun = { arch: '', threads: 0, cpus: 0, pinned: false, runs: 0, size: 0, states: [], undefined: 0, waitUnacked: 0, waitGaveUp: 0, timeNs: 0 };
  for (const l of lines.slice(1)) {
    const [key, ...rest] = l.trim().split(/\s+/);
    const num = (s: string | undefined) => Number(s);
    const field = NUMERIC_LINES.get(key);
    if (field !== undefined) {
      run[field] = num(rest[0]);
      continue;
    }
    switch (key) {
      case 'arch':
        run.arch = rest[0] ?? '';
        break;
      case 'pinned':
        run.pinned = rest[0] === '1';
        break;
      case 'state': {
        const count = num(rest[0]);
        const vals = rest.slice(1);
        if (vals.length !== layout.observables.length) return { ok: false, message: `harness state line has ${vals.length} values, expected ${layout.observables.length}` };
        const values: Value[] = [];
        for (const v of vals) {
          if (v.startsWith('&')) {
            const loc = layout.locations[Number(v.slice(1))];
            if (loc === undefined) return { ok: false, message: `harness printed an unknown location ${v}` };
            values.push(loc);
          } else if (/^-?[0-9]+$/.test(v)) values.push(parseInt64(v));
          else return { ok: false, message: `harness printed a value that is not an integer: ${v}` };
        }
        run.states.push({ values, count });
        break;
      }
      default:
        return { ok: false, message: `unexpected harness output line: ${JSON.stringify(l)}` };
    }
  }
  return { ok: true, run };
}

export function stateKey(values: readonly Value[]): string {
  return values.map(formatValue).join(';');
}

/** A state of the observables as a FinalState, for the condition and the filter. */
export function finalStateOf(values: readonly Value[], layout: HwLayout): FinalState {
  const regs: Array<Map<string, Value>> = Array.from({ length: layout.threads }, () => new Map());
  const memory = new Map<string, Value>();
  layout.observables.forEach((o, j) => {
    if (o.obs.k === 'reg') regs[o.obs.thread]?.set(o.obs.reg, values[j]);
    else memory.set(o.obs.name, values[j]);
  });
  return { regs, memory };
}

/**
 * The program the model is asked about: no filter (every state the machine can show must be
 * judged, filtered or not) and every observable the harness records, filter-only ones included.
 */
export function modelProgram(program: Program, layout: HwLayout): Program {
  return { ...program, filter: null, observed: layout.observables.map((o) => ({ obs: o.obs, label: o.label })) };
}

/** The states a model allows, from its judgement of modelProgram(...): keys of stateKey. */
export function allowedStates(j: Judgement): Map<string, Value[]> {
  return new Map(j.states.map((s) => [stateKey(s.values), s.values]));
}

export interface ComparedState {
  /** Values of the observables the test shows (layout.shown of them). */
  shown: Value[];
  count: number;
  satisfies: boolean;
  /** The test's filter removed it (it is still checked against the model). */
  filteredOut: boolean;
  /** Full states behind this line that the model forbids, with their counts. */
  forbidden: HwObservedState[];
}

export interface Comparison {
  /** The histogram: one line per distinct shown state, filter-passing first, sorted as herd7 does. */
  states: ComparedState[];
  total: number;
  positive: number;
  negative: number;
  filteredOut: number;
  undefined: number;
  /** Left out by KVM_REQUEST_WAIT waits that could not end (see HwRun). */
  waitUnacked: number;
  waitGaveUp: number;
  observation: 'Never' | 'Sometimes' | 'Always';
  /** herd7's Ok/No for the quantified condition over what was observed. */
  ok: boolean;
  /** Observed states the model forbids (full states, every observable). */
  forbidden: HwObservedState[];
  /** States the model allows that never showed up. */
  unobserved: Value[][];
  allowedCount: number;
}

/** Tally the machine's states against the test's condition and the model's allowed states. */
export function compareWithModel(run: HwRun, program: Program, layout: HwLayout, allowed: ReadonlyMap<string, Value[]>): Comparison {
  const byShown = new Map<string, ComparedState>();
  let positive = 0;
  let negative = 0;
  let filteredOut = 0;
  const forbidden: HwObservedState[] = [];
  const seen = new Set<string>();
  for (const s of run.states) {
    const key = stateKey(s.values);
    seen.add(key);
    const fs = finalStateOf(s.values, layout);
    const passes = program.filter === null || holds(program.filter, fs);
    const satisfies = holds(program.condition, fs);
    if (!passes) filteredOut += s.count;
    else if (satisfies) positive += s.count;
    else negative += s.count;
    const shown = s.values.slice(0, layout.shown);
    const shownKey = `${passes ? 'p' : 'f'}|${stateKey(shown)}`;
    let line = byShown.get(shownKey);
    if (!line) byShown.set(shownKey, (line = { shown, count: 0, satisfies, filteredOut: !passes, forbidden: [] }));
    line.count += s.count;
    if (!allowed.has(key)) {
      forbidden.push(s);
      line.forbidden.push(s);
    }
  }
  const states = [...byShown.values()].sort((a, b) => Number(a.filteredOut) - Number(b.filteredOut) || compareValues(a.shown, b.shown));
  const { ok, observation } = verdictOf(program.quantifier, positive, negative);
  const unobserved = [...allowed.entries()].filter(([k]) => !seen.has(k)).map(([, v]) => v).sort(compareValues);
  const total = run.states.reduce((n, s) => n + s.count, 0);
  return { states, total, positive, negative, filteredOut, undefined: run.undefined, waitUnacked: run.waitUnacked, waitGaveUp: run.waitGaveUp, observation, ok, forbidden, unobserved, allowedCount: allowed.size };
}
