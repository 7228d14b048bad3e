// `check`'s machine-readable report, and the mapping of its outcomes to CI test cases.
// Shards each write one report; mergeCheckReports joins them into the report one unsharded run
// would have written (same tests, same order, same summary).
import { basename, dirname } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { blockedWords, closingLine, summarise, type CheckOutcome, type CheckSummary } from '../check/outcome.js';
import { shardKey } from '../check/shard.js';
import type { CaseReport } from './cases.js';
import { jsonArrayElement, jsonArrayEnd } from './json-array.js';

export const CHECK_REPORT_VERSION = 1;

export interface CheckReport {
  tool: 'litmus-check';
  kind: 'check';
  version: number;
  model: string;
  /** The shards this report covers, e.g. ["1/2"]; empty for an unsharded run. */
  shards: string[];
  summary: CheckSummary;
  /** The closing line, as printed. */
  closing: string;
  tests: CheckOutcome[];
}

const byFile = (a: CheckOutcome, b: CheckOutcome) => (shardKey(a.file) < shardKey(b.file) ? -1 : shardKey(a.file) > shardKey(b.file) ? 1 : 0);

export function buildCheckReport(outcomes: readonly CheckOutcome[], model: string, shards: string[] = []): CheckReport {
  const tests = [...outcomes].sort(byFile);
  const summary = summarise(tests);
  return { tool: 'litmus-check', kind: 'check', version: CHECK_REPORT_VERSION, model, shards, summary, closing: closingLine(summary), tests };
}

/**
 * The report as JSON.stringify(report, null, 2) writes it, in pieces (one test at a time), so a
 * report over a very long run is written without ever being one string.
 */
export function* checkReportJsonChunks(report: CheckReport): Generator<string> {
  const { tests, ...head } = report;
  const headText = JSON.stringify({ ...head, tests: [] }, null, 2);
  yield headText.slice(0, headText.lastIndexOf('[]'));
  for (let i = 0; i < tests.length; i++) yield jsonArrayElement(tests[i], i, '  ');
  yield jsonArrayEnd(tests.length, '  ') + '\n}\n';
}

export type ReportResult = { ok: true; report: CheckReport } | { ok: false; diagnostics: Diagnostic[] };

/** Read a report back (e.g. a shard's), checking enough of its shape to merge it safely. */
export function parseCheckReport(text: string, file: string): ReportResult {
  const fail = (message: string): ReportResult => ({ ok: false, diagnostics: [{ file, line: 1, col: 1, severity: 'error', message }] });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return fail(`not valid JSON: ${(e as Error).message}`);
  }
  const r = data as Partial<CheckReport> | null;
  if (typeof r !== 'object' || r === null || r.tool !== 'litmus-check' || r.kind !== 'check') return fail('not a litmus-check check report (written by `check --reporter json=FILE`)');
  if (r.version !== CHECK_REPORT_VERSION) return fail(`report version ${String(r.version)} is not supported (expected ${CHECK_REPORT_VERSION})`);
  if (typeof r.model !== 'string' || !Array.isArray(r.shards) || !Array.isArray(r.tests)) return fail('report is missing "model", "shards" or "tests"');
  for (const t of r.tests as unknown[]) {
    const o = t as Partial<CheckOutcome> | null;
    if (typeof o !== 'object' || o === null || typeof o.file !== 'string' || typeof o.status !== 'string' || typeof o.message !== 'string' || typeof o.location !== 'object') {
      return fail('a test entry lacks "file", "status", "message" or "location"');
    }
  }
  return { ok: true, report: buildCheckReport(r.tests as CheckOutcome[], r.model, r.shards as string[]) };
}

/**
 * Join shard reports. Fails when models differ, when a test appears in two reports (overlapping
 * shards), or when the reports claim shards of a split but some shard of it is missing.
 */
