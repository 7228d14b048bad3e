// `explain`: why a test's bad outcome is reachable (a witness execution, told per thread in
// source terms, with the program-order steps that were not kept), or why it is not (which
// model check rejects every candidate execution that would reach it). Pure: no I/O.
import type { Diagnostic } from '../diagnostics.js';
import type { KvmArch } from '../lower/kvm-arch.js';
import { decideProgram, prepareTest, type TestResult } from '../api.js';
import type { Event, Skeleton } from '../execution/execution.js';
import { explore, type ConsistentExecution } from '../explore/explorer.js';
import { formatValue, observe } from '../execution/condition.js';
import { isBad } from '../judge/judge.js';
import type { Program } from '../lower/program.js';
import type { LowerOptions } from '../lower/lower.js';
import type { MemoryModel, OrderingRules } from '../models/model.js';
import { expectationMismatch, outcomeWords, verdictText } from '../check/verdict.js';
import { protocolStory } from './kvm.js';
import { coherenceCycle, interleaving, shortestCycle, type CycleEdge } from './cycle.js';
import { describeOrdering, judgePair, judgePairSc, judgePairTso, type PairVerdict } from './ordering.js';
import { ExecutionView, conditionNames, type ExecutionGraph, type StepView, type ThreadView } from './views.js';

export interface ExplainOptions {
  /** A model name (lkmm, sc, tso) or a model object. */
  model?: string | MemoryModel;
  /** How many witness executions to explain when the outcome is reachable. */
  witnesses?: number;
  timeoutMs?: number;
  maxExecutions?: number;
  /** The KVM architecture of a test without a KvmArch= line. */
  kvmArch?: KvmArch;
  /** Lowering options (loop unrolling, primitives of a .def file), as for decideSource. */
  lower?: LowerOptions;
}

/** A step of the cycle, told in words, with the verdict on program-order steps. */
export interface ExplainedEdge extends CycleEdge {
  /** For po steps: whether LKMM keeps the order and what does (or would). */
  pair: PairVerdict | null;
  sentence: string;
  /** The two ends in source terms: "P0 line 21: WRITE_ONCE writes vcpu->mode = IN_GUEST_MODE". */
  fromText: string;
  toText: string;
}

/** How the bad outcome comes about in one consistent execution. */
export interface Witness {
  graph: ExecutionGraph;
  /** The final state, as "0:r0=0", with constants named as the condition names them. */
  state: string[];
  threads: ThreadView[];
  /** The cycle that makes the outcome non-sequentially-consistent; null if SC produces it. */
  cycle: ExplainedEdge[] | null;
  /** Reads that missed, or took, another thread's write: "P1 line 14 read ... although ...". */
  reasons: string[];
  /** Program-order steps on the cycle that were not kept, with the barrier that was missing. */
  failed: string[];
  /** Program-order steps on the cycle that were kept, and what kept them. */
  held: string[];
  /** When no reordering is needed: the interleaving that produces the outcome. */
  interleaving: StepView[] | null;
  /** The KVM request paths, blocking and wake-ups in the protocol's terms (see kvm.ts). */
  protocol: string[];
}

/** One model check that rejects candidate executions ending in the bad state. */
export interface RuledOut {
  check: string;
  /** What the check demands, in words. */
  meaning: string;
  candidates: number;
  /** One rejected candidate, as a cycle through the source. */
  example: {
    graph: ExecutionGraph;
    state: string[];
    threads: ThreadView[];
    cycle: ExplainedEdge[] | null;
    /** The KVM request paths of the candidate in the protocol's terms (see kvm.ts). */
    protocol: string[];
  };
}

interface Common {
  name: string;
  file: string;
  model: string;
  /** "lost request: reachable", or the observation for tests without a named outcome. */
  verdict: string;
  /** The bad outcome in words: "lost request", or "the condition's state". */
  outcome: string;
  condition: string;
  /** A mismatch with the test's Result: comment, if any. */
  mismatch: string | null;
  /** Set when a limit stopped the exploration. */
  incomplete: string | null;
  result: TestResult;
}

