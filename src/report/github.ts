// GitHub Actions workflow commands: `::error file=F,line=L,col=C,title=T::message` lines on
// stdout become annotations on the pull request's diff, at the file and line.
import type { CaseReport } from './cases.js';

// The runner decodes these escapes (the same ones @actions/core applies).
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/**
 * One error annotation per failed or erroring case, and one more at each related place (the
 * barrier that broke); a warning annotation per warning of any case.
 */
export function formatGithubAnnotations(cases: readonly CaseReport[], tool = 'litmus-check'): string {
  const out: string[] = [];
  const annotate = (level: 'error' | 'warning', c: CaseReport, at: { line: number; col: number }, title: string, message: string) => {
    const props = [`file=${escapeProperty(c.file)}`, `line=${at.line}`, `col=${at.col}`, `title=${escapeProperty(title)}`].join(',');
    out.push(`::${level} ${props}::${escapeData(message)}`);
  };
  for (const c of cases) {
    if (c.status === 'failed' || c.status === 'error') {
      annotate('error', c, c, `${tool}: ${c.name} ${c.status === 'failed' ? 'failed' : c.kind ?? 'error'}`, c.message);
      for (const r of c.related ?? []) annotate('error', c, r, `${tool}: ${c.name}: what broke`, r.message);
    }
    for (const w of c.warnings ?? []) annotate('warning', c, w, `${tool}: ${c.name} warning`, w.message);
  }
  return out.length ? out.join('\n') + '\n' : '';
}
