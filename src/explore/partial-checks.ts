// When the search asks the model's partial check (mayExtend) whether a partial execution can
// still be completed. A check costs about as much as a complete candidate's, so a decision site
// (location k, step i of it) is checked while its checks are expected to save more candidates
// than they cost: how often they prune, times how much work lies below the site. Pruning only
// saves work: skipping a check is always sound.
import type { Candidate } from '../execution/execution.js';
import type { PreparedModel } from '../models/model.js';
import type { ExploreStats } from './exploration.js';
import type { LocationPlan } from './location-plan.js';

/** Decision sites per location for the adaptive partial checks: each co placement (with the reads it binds), the start, completion. */
export const SITES_PER_LOCATION = 128;
/** A site is always checked for its first SITE_TRIAL visits, then when worth it, and every SITE_SAMPLE-th visit. */
const SITE_TRIAL = 16;
const SITE_SAMPLE = 32;
/** Expected candidates saved per check above which a site is checked (a partial check costs less than a complete one). */
const SITE_WORTH = 1;

/** The partial-check scheduler of one combination's search, learning per site as the search goes. */
export class PartialChecks {
  private readonly tries: number[] = [];
  private readonly prunes: number[] = [];
  private readonly skips: number[] = [];
  private readonly work: number[] = [];
  private readonly visits: number[] = [];
  /** suffix[k]: at most one candidate (1) or more (2) for the locations from k on. */
  private readonly suffix: number[];

  /** `candidate`: the partial execution the search builds, which `prepared`'s partial check judges. */
  constructor(
    private readonly plans: readonly LocationPlan[],
    private readonly prepared: PreparedModel,
    private readonly candidate: Candidate,
    private readonly stats: ExploreStats,
  ) {
    this.suffix = new Array<number>(plans.length + 1).fill(1);
    for (let k = plans.length - 1; k >= 0; k--) {
      const p = plans[k];
      let n = this.suffix[k + 1] * (p.queues.length > 1 ? 2 : 1);
      for (const c of p.reads) n *= c.sources.length;
      this.suffix[k] = Math.min(n, 2);
    }
  }

  /**
   * Go deeper after a decision at site (k, i), first asking the model's partial check whether
   * the partial execution can still be completed, when that is worth it.
   */
  guarded(k: number, i: number, go: () => void): void {
    const { prepared, candidate } = this;
    const mayExtend = prepared.mayExtend;
    // Nothing to save when at most one candidate lies below.
    if (mayExtend === undefined || this.below(k, i) < 2) {
      go();
      return;
    }
    const { stats } = this;
    const site = k * SITES_PER_LOCATION + Math.min(i, SITES_PER_LOCATION - 1);
    const tries = this.tries[site] ?? 0;
    const prunes = this.prunes[site] ?? 0;
    let check = tries < SITE_TRIAL;
    if (!check) {
      const below = (this.work[site] ?? 0) / Math.max(1, this.visits[site] ?? 0);
      check = (prunes / tries) * below >= SITE_WORTH || ((this.skips[site] = (this.skips[site] ?? 0) + 1) % SITE_SAMPLE === 0);
    }
    if (check) {
      this.tries[site] = tries + 1;
      stats.partialChecks++;
      if (!mayExtend.call(prepared, candidate)) {
        this.prunes[site] = prunes + 1;
        stats.pruned++;
        return;
      }
    }
    const before = stats.explored + stats.partialChecks;
    go();
    this.work[site] = (this.work[site] ?? 0) + stats.explored + stats.partialChecks - before;
    this.visits[site] = (this.visits[site] ?? 0) + 1;
  }

  /** An upper bound on the candidates below a decision site of location k (capped at 2: only "at most one" matters). */
  private below(k: number, i: number): number {
    const plan = this.plans[k];
    let n = this.suffix[k + 1];
    const fromRead = i >= SITES_PER_LOCATION / 2 ? (i === SITES_PER_LOCATION - 1 ? plan.reads.length : i - SITES_PER_LOCATION / 2 + 1) : 0;
    for (let j = fromRead; j < plan.reads.length && n < 2; j++) n *= plan.reads[j].sources.length;
    if (fromRead === 0 && plan.queues.length > 1) n *= 2;
    return Math.min(n, 2);
  }
}