export type Explanation =
  | (Common & { kind: 'reachable'; witnesses: Witness[] })
  | (Common & {
      kind: 'never';
      candidates: number;
      ruledOut: RuledOut[];
      /**
       * Further candidates left out: a read in them takes its value from its own thread's later
       * write (coherence forbids it on every machine; it teaches nothing about the protocol).
       */
      ownFuture: number;
      /** Set when the search for rejected candidates stopped at a limit (the verdict stands). */
      partial: string | null;
    });

export type ExplainResult = { ok: true; explanation: Explanation } | { ok: false; diagnostics: Diagnostic[] };

/** The "check" of candidates the model accepts (found only when a limit stopped the witness search). */
const NO_CHECK = 'none';

/** What a check demands, in words: the model says (MemoryModel.checkMeanings); 'none' is explain's own. */
function checkMeaning(model: MemoryModel, check: string): string {
  if (check === NO_CHECK) return 'nothing: the model accepts these, but the search for witnesses stopped at a limit before reaching them';
  return model.checkMeanings?.[check] ?? `the model's ${check} check`;
}

const BASIC_CHECKS = new Set(['coherence', 'atomic']);

/** Accepts every candidate, coherent or not: lets the explorer list them all for a Never. */
const EVERY_CANDIDATE: MemoryModel = {
  name: 'every-candidate',
  description: 'accepts every candidate execution',
  assumesCoherence: false,
  prepare: () => ({ consistency: () => ({ consistent: true, failed: null, flags: [] }) }),
};

/** Default bound on the candidates a Never's explanation looks at (they are not pruned). */
const MAX_CANDIDATES = 2_000_000;


export function explainSource(source: string, file: string, options: ExplainOptions = {}): ExplainResult {
  const prepared = prepareTest(source, file, { model: options.model, lower: { ...options.lower, kvmArch: options.kvmArch } });
  if (!prepared.ok) return prepared;
  const { test, program, model } = prepared;
  const want = options.witnesses ?? 1;
  const bad: ConsistentExecution[] = [];
  const deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : undefined;
  const result = decideProgram(test, program, model, {
    maxExecutions: options.maxExecutions,
    deadline,
    // One witness: the verdict search stops at it (as it would at the first bad one in full mode).
    verdictOnly: want === 1,
    onExecution: (e) => {
      if (bad.length < want && isBad(program, e)) bad.push(e);
    },
  });
  const common: Common = {
    name: program.name,
    file,
    model: model.name,
    verdict: verdictText(result),
    outcome: program.outcome ? outcomeWords(program.outcome) : program.quantifier === 'forall' ? 'a state violating the condition' : "the condition's state",
    condition: program.outcome ? `bad ${program.outcome} (${result.conditionText.replace(/^exists \((.*)\)$/, '$1')})` : result.conditionText,
    mismatch: expectationMismatch(result),
    incomplete: result.stats.incomplete,
    result,
  };
  if (bad.length > 0) {
    // A witness proves reachability even when a limit stopped the search early.
    const verdict = result.judgement.complete ? common.verdict : program.outcome ? `${common.outcome}: reachable` : 'reachable';
    return { ok: true, explanation: { ...common, verdict, kind: 'reachable', witnesses: bad.map((e) => explainWitness(program, e, model.orderingRules)) } };
  }

  // Never (or nothing found before a limit): which checks reject the candidates that would get
  // there. The explorer prunes what the model rules out early and never builds incoherent
  // candidates, so it cannot list them; a model that accepts everything makes it enumerate every
  // candidate, and the real model then says which check each bad one fails.
  const byCheck = new Map<string, { count: number; first: ExecutionGraph }>();
  let candidates = 0;
  let ownFuture = 0;
  const stats = explore(program, EVERY_CANDIDATE, (e) => {
    if (!isBad(program, e)) return;
    // A read that takes its value from its own thread's later write (a set_bit() reading what it
    // writes itself) is ruled out by coherence on any machine: it says nothing about the protocol.
    if (readsOwnFuture(e.skeleton, e.rf)) {
      ownFuture++;
      return;
    }
    const verdict = model.prepare(e.skeleton).consistency({ rf: e.rf, co: e.co });
    const failed = verdict.consistent ? NO_CHECK : (verdict.failed ?? 'model');
    candidates++;
    const seen = byCheck.get(failed);
    if (seen) seen.count++;
    else byCheck.set(failed, { count: 1, first: { skeleton: e.skeleton, rf: e.rf, co: e.co, regs: e.regs, memory: e.memory } });
  }, {
    maxExecutions: options.maxExecutions ?? MAX_CANDIDATES,
    deadline,
  });
  const ruledOut: RuledOut[] = [...byCheck.entries()]
    // The ordering checks say something about barriers; coherence and atomicity rarely do.
    .sort((a, b) => Number(BASIC_CHECKS.has(a[0])) - Number(BASIC_CHECKS.has(b[0])) || b[1].count - a[1].count || (a[0] < b[0] ? -1 : 1))
    .map(([check, { count, first: graph }]) => {
      const view = new ExecutionView(program, graph, model.orderingRules);
      // The cycle the model objects to runs through steps it keeps; fall back to any cycle.
      const judge = pairJudge(model.orderingRules);
      const cycle =
        check === 'coherence'
          ? coherenceCycle(view)
          : check === 'atomic'
            ? null
            : (shortestCycle(view, (a, b) => judge(graph.skeleton, a, b).held) ?? shortestCycle(view));
      return {
        check,
        meaning: checkMeaning(model, check),
        candidates: count,
        example: { graph, state: finalState(program, graph), threads: view.threadViews(), cycle: cycle ? explainCycle(view, cycle).edges : null, protocol: protocolStory(view) },
      };
    });
  return { ok: true, explanation: { ...common, kind: 'never', candidates, ruledOut, ownFuture, partial: stats.incomplete } };
}

