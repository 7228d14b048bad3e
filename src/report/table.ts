// The default human-readable report: one row per test.
import type { TestResult } from '../api.js';
import { expectationMismatch, verdictText } from '../check/verdict.js';

export interface Style {
  good(s: string): string;
  bad(s: string): string;
  warn(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export const PLAIN: Style = { good: (s) => s, bad: (s) => s, warn: (s) => s, dim: (s) => s, bold: (s) => s };

/**
 * One test's line in the table, computed when the test is decided so that a long run keeps only
 * these few strings, not every result with its states.
 */
export interface Row {
  cells: string[];
  tone: 'plain' | 'bad' | 'warn';
  notes: Array<{ tone: 'bad' | 'warn'; text: string }>;
}

const HEAD = ['test', 'model', 'verdict', 'result', 'states', 'witnesses', 'time'];

export function errorRow(file: string): Row {
  return { cells: [file, '-', 'error', '-', '-', '-', '-'], tone: 'bad', notes: [] };
}

export function resultRow(r: TestResult): Row {
  const j = r.judgement;
  const flagList = j.verdictOnly && !j.verdictOnly.dataRaceSearched ? [...j.flags, 'data-race not searched'] : j.flags;
  const flags = flagList.length ? ` [${flagList.join(',')}]` : '';
  // Verdict mode lists no states and counts no witnesses: it stops at the deciding executions.
  const states = j.verdictOnly ? 'not listed' : String(j.states.length);
  const witnesses = j.verdictOnly ? '-' : `${j.positive}/${j.negative}`;
  const cells = [r.name, r.model, verdictText(r) + flags, j.complete ? (j.ok ? 'Ok' : 'No') : '-', states, witnesses, `${r.timeMs.toFixed(1)}ms`];
  const mismatch = expectationMismatch(r);
  const notes: Row['notes'] = [];
  if (mismatch) notes.push({ tone: 'bad', text: `  ! ${r.file}: ${mismatch}` });
  if (!j.complete) notes.push({ tone: 'warn', text: `  ! ${r.file}: incomplete (${r.stats.incomplete}); explored ${r.stats.explored} execution${r.stats.explored === 1 ? '' : 's'}, ${r.stats.consistent} consistent` });
  // Cuts that left the verdict standing are still said (incomplete ones are in the line above).
  if (j.loopBound && j.loopBound.cuts > 0 && !j.loopBound.incomplete) notes.push({ tone: 'warn', text: `  ! ${r.file}: ${loopBoundText(j.loopBound)}` });
  if (j.vacuous) notes.push({ tone: 'warn', text: `  ! ${r.file}: vacuous: ${j.vacuous}` });
  // Executions in which a thread waits forever are not judged: say how many, and where, always.
  else if (j.blocked.length > 0) notes.push({ tone: 'warn', text: `  ! ${r.file}: ${blockedText(j.blocked)}` });
  return { cells, tone: !j.complete ? 'warn' : mismatch ? 'bad' : 'plain', notes };
}

/** "loop bound 2 cut 3 executions (the Sometimes stands: ...)": cuts that did not make the result incomplete. */
export function loopBoundText(lb: NonNullable<TestResult['judgement']['loopBound']>): string {
  const n = `${lb.cuts} execution${lb.cuts === 1 ? '' : 's'}`;
  return `loop bound ${lb.bound} cut ${n} (the verdict stands: its witnesses end within the bound)`;
}

/** "blocked: P1 line 4 waits forever for ... (3 executions); ..." (verdict mode: among the executions found). */
export function blockedText(blocked: TestResult['judgement']['blocked']): string {
  const n = (k: number) => `${k} execution${k === 1 ? '' : 's'}`;
  return `blocked: ${blocked.map((b) => `P${b.thread} line ${b.pos.line} waits forever for ${b.waitsFor} (${n(b.executions)})`).join('; ')}`;
}

export function formatTable(rows: readonly Row[], style: Style = PLAIN): string {
  const widths = HEAD.map((h, i) => rows.reduce((w, r) => Math.max(w, r.cells[i].length), h.length));
  const pad = (s: string, i: number) => s + ' '.repeat(widths[i] - s.length);
  const paint = (tone: Row['tone'], s: string) => (tone === 'bad' ? style.bad(s) : tone === 'warn' ? style.warn(s) : s);
  const out: string[] = [style.bold(HEAD.map(pad).join('  ').trimEnd())];
  for (const row of rows) {
    out.push(paint(row.tone, row.cells.map(pad).join('  ').trimEnd()));
    for (const n of row.notes) out.push(paint(n.tone, n.text));
  }
  return out.join('\n') + '\n';
}
