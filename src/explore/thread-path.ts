// A thread path: one way through a thread run on its own (paths.ts enumerates them), with its
// events, their dependencies and the final registers, and how it ends.
import type { SourcePos } from '../diagnostics.js';
import type { Origin, PureExpr, Value } from '../lower/program.js';
import type { EventBody } from '../execution/execution.js';
import { evaluate, truthy } from './evaluate.js';

/** An event of a thread's path: every thread event comes from a source-level operation. */
export interface PathEvent extends EventBody {
  origin: Origin;
  /** A write of a self-justified value (SYMBOL): the thread-local index of the read it copies. */
  symFrom?: number;
  /** A read: herd7's variable number for its value, which names its symbol (docs/cycle-values.md). */
  herdVar?: number;
}

/** A path's events and the dependencies between them (thread-local indices). */
export interface PathBody {
  events: PathEvent[];
  addr: Array<[number, number]>;
  data: Array<[number, number]>;
  ctrl: Array<[number, number]>;
  rmw: Array<[number, number]>;
}

export interface ThreadPath extends PathBody {
  thread: number;
  regs: Map<string, Value>;
  /** Registers holding a self-justified value (SYMBOL): the thread-local index of the read it copies. */
  symbols?: Map<string, number>;
  /** Where the path stopped at undefined behaviour, or null when it ran to the end. */
  undefined: UndefinedBehaviour | null;
  /** Where the path stopped at a wait whose read did not end it, or null. */
  blocked: BlockedAt | null;
  /** Set when the path stopped at a loop bound (kvm_vcpu_block()'s): what was cut. */
  cut: string | null;
  /**
   * Set when the path stopped at the end of a loop unrolled by --unroll N, needing one more
   * iteration: its executions are counted as cut, never judged (loop-cuts.ts). Absent: false.
   */
  loopCut?: boolean;
  /** Reads of an idling thread: each must be its location's last value (see below). */
  latest: ReadonlyArray<{ loc: string; value: Value }>;
}

/**
 * A thread stopped at a wait (an `await`): its last read got `read`, which does not end the
 * wait. A spinning thread keeps reading, and on a fair machine it eventually reads the
 * location's last value; so the execution is blocked only when that last value does not end
 * the wait either. When it does, the execution is the same run seen before the wait's last
 * read: it is not one of its own (the run in which the read gets that value is explored as
 * another path), and the explorer does not count it. An idling thread's read (`latest`) is
 * likewise the location's last value: the thread takes every IPI sent while it idles.
 */
export interface BlockedAt {
  thread: number;
  pos: SourcePos;
  waitsFor: string;
  loc: string;
  read: Value;
  dst: string;
  until: PureExpr;
}

/** The values each location may hold, grown to a fixpoint over all threads' writes. */
export type Domains = Map<string, Value[]>;

/** Where a path stopped because its next step has no defined meaning (e.g. dereferencing 1). */
export interface UndefinedBehaviour {
  thread: number;
  pos: SourcePos;
  message: string;
}

/*
 * A path that reaches undefined behaviour ends there and says why in its `undefined` field. The
 * explorer treats it like any other path, so only guesses that some consistent execution
 * justifies surface; the judge sets those aside and reports them, rather than the verdict
 * silently ignoring them.
 */

/**
 * How the threads of an execution end, from its final memory: 'unfinished' when a thread
 * stopped at a wait that the location's last value ends, or an idling thread read an older
 * value than the last (BlockedAt); else the threads that wait forever and the first loop bound
 * reached.
 */
export function pathEnds(taken: readonly ThreadPath[], memory: ReadonlyMap<string, Value>): 'unfinished' | { blocked: BlockedAt[]; cut: string | null } {
  const blocked: BlockedAt[] = [];
  let cut: string | null = null;
  for (const p of taken) {
    for (const l of p.latest) if ((memory.get(l.loc) ?? 0) !== l.value) return 'unfinished';
    if (p.cut !== null) cut ??= p.cut;
    const b = p.blocked;
    if (b === null) continue;
    const last = memory.get(b.loc) ?? 0;
    if (truthy(evaluate(b.until, new Map([[b.dst, { v: last, deps: [] }]])).v)) return 'unfinished';
    blocked.push(b);
  }
  return { blocked, cut };
}