/** Whether some read takes its value from a write its own thread makes at or after it. */
function readsOwnFuture(sk: Skeleton, rf: ExecutionGraph['rf']): boolean {
  for (const [w, r] of rf.pairs()) {
    const we = sk.events[w];
    const re = sk.events[r];
    if (we.thread >= 0 && we.thread === re.thread && we.poIndex >= re.poIndex) return true;
  }
  return false;
}

/** The observed state of an execution, values named as the condition names them. */
function finalState(program: Program, g: ExecutionGraph): string[] {
  const names = conditionNames(program.condition);
  const view = new ExecutionView(program, g);
  return program.observed.map((o) => {
    const v = observe(o.obs, g);
    const named = names.get(o.label)?.get(v);
    const shown = named ? `${named} (${formatValue(v)})` : o.obs.k === 'mem' ? view.namer.value(o.obs.name, v) : formatValue(v);
    return `${o.label}=${shown}`;
  });
}

function explainWitness(program: Program, e: ConsistentExecution, rules: OrderingRules | undefined): Witness {
  const graph: ExecutionGraph = { skeleton: e.skeleton, rf: e.rf, co: e.co, regs: e.regs, memory: e.memory };
  const view = new ExecutionView(program, graph, rules);
  const threads = view.threadViews();
  const state = finalState(program, graph);
  const protocol = protocolStory(view);
  const cycle = shortestCycle(view);
  if (!cycle) {
    const order = interleaving(view) ?? [];
    const stepOf = new Map<number, StepView>();
    for (const t of threads) for (const s of t.steps) for (const id of s.events) stepOf.set(id, s);
    const steps: StepView[] = [];
    for (const ev of order) {
      const s = stepOf.get(ev.id);
      if (s && !steps.includes(s)) steps.push(s);
    }
    return { graph, state, threads, cycle: null, reasons: [], failed: [], held: [], interleaving: steps, protocol };
  }
  const told = explainCycle(view, cycle);
  return { graph, state, threads, cycle: told.edges, reasons: told.reasons, failed: told.failed, held: told.held, interleaving: null, protocol };
}

function describeAccess(view: ExecutionView, e: Event): string {
  const o = e.origin;
  const what = o ? `${o.primitive}${o.part && o.part !== o.primitive ? ` (${o.part})` : ''}` : '';
  return `${view.where(e)}: ${what} ${e.kind === 'W' ? 'writes' : 'reads'} ${e.loc} = ${view.val(e)}`;
}

type PairJudge = (sk: Skeleton, a: Event, b: Event) => PairVerdict;

/** The program-order rules a model declares (MemoryModel.orderingRules): LKMM's barriers, x86's store buffer, or none (SC). */
const PAIR_JUDGES: Readonly<Record<OrderingRules, PairJudge>> = { lkmm: judgePair, tso: judgePairTso, sc: judgePairSc };

function pairJudge(rules: OrderingRules | undefined): PairJudge {
  return PAIR_JUDGES[rules ?? 'lkmm'];
}

