// Which path each thread takes while one combination of path shapes is searched: a shape's
// paths differ only in their reads' values, so a thread's path is known once all of them are.
import type { Value } from '../lower/program.js';
import { valuesKey, type PathShape } from './shapes.js';
import type { ThreadPath } from './thread-path.js';

/**
 * The path each thread of a combination takes: known once every value read of its shape has a
 * source (the values select the path), and none when those values are no path of the thread.
 */
export class ThreadPaths {
  /** Value reads still without a source, per thread. */
  private readonly undecided: number[];
  /** The path once no read of the thread is undecided (null: none, or not yet). */
  readonly taken: Array<ThreadPath | null>;

  constructor(private readonly shapes: readonly PathShape[]) {
    this.undecided = shapes.map((s) => s.valueReads.length);
    this.taken = shapes.map((s) => (s.valueReads.length === 0 ? (s.byValues.get(valuesKey([])) ?? null) : null));
  }

  /**
   * A value read of thread t took a source. When it was the thread's last, `valueOfRead` gives
   * the value of each of the shape's value reads (by thread-local index; null while unknown).
   */
  bound(t: number, valueOfRead: (t: number, i: number) => Value | null): void {
    if (--this.undecided[t] !== 0) return;
    const shape = this.shapes[t];
    const values: Value[] = [];
    for (const i of shape.valueReads) {
      const v = valueOfRead(t, i);
      if (v === null) {
        this.taken[t] = null;
        return;
      }
      values.push(v);
    }
    this.taken[t] = shape.byValues.get(valuesKey(values)) ?? null;
  }

  /** A value read of thread t lost its source. */
  unbound(t: number): void {
    if (this.undecided[t]++ === 0) this.taken[t] = null;
  }

  /** Whether thread t's decided read values are no path of it. */
  pathless(t: number): boolean {
    return this.undecided[t] === 0 && !this.taken[t];
  }

  /** Whether some thread's read values are already no path of it. */
  anyPathless(): boolean {
    for (let t = 0; t < this.shapes.length; t++) if (this.pathless(t)) return true;
    return false;
  }
}
