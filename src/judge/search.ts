// Verdict mode: decide the Observation (Never / Sometimes / Always) without listing the states.
//
// Full enumeration's Observation is Never when no judged execution (consistent, passing the
// filter, without undefined behaviour) satisfies the condition, Always when all of them do and
// there is at least one, Sometimes otherwise. Verdict mode answers the same two questions with
// directed searches that stop at their first find:
//   1. is there a judged execution satisfying the condition? (partial executions whose values
//      already make it false are pruned) -- none: Never, and the search was exhaustive;
//   2. only if so, is there one that does not? (the mirror pruning) -- none: Always, else Sometimes;
//   3. flags: when the program has plain accesses and the model may flag races, is there a
//      judged execution flagged data-race? (no condition pruning, stops at the first); and in
//      any case at least one judged execution, for the flags every execution carries and to
//      tell a vacuous test (none at all) apart.
// Every execution found goes to `visit`, so the judge's positive/negative counts are those of
// the executions found: non-zero exactly when full enumeration's are. The quantifier's Ok/No
// follows from them as it does in full mode. A limit hit in any search makes the whole result
// incomplete, never Never.
import type { Instr, Program } from '../lower/program.js';
import type { MemoryModel } from '../models/model.js';
import { explore, type ConsistentExecution, type ExploreLimits, type ExploreStats, type SearchMemo } from '../explore/explorer.js';
import { classify } from './judge.js';
import { hasPlainAccess } from './loop-bound.js';

export interface VerdictSearch {
  stats: ExploreStats;
  /** Whether the data-race flag was searched for (false: the flags are those of the executions found). */
  dataRaceSearched: boolean;
}

/** What the judge does with an execution: set it aside, or count it as satisfying or not. */
function judged(program: Program, e: ConsistentExecution): 'ignored' | boolean {
  const c = classify(program, e);
  return c.k === 'state' ? c.satisfies : 'ignored';
}


/** Whether a thread may wait (an `await`): only then can an execution block. */
function programWaits(program: Program): boolean {
  const walk = (is: readonly Instr[]): boolean => is.some((i) => (i.op === 'await' && !i.idle) || (i.op === 'if' && (walk(i.then) || walk(i.else))));
  return program.threads.some((t) => walk(t.body));
}

export function searchVerdict(program: Program, model: MemoryModel, visit: (e: ConsistentExecution) => void, limits: ExploreLimits = {}): VerdictSearch {
  const total: ExploreStats = { pathCombinations: 0, filteredCombinations: 0, explored: 0, consistent: 0, pruned: 0, goalPruned: 0, steps: 0, partialChecks: 0, incomplete: null, stopped: false };
  let satisfying = false;
  let anyJudged = false;
  let race = false;
  let blocked = false;
  let stopAtBlocked = false;
  // The searches explore the same program: a split test's components once, not once per search.
  const memo: SearchMemo = { components: [] };
  const run = (extra: Partial<ExploreLimits>, stopAt: (verdict: boolean, e: ConsistentExecution) => boolean): boolean => {
    const max = limits.maxExecutions;
    if (max !== undefined && total.explored >= max) {
      total.incomplete = `--max-executions ${max} reached`;
      return false;
    }
    const s = explore(program, model, (e) => {
      visit(e);
      if (e.blocked.length > 0) {
        blocked = true;
        return stopAtBlocked;
      }
      const v = judged(program, e);
      if (v === 'ignored') return false;
      anyJudged = true;
      if (e.flags.includes('data-race')) race = true;
      if (v) satisfying = true;
      return stopAt(v, e);
    }, { ...limits, ...extra, memo, maxExecutions: max === undefined ? undefined : max - total.explored });
    total.pathCombinations += s.pathCombinations;
    total.filteredCombinations += s.filteredCombinations;
    total.explored += s.explored;
    total.consistent += s.consistent;
    total.pruned += s.pruned;
    total.goalPruned += s.goalPruned;
    total.steps += s.steps;
    total.partialChecks += s.partialChecks;
    // Each search meets the cut executions it does not stop before; an exhaustive one meets them
    // all (nothing is pruned on a cut path's values: explore/loop-cuts.ts), so take the largest.
    if (s.loopCuts !== undefined) total.loopCuts = Math.max(total.loopCuts ?? 0, s.loopCuts);
    if (s.incomplete !== null) {
      // Report the limit as the caller gave it, not the share left for this search.
      total.incomplete = s.incomplete.startsWith('--max-executions') && max !== undefined ? `--max-executions ${max} reached` : s.incomplete;
      return false;
    }
    return true;
  };
  const goal = (want: boolean) => ({ goal: { condition: program.condition, want } });
  if (!run(goal(true), (v) => v)) return { stats: total, dataRaceSearched: false };
  if (satisfying && !run(goal(false), (v) => !v)) return { stats: total, dataRaceSearched: false };
  const searchRace = hasPlainAccess(program) && (model.flags ?? []).includes('data-race');
  if ((searchRace && !race) || !anyJudged) {
    if (!run({}, () => (!searchRace || race))) return { stats: total, dataRaceSearched: false };
  }
  // 4. blocked: whether some execution blocks forever (full enumeration lists them; a DEADLOCK
  // expectation and a vacuous verdict depend on it). Only for programs that wait.
  if (!blocked && programWaits(program)) {
    stopAtBlocked = true;
    if (!run({}, () => false)) return { stats: total, dataRaceSearched: false };
  }
  total.stopped = true;
  // Searched, or impossible: LKMM flags races only between accesses one of which is plain.
  return { stats: total, dataRaceSearched: true };
}
