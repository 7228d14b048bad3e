// The skeleton of an execution: the events of the threads' paths after the initial writes, and
// the relations fixed before any rf or co choice (po, dependencies, rmw, loc, int, ext). One
// combination of path shapes shares one skeleton, whose read values (and symbolic RMW writes'
// values) the search decides; the other events' values are the paths'.
import type { Program, Value } from '../lower/program.js';
import { EventSet, Relation } from '../execution/relation.js';
import type { Event, Skeleton } from '../execution/execution.js';
import { valuesKey, type PathShape } from './shapes.js';
import type { Naming, SymbolOrigins } from './symbols.js';
import type { ThreadPath } from './thread-path.js';

export function buildSkeleton(program: Program, locations: string[], choice: ThreadPath[], observedLocs: Set<string>): Skeleton {
  const { events, base } = skeletonEvents(program, locations, choice);
  const n = events.length;
  const po = new Relation(n);
  const addr = new Relation(n);
  const data = new Relation(n);
  const ctrl = new Relation(n);
  const rmw = new Relation(n);
  const loc = new Relation(n);
  const int = new Relation(n);
  const ext = new Relation(n);
  choice.forEach((p, t) => {
    const b = base[t];
    const m = p.events.length;
    for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) po.add(b + i, b + j);
    for (const [x, y] of p.addr) addr.add(b + x, b + y);
    for (const [x, y] of p.data) data.add(b + x, b + y);
    for (const [x, y] of p.ctrl) ctrl.add(b + x, b + y);
    for (const [x, y] of p.rmw) rmw.add(b + x, b + y);
  });
  for (let a = 0; a < n; a++) {
    const ea = events[a];
    for (let b = 0; b < n; b++) {
      const eb = events[b];
      if (ea.loc !== null && ea.loc === eb.loc) loc.add(a, b);
      if (ea.thread >= 0 && ea.thread === eb.thread) int.add(a, b);
      else ext.add(a, b);
    }
  }
  return {
    events, n, threads: choice.length, po, addr, data, ctrl, rmw, loc, int, ext,
    IW: EventSet.where(n, (i) => events[i].thread < 0),
    R: EventSet.where(n, (i) => events[i].kind === 'R'),
    W: EventSet.where(n, (i) => events[i].kind === 'W'),
    F: EventSet.where(n, (i) => events[i].kind === 'F'),
    observedLocs,
  };
}

/** The initial writes of the locations some event or the initial state uses, then each path's events; with each thread's first id. */
function skeletonEvents(program: Program, locations: string[], choice: ThreadPath[]): { events: Event[]; base: number[] } {
  const events: Event[] = [];
  const used = new Set<string>(program.locations.keys());
  for (const p of choice) for (const e of p.events) if (e.loc !== null) used.add(e.loc);
  for (const loc of locations) {
    if (!used.has(loc)) continue;
    events.push({ id: events.length, thread: -1, poIndex: -1, kind: 'W', loc, value: program.locations.get(loc) ?? 0, ann: '', rmwInstr: false, lock: null, srcuSync: false, origin: null, dst: null });
  }
  const base: number[] = [];
  for (const p of choice) {
    base.push(events.length);
    p.events.forEach((e, i) => events.push({ id: events.length, thread: p.thread, poIndex: i, ...e }));
  }
  return { events, base };
}

/** A symbolic RMW write of a combination: its paired read (global id) and its value per read value. */
export interface SymbolicValue {
  read: number;
  byRead: Map<string, Value>;
}

/**
 * The skeleton one combination of path shapes shares: a read's value is left open (null) unless
 * the shape fixes it, and so is a symbolic RMW write's with more than one value. The search
 * decides them by choosing rf sources; `source` (global read id -> write id, -1 while undecided)
 * is the search's record of those choices.
 */
