// What an exploration takes and gives (limits, goal, executions, statistics), and what the
// searches of one exploration share: the test, the model, the visitor, the limits they enforce,
// the counters and the goal that prunes partial executions.
import { type CondProp, type Program, type Value } from '../lower/program.js';
import type { MemoryModel } from '../models/model.js';
import type { Relation } from '../execution/relation.js';
import { holdsPartially, type PartialObserver } from '../execution/condition.js';
import type { Skeleton } from '../execution/execution.js';
import type { BlockedAt, UndefinedBehaviour } from './thread-path.js';
import { valueFlow, type ValueFlow } from './value-flow.js';
import type { LoopCutCount } from './loop-cuts.js';
import type { Split } from './components.js';

/**
 * A verdict search's target: executions whose condition evaluates to `want`. The explorer
 * drops partial executions for which it is already decided the other way.
 */
export interface SearchGoal {
  condition: CondProp;
  want: boolean;
}

export interface ExploreLimits {
  /**
   * Stop after this many candidate executions have been checked, or after this many times
   * STEPS_PER_EXECUTION search steps (partial executions built), whichever comes first.
   */
  maxExecutions?: number;
  /** Wall-clock deadline (ms since the epoch, as Date.now()). */
  deadline?: number;
  /** Most paths one thread may have. */
  maxPaths?: number;
  /**
   * Called for each complete candidate the model rejects. Only candidates the explorer builds
   * reach it: when the model assumes coherence, incoherent ones and those pruned as partial
   * executions never do (explain uses a permissive model to see every candidate).
   */
  onRejected?: (e: RejectedExecution) => void;
  /**
   * Verdict mode: build only executions whose condition may still evaluate to `goal.want`;
   * the others are pruned as soon as the values decided so far settle the condition.
   */
  goal?: SearchGoal;
  /**
   * Take the general path of the value-flow shortcuts (value-flow.ts): a computed address may
   * denote any location, and the looks with unknown values always run. The tests' oracle.
   */
  coarseValueFlow?: boolean;
  /**
   * Shared by the searches of one verdict (judge/search.ts) over the same program and model:
   * what none of them changes is computed once (the value flow, the split, and each component's
   * executions, which a component explores without the goal).
   */
  memo?: SearchMemo;
}

/** What the searches of one verdict share; start each verdict with `{ components: [] }`. */
export interface SearchMemo {
  flow?: ValueFlow;
  /** null: not split (or the split fell back to the whole test). */
  split?: Split | null;
  components: Array<ConsistentExecution[] | undefined>;
}

/** Search steps one unit of --max-executions allows (a step: one co or rf decision). */
export const STEPS_PER_EXECUTION = 100;

/** A complete candidate execution, with its final state. */
export interface CandidateExecution {
  /** The events, with the values the reads actually got. */
  skeleton: Skeleton;
  rf: Relation;
  co: Relation;
  /** Final register values per thread (user registers only). */
  regs: Map<string, Value>[];
  /** Final value of every location (its co-last write). */
  memory: Map<string, Value>;
  /** Where a thread's path stopped at undefined behaviour (the first such thread), or null. */
  undefinedBehaviour: UndefinedBehaviour | null;
  /** The threads that wait forever in this execution (see BlockedAt in thread-path.ts), in thread order. */
  blocked: BlockedAt[];
}

export interface ConsistentExecution extends CandidateExecution {
  /** Flags the model raised (e.g. data-race). */
  flags: string[];
}

/** A complete candidate the model rejected, with the check that failed (for explanations). */
export interface RejectedExecution extends CandidateExecution {
  failed: string;
}

