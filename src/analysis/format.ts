// Text and JSON renderings of a barrier analysis (pure: the CLI prints them).
import type { FencesReport, PrimitiveReport, VariantResult } from './fences.js';

/** Colours, when the CLI has a terminal; identity functions otherwise. */
export interface FencesStyle {
  good(s: string): string;
  bad(s: string): string;
  warn(s: string): string;
  bold(s: string): string;
}

const PLAIN: FencesStyle = { good: (s) => s, bad: (s) => s, warn: (s) => s, bold: (s) => s };

function variantText(v: VariantResult): string {
  const flags = v.newFlags.length ? ` [${v.newFlags.join(',')}]` : '';
  return `${v.verdict}${flags}`;
}

function verdictText(p: PrimitiveReport): string {
  const strip = p.removed ?? p.weakened[p.weakened.length - 1];
  if (p.verdict === 'necessary' && strip.verdict === 'never') return 'necessary (data race without it)';
  if (p.verdict === 'necessary' && p.weakerSuffices.length > 0) return `necessary (${p.weakerSuffices.join(' or ')} would do)`;
  return p.verdict;
}

/** "lost request (P)", "bad outcome (P)"; for forall the bad outcome is a state where P fails. */
function badOutcomeText(r: FencesReport): string {
  if (r.condition.startsWith('forall')) return `violation of ${r.condition}`;
  const prop = r.condition.replace(/^~?exists\s*/, '');
  return `${r.outcome ? r.outcome.replace(/[-_]/g, ' ') : 'bad outcome'} ${prop}`;
}

export function formatFencesText(r: FencesReport, style: FencesStyle = PLAIN): string {
  const out: string[] = [];
  const state = r.asWritten === 'reachable' ? style.bad('reachable') : r.asWritten === 'never' ? style.good('never') : style.warn('unknown (a limit was hit)');
  out.push(style.bold(`${r.name}`) + ` (${r.file}, ${r.model})`);
  out.push(`${badOutcomeText(r)}: ${state} as written${r.flags.length ? ` [${r.flags.join(',')}]` : ''}`);

  if (r.asWritten === 'reachable') {
    out.push('');
    if (r.fixes.length > 0) {
      const n = r.fixes[0].changes.length;
      out.push(`fixes (smallest sets of insertions that make it never: ${n} insertion${n === 1 ? '' : 's'} each):`);
      r.fixes.forEach((f, i) => out.push(`  ${i + 1}. ${f.text}`));
    } else if (r.fixSearch === 'impossible') {
      out.push(`no fix: even with every candidate barrier inserted (smp_mb() between all accesses, every access release/acquire) it stays reachable`);
    } else if (r.fixSearch === 'too large') {
      out.push(`no fix with at most ${r.maxInsertions} insertion${r.maxInsertions === 1 ? '' : 's'} (more would do: try --max-insertions ${r.maxInsertions + 1})`);
    } else {
      out.push(style.warn('no fix found before a limit was hit'));
    }
  }

  if (r.judgedWith !== null) {
    out.push('');
    if (r.primitives.length === 0) out.push(`no ordering primitives${r.judgedWith === 'fix 1' ? ' besides the fix' : ''}`);
    else {
      out.push(r.judgedWith === 'fix 1' ? 'ordering primitives, judged with fix 1 applied:' : 'ordering primitives:');
      out.push(primitiveTable(r.primitives, style));
    }
  }

  out.push('');
  const limits = r.incomplete.length ? style.warn(`incomplete: ${r.incomplete.join('; ')}`) : 'complete';
  const searched = r.fixSearch === 'not needed' ? '' : `, ${r.candidates} candidate insertion${r.candidates === 1 ? '' : 's'}`;
  out.push(`${r.checks} check${r.checks === 1 ? '' : 's'}${searched}, ${(r.timeMs / 1000).toFixed(2)}s; ${limits}`);
  return out.join('\n') + '\n';
}

function primitiveTable(prims: PrimitiveReport[], style: FencesStyle): string {
  const head = ['primitive', 'line', 'thread', 'removed', 'weakened', 'verdict'];
  const rows = prims.map((p) => [
    p.label,
    String(p.line),
    `P${p.thread}`,
    p.removed ? variantText(p.removed) : '-',
    p.weakened.length ? p.weakened.map((w) => `${w.label}: ${variantText(w)}`).join(', ') : '-',
    verdictText(p),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const pad = (s: string, i: number) => s + ' '.repeat(widths[i] - s.length);
  const lines = [style.bold(head.map(pad).join('  ').trimEnd())];
  rows.forEach((row, k) => {
    const line = row.map(pad).join('  ').trimEnd();
    lines.push(prims[k].verdict === 'unknown' ? style.warn(line) : line);
  });
  return lines.join('\n');
}

/** The report as JSON-ready data (times rounded to microseconds). */
export function fencesJson(r: FencesReport): FencesReport {
  return { ...r, timeMs: Math.round(r.timeMs * 1000) / 1000 };
}
