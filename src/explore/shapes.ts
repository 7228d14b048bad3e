// Path shapes: paths of one thread that differ only in the values their reads returned share
// one event structure. The explorer searches such a shape once, letting each read's value be
// decided by its rf source, instead of fixing every read's value before any co is chosen
// (which hides from the model what the co order already rules out).
import type { Value } from '../lower/program.js';
import type { PathEvent, ThreadPath } from './paths.js';

export interface PathShape {
  thread: number;
  /** One of the paths; its read values are meaningless where `varying` says so. */
  representative: ThreadPath;
  /** Thread-local indices of the reads whose value picks the path (plain and RMW reads). */
  valueReads: number[];
  /** The values each of those reads may take in this shape. */
  allowed: Map<number, Set<Value>>;
  /** The path for each tuple of values of valueReads. */
  byValues: Map<string, ThreadPath>;
}

function isValueRead(e: PathEvent): boolean {
  return e.kind === 'R' && e.lock === null;
}

function shapeKey(p: ThreadPath): string {
  const evs = p.events.map((e) => [e.kind, e.loc, isValueRead(e) ? null : e.value, e.ann, e.rmwInstr, e.lock, e.srcuSync, e.dst, e.origin.site, e.origin.part ?? '', e.origin.pos.line, e.origin.pos.col]);
  return JSON.stringify([evs, p.addr, p.data, p.ctrl, p.rmw]);
}

export function valuesKey(values: Value[]): string {
  return values.map((v) => (typeof v === 'number' ? String(v) : `&${v}`)).join(',');
}

export function groupIntoShapes(paths: ThreadPath[]): PathShape[] {
  const shapes = new Map<string, PathShape>();
  for (const p of paths) {
    const key = shapeKey(p);
    let s = shapes.get(key);
    if (!s) {
      const valueReads = p.events.flatMap((e, i) => (isValueRead(e) ? [i] : []));
      s = { thread: p.thread, representative: p, valueReads, allowed: new Map(valueReads.map((i) => [i, new Set<Value>()])), byValues: new Map() };
      shapes.set(key, s);
    }
    const values = s.valueReads.map((i) => p.events[i].value as Value);
    s.valueReads.forEach((i, k) => s!.allowed.get(i)!.add(values[k]));
    s.byValues.set(valuesKey(values), p);
  }
  return [...shapes.values()];
}
