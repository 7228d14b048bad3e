// `litmus-check run`: decide litmus tests and report as a table, herd7's format or JSON.
import { checkSource, resolveModel, type CheckOptions, type TestResult } from '../api.js';
import { formatDiagnostic } from '../diagnostics.js';
import { formatHerd } from '../report/herd.js';
import { toJson } from '../report/json.js';
import { formatTable, type Row } from '../report/table.js';
import { expectationMismatch } from '../report/verdict.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK, combineExit } from './exit-codes.js';
import { collectLitmusFiles, readLitmusFile } from './files.js';
import { terminalStyle } from './style.js';

export interface RunOptions {
  model: string;
  format: 'text' | 'herd' | 'json';
  timeout?: number;
  maxExecutions?: number;
}

export function runCommand(paths: string[], opts: RunOptions): number {
  if (!resolveModel(opts.model)) {
    process.stderr.write(`litmus-check: unknown model '${opts.model}' (known: lkmm, sc, tso)\n`);
    return EXIT_BAD_INPUT;
  }
  const { files, missing } = collectLitmusFiles(paths);
  const codes: number[] = [];
  for (const m of missing) {
    process.stderr.write(`${m}: error: no such file or directory\n`);
    codes.push(EXIT_BAD_INPUT);
  }
  if (files.length === 0 && missing.length === 0) {
    process.stderr.write('litmus-check: no .litmus files found\n');
    return EXIT_BAD_INPUT;
  }
  const checkOptions: CheckOptions = { model: opts.model, timeoutMs: opts.timeout !== undefined ? opts.timeout * 1000 : undefined, maxExecutions: opts.maxExecutions };
  const rows: Row[] = [];
  const json: unknown[] = [];
  for (const file of files) {
    const read = readLitmusFile(file);
    if (!read.ok) {
      process.stderr.write(`${file}:1:1: error: ${read.message}\n`);
      rows.push({ file, error: read.message });
      codes.push(EXIT_BAD_INPUT);
      continue;
    }
    const res = checkSource(read.text, file, checkOptions);
    if (!res.ok) {
      for (const d of res.diagnostics) process.stderr.write(formatDiagnostic(d, read.text) + '\n');
      rows.push({ file, error: res.diagnostics[0]?.message });
      codes.push(EXIT_BAD_INPUT);
      continue;
    }
    const r: TestResult = res.result;
    codes.push(!r.judgement.complete ? EXIT_INCOMPLETE : expectationMismatch(r) ? EXIT_FAILED : EXIT_OK);
    if (opts.format === 'herd') process.stdout.write(formatHerd(r, read.text) + '\n');
    else if (opts.format === 'json') json.push(toJson(r));
    else rows.push({ file, result: r });
  }
  if (opts.format === 'json') process.stdout.write(JSON.stringify(json, null, 2) + '\n');
  if (opts.format === 'text') process.stdout.write(formatTable(rows, terminalStyle(process.stdout)));
  return combineExit(codes);
}
