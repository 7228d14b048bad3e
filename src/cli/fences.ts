// `litmus-check fences`: which barriers a test relies on, and where to add some when it is broken.
import { gatherInputs } from './inputs.js';
import { analyzeFences, type FencesReport } from '../analysis/fences.js';
import { fencesJson, formatFencesText } from '../analysis/format.js';
import { JsonArrayWriter } from '../report/json-array.js';
import { formatDiagnostic } from '../diagnostics.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK, combineExit } from './exit-codes.js';
import { formatReadError, readLitmusFile } from './files.js';
import { terminalStyle } from './style.js';
import { modelOf, resolveDecider, type DecideFlags } from './decide-spec.js';

export interface FencesCommandOptions extends DecideFlags {
  format: 'text' | 'json';
  maxInsertions: number;
  maxChecks: number;
}

/**
 * Exit code per test: 1 when the bad outcome is reachable as written (so the command can gate
 * CI), 3 when a limit left the analysis incomplete, 0 otherwise; 2 for bad input.
 */
function exitFor(r: FencesReport): number {
  if (r.incomplete.length > 0 || r.asWritten === 'unknown') return EXIT_INCOMPLETE;
  return r.asWritten === 'reachable' ? EXIT_FAILED : EXIT_OK;
}

export function fencesCommand(paths: string[], opts: FencesCommandOptions): number {
  const decider = resolveDecider(opts);
  if (!decider) return EXIT_BAD_INPUT;
  const { spec } = decider;
  const inputs = gatherInputs(paths);
  if (!inputs) return EXIT_BAD_INPUT;
  const { files, codes } = inputs;
  const style = terminalStyle(process.stdout);
  const json = opts.format === 'json' ? new JsonArrayWriter((piece) => process.stdout.write(piece)) : null;
  let first = true;
  for (const file of files) {
    const read = readLitmusFile(file);
    if (!read.ok) {
      process.stderr.write(formatReadError(file, read) + '\n');
      codes.push(EXIT_BAD_INPUT);
      continue;
    }
    const res = analyzeFences(read.text, file, {
      model: modelOf(decider),
      lower: decider.files?.lower,
      timeoutMs: spec.timeoutMs,
      maxExecutions: spec.maxExecutions,
      maxInsertions: opts.maxInsertions,
      maxChecks: opts.maxChecks,
      kvmArch: spec.kvmArch,
    });
    if (!res.ok) {
      for (const d of res.diagnostics) process.stderr.write(formatDiagnostic(d, d.file === file ? read.text : undefined) + '\n');
      codes.push(EXIT_BAD_INPUT);
      continue;
    }
    codes.push(exitFor(res.report));
    if (json) json.push(fencesJson(res.report));
    else {
      process.stdout.write((first ? '' : '\n') + formatFencesText(res.report, style));
      first = false;
    }
  }
  if (json) {
    json.end();
    process.stdout.write('\n');
  }
  return combineExit(codes);
}
