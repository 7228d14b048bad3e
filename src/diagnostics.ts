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

/** `file:line:col: error: message`, then the source line and a caret under the column. */
export function formatDiagnostic(d: Diagnostic, source?: string): string {
  const head = `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`;
  if (source === undefined) return head;
  const lines = source.split(/\r?\n/);
  const text = lines[d.line - 1];
  if (text === undefined) return head;
  const shown = text.length > 200 ? text.slice(0, 200) + '…' : text;
  const caretCol = Math.min(Math.max(d.col - 1, 0), shown.length);
  const pad = shown.slice(0, caretCol).replace(/[^\t]/g, ' ');
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
