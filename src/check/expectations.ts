// Where a test's expected verdict comes from: its own `Result:` comment, an expect file
// (`path<TAB>Verdict`), or a baseline recorded by an earlier run. Pure: callers read the files
// and pass absolute paths, so lookups never depend on the working directory.
import { basename, dirname, isAbsolute, relative, sep } from 'node:path';
import type { Diagnostic } from '../diagnostics.js';
import { VERDICTS, type Expectation, type Verdict } from './expected.js';

export { VERDICTS, verdictMeets, expectedResultFor, expectationFromComment, type Verdict, type Expectation, type ExpectationSource } from './expected.js';

/** An expect file or a baseline: keys are paths relative to `dir` (or bare file names). */
export interface ExpectationTable {
  file: string;
  /** Absolute folder the keys are relative to. */
  dir: string;
  entries: Map<string, Expectation>;
}

export type TableResult = { ok: true; table: ExpectationTable } | { ok: false; diagnostics: Diagnostic[] };

const VERDICT_LINE = /^(.*?)\s+(Never|Sometimes|Always)(?:\s+(DATARACE))?\s*$/;

/**
 * Parse an expect file: one `path<TAB or spaces>Verdict [DATARACE]` per line; blank lines and
 * `#` comments are ignored, and so is a header line such as `file<TAB>expected` (EXPECTED.tsv).
 * `absFile` must be absolute: keys resolve relative to its folder.
 */
export function parseExpectFile(text: string, absFile: string): TableResult {
  const entries = new Map<string, Expectation>();
  const diagnostics: Diagnostic[] = [];
  const lines = text.split(/\r?\n/);
  let sawEntry = false;
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = VERDICT_LINE.exec(line);
    if (!m || m[1] === '') {
      // A header line before the first entry, e.g. EXPECTED.tsv's `file<TAB>expected`.
      if (!sawEntry && /^\S+\s+(expected|verdict|result)$/i.test(line)) return;
      const col = raw.length - raw.trimStart().length + 1;
      diagnostics.push({ file: absFile, line: i + 1, col, severity: 'error', message: `expected "path<TAB>Never|Sometimes|Always [DATARACE]", found "${line.slice(0, 80)}"` });
      return;
    }
    sawEntry = true;
    const key = normaliseKey(m[1]);
    if (entries.has(key)) {
      diagnostics.push({ file: absFile, line: i + 1, col: 1, severity: 'error', message: `"${key}" is listed twice` });
      return;
    }
    entries.set(key, { verdict: m[2] as Verdict, dataRace: m[3] !== undefined, source: { kind: 'expect-file', file: absFile, line: i + 1, col: 1 } });
  });
  if (diagnostics.length) return { ok: false, diagnostics };
  return { ok: true, table: { file: absFile, dir: dirname(absFile), entries } };
}

/** One baseline entry as stored in JSON. */
export interface BaselineEntry {
  verdict: Verdict;
  dataRace: boolean;
  states?: string[];
  model?: string;
}

/** Parse a baseline: a JSON object mapping paths (relative to its folder) to BaselineEntry. */
export function parseBaseline(text: string, absFile: string): TableResult {
  const fail = (message: string, line = 1, col = 1): TableResult => ({ ok: false, diagnostics: [{ file: absFile, line, col, severity: 'error', message }] });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const pos = jsonErrorPosition(text, (e as Error).message);
    return fail(`not valid JSON: ${(e as Error).message}`, pos.line, pos.col);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return fail('a baseline is a JSON object mapping test paths to {"verdict", "dataRace", "states"}');
  const entries = new Map<string, Expectation>();
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const line = lineOfKey(text, key);
    const v = value as Partial<BaselineEntry> | null;
    if (typeof v !== 'object' || v === null || !VERDICTS.includes(v.verdict as Verdict)) return fail(`entry "${key}": "verdict" must be one of Never, Sometimes, Always`, line);
    if (v.dataRace !== undefined && typeof v.dataRace !== 'boolean') return fail(`entry "${key}": "dataRace" must be true or false`, line);
    if (v.states !== undefined && !(Array.isArray(v.states) && v.states.every((s) => typeof s === 'string'))) return fail(`entry "${key}": "states" must be a list of strings`, line);
    if (v.model !== undefined && typeof v.model !== 'string') return fail(`entry "${key}": "model" must be a string`, line);
    entries.set(normaliseKey(key), {
      verdict: v.verdict as Verdict,
      dataRace: v.dataRace ?? false,
      states: v.states,
      model: v.model,
      source: { kind: 'baseline', file: absFile, line, col: 1 },
    });
  }
  return { ok: true, table: { file: absFile, dir: dirname(absFile), entries } };
}

/**
 * The entry for a test (absolute path): its path relative to the table's folder, else a bare
 * file name equal to the test's (so EXPECTED.tsv works from anywhere).
 */
export function lookupExpectation(table: ExpectationTable, absTestPath: string): Expectation | null {
  const rel = baselineKey(table.dir, absTestPath);
  return table.entries.get(rel) ?? table.entries.get(basename(absTestPath)) ?? null;
}

/** The key a baseline stores for a test: its path relative to the baseline's folder, with '/'. */
export function baselineKey(tableDir: string, absTestPath: string): string {
  return normaliseKey(relative(tableDir, absTestPath));
}

/** Serialise a baseline with sorted keys, so re-recording an unchanged suite changes no byte. */
export function formatBaseline(entries: Map<string, BaselineEntry>): string {
  const sorted = [...entries.keys()].sort();
  const obj: Record<string, BaselineEntry> = {};
  for (const k of sorted) obj[k] = entries.get(k)!;
  return JSON.stringify(obj, null, 2) + '\n';
}

function normaliseKey(p: string): string {
  let k = p.split(sep).join('/').replace(/\\/g, '/');
  if (!isAbsolute(k)) k = k.replace(/^(\.\/)+/, '');
  return k;
}

function lineOfKey(text: string, key: string): number {
  const at = text.indexOf(JSON.stringify(key));
  return at < 0 ? 1 : text.slice(0, at).split('\n').length;
}

function jsonErrorPosition(text: string, message: string): { line: number; col: number } {
  // V8 names the offset in most messages ("... at position 15"), not all.
  const m = /position (\d+)/.exec(message);
  if (!m) return { line: 1, col: 1 };
  const before = text.slice(0, Number(m[1]));
  const lines = before.split('\n');
  return { line: lines.length, col: lines[lines.length - 1].length + 1 };
}
