// GitHub Actions workflow commands: `::error file=F,line=L,col=C,title=T::message` lines on
// stdout become annotations on the pull request's diff, at the file and line.
import type { CaseReport } from './cases.js';

// The runner decodes these escapes (the same ones @actions/core applies).
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** One annotation per failed or erroring case; passed and skipped cases say nothing. */
export function formatGithubAnnotations(cases: readonly CaseReport[], tool = 'litmus-check'): string {
  const out: string[] = [];
  for (const c of cases) {
    if (c.status !== 'failed' && c.status !== 'error') continue;
    const title = `${tool}: ${c.name} ${c.status === 'failed' ? 'failed' : c.kind ?? 'error'}`;
    const props = [`file=${escapeProperty(c.file)}`, `line=${c.line}`, `col=${c.col}`, `title=${escapeProperty(title)}`].join(',');
    out.push(`::error ${props}::${escapeData(c.message)}`);
  }
  return out.length ? out.join('\n') + '\n' : '';
}
