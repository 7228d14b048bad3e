// Errors in model files (.cat, .bell, .def, .cfg): always with file, line and column.
import { DiagnosticError } from '../diagnostics.js';
import type { CatPos } from './ast.js';

export class CatError extends DiagnosticError {
  constructor(
    readonly pos: CatPos,
    message: string,
  ) {
    super({ file: pos.file, line: pos.line, col: pos.col, severity: 'error', message });
  }
}
