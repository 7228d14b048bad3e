// The shape of an outcome: the shortest cycle of program order and communication (rf, co, fr)
// through an execution, or, when there is none, an interleaving that produces it. An outcome
// with a cycle is not sequentially consistent: some program-order step on the cycle was not kept.
import type { Event } from '../execution/execution.js';
import type { ExecutionView } from './views.js';

export type EdgeKind = 'po' | 'rf' | 'fr' | 'co';

export interface CycleEdge {
  from: Event;
  to: Event;
  kind: EdgeKind;
}

const isAccess = (e: Event) => e.thread >= 0 && e.kind !== 'F';

/** Which program-order pairs a cycle may use (all of them unless told otherwise). */
export type PoFilter = (a: Event, b: Event) => boolean;

/**
 * Successors of each access: po within a thread, rf/co/fr across threads; or, for a coherence
 * cycle, po between accesses to one location and rf/co/fr within threads too.
 */
function successors(view: ExecutionView, usePo: PoFilter, coherence: boolean): Map<number, CycleEdge[]> {
  const ev = view.events.filter(isAccess);
  const { rf, co } = view.graph;
  const out = new Map<number, CycleEdge[]>();
  for (const a of ev) {
    const list: CycleEdge[] = [];
    for (const b of ev) {
      if (a === b) continue;
      if (a.thread === b.thread) {
        if (a.poIndex < b.poIndex && usePo(a, b) && (!coherence || a.loc === b.loc)) list.push({ from: a, to: b, kind: 'po' });
        if (!coherence) continue;
      }
      if (rf.has(a.id, b.id)) list.push({ from: a, to: b, kind: 'rf' });
      else if (co.has(a.id, b.id)) list.push({ from: a, to: b, kind: 'co' });
      else if (view.fr.has(a.id, b.id)) list.push({ from: a, to: b, kind: 'fr' });
    }
    out.set(a.id, list);
  }
  return out;
}

/**
 * The shortest cycle of po | rfe | coe | fre, or null when the execution is sequentially
 * consistent. (Internal rf/co/fr always follow po in a coherent execution, so external edges
 * suffice.) Among cycles of one length, the first from the lowest event wins, so the answer is
 * stable; it is rotated to start at a po step of the lowest-numbered thread. `usePo` limits
 * the program-order steps it may take (e.g. to those the model keeps).
 */
export function shortestCycle(view: ExecutionView, usePo: PoFilter = () => true): CycleEdge[] | null {
  return bfsCycle(successors(view, usePo, false));
}

/** The shortest cycle of po-loc | rf | co | fr: what a coherence violation looks like. */
export function coherenceCycle(view: ExecutionView): CycleEdge[] | null {
  return bfsCycle(successors(view, () => true, true));
}

function bfsCycle(succ: Map<number, CycleEdge[]>): CycleEdge[] | null {
  let best: CycleEdge[] | null = null;
  for (const start of [...succ.keys()].sort((x, y) => x - y)) {
    // BFS from start back to start.
    const prev = new Map<number, CycleEdge>();
    const queue: number[] = [start];
    let found: CycleEdge | null = null;
    for (let qi = 0; qi < queue.length && !found; qi++) {
      const a = queue[qi];
      for (const e of succ.get(a) ?? []) {
        if (e.to.id === start) {
          found = e;
          break;
        }
        if (!prev.has(e.to.id) && e.to.id !== start) {
          prev.set(e.to.id, e);
          queue.push(e.to.id);
        }
      }
    }
    if (!found) continue;
    const cycle: CycleEdge[] = [found];
    for (let at = found.from.id; at !== start; ) {
      const e = prev.get(at)!;
      cycle.unshift(e);
      at = e.from.id;
    }
    if (!best || cycle.length < best.length) best = cycle;
  }
  return best ? rotate(best) : null;
}

function rotate(cycle: CycleEdge[]): CycleEdge[] {
  let k = 0;
  for (let i = 1; i < cycle.length; i++) {
    const c = cycle[i];
    const b = cycle[k];
    const better = (c.kind === 'po') !== (b.kind === 'po') ? c.kind === 'po' : c.from.thread < b.from.thread || (c.from.thread === b.from.thread && c.from.poIndex < b.from.poIndex);
    if (better) k = i;
  }
  return [...cycle.slice(k), ...cycle.slice(0, k)];
}

/**
 * An order of all the threads' events consistent with po, rf, co and fr: the interleaving that
 * produces a sequentially consistent outcome. Stays on one thread as long as it can, so the
 * story has few switches. Null if there is none (the execution has a cycle).
 */
export function interleaving(view: ExecutionView): Event[] | null {
  const ev = view.events.filter((e) => e.thread >= 0);
  const { rf, co } = view.graph;
  const before = (a: Event, b: Event) =>
    (a.thread === b.thread && a.poIndex < b.poIndex) || (isAccess(a) && isAccess(b) && a.thread !== b.thread && (rf.has(a.id, b.id) || co.has(a.id, b.id) || view.fr.has(a.id, b.id)));
  const done = new Set<number>();
  const order: Event[] = [];
  let current = -1;
  while (order.length < ev.length) {
    const ready = ev.filter((e) => !done.has(e.id) && ev.every((p) => done.has(p.id) || p === e || !before(p, e)));
    if (ready.length === 0) return null;
    const pick = ready.find((e) => e.thread === current) ?? ready.sort((a, b) => a.thread - b.thread || a.poIndex - b.poIndex)[0];
    done.add(pick.id);
    order.push(pick);
    current = pick.thread;
  }
  return order;
}
