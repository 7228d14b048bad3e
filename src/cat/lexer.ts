// Tokens of the cat language. Names may contain '-' and '.' (po-loc, Srcu-lock), tags start
// with a quote ('ONCE), comments are OCaml's (* *) (nested) and C++'s // (the kernel's files
// start with an SPDX line).
import type { CatPos } from './ast.js';
import { CatError } from './errors.js';

export type TokKind =
  | 'var' | 'tag' | 'string' | 'eof'
  | '(' | ')' | '[' | ']' | '{' | '}' | ',' | '=' | '->'
  | '|' | '||' | '&' | '&&' | ';' | '\\' | '*' | '+' | '++' | '?' | '~' | '^-1' | '_' | '0'
  | 'let' | 'rec' | 'and' | 'in' | 'as' | 'fun' | 'match' | 'with' | 'end' | 'begin' | 'try' | 'if' | 'then' | 'else'
  | 'acyclic' | 'irreflexive' | 'empty' | 'flag' | 'requires' | 'show' | 'unshow' | 'include' | 'enum' | 'from'
  | 'procedure' | 'call' | 'forall' | 'do' | 'debug' | 'when';

export interface Token {
  kind: TokKind;
  /** The name, tag or string contents (for var, tag, string). */
  text: string;
  pos: CatPos;
}

const KEYWORDS = new Set<string>([
  'let', 'rec', 'and', 'in', 'as', 'fun', 'match', 'with', 'end', 'begin', 'try', 'if', 'then', 'else',
  'acyclic', 'irreflexive', 'empty', 'flag', 'requires', 'show', 'unshow', 'include', 'enum', 'from',
  'procedure', 'call', 'forall', 'do', 'debug', 'when',
]);

const isNameStart = (c: string) => /[A-Za-z_]/.test(c);
const isNameChar = (c: string) => /[A-Za-z0-9_.\-]/.test(c);

export function tokenize(text: string, file: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const pos = (at: number): CatPos => ({ file, line, col: at - lineStart + 1 });
  const advanceNewlines = (from: number, to: number) => {
    for (let k = from; k < to; k++) {
      if (text[k] === '\n') {
        line++;
        lineStart = k + 1;
      }
    }
  };
  const push = (kind: TokKind, start: number, len: number, t = '') => {
    out.push({ kind, text: t, pos: pos(start) });
    i = start + len;
  };
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      line++;
      i++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    if (c === '(' && text[i + 1] === '*') {
      const start = i;
      const startPos = pos(i);
      let depth = 1;
      let k = i + 2;
      while (k < text.length && depth > 0) {
        if (text[k] === '(' && text[k + 1] === '*') {
          depth++;
          k += 2;
        } else if (text[k] === '*' && text[k + 1] === ')') {
          depth--;
          k += 2;
        } else k++;
      }
      if (depth > 0) throw new CatError(startPos, 'unterminated comment (* ...');
      advanceNewlines(start, k);
      i = k;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '"') {
      const end = text.indexOf('"', i + 1);
      if (end < 0) throw new CatError(pos(i), 'unterminated string');
      const start = i;
      const p = pos(i);
      const s = text.slice(i + 1, end);
      advanceNewlines(start, end);
      out.push({ kind: 'string', text: s, pos: p });
      i = end + 1;
      continue;
    }
    if (c === "'") {
      let k = i + 1;
      if (k >= text.length || !isNameStart(text[k])) throw new CatError(pos(i), "a tag is a quote followed by a name, as in 'ONCE");
      while (k < text.length && isNameChar(text[k])) k++;
      push('tag', i, k - i, text.slice(i + 1, k));
      continue;
    }
    if (isNameStart(c)) {
      let k = i + 1;
      while (k < text.length && isNameChar(text[k])) k++;
      while (k < text.length && text[k] === "'") k++;
      const name = text.slice(i, k);
      if (name === '_') push('_', i, 1);
      else if (KEYWORDS.has(name)) push(name as TokKind, i, k - i, name);
      else push('var', i, k - i, name);
      continue;
    }
    if (c === '0' && !/[0-9]/.test(text[i + 1] ?? '')) {
      push('0', i, 1);
      continue;
    }
    const two = text.slice(i, i + 2);
    if (text.slice(i, i + 3) === '^-1') {
      push('^-1', i, 3);
      continue;
    }
    if (two === '||' || two === '&&' || two === '++' || two === '->') {
      push(two as TokKind, i, 2);
      continue;
    }
    if ('()[]{},=|&;\\*+?~'.includes(c)) {
      push(c as TokKind, i, 1);
      continue;
    }
    throw new CatError(pos(i), `unexpected character '${c}'`);
  }
  out.push({ kind: 'eof', text: '', pos: pos(i) });
  return out;
}
