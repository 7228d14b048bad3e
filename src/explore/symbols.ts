// Values justified through a cycle, checked on a complete candidate (docs/cycle-values.md).
//
// herd7 gives every read a symbolic variable and solves the equations rf sets up: a read's value
// is known when its write's value is a constant or is computed from reads already known. A read
// left unknown is either a self-justified value (a cycle of plain copies, which herd7 keeps as a
// symbol, S<n>) or is constrained by an equation herd7 cannot solve (the candidate is rejected).
// Our reads guess concrete values, and SYMBOL for "self-justified"; so a candidate is herd7's only
// if every concrete read is known by propagation from constants, and the reads holding SYMBOL
// group into symbols by the copies that link them.
import { SYMBOL, namedSymbol, type Value } from '../lower/program.js';
import type { Skeleton } from '../execution/execution.js';

export interface SymbolOrigins {
  /** A write of SYMBOL (global id) -> the read whose value it copies (global id). */
  copies: ReadonlyMap<number, number>;
  /** herd7's variable number for a read's value (its class key before the memory equations). */
  herdVar: ReadonlyMap<number, number>;
}

/** The final values of one candidate's symbols, or null when the candidate is not herd7's. */
export type Naming = (read: number) => string;

export class CycleValues {
  private constructor(
    private readonly sk: Skeleton,
    private readonly reads: readonly number[],
    /** Per write (global id): the reads its value was computed from (data, and an RMW's own read). */
    private readonly deps: ReadonlyMap<number, readonly number[]>,
    private readonly origins: SymbolOrigins,
  ) {}

  /**
   * The check for one combination of paths, or null when it has nothing to check: no read may
   * hold SYMBOL and no read's value can depend on itself through rf and data.
   */
  static plan(sk: Skeleton, reads: readonly number[], allowed: ReadonlyMap<number, ReadonlySet<Value>>, origins: SymbolOrigins): CycleValues | null {
    const deps = new Map<number, number[]>();
    const note = (w: number, r: number) => {
      let l = deps.get(w);
      if (!l) deps.set(w, (l = []));
      l.push(r);
    };
    for (const [r, w] of sk.data.pairs()) if (sk.events[r].kind === 'R') note(w, r);
    const symbols = reads.some((r) => allowed.get(r)?.has(SYMBOL));
    // A read-modify-write's own read feeds its write too; a cycle through that link alone stays
    // on one location, which coherence and atomicity order, so it does not count for mayCycle.
    if (!symbols && (deps.size === 0 || !mayCycle(sk, reads, deps))) return null;
    for (const [r, w] of sk.rmw.pairs()) note(w, r);
    return new CycleValues(sk, reads, deps, origins);
  }

  /**
   * Given each read's source and value: null when some concrete read is known only through a
   * cycle (herd7 has no such candidate), else the name of each read holding a symbol.
   */
  names(source: Int32Array, valueOf: (id: number) => Value | null): Naming | null {
    const ev = this.sk.events;
    const open = new Set<number>();
    const symbolic: number[] = [];
    for (const r of this.reads) {
      if (valueOf(r) === SYMBOL) symbolic.push(r);
      else open.add(r);
    }
    for (let changed = true; changed && open.size > 0; ) {
      changed = false;
      for (const r of open) {
        const w = source[r];
        const known = w >= 0 && (ev[w].thread < 0 || ev[w].lock !== null || (valueOf(w) !== SYMBOL && (this.deps.get(w) ?? []).every((d) => !open.has(d))));
        if (known) {
          open.delete(r);
          changed = true;
        }
      }
    }
    if (open.size > 0) return null;
    if (symbolic.length === 0) return () => SYMBOL;
    return this.nameClasses(symbolic, source);
  }

  /**
   * The symbols as herd7 names them: its memory equations `read = written value`, taken from the
   * last read (in event order) to the first, unite the variables by rank, ties to the read's side
   * (valconstraint.ml over partition.ml); a read's variable is the one its register copy left.
   */
  private nameClasses(symbolic: number[], source: Int32Array): Naming {
    const parent = new Map<number, number>();
    const rank = new Map<number, number>();
    const find = (x: number): number => {
      let p = parent.get(x) ?? x;
      while (p !== x) {
        const g = parent.get(p) ?? p;
        parent.set(x, g);
        x = p;
        p = g;
      }
      return x;
    };
    const union = (a: number, b: number) => {
      const ra = find(a);
      const rb = find(b);
      if (ra === rb) return;
      const ka = rank.get(ra) ?? 0;
      const kb = rank.get(rb) ?? 0;
      if (ka > kb) parent.set(rb, ra);
      else if (kb > ka) parent.set(ra, rb);
      else {
        parent.set(rb, ra);
        rank.set(ra, ka + 1);
      }
    };
    const key = (r: number) => this.origins.herdVar.get(r) ?? -1 - r;
    for (const r of [...symbolic].sort((a, b) => b - a)) {
      const from = this.origins.copies.get(source[r]);
      if (from !== undefined) union(key(r), key(from));
    }
    return (read) => {
      const root = find(key(read));
      return root >= 0 ? namedSymbol(root) : namedSymbol(-1 - root);
    };
  }
}

/** Whether some read may depend on itself: read -> (a write it may read) -> that write's reads. */
function mayCycle(sk: Skeleton, reads: readonly number[], deps: ReadonlyMap<number, readonly number[]>): boolean {
  const ev = sk.events;
  const byLoc = new Map<string | null, number[]>();
  for (const [w, ds] of deps) {
    let l = byLoc.get(ev[w].loc);
    if (!l) byLoc.set(ev[w].loc, (l = []));
    l.push(...ds);
  }
  const next = new Map<number, number[]>();
  for (const r of reads) next.set(r, byLoc.get(ev[r].loc) ?? []);
  const state = new Map<number, 1 | 2>();
  const visit = (r: number): boolean => {
    const s = state.get(r);
    if (s === 1) return true;
    if (s === 2) return false;
    state.set(r, 1);
    for (const d of next.get(r) ?? []) if (visit(d)) return true;
    state.set(r, 2);
    return false;
  };
  return reads.some((r) => visit(r));
}
