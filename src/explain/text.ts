// Explanations as text for a terminal: per thread the source lines and what each did, then
// why (the reads that missed a write, the program-order steps that were not kept).
import type { Explanation, ExplainedEdge, RuledOut, Witness } from './explain.js';
import { describeOrdering } from './ordering.js';
import type { StepView, ThreadView } from './views.js';

/** The source line a step came from, trimmed, for context. */
function sourceLine(lines: readonly string[], line: number): string {
  return (lines[line - 1] ?? '').trim();
}

function formatThreads(threads: ThreadView[], lines: readonly string[], indent: string): string[] {
  const out: string[] = [];
  for (const t of threads) {
    out.push(`${indent}P${t.thread}${t.registers.length ? `    (at the end: ${t.registers.join(', ')})` : ''}`);
    let lastLine = -1;
    for (const s of t.steps) {
      if (s.line !== lastLine) out.push(`${indent}  line ${String(s.line).padEnd(3)} ${sourceLine(lines, s.line)}`);
      lastLine = s.line;
      out.push(`${indent}             ${stepText(s)}`);
    }
  }
  return out;
}

/** In a thread's listing the source line is shown above, so only name the part of a composite. */
function stepText(s: StepView): string {
  if (s.part) return `${s.part}${s.fence ? '()' : ''}${s.target ? ` for ${s.target}` : ''}: ${s.text}`;
  return s.fence ? `${s.primitive}(): ${s.text}` : s.text;
}

/** On its own (an interleaving), a step names its primitive and part. */
export function stepLine(s: StepView): string {
  const name = s.part && s.part !== s.primitive ? `${s.primitive} -> ${s.part}` : s.primitive;
  return `P${s.thread} line ${s.line}: ${name}${s.fence ? '()' : ''}: ${s.text}`;
}

/** A cycle as a chain: each access, then how it leads to the next. */
function formatCycle(edges: ExplainedEdge[], indent: string): string[] {
  const out: string[] = [];
  const link: Record<ExplainedEdge['kind'], string> = {
    po: 'then, in program order,',
    rf: 'whose value is read by',
    fr: 'which reads a value older than the one written by',
    co: 'which is overwritten by',
  };
  edges.forEach((e, i) => {
    if (i === 0) out.push(`${indent}${e.fromText}`);
    let how = link[e.kind];
    if (e.kind === 'po' && e.pair) how = e.pair.held ? `${how} kept by ${e.pair.orderings.map(describeOrdering).join(' and ')}` : `${how} NOT kept (${e.pair.needed})`;
    out.push(`${indent}  -> ${how}`);
    out.push(`${indent}${e.toText}${i === edges.length - 1 ? '   (back to the start)' : ''}`);
  });
  return out;
}

export function formatExplanation(x: Explanation, source: string): string {
  const lines = source.split(/\r?\n/);
  const out: string[] = [];
  out.push(`${x.name} (${x.file}): ${x.verdict} under ${x.model}`);
  out.push(`  condition: ${x.condition}`);
  if (x.mismatch) out.push(`  ! the test's Result: comment disagrees: ${x.mismatch}`);
  if (x.incomplete) out.push(`  ! incomplete: ${x.incomplete}${x.kind === 'never' ? ': no execution reaching the outcome was found among those explored, which proves nothing' : ''}`);
  const j = x.result.judgement;
  if (j.vacuous) out.push(`  ! vacuous: ${j.vacuous}`);
  // Executions the --unroll bound cut (judge/loop-bound.ts): said even when the verdict stands.
  if (j.loopBound && j.loopBound.cuts > 0 && !j.loopBound.incomplete) {
    const n = `${j.verdictOnly ? 'at least ' : ''}${j.loopBound.cuts} execution${j.loopBound.cuts === 1 ? '' : 's'}`;
    out.push(`  loop bound ${j.loopBound.bound} cut ${n}: the verdict stands (its witnesses end within the bound)`);
  }
  // Executions in which a thread waits forever are counted apart, never judged: name the wait.
  for (const b of j.blocked) {
    const n = `${j.verdictOnly ? 'at least ' : ''}${b.executions} execution${b.executions === 1 ? '' : 's'}`;
    out.push(`  blocked in ${n}: P${b.thread} waits forever at line ${b.pos.line} (${(lines[b.pos.line - 1] ?? '').trim()}) for ${b.waitsFor}`);
  }
  if (x.kind === 'reachable') {
    x.witnesses.forEach((w, i) => out.push('', ...formatWitness(x, w, i, x.witnesses.length, lines)));
  } else {
    out.push('', ...formatNever(x, lines));
  }
  return out.join('\n') + '\n';
}

