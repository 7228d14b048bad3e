// `check`'s human-readable lines: one per test, a status word first so a log is easy to grep.
import type { CheckOutcome } from '../check/outcome.js';
import { PLAIN, type Style } from './table.js';

const LABEL: Record<CheckOutcome['status'], string> = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP', error: 'ERROR', incomplete: 'INCOMPLETE' };
const WIDTH = Math.max(...Object.values(LABEL).map((l) => l.length));

export function formatOutcomeLine(o: CheckOutcome, style: Style = PLAIN): string {
  const label = LABEL[o.status].padEnd(WIDTH);
  // Failures and errors point at a line (file:line:col); the others name the file.
  const where = o.status === 'failed' || o.status === 'error' ? `${o.location.file}:${o.location.line}:${o.location.col}` : o.file;
  const who = o.name ? `${o.name}: ` : '';
  const text = `${label}  ${where}  ${who}${o.message}`;
  if (o.status === 'passed') return style.good(text);
  if (o.status === 'skipped') return style.dim(text);
  if (o.status === 'incomplete') return style.warn(text);
  return style.bad(text);
}
