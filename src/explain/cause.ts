// What broke, in one line: the gate's failure message for a verdict that differs from the one
// expected, taken from `explain`'s analysis (the program-order step a witness needs undone, or
// the model check that rules the outcome out), with the source line to annotate.
import type { SourcePos } from '../diagnostics.js';
import type { Event } from '../execution/execution.js';
import type { Explanation, ExplainedEdge } from './explain.js';
import { describeOrdering } from './ordering.js';

export interface Cause {
  message: string;
  /** The line to point at: the barrier that is too weak, the access a barrier should follow, ... */
  pos: SourcePos;
}

const accessWord = (e: Event) => (e.kind === 'W' ? 'store' : e.kind === 'R' ? 'load' : 'access');

/** "P0 line 20: WRITE_ONCE writes vcpu->mode = IN_GUEST_MODE" without the value's story. */
const shortText = (text: string) => text.replace(/ from .*$/, '');

function brokenPair(edge: ExplainedEdge): Cause {
  const { from: a, to: b } = edge;
  const p = edge.pair!;
  const barrier = p.tooWeakAt[0];
  const present = barrier ? `; ${p.tooWeak[0]}` : `, and there is no barrier between lines ${a.origin?.pos.line ?? '?'} and ${b.origin?.pos.line ?? '?'}`;
  return {
    message: `${shortText(edge.fromText)}, then ${shortText(edge.toText).replace(/^P\d+ /, '')}: the witness needs this ${accessWord(a)} and ${accessWord(b)} reordered, and nothing keeps them in order: ${p.needed}${present}`,
    // A barrier of the wrong kind is the line to change; else the barrier goes after the first access.
    pos: barrier?.origin?.pos ?? a.origin?.pos ?? b.origin?.pos ?? { line: 1, col: 1 },
  };
}

/** One line saying what makes the verdict what it is, or null when explain found nothing to say. */
export function whatBroke(x: Explanation): Cause | null {
  const conditionPos = x.result.test.condition.pos;
  if (x.kind === 'reachable') {
    const w = x.witnesses[0];
    if (!w) return null;
    if (!w.cycle) return { message: `${x.outcome} is reachable without any reordering: an interleaving of the threads gets there, so no barrier can prevent it`, pos: conditionPos };
    const broken = w.cycle.find((e) => e.kind === 'po' && e.pair && !e.pair.held);
    if (broken) return brokenPair(broken);
    const held = w.cycle.find((e) => e.kind === 'po' && e.pair?.held);
    const by = held?.pair?.orderings[0];
    return {
      message: `every program-order step of the witness's cycle is kept${by ? ` (by ${describeOrdering(by)})` : ''}, but not cumulatively: the cycle needs a full barrier (smp_mb()), or a release store where a thread passes on a value it read`,
      pos: by?.by?.origin?.pos ?? held?.from.origin?.pos ?? conditionPos,
    };
  }
  const r = x.ruledOut.find((c) => c.check !== 'none');
  if (!r) return { message: `no execution of the threads ends in ${x.outcome}, whatever the memory model allows`, pos: conditionPos };
  const held = r.example.cycle?.find((e) => e.kind === 'po' && e.pair?.held);
  const by = held?.pair?.orderings[0];
  const kept = held && by ? `: ${shortText(held.fromText)} stays before line ${held.to.origin?.pos.line ?? '?'}'s ${accessWord(held.to)}, kept by ${describeOrdering(by)}` : '';
  return {
    message: `${x.model}'s ${r.check} check rules out every execution reaching ${x.outcome} (${r.candidates} candidate${r.candidates === 1 ? '' : 's'})${kept}`,
    pos: by?.by?.origin?.pos ?? held?.from.origin?.pos ?? conditionPos,
  };
}