function formatWitness(x: Explanation, w: Witness, i: number, n: number, lines: readonly string[]): string[] {
  const out: string[] = [];
  out.push(`Witness${n > 1 ? ` ${i + 1} of ${n}` : ''}: ${x.outcome} is reachable, ending in ${w.state.join('; ')}`);
  out.push(...formatThreads(w.threads, lines, '  '));
  if (w.protocol.length > 0) {
    out.push('', 'The protocol, step by step:');
    for (const p of w.protocol) out.push(`  ${p}`);
  }
  if (w.interleaving) {
    out.push('', 'No reordering is needed: this interleaving of the threads reaches it.');
    w.interleaving.forEach((s, k) => out.push(`  ${String(k + 1).padStart(2)}. ${stepLine(s)}`));
    return out;
  }
  out.push('', 'Why:');
  for (const r of w.reasons) out.push(`  ${r}.`);
  if (w.failed.length > 0) {
    out.push('', 'Orderings that failed:');
    for (const f of w.failed) out.push(`  ${f}.`);
  } else {
    out.push('', 'Every program-order step on this cycle is kept on its own CPU, but none of these orderings');
    out.push('makes a write that another CPU passed on, or that was overwritten, visible everywhere in time');
    out.push('(they are not cumulative): the cycle needs a full barrier (smp_mb()), or a release store');
    out.push('where a thread passes on a value it read.');
  }
  if (w.held.length > 0) {
    out.push('', 'Orderings that held:');
    for (const h of w.held) out.push(`  ${h}.`);
  }
  return out;
}

function formatNever(x: Extract<Explanation, { kind: 'never' }>, lines: readonly string[]): string[] {
  const out: string[] = [];
  if (x.candidates === 0) {
    if (x.partial) out.push(`No candidate execution examined ends in ${x.outcome} (${x.partial}).`);
    else if (x.ownFuture > 0) out.push(`Only candidate executions in which a read takes its value from its own thread's later write end in ${x.outcome} (${x.ownFuture}): coherence forbids them on any machine.`);
    else out.push(`No candidate execution ends in ${x.outcome}: whatever each read returns, no path of the threads produces that state.`);
    return out;
  }
  const plural = (k: number) => `${k} candidate execution${k === 1 ? '' : 's'}`;
  if (x.partial) out.push(`(Only part of the candidates were examined: ${x.partial}.)`);
  out.push(`${plural(x.candidates)} would end in ${x.outcome}; ${x.model} rejects every one:`);
  for (const r of x.ruledOut) out.push(`  ${r.check}: ${plural(r.candidates)}`);
  if (x.ownFuture > 0) out.push(`  (not counted: ${plural(x.ownFuture)} in which a read takes its value from its own thread's later write, which coherence forbids on any machine)`);
  for (const r of x.ruledOut) out.push('', ...formatRuledOut(r, lines));
  return out;
}

function formatRuledOut(r: RuledOut, lines: readonly string[]): string[] {
  const out: string[] = [];
  out.push(`Ruled out by ${r.check}: ${r.meaning}.`);
  if (r.check === 'coherence' && r.example.cycle) {
    // Rarely about barriers: the accesses to one location that cannot be ordered are enough.
    out.push(`For example, the candidate ending in ${r.example.state.join('; ')} needs:`);
    out.push(...formatCycle(r.example.cycle, '    '));
    return out;
  }
  out.push(`For example, the candidate ending in ${r.example.state.join('; ')}:`);
  out.push(...formatThreads(r.example.threads, lines, '  '));
  if (r.example.protocol.length > 0) {
    out.push('', '  In the protocol, that candidate would have had:');
    for (const p of r.example.protocol) out.push(`    ${p}`);
  }
  if (r.example.cycle) {
    out.push('', '  Its accesses form this cycle through the threads (no interleaving has it):');
    out.push(...formatCycle(r.example.cycle, '    '));
  }
  return out;
}