/** Words for each step of a cycle, and which program-order steps held. */
function explainCycle(view: ExecutionView, cycle: CycleEdge[]): { edges: ExplainedEdge[]; reasons: string[]; failed: string[]; held: string[] } {
  const sk = view.graph.skeleton;
  const reasons: string[] = [];
  const failed: string[] = [];
  const held: string[] = [];
  const access = (e: Event) => `${e.kind === 'W' ? 'write' : 'read'} of ${e.loc}`;
  const named = (e: Event) => `${view.label(e)} (line ${e.origin?.pos.line ?? '?'})`;
  const verdicts = new Map<CycleEdge, PairVerdict>();
  // Program-order rules are the model's: LKMM's barriers, or x86's store buffer under tso.
  const judge = pairJudge(view.orderingRules);
  for (const edge of cycle) if (edge.kind === 'po') verdicts.set(edge, judge(sk, edge.from, edge.to));

  // Reads are told in each thread's program order, whatever edge the cycle starts from.
  const reasonKey = new Map<string, number>();
  const edges: ExplainedEdge[] = cycle.map((edge, i) => {
    const { from: a, to: b } = edge;
    const pair = verdicts.get(edge) ?? null;
    let sentence: string;
    switch (edge.kind) {
      case 'po': {
        const p = pair!;
        const head = `P${a.thread}: ${named(a)}, a ${access(a)}, before ${named(b)}, a ${access(b)}`;
        if (p.held) {
          sentence = `${head}: kept by ${p.orderings.map(describeOrdering).join(' and ')}`;
          held.push(sentence);
        } else {
          const weak = p.insufficient.length > 0 ? ` (${p.insufficient.join('; ')})` : '';
          // A barrier that is there but of the wrong kind is named, not called missing.
          const present = p.tooWeak.length > 0 ? `; there is ${p.tooWeak.length === 1 ? 'a barrier, but' : 'no such barrier:'} ${p.tooWeak.join('; ')}` : ', and there is none';
          sentence = `${head}: not kept: ${p.needed}${present}${weak}`;
          failed.push(sentence);
        }
        break;
      }
      case 'rf':
        sentence = `${view.where(b)} read ${b.loc} = ${view.val(b)} from ${view.where(a)} (${view.label(a)})`;
        reasons.push(sentence);
        reasonKey.set(sentence, b.thread * 1e6 + b.poIndex);
        break;
      case 'co':
        sentence = `${view.where(b)} wrote ${b.loc} = ${view.val(b)} after ${view.where(a)}'s write of ${view.val(a)} (in coherence order)`;
        reasons.push(sentence);
        reasonKey.set(sentence, b.thread * 1e6 + b.poIndex);
        break;
      case 'fr': {
        // The read missed the write; say what should have ordered the read after the reader's
        // earlier access on the cycle.
        const into = cycle[(i - 1 + cycle.length) % cycle.length];
        const intoPair = into.kind === 'po' ? verdicts.get(into) : undefined;
        let why: string;
        if (intoPair && !intoPair.held) {
          const weak = intoPair.tooWeak.length > 0 ? ` (${intoPair.tooWeak.map((w) => w.replace(/, and this is .*$/, '')).join('; ')})` : '';
          why = `nothing orders P${a.thread}'s ${view.label(into.from)} (line ${into.from.origin?.pos.line ?? '?'}) before that read${weak}`;
        }
        else if (intoPair) why = `P${a.thread}'s own accesses are ordered (by ${intoPair.orderings.map(describeOrdering).join(' and ')}), but ${view.where(b)}'s write had not reached it yet`;
        else why = `${view.where(b)}'s write had not reached P${a.thread} yet`;
        sentence = `${view.where(a)} read ${a.loc} = ${view.val(a)} although ${view.where(b)} had written ${view.val(b)}: ${why}`;
        reasons.push(sentence);
        reasonKey.set(sentence, a.thread * 1e6 + a.poIndex);
        break;
      }
    }
    return { ...edge, pair, sentence, fromText: describeAccess(view, a), toText: describeAccess(view, b) };
  });
  reasons.sort((x, y) => (reasonKey.get(x) ?? 0) - (reasonKey.get(y) ?? 0));
  return { edges, reasons, failed, held };
}

