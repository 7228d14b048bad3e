// A fuzz campaign: run a property for N generated values from a seed, collect failures, then
// shrink them with fast-check by replaying their path. Pure apart from reading the clock: the
// caller writes files and prints.
import fc from 'fast-check';
import type { BoundProperty, Verdict } from './properties.js';

export interface CampaignOptions {
  runs: number;
  seed: number;
  /** Replay one run (and its shrinking) from a failure's path instead of running a campaign. */
  path?: string;
  /** Stop generating new runs after this many milliseconds. */
  timeBudgetMs?: number;
  /** How many failures to shrink (the rest are reported as generated). */
  maxShrinks?: number;
  /** Time limit for shrinking one failure, in milliseconds. */
  shrinkTimeMs?: number;
  /** Say for each group without a failure why it holds (the property's safeBecause; costs a run each). */
  explainSafeGroups?: boolean;
}

export interface CampaignFailure {
  /** fast-check's path for the shrunk counterexample (replays with the same seed). */
  path: string;
  /** The generated run that first failed. */
  run: number;
  group: string | null;
  message: string;
  /** The litmus file(s) of the (shrunk, if shrinking ran) counterexample. */
  files: string[];
  shrunk: boolean;
  shrinkSteps: number;
}

export interface GroupSummary {
  group: string;
  runs: number;
  failures: number;
  /** For a group without failures, why the property holds there (with explainSafeGroups). */
  safeBecause: string | null;
}

export interface CampaignReport {
  property: string;
  seed: number;
  runsRequested: number;
  /** Runs actually checked. */
  runs: number;
  /** Runs whose check was skipped (an exploration limit was hit). */
  skipped: number;
  /** Every failing run. */
  failingRuns: number;
  /** The failures reported (one per group for grouped properties, else the first few). */
  failures: CampaignFailure[];
  /** Per group (e.g. a KVM protocol shape): runs and failing runs. */
  groups: GroupSummary[];
  /** The time budget ended the campaign before all runs. */
  timedOut: boolean;
  timeMs: number;
}

interface Found {
  run: number;
  value: unknown;
  group: string | null;
  message: string;
}

export function runCampaign(prop: BoundProperty<unknown>, options: CampaignOptions): CampaignReport {
  const start = performance.now();
  const maxShrinks = options.maxShrinks ?? prop.defaultShrinks;
  const report: CampaignReport = {
    property: prop.name, seed: options.seed, runsRequested: options.runs, runs: 0, skipped: 0, failingRuns: 0,
    failures: [], groups: [], timedOut: false, timeMs: 0,
  };
  if (options.path !== undefined) {
    // Replay: exactly the run the path names, then fast-check's shrinking from there.
    const failure = shrink(prop, options.seed, options.path, 0, options.shrinkTimeMs);
    report.runs = 1;
    if (failure) {
      report.failingRuns = 1;
      report.failures.push(failure);
    }
    report.timeMs = performance.now() - start;
    return report;
  }

  // Pass 1: every run is checked, failures are recorded (the predicate always succeeds, so
  // fast-check neither stops nor shrinks, and run i is exactly the value that path "i" replays).
  const found: Found[] = [];
  const groups = new Map<string, GroupSummary>();
  const firstValue = new Map<string, unknown>();
  const deadline = options.timeBudgetMs !== undefined ? start + options.timeBudgetMs : Infinity;
  let run = 0;
  fc.check(
    fc.property(prop.arbitrary, (value) => {
      const index = run++;
      if (performance.now() > deadline) {
        report.timedOut = true;
        return true;
      }
      report.runs++;
      const verdict: Verdict = prop.check(value);
      const group = prop.group ? prop.group(value) : null;
      if (group !== null) {
        let g = groups.get(group);
        if (!g) {
          groups.set(group, (g = { group, runs: 0, failures: 0, safeBecause: null }));
          firstValue.set(group, value);
        }
        g.runs++;
        if (!verdict.ok) g.failures++;
      }
      if (verdict.ok) {
        if (verdict.skipped) report.skipped++;
        return true;
      }
      report.failingRuns++;
      // Keep the first failure of each group, or the first few when there are no groups.
      const keep = group !== null ? !found.some((f) => f.group === group) : found.length < Math.max(maxShrinks, 1);
      if (keep) found.push({ run: index, value, group, message: verdict.message });
      return true;
    }),
    { seed: options.seed, numRuns: options.runs, ...(options.timeBudgetMs !== undefined ? { interruptAfterTimeLimit: options.timeBudgetMs } : {}) },
  );
  if (report.runs < options.runs) report.timedOut = true;

  // Pass 2: shrink the first failures by replaying their paths; report the rest as generated.
  found.forEach((f, i) => {
    const shrunk = i < maxShrinks ? shrink(prop, options.seed, String(f.run), f.run, options.shrinkTimeMs) : null;
    report.failures.push(
      shrunk ? { ...shrunk, group: f.group } : { path: String(f.run), run: f.run, group: f.group, message: f.message, files: prop.files(f.value), shrunk: false, shrinkSteps: 0 },
    );
  });
  if (options.explainSafeGroups && prop.safeBecause) {
    for (const g of groups.values()) if (g.failures === 0) g.safeBecause = prop.safeBecause(firstValue.get(g.group));
  }
  report.groups = [...groups.values()].sort((a, b) => b.failures - a.failures || (a.group < b.group ? -1 : 1));
  report.timeMs = performance.now() - start;
  return report;
}

/** Replays `path` and lets fast-check shrink the failure; null when that run passes. */
function shrink(prop: BoundProperty<unknown>, seed: number, path: string, run: number, timeMs = 120_000): CampaignFailure | null {
  let message = '';
  const details = fc.check(
    fc.property(prop.arbitrary, (value) => {
      const v = prop.check(value);
      if (!v.ok) message = v.message;
      return v.ok;
    }),
    { seed, path, numRuns: 1, interruptAfterTimeLimit: timeMs },
  );
  if (!details.failed || details.counterexample === null) return null;
  let value = details.counterexample[0];
  let steps = details.numShrinks;
  // Then greedily: fast-check's shrinker can stop at a local minimum. Deterministic, so the
  // printed path still replays to the same file.
  const deadline = performance.now() + timeMs;
  let final = prop.check(value);
  for (let progress = true; progress && prop.simplify && performance.now() < deadline; ) {
    progress = false;
    for (const smaller of prop.simplify(value)) {
      const v = prop.check(smaller);
      if (!v.ok) {
        value = smaller;
        final = v;
        steps++;
        progress = true;
        break;
      }
    }
  }
  if (!final.ok) message = final.message;
  const runFromPath = Number(path.split(':')[0]);
  return {
    path: details.counterexamplePath ?? path,
    run: Number.isFinite(runFromPath) ? runFromPath : run,
    group: prop.group ? prop.group(value) : null,
    message,
    files: prop.files(value),
    shrunk: true,
    shrinkSteps: steps,
  };
}
