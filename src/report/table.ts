// The default human-readable report: one row per test.
import type { TestResult } from '../api.js';
import { expectationMismatch, verdictText } from './verdict.js';

export interface Style {
  good(s: string): string;
  bad(s: string): string;
  warn(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export const PLAIN: Style = { good: (s) => s, bad: (s) => s, warn: (s) => s, dim: (s) => s, bold: (s) => s };

export interface Row {
  result?: TestResult;
  file: string;
  error?: string;
}

const HEAD = ['test', 'model', 'verdict', 'result', 'states', 'witnesses', 'time'];

export function formatTable(rows: Row[], style: Style = PLAIN): string {
  const cells: string[][] = rows.map((row) => {
    if (!row.result) return [row.file, '-', 'error', '-', '-', '-', '-'];
    const r = row.result;
    const j = r.judgement;
    const flagList = j.verdictOnly && !j.verdictOnly.dataRaceSearched ? [...j.flags, 'data-race not searched'] : j.flags;
    const flags = flagList.length ? ` [${flagList.join(',')}]` : '';
    // Verdict mode lists no states and counts no witnesses: it stops at the deciding executions.
    const states = j.verdictOnly ? 'not listed' : String(j.states.length);
    const witnesses = j.verdictOnly ? '-' : `${j.positive}/${j.negative}`;
    return [r.name, r.model, verdictText(r) + flags, j.complete ? (j.ok ? 'Ok' : 'No') : '-', states, witnesses, `${r.timeMs.toFixed(1)}ms`];
  });
  const widths = HEAD.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const pad = (s: string, i: number) => s + ' '.repeat(widths[i] - s.length);
  const out: string[] = [style.bold(HEAD.map(pad).join('  ').trimEnd())];
  rows.forEach((row, k) => {
    const c = cells[k];
    let line = c.map(pad).join('  ').trimEnd();
    const r = row.result;
    if (!r) line = style.bad(line);
    else if (!r.judgement.complete) line = style.warn(line);
    else if (expectationMismatch(r)) line = style.bad(line);
    out.push(line);
    if (r && expectationMismatch(r)) out.push(style.bad(`  ! ${r.file}: ${expectationMismatch(r)}`));
    if (r && !r.judgement.complete) out.push(style.warn(`  ! ${r.file}: incomplete (${r.stats.incomplete}); explored ${r.stats.explored} executions, ${r.stats.consistent} consistent`));
    if (r?.judgement.vacuous) out.push(style.warn(`  ! ${r.file}: vacuous: ${r.judgement.vacuous}`));
  });
  return out.join('\n') + '\n';
}
