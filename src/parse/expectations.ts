// The `Result:` comments a test states its expected verdict in, read strictly: the forms herd7's
// and the kernel's scripts use are accepted (`Result: Never|Sometimes|Always`, a trailing
// `DATARACE` and/or `DEADLOCK`, the kernel's `Result: DEADLOCK`, and our `Result(MODEL): ...`);
// anything that looks like an attempt at one (`Result: never`, `Result: Nevr`, `Results: Never`,
// `result: Never`) is an error pointing at the word, with the nearest valid form. A misspelt
// expectation read as "no expectation" would let a gate pass without checking anything.
import { nearestName, type Diagnostic, type SourcePos } from '../diagnostics.js';
import type { ExpectedResult } from './ast.js';

export interface CommentText {
  text: string;
  pos: SourcePos;
}

export interface Expectations {
  expected: ExpectedResult | null;
  expectedByModel?: Record<string, ExpectedResult>;
  diagnostics: Diagnostic[];
}

const VERDICT_WORDS = ['Never', 'Sometimes', 'Always'] as const;
const MARKERS = ['DATARACE', 'DEADLOCK'] as const;
const VALUE_WORDS = [...VERDICT_WORDS, ...MARKERS];

// A word, an optional `(model)`, an optional colon; the rest of the line is the value.
const KEY = /\b([A-Za-z]{4,8})[ \t]*(\([ \t]*([A-Za-z0-9_.+-]*)[ \t]*\))?[ \t]*(:?)/g;

/** Whether `word` is "Result" misspelt: another case, a plural, one letter off, two swapped. */
function resultLike(word: string): boolean {
  // Within one edit of "result" (or an anagram of it) means 5 to 7 letters: every other word of
  // the comments' prose is dismissed before anything else (reading comments was most of parsing).
  if (word.length < 5 || word.length > 7) return false;
  const w = word.toLowerCase();
  return w === 'results' || withinOneEdit(w, 'result') || anagramOfResult(w);
}

/** Levenshtein distance at most 1, in one pass (no table: most words are rejected at once). */
function withinOneEdit(a: string, b: string): boolean {
  if (a.length < b.length) return withinOneEdit(b, a);
  if (a.length - b.length > 1) return false;
  let i = 0;
  while (i < b.length && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === b.length) return true;
  // The first difference: a substitution (same lengths) or a letter of `a` inserted.
  const skip = a.length === b.length ? 1 : 0;
  for (let j = i + 1; j < a.length; j++) if (a.charCodeAt(j) !== b.charCodeAt(j - 1 + skip)) return false;
  return true;
}

/** The letters of "result" in any order ("result" has no repeated letter). */
function anagramOfResult(w: string): boolean {
  if (w.length !== 6) return false;
  let seen = 0;
  for (let i = 0; i < 6; i++) {
    const k = 'result'.indexOf(w[i]);
    if (k < 0 || seen & (1 << k)) return false;
    seen |= 1 << k;
  }
  return true;
}

/** Whether a value word is close to one we accept (so `Result: comment` is prose, `Result: Nevr` is not). */
function valueLike(word: string): boolean {
  return nearestName(word, VALUE_WORDS, 2) !== null || VALUE_WORDS.some((v) => word.length >= 3 && v.toLowerCase().startsWith(word.toLowerCase()));
}

function positionIn(c: CommentText, offset: number): SourcePos {
  const before = c.text.slice(0, offset).split('\n');
  return before.length === 1 ? { line: c.pos.line, col: c.pos.col + offset } : { line: c.pos.line + before.length - 1, col: before[before.length - 1].length + 1 };
}

type Parsed = { ok: true; verdict: ExpectedResult['verdict']; dataRace: boolean; deadlock: boolean } | { ok: false; at: number; message: string };