export function mergeCheckReports(inputs: ReadonlyArray<{ file: string; report: CheckReport }>): ReportResult {
  const diagnostics: Diagnostic[] = [];
  const err = (file: string, message: string) => diagnostics.push({ file, line: 1, col: 1, severity: 'error', message });
  if (inputs.length === 0) return { ok: false, diagnostics: [{ file: '<arguments>', line: 1, col: 1, severity: 'error', message: 'no reports to merge' }] };
  const model = inputs[0].report.model;
  const seen = new Map<string, string>();
  const tests: CheckOutcome[] = [];
  const shards = new Set<string>();
  for (const { file, report } of inputs) {
    if (report.model !== model) err(file, `model ${report.model} differs from ${inputs[0].file}'s ${model}`);
    for (const s of report.shards) {
      if (shards.has(s)) err(file, `shard ${s} appears in two reports`);
      shards.add(s);
    }
    for (const t of report.tests) {
      const other = seen.get(t.file);
      if (other !== undefined) {
        err(file, `${t.file} is also in ${other}: do the shards overlap?`);
        continue;
      }
      seen.set(t.file, file);
      tests.push(t);
    }
  }
  const counts = new Set([...shards].map((s) => Number(s.split('/')[1])));
  if (counts.size > 1) err(inputs[0].file, `the reports come from different splits: ${[...shards].sort().join(', ')}`);
  else if (counts.size === 1 && shards.size > 0) {
    const n = [...counts][0];
    const missing = Array.from({ length: n }, (_, k) => `${k + 1}/${n}`).filter((s) => !shards.has(s));
    if (missing.length) err(inputs[0].file, `shard${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing: some tests did not run`);
  }
  if (diagnostics.length) return { ok: false, diagnostics };
  const sortedShards = [...shards].sort((a, b) => Number(a.split('/')[0]) - Number(b.split('/')[0]));
  return { ok: true, report: buildCheckReport(tests, model, sortedShards) };
}

/** A check outcome as a CI test case (incomplete counts as an error, as in the closing line). */
export function outcomeToCase(o: CheckOutcome): CaseReport {
  const status = o.status === 'incomplete' ? 'error' : o.status;
  const kind =
    o.status === 'incomplete' ? 'incomplete'
    : o.status === 'error' ? (o.actual ? 'expectation' : 'input')
    : o.status === 'failed' ? (o.actual && o.expected && o.actual.observation === o.expected.verdict ? 'states' : 'verdict')
    : undefined;
  const lines = [`${o.location.file}:${o.location.line}:${o.location.col}: ${o.message}`];
  if (o.expected) {
    const s = o.expected.source;
    const from = s.kind === 'result-comment' ? 'the Result: comment' : s.kind === 'expect-file' ? `the expect file ${s.file}:${s.line}` : `the baseline ${s.file}`;
    lines.push(`expected: ${o.expected.verdict}${o.expected.dataRace ? ' DATARACE' : ''} (from ${from})`);
  }
  if (o.actual) {
    const counts = o.actual.verdictOnly ? `executions found (verdict mode) ${o.actual.positive} satisfying / ${o.actual.negative} not` : `witnesses ${o.actual.positive} positive / ${o.actual.negative} negative`;
    lines.push(`actual:   ${o.actual.observation}${o.actual.dataRace ? ' DATARACE' : ''}, ${counts}${o.actual.flags.length ? `, flags ${o.actual.flags.join(',')}` : ''}`);
    if (o.actual.vacuous) lines.push(`vacuous:  ${o.actual.vacuous}`);
    const blocked = blockedWords(o.actual.blocked);
    if (blocked) lines.push(`blocked:  ${blocked}`);
    lines.push(o.actual.verdictOnly ? 'states of the executions found (verdict mode lists no others):' : 'states:', ...o.actual.states.map((s) => `  ${s}`));
  }
  if (o.cause) lines.push(`what broke: ${o.cause.location.file}:${o.cause.location.line}:${o.cause.location.col}: ${o.cause.message}`, `see: ${o.cause.explain}`);
  // Blocked executions are counted where a thread waits, like any warning.
  const blockedAt = (o.actual?.blocked ?? []).map((b) => ({ line: b.line, col: b.col, message: `P${b.thread} waits for ${b.waitsFor} and never finishes, in ${b.executions} execution${b.executions === 1 ? '' : 's'}` }));
  const warnings = [...(o.warnings ?? []), ...blockedAt];
  return {
    group: dirname(o.file),
    name: o.name ?? basename(o.file),
    file: o.file,
    line: o.location.line,
    col: o.location.col,
    status,
    message: o.cause ? `${o.message}. What broke: ${o.cause.message} (see: ${o.cause.explain})` : o.message,
    details: lines.join('\n'),
    kind,
    ...(o.cause ? { related: [{ line: o.cause.location.line, col: o.cause.location.col, message: `${o.cause.message} (see: ${o.cause.explain})` }] } : {}),
    ...(warnings.length ? { warnings } : {}),
    timeMs: o.timeMs,
  };
}
