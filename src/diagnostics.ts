// Errors are values: every stage reports problems as Diagnostics with a source position.

export interface SourcePos {
  line: number; // 1-based
  col: number; // 1-based
}

export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  severity: 'error' | 'warning';
  message: string;
}

export function diag(file: string, pos: SourcePos, message: string, severity: 'error' | 'warning' = 'error'): Diagnostic {
  return { file, line: pos.line, col: pos.col, severity, message };
}

const SHOWN_WIDTH = 160;

/** `file:line:col: error: message`, then the source line and a caret under the column. */
export function formatDiagnostic(d: Diagnostic, source?: string): string {
  const head = `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`;
  if (source === undefined) return head;
  const lines = source.split(/\r?\n/);
  const text = lines[d.line - 1];
  if (text === undefined) return head;
  // A long line is shown as a window around the column, so the caret stays on screen.
  const col = Math.min(Math.max(d.col - 1, 0), text.length);
  const from = text.length > SHOWN_WIDTH ? Math.max(0, Math.min(col - SHOWN_WIDTH / 2, text.length - SHOWN_WIDTH)) : 0;
  const before = from > 0 ? '…' : '';
  const after = from + SHOWN_WIDTH < text.length ? '…' : '';
  const shown = before + text.slice(from, from + SHOWN_WIDTH) + after;
  const pad = (before + text.slice(from, col)).replace(/[^\t]/g, ' ');
  return `${head}\n  ${shown}\n  ${pad}^`;
}

/** Thrown inside a stage and caught at its boundary, where it becomes a Diagnostic value. */
export class StageError extends Error {
  constructor(
    readonly pos: SourcePos,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An error that is already a Diagnostic about some other file (e.g. a model file whose fault
 * shows only while a test runs). Library entry points turn it back into a Diagnostic value.
 */
export class DiagnosticError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(`${diagnostic.file}:${diagnostic.line}:${diagnostic.col}: ${diagnostic.message}`);
  }
}

/** The candidate closest to `name` by edit distance (ignoring case), if close enough to be a typo. */
export function nearestName(name: string, candidates: Iterable<string>, maxDistance = Math.max(2, Math.floor(name.length / 3))): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== null && bestD <= maxDistance ? best : null;
}

/** The names nearest to `name` by edit distance (ties kept), at most `max` of them. */
export function nearestNames(name: string, candidates: Iterable<string>, max: number): string[] {
  const scored = [...candidates].map((c) => ({ c, d: editDistance(name, c) }));
  const limit = Math.max(3, Math.floor(name.length / 3));
  return scored.filter((x) => x.d <= limit).sort((a, b) => a.d - b.d || (a.c < b.c ? -1 : 1)).slice(0, max).map((x) => x.c);
}

export function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i][j] = Math.min(dp[i - 1][j] + 1, dp[i][j - 1] + 1, dp[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return dp[a.length][b.length];
}
