// `check`'s human-readable lines: one per test, a status word first so a log is easy to grep.
import { blockedWords, type CheckOutcome } from '../check/outcome.js';
import { PLAIN, type Style } from './table.js';

const LABEL: Record<CheckOutcome['status'], string> = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP', error: 'ERROR', incomplete: 'INCOMPLETE' };
const WIDTH = Math.max(...Object.values(LABEL).map((l) => l.length));

export function formatOutcomeLine(o: CheckOutcome, style: Style = PLAIN): string {
  const label = LABEL[o.status].padEnd(WIDTH);
  // Failures and errors point at a line (file:line:col); the others name the file.
  const where = o.status === 'failed' || o.status === 'error' ? `${o.location.file}:${o.location.line}:${o.location.col}` : o.file;
  const who = o.name ? `${o.name}: ` : '';
  const blocked = blockedWords(o.actual?.blocked);
  let text = `${label}  ${where}  ${who}${o.message}${blocked ? ` (${blocked})` : ''}`;
  // What broke, at its own line, and the command that tells the whole story.
  const pad = ' '.repeat(WIDTH + 2);
  if (o.cause) text += `\n${pad}${o.cause.location.file}:${o.cause.location.line}:${o.cause.location.col}: ${o.cause.message}\n${pad}see: ${o.cause.explain}`;
  if (o.status === 'passed') return style.good(text);
  if (o.status === 'skipped') return style.dim(text);
  if (o.status === 'incomplete') return style.warn(text);
  return style.bad(text);
}