export interface ExploreStats extends LoopCutCount {
  /** Combinations of thread paths whose executions were searched. */
  pathCombinations: number;
  /** Combinations or partial executions left out because the filter is false on their known values. */
  filteredCombinations: number;
  /** Complete candidate executions handed to the model. */
  explored: number;
  /** Of those, the ones the model accepted. */
  consistent: number;
  /** Partial executions the model (or coherence, or the thread paths) ruled out before they were completed. */
  pruned: number;
  /** Partial executions dropped because their known values settle the goal's condition the other way. */
  goalPruned: number;
  /** Search steps: co and rf decisions taken. */
  steps: number;
  /** Partial executions handed to the model's partial check (mayExtend). */
  partialChecks: number;
  /** Set when a limit stopped the exploration: what was hit. */
  incomplete: string | null;
  /** Set when the visitor stopped the exploration (it found what it was looking for). */
  stopped: boolean;
  /**
   * Consistent executions left out because a thread stopped at a wait that its location's last
   * value ends (or an idling thread read an older value): the same runs seen before a read, not
   * executions of their own (thread-path.ts, BlockedAt). Optional: only the explorer sets it.
   */
  unfinished?: number;
  /** Set when a consistent execution reached a loop bound (kvm_vcpu_block()'s): the result is then incomplete. */
  cut?: string;
}

/** Called for each consistent execution; returning true stops the exploration. */
export type Visitor = (e: ConsistentExecution) => boolean | void;

export class StopExploring extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Thrown when the visitor found what it was looking for. */
export class Found extends Error {}

/** One exploration's shared state: what every combination's search reads, counts and checks against. */
export class Exploration {
  readonly stats: ExploreStats = { pathCombinations: 0, filteredCombinations: 0, explored: 0, consistent: 0, pruned: 0, goalPruned: 0, steps: 0, partialChecks: 0, incomplete: null, stopped: false };
  /** Whether the model requires coherence and atomicity (then the search prunes by them). */
  readonly coherent: boolean;
  /** The test's value flow (one analysis serves the split decision, the domains and the cycle search). */
  readonly flow: ValueFlow;
  /** Whether a value may depend on itself in this test (value-flow.ts): else nothing to check at the leaves. */
  readonly dataCycles: boolean;
  private ticks = 0;

  constructor(
    readonly program: Program,
    readonly model: MemoryModel,
    readonly visit: Visitor,
    readonly limits: ExploreLimits,
  ) {
    this.coherent = model.assumesCoherence !== false;
    const memo = limits.memo;
    this.flow = memo?.flow ?? (limits.coarseValueFlow ? { ...valueFlow(program, { everyAddress: true }), readWriteCycles: true } : valueFlow(program, { coherent: this.coherent }));
    if (memo) memo.flow = this.flow;
    this.dataCycles = this.flow.dataCycles;
  }

  /** One search step; throws StopExploring when a limit is reached. */
  step(): void {
    const { stats, limits } = this;
    stats.steps++;
    if (limits.maxExecutions !== undefined && (stats.explored >= limits.maxExecutions || stats.steps > limits.maxExecutions * STEPS_PER_EXECUTION)) {
      throw new StopExploring(`--max-executions ${limits.maxExecutions} reached`);
    }
    if (limits.deadline !== undefined && (++this.ticks & 15) === 0 && Date.now() > limits.deadline) throw new StopExploring('timeout reached');
  }

  /** Before a complete candidate is checked. */
  execution(): void {
    const { stats, limits } = this;
    if (limits.maxExecutions !== undefined && stats.explored >= limits.maxExecutions) {
      throw new StopExploring(`--max-executions ${limits.maxExecutions} reached`);
    }
    if (limits.deadline !== undefined && (++this.ticks & 15) === 0 && Date.now() > limits.deadline) throw new StopExploring('timeout reached');
  }

  /** Whether the values `observe` knows so far rule out every completion the search wants. */
  goalSettled(observe: PartialObserver): boolean {
    const { program, limits } = this;
    // In full mode the filter prunes whole combinations only (explore), so that the executions
    // it removes are counted for the vacuity message.
    if (limits.goal && program.filter && holdsPartially(program.filter, observe) === false) {
      this.stats.filteredCombinations++;
      return true;
    }
    if (limits.goal && holdsPartially(limits.goal.condition, observe) === !limits.goal.want) {
      this.stats.goalPruned++;
      return true;
    }
    return false;
  }
}
