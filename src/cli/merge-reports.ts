// `litmus-check merge-reports`: join the JSON reports of `check --shard i/n` runs into one
// (same tests, order and summary as an unsharded run), re-emit any reporter, and exit as that
// run would have.
import { readFileSync } from 'node:fs';
import { formatDiagnostic } from '../diagnostics.js';
import { mergeCheckReports, parseCheckReport, type CheckReport } from '../report/check-report.js';
import { formatOutcomeLine } from '../report/check-text.js';
import { checkExitCode, writeReporters } from './check.js';
import { EXIT_BAD_INPUT, combineExit } from './exit-codes.js';
import type { ReporterSpec } from './reporters.js';
import { terminalStyle } from './style.js';

export function mergeReportsCommand(files: string[], opts: { reporter?: ReporterSpec[] }): number {
  const inputs: Array<{ file: string; report: CheckReport }> = [];
  let bad = false;
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      process.stderr.write(`${file}:1:1: error: cannot read: ${(e as Error).message}\n`);
      bad = true;
      continue;
    }
    const res = parseCheckReport(text, file);
    if (!res.ok) {
      for (const d of res.diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
      bad = true;
      continue;
    }
    inputs.push({ file, report: res.report });
  }
  if (bad) return EXIT_BAD_INPUT;
  const merged = mergeCheckReports(inputs);
  if (!merged.ok) {
    for (const d of merged.diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
    return EXIT_BAD_INPUT;
  }
  const report = merged.report;
  const style = terminalStyle(process.stdout);
  // The passing tests were listed by their shards; here only what needs attention.
  for (const o of report.tests) if (o.status !== 'passed' && o.status !== 'skipped') process.stdout.write(formatOutcomeLine(o, style) + '\n');
  const code = writeReporters(report, opts.reporter ?? []);
  process.stdout.write(report.closing + '\n');
  return combineExit([checkExitCode(report.tests), code]);
}
