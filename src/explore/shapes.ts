// Path shapes: paths of one thread that differ only in the values their reads returned share
// one event structure. The explorer searches such a shape once, letting each read's value be
// decided by its rf source, instead of fixing every read's value before any co is chosen
// (which hides from the model what the co order already rules out).
//
// The write of a read-modify-write whose value is a function of its own read's value alone
// (set_bit, atomic_add, xchg of a constant, ...) is symbolic too: its value is decided by the
// write its read takes (the co-previous one), so a chain of N set_bits is one shape per thread,
// not one per request bitmap the location may hold.
import type { Value } from '../lower/program.js';
import type { PathEvent, ThreadPath } from './thread-path.js';

/** A symbolic RMW write: its value, given the value its paired read got. */
export interface SymbolicWrite {
  /** Thread-local index of the paired read. */
  read: number;
  /** valuesKey([read value]) -> written value. */
  byRead: Map<string, Value>;
  /** Every value it may write. */
  values: Set<Value>;
}

export interface PathShape {
  thread: number;
  /** One of the paths; its read values (and symbolic writes' values) are meaningless. */
  representative: ThreadPath;
  /** Thread-local indices of the reads whose value picks the path (plain and RMW reads). */
  valueReads: number[];
  /** The values each of those reads may take in this shape. */
  allowed: Map<number, Set<Value>>;
  /** The path for each tuple of values of valueReads. */
  byValues: Map<string, ThreadPath>;
  /** Thread-local indices of the RMW writes whose value follows from their read's value. */
  symbolic: Map<number, SymbolicWrite>;
  /** Registers with the same final value in every path of the shape. */
  fixedRegs: Map<string, Value>;
  /** Registers whose final value is the value of one read, in every path of the shape. */
  readRegs: Map<string, number>;
}

function isValueRead(e: PathEvent): boolean {
  return e.kind === 'R' && e.lock === null;
}

/** The RMW writes (thread-local index -> paired read) that may be symbolic. */
function rmwWrites(p: ThreadPath): Map<number, number> {
  const out = new Map<number, number>();
  for (const [r, w] of p.rmw) if (isValueRead(p.events[r]) && p.events[w].kind === 'W') out.set(w, r);
  return out;
}

function shapeKey(p: ThreadPath, symbolic: ReadonlySet<number>): string {
  const evs = p.events.map((e, i) => [e.kind, e.loc, isValueRead(e) || symbolic.has(i) ? null : e.value, e.ann, e.rmwInstr, e.lock, e.srcuSync, e.dst, e.origin.site, e.origin.part ?? '', e.origin.pos.line, e.origin.pos.col, e.symFrom ?? -1]);
  return jsonKey([evs, p.addr, p.data, p.ctrl, p.rmw]);
}

export function valuesKey(values: Value[]): string {
  return values.map((v) => (typeof v === 'string' ? `&${v}` : String(v))).join(',');
}

const NONE: ReadonlySet<number> = new Set();

/**
 * Group one thread's paths into shapes. With `symbolicRmw`, RMW writes whose value depends on
 * their own read's value only are left symbolic (a group where one does not is split back).
 */
export function groupIntoShapes(paths: ThreadPath[], symbolicRmw = false): PathShape[] {
  if (!symbolicRmw) return build(paths.map((p) => [shapeKey(p, NONE), p, NONE]));
  const groups = new Map<string, Array<[ThreadPath, ReadonlySet<number>]>>();
  for (const p of paths) {
    const sym = new Set(rmwWrites(p).keys());
    const key = shapeKey(p, sym);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push([p, sym]);
  }
  const keyed: Array<[string, ThreadPath, ReadonlySet<number>]> = [];
  for (const [key, g] of groups) {
    const sym = g[0][1];
    const pairs = rmwWrites(g[0][0]);
    // Symbolic only if each such write's value is a function of its read's value in the group.
    let functional = true;
    for (const w of sym) {
      const seen = new Map<string, Value>();
      const r = pairs.get(w)!;
      for (const [p] of g) {
        const k = valuesKey([p.events[r].value as Value]);
        const v = p.events[w].value as Value;
        if (seen.has(k) && seen.get(k) !== v) functional = false;
        seen.set(k, v);
      }
    }
    if (functional) for (const [p] of g) keyed.push([key, p, sym]);
    else for (const [p] of g) keyed.push([shapeKey(p, NONE), p, NONE]);
  }
  return build(keyed);
}

function build(keyed: Array<readonly [string, ThreadPath, ReadonlySet<number>]>): PathShape[] {
  const shapes = new Map<string, PathShape>();
  const regSamples = new Map<PathShape, ThreadPath[]>();
  for (const [key, p, sym] of keyed) {
    let s = shapes.get(key);
    if (!s) {
      const valueReads = p.events.flatMap((e, i) => (isValueRead(e) ? [i] : []));
      const pairs = rmwWrites(p);
      const symbolic = new Map<number, SymbolicWrite>();
      for (const w of sym) symbolic.set(w, { read: pairs.get(w)!, byRead: new Map(), values: new Set() });
      s = { thread: p.thread, representative: p, valueReads, allowed: new Map(valueReads.map((i) => [i, new Set<Value>()])), byValues: new Map(), symbolic, fixedRegs: new Map(), readRegs: new Map() };
      shapes.set(key, s);
      regSamples.set(s, []);
    }
    const values = s.valueReads.map((i) => p.events[i].value as Value);
    s.valueReads.forEach((i, k) => s!.allowed.get(i)!.add(values[k]));
    for (const [w, f] of s.symbolic) {
      const v = p.events[w].value as Value;
      f.byRead.set(valuesKey([p.events[f.read].value as Value]), v);
      f.values.add(v);
    }
    s.byValues.set(valuesKey(values), p);
    regSamples.get(s)!.push(p);
  }
  // What the registers' final values are known from, for pruning by the condition.
  for (const [s, ps] of regSamples) {
    for (const reg of s.representative.regs.keys()) {
      const first = ps[0].regs.get(reg);
      if (ps.every((p) => p.regs.get(reg) === first)) {
        if (first !== undefined) s.fixedRegs.set(reg, first);
        continue;
      }
      for (const i of s.valueReads) {
        if (ps.every((p) => p.regs.get(reg) === p.events[i].value)) {
          s.readRegs.set(reg, i);
          break;
        }
      }
    }
  }
  return [...shapes.values()];
}

/**
 * JSON.stringify as a key. A bigint (a 64-bit value beyond 2^53) makes it throw: only then, the
 * slower replacer writes it as its digits (a replacer on every key would slow every test).
 */
export function jsonKey(x: unknown): string {
  try {
    return JSON.stringify(x);
  } catch {
    return JSON.stringify(x, (_key, v: unknown) => (typeof v === 'bigint' ? { int64: v.toString() } : v));
  }
}