export class CombinationSkeleton {
  readonly sk: Skeleton;
  readonly ev: Event[];
  /** The first global id of each thread. */
  readonly base: number[] = [];
  /** The values each value read (global id) may take. */
  readonly allowed = new Map<number, Set<Value>>();
  /** Symbolic RMW writes whose value is left open, by global id. */
  readonly symbolic = new Map<number, SymbolicValue>();
  /** Each location's initial write. */
  readonly inits = new Map<string, number>();
  /** Events whose value the skeleton leaves to the execution: reads with several possible values, symbolic writes. */
  readonly open: number[];
  /** Each write of a self-justified value (global id) -> the read it copies (filled by symbolOrigins). */
  readonly copies = new Map<number, number>();

  /** `allowedByThread`: the values each value read may take, by thread then thread-local index (explorer.ts). */
  constructor(sk: Skeleton, readonly shapes: readonly PathShape[], allowedByThread: ReadonlyArray<ReadonlyMap<number, Set<Value>>>) {
    this.sk = sk;
    const ev = (this.ev = sk.events);
    for (const e of ev) if (e.thread < 0 && e.loc !== null) this.inits.set(e.loc, e.id);
    for (const e of ev) if (e.thread >= 0 && this.base[e.thread] === undefined) this.base[e.thread] = e.id;
    shapes.forEach((shape, t) => {
      const b = this.base[t];
      for (const i of shape.valueReads) {
        const values = allowedByThread[t].get(i)!;
        this.allowed.set(b + i, values);
        // A read's value in the shared skeleton is known only if the shape fixes it.
        ev[b + i] = { ...ev[b + i], value: values.size === 1 ? [...values][0] : null };
      }
      for (const [w, f] of shape.symbolic) {
        const id = b + w;
        if (f.values.size === 1) ev[id] = { ...ev[id], value: [...f.values][0] };
        else {
          ev[id] = { ...ev[id], value: null };
          this.symbolic.set(id, { read: b + f.read, byRead: f.byRead });
        }
      }
    });
    this.open = ev.flatMap((e) => (e.value === null && e.kind !== 'F' ? [e.id] : []));
  }

  /** The value an event has given the rf choices so far, or null while it is not decided. */
  valueOf(id: number, source: Int32Array): Value | null {
    const e = this.ev[id];
    if (e.value !== null) return e.value;
    if (e.kind === 'R') {
      const s = source[id];
      return s < 0 ? null : this.valueOf(s, source);
    }
    const f = this.symbolic.get(id);
    if (!f) return null;
    const v = this.valueOf(f.read, source);
    if (v === null) return null;
    return f.byRead.get(valuesKey([v])) ?? null;
  }

  /** Which read each write of SYMBOL copies, and herd7's variable numbers for the reads (global ids). */
  symbolOrigins(): SymbolOrigins {
    const herdVar = new Map<number, number>();
    this.shapes.forEach((shape, t) => {
      const b = this.base[t];
      shape.representative.events.forEach((e, i) => {
        // A read's variable, until a store copies it through a register: then that register read's
        // (herd7's register equations make it the class's representative; the po-last one wins).
        if (e.herdVar !== undefined && e.kind === 'R') herdVar.set(b + i, e.herdVar);
        if (e.symFrom !== undefined) {
          this.copies.set(b + i, b + e.symFrom);
          if (e.herdVar !== undefined) herdVar.set(b + e.symFrom, e.herdVar);
        }
      });
    });
    return { copies: this.copies, herdVar };
  }

  /** A path's final registers with its self-justified values named. */
  namedRegs(p: ThreadPath, t: number, naming: Naming): Map<string, Value> {
    if (!p.symbols) return p.regs;
    const regs = new Map(p.regs);
    for (const [reg, i] of p.symbols) regs.set(reg, naming(this.base[t] + i));
    return regs;
  }

  /**
   * The skeleton with every read's (and symbolic write's) value in this execution, built only if
   * someone looks (explanations do, the judge does not): the values are copied now, the events later.
   */
  lazySkeleton(source: Int32Array): () => Skeleton {
    const { sk, ev, open } = this;
    const values = open.map((id) => this.valueOf(id, source));
    let built: Skeleton | null = null;
    return () => {
      if (!built) {
        const events = ev.slice();
        open.forEach((id, i) => (events[id] = { ...ev[id], value: values[i] }));
        built = { ...sk, events };
      }
      return built;
    };
  }
}