/** The value after `Result:`: `Never|Sometimes|Always [DATARACE] [DEADLOCK]` or `DEADLOCK [DATARACE]`. */
function parseValue(words: Array<{ text: string; at: number }>): Parsed {
  if (words.length === 0) return { ok: false, at: -1, message: 'expected Never, Sometimes or Always after it' };
  let verdict: ExpectedResult['verdict'] = 'Never';
  let rest = words;
  const first = words[0];
  if ((VERDICT_WORDS as readonly string[]).includes(first.text)) {
    verdict = first.text as ExpectedResult['verdict'];
    rest = words.slice(1);
  } else if (first.text !== 'DEADLOCK') {
    return { ok: false, at: first.at, message: `'${first.text}' is not a verdict (Never, Sometimes, Always or DEADLOCK)` };
  }
  const seen = new Set<string>();
  for (const w of rest) {
    if (!(MARKERS as readonly string[]).includes(w.text) || seen.has(w.text)) {
      return { ok: false, at: w.at, message: `unexpected '${w.text}' after the verdict (only DATARACE and DEADLOCK may follow it)` };
    }
    seen.add(w.text);
  }
  return { ok: true, verdict, dataRace: seen.has('DATARACE'), deadlock: first.text === 'DEADLOCK' || seen.has('DEADLOCK') };
}

/** The nearest accepted form of what was written, for "did you mean". */
function nearestForm(model: string | undefined, words: string[]): string {
  const fixed = words.map((w) => nearestName(w, VALUE_WORDS, 3)).filter((w): w is string => w !== null);
  const verdict = fixed.find((w) => (VERDICT_WORDS as readonly string[]).includes(w)) ?? (fixed.includes('DEADLOCK') ? 'DEADLOCK' : 'Never');
  const markers = MARKERS.filter((m) => fixed.includes(m) && m !== verdict);
  return `Result${model !== undefined ? `(${model})` : ''}: ${[verdict, ...markers].join(' ')}`;
}

/** Read every `Result:` and `Result(MODEL):` line of the comments; the first of each kind wins. */
export function readExpectations(comments: readonly CommentText[], file: string): Expectations {
  const out: Expectations = { expected: null, diagnostics: [] };
  for (const c of comments) {
    for (const m of c.text.matchAll(KEY)) {
      const [whole, word, paren, modelName, colon] = m;
      const exactKey = word === 'Result';
      if (!resultLike(word)) continue;
      const afterKey = m.index + whole.length;
      const lineEnd = c.text.indexOf('\n', afterKey);
      const line = c.text.slice(afterKey, lineEnd < 0 ? c.text.length : lineEnd).replace(/\*\)\s*$|\*\/\s*$/, '');
      const words = [...line.matchAll(/\S+/g)].map((w) => ({ text: w[0], at: afterKey + w.index }));
      // Prose mentioning a result is not an expectation: an exact `Result:` always is one; a
      // misspelt key, or one without its colon, only when a verdict-like word follows.
      const attempt = exactKey && colon ? true : words.length > 0 && valueLike(words[0].text) && (colon !== '' || exactKey);
      if (!attempt) continue;
      const model = paren !== undefined ? modelName : undefined;
      const fail = (at: number, message: string) => {
        const pos = positionIn(c, at);
        const form = nearestForm(model, words.map((w) => w.text));
        out.diagnostics.push({ file, line: pos.line, col: pos.col, severity: 'error', message: `${message} (did you mean '${form}'?)` });
      };
      if (!exactKey || !colon || (paren !== undefined && modelName === '')) {
        fail(m.index, `'${whole.trim()}' is not an expectation: write it as 'Result:' or 'Result(MODEL):'`);
        continue;
      }
      const v = parseValue(words);
      if (!v.ok) {
        fail(v.at < 0 ? m.index : v.at, `${v.at < 0 ? "'Result:' has no verdict: " : ''}${v.message}`);
        continue;
      }
      const result: ExpectedResult = { verdict: v.verdict, dataRace: v.dataRace, deadlock: v.deadlock, pos: positionIn(c, m.index) };
      if (model === undefined) out.expected ??= result;
      else {
        out.expectedByModel ??= {};
        out.expectedByModel[model.toLowerCase()] ??= result;
      }
    }
  }
  return out;
}
