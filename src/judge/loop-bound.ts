// What the --unroll bound's cuts (explore/loop-cuts.ts) do to a verdict.
//
// A cut execution is consistent up to the bound, and its thread would go on: any final state is
// still possible for it. So:
// - Never and Always are claims about every execution: with cuts they are incomplete (exit 3),
//   never a verdict the bound made ("loop bound 2 cut 3 executions; raise --unroll").
// - Sometimes stands: both witnesses found are executions that end within the bound. Its flags
//   are another matter: a flag the model may raise and no judged execution raised could still be
//   raised by an execution beyond the bound, so a Sometimes with cuts is incomplete too when the
//   model has such a flag left (data-race only when some access is plain: LKMM flags races only
//   then). A flag already raised stays raised.
// The cut count is reported either way (Judgement.loopBound).
import type { Instr, Program } from '../lower/program.js';
import type { ExploreStats } from '../explore/explorer.js';
import type { Judgement } from './judge.js';
import { isMarkedAnn } from '../lower/annotations.js';

export interface LoopBound {
  /** The --unroll bound the loops were unrolled to. */
  bound: number;
  /** Consistent executions cut by it (in verdict mode: among those the searches met). */
  cuts: number;
  /** Whether the cuts made the result incomplete (and nothing else did). */
  incomplete: boolean;
}

/** Whether the program has an access that no annotation marks (LKMM's Plain). */
export function hasPlainAccess(program: Program): boolean {
  const walk = (is: readonly Instr[]): boolean => is.some((i) => ((i.op === 'load' || i.op === 'store') && !isMarkedAnn(i.ann)) || (i.op === 'if' && (walk(i.then) || walk(i.else))));
  return program.threads.some((t) => walk(t.body));
}

/** Why the cuts leave the result incomplete, or null when they do not. */
export function loopBoundReason(program: Program, modelFlags: readonly string[], j: Judgement, bound: number, cuts: number): string | null {
  if (cuts === 0) return null;
  const cut = `loop bound ${bound} cut ${cuts} execution${cuts === 1 ? '' : 's'}`;
  if (j.observation !== 'Sometimes') return `${cut}; raise --unroll`;
  const open = modelFlags.filter((f) => !j.flags.includes(f) && (f !== 'data-race' || hasPlainAccess(program)));
  return open.length > 0 ? `${cut}, which could raise ${open.join(', ')}; raise --unroll` : null;
}

/** The judgement and stats with the loop bound's cuts applied: reported, and incomplete where they could change the answer. */
export function applyLoopBound(program: Program, modelFlags: readonly string[], judgement: Judgement, stats: ExploreStats): { judgement: Judgement; stats: ExploreStats } {
  if (program.loopBound === undefined) return { judgement, stats };
  const cuts = stats.loopCuts ?? 0;
  // Another limit already made the result incomplete: the cuts are only reported.
  const reason = stats.incomplete === null ? loopBoundReason(program, modelFlags, judgement, program.loopBound, cuts) : null;
  const loopBound: LoopBound = { bound: program.loopBound, cuts, incomplete: reason !== null };
  if (reason === null) return { judgement: { ...judgement, loopBound }, stats };
  return { judgement: { ...judgement, loopBound, complete: false, vacuous: null }, stats: { ...stats, incomplete: reason } };
}
