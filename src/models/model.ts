// What every memory model offers the explorer. SC, TSO, LKMM and cat-interpreted models are peers.
import type { Candidate, Skeleton } from '../execution/execution.js';

export interface ModelVerdict {
  consistent: boolean;
  /** The first check that failed (e.g. "happens-before"), when inconsistent. */
  failed: string | null;
  /** Flags raised (e.g. "data-race"); they do not make the execution inconsistent. */
  flags: string[];
}

/** A model specialised to one skeleton: the per-program work is done once, here. */
export interface PreparedModel {
  consistency(candidate: Candidate): ModelVerdict;
  /**
   * Optional early pruning: false when no completion of this partial candidate can be
   * consistent. Must be monotone (a relation only grows as rf/co are completed).
   */
  mayExtend?(partial: Candidate): boolean;
}

export interface MemoryModel {
  name: string;
  description: string;
  /**
   * Whether the model requires coherence (acyclic po-loc | com) and RMW atomicity, as SC, TSO
   * and LKMM do. The explorer then builds only coherent candidates; false makes it enumerate
   * every rf/co choice (for user-written models that may be weaker). Default true.
   */
  assumesCoherence?: boolean;
  /**
   * The flags the model can raise (LKMM: data-race). A DATARACE in an expected verdict is
   * compared only when the model can raise data-race. Default none.
   */
  flags?: readonly string[];
  /**
   * Which program-order rules `explain` uses to say why an edge of a cycle holds or not: LKMM's
   * barriers and dependencies, x86's store buffer, or none (SC). Default lkmm.
   */
  orderingRules?: OrderingRules;
  /**
   * Whether every check is a cycle or path over program order (with fences and dependencies),
   * rf, co and fr, or a pair of accesses to one location, as in SC, TSO and LKMM. Then the
   * executions of a test whose parts share no location (each thread's share of a part being a
   * contiguous block) are every combination of the parts' executions, and the explorer searches
   * the parts apart (src/explore/components.ts). Default false.
   */
  decomposes?: boolean;
  /**
   * The interleaving engine's machine (src/interleave/) whose final states are the model's:
   * sequentially consistent memory, or x86's FIFO store buffers. fuzz's engines-agree compares
   * the two engines on the models that have one. Default none.
   */
  operational?: OperationalMachine;
  /**
   * What each check the model can fail (ModelVerdict.failed) demands, in words: `explain` says so
   * of the candidates the check rules out. A check not listed is "the model's <check> check".
   */
  checkMeanings?: Readonly<Record<string, string>>;
  prepare(skeleton: Skeleton): PreparedModel;
}

export type OperationalMachine = 'sc' | 'tso';

export type OrderingRules = 'lkmm' | 'tso' | 'sc';
