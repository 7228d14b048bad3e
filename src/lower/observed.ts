// The observables a test's final states list: its locations list, then its condition (and the
// filter's, which herd7 checks but does not list), each checked against the threads' registers
// and the shared locations; listed as herd7 lists them, registers by thread, then locations.
import { StageError, nearestName, type SourcePos } from '../diagnostics.js';
import { propAtoms, sameObservable, type LitmusTest, type Observable, type Prop } from '../parse/ast.js';
import type { ObservedItem, ThreadProgram, Value } from './program.js';

/** What checking the observables asks of the test's lowering. */
export interface ObservedScope {
  constantValue(name: string, pos: SourcePos | null): number | undefined;
  constantNames(): string[];
  warn(pos: SourcePos, message: string): void;
}

export function observedItems(test: LitmusTest, threads: ThreadProgram[], locations: ReadonlyMap<string, Value>, scope: ObservedScope): ObservedItem[] {
  const regsOf = (i: number) => threads[i]?.userRegs ?? new Set<string>();
  // Which part of the test names the observable, for the messages.
  let part = 'the condition';
  const checkObs = (o: Observable) => {
    if (o.k === 'reg') {
      if (!threads[o.thread]) throw new StageError(o.pos, `${part} names ${o.thread}:${o.reg} but there is no thread P${o.thread}`);
      if (!regsOf(o.thread).has(o.reg) && part === 'the locations list') {
        // herd7 lists it as 0. Only printing is at stake here; in a condition a misspelt
        // register would silently decide the verdict, so there it stays an error.
        scope.warn(o.pos, `register ${o.reg} is not defined in P${o.thread}: listed as 0, as herd7 does`);
      } else if (!regsOf(o.thread).has(o.reg)) {
        const near = nearestName(o.reg, regsOf(o.thread));
        throw new StageError(o.pos, `register ${o.reg} is not defined in P${o.thread}${near ? ` (did you mean ${near}?)` : ''}`);
      }
    } else if (!locations.has(o.name)) {
      const near = nearestName(o.name, locations.keys());
      throw new StageError(o.pos, `location ${o.name} is not defined by any thread or the initial state${near ? ` (did you mean ${near}?)` : ''}`);
    }
  };
  const observed: Observable[] = [];
  const addObs = (o: Observable) => {
    checkObs(o);
    if (!observed.some((x) => sameObservable(x, o))) observed.push(o);
  };
  const walk = (p: Prop) => {
    for (const atom of propAtoms(p)) {
      addObs(atom.lhs);
      if (atom.rhs.k === 'obs') addObs(atom.rhs.obs);
      if (atom.rhs.k === 'sym' && !locations.has(atom.rhs.name) && scope.constantValue(atom.rhs.name, atom.pos) === undefined) {
        const near = nearestName(atom.rhs.name, [...locations.keys(), ...scope.constantNames()]);
        throw new StageError(atom.pos, `unknown value ${atom.rhs.name}: not a location or a known constant${near ? ` (did you mean ${near}?)` : ''}`);
      }
    }
  };
  part = 'the locations list';
  for (const o of test.locations) addObs(o);
  part = 'the condition';
  walk(test.condition.prop);
  if (test.filter) {
    const before = observed.length;
    part = 'the filter';
    walk(test.filter);
    // herd7 does not list filter-only observables in the states.
    observed.length = before;
  }
  const regs = observed.filter((o): o is Extract<Observable, { k: 'reg' }> => o.k === 'reg').sort((a, b) => a.thread - b.thread || cmpStr(a.reg, b.reg));
  const mems = observed.filter((o): o is Extract<Observable, { k: 'mem' }> => o.k === 'mem').sort((a, b) => cmpStr(a.name, b.name));
  return [...regs, ...mems].map((o) => ({ obs: o, label: o.k === 'reg' ? `${o.thread}:${o.reg}` : `[${o.name}]` }));
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
