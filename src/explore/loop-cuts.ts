// Loop-bound cuts: the executions that `--unroll N` cuts short, counted rather than dropped.
//
// A loop unrolled N times ends in an `assume` of its exit condition (lower.ts). A thread path on
// which that condition is false needs one more iteration: it stops there (semantics.ts) and is
// marked `loopCut`. The explorer builds the executions such paths take part in like any other;
// one the model accepts is a consistent execution whose thread would go on past the bound, so
// its final state is unknown: it is counted here, never judged (its partial values would be a
// state the program never ends in). The judge then makes a Never or Always with cuts incomplete
// (judge/loop-bound.ts): an execution beyond the bound could change it.
//
// The same path's values are partial for the filter and for verdict mode's condition pruning
// too, so a combination that may cut is never pruned on them: every cut execution is counted.
import type { ThreadPath } from './thread-path.js';
import type { PathShape } from './shapes.js';

/** What the explorer records of the cuts (ExploreStats.loopCuts). */
export interface LoopCutCount {
  /** Consistent executions in which some thread stopped at an --unroll bound. Absent: none. */
  loopCuts?: number;
}

/** Whether some path of the shape stops at a loop bound: its combinations' values are partial. */
export function shapeMayCut(shape: PathShape): boolean {
  if (shape.representative.loopCut) return true;
  for (const p of shape.byValues.values()) if (p.loopCut) return true;
  return false;
}

/** Whether an execution made of these thread paths was cut by a loop bound. */
export function cutByLoopBound(taken: readonly ThreadPath[]): boolean {
  return taken.some((p) => p.loopCut === true);
}

/** Counts one consistent execution cut by a loop bound. */
export function countLoopCut(stats: LoopCutCount): void {
  stats.loopCuts = (stats.loopCuts ?? 0) + 1;
}
