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

/** Where the lexer stands in the text: the offset, and the line it is on (for positions). */
class Scan {
  i = 0;
  private line = 1;
  private lineStart = 0;
  constructor(
    readonly text: string,
    private readonly file: string,
  ) {}
  pos(at = this.i): CatPos {
    return { file: this.file, line: this.line, col: at - this.lineStart + 1 };
  }
  /** Moves to offset k, counting the newlines passed. */
  moveTo(k: number): void {
    for (let j = this.i; j < k; j++) {
      if (this.text[j] === '\n') {
        this.line++;
        this.lineStart = j + 1;
      }
    }
    this.i = k;
  }
}

/** Passes white space and comments; false when there was none to pass. */
function skipBlank(s: Scan): boolean {
  const { text, i } = s;
  const c = text[i];
  if (c === '\n' || c === ' ' || c === '\t' || c === '\r' || c === '\f') {
    s.moveTo(i + 1);
    return true;
  }
  if (c === '(' && text[i + 1] === '*') {
    const startPos = s.pos();
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
    s.moveTo(k);
    return true;
  }
  if (c === '/' && text[i + 1] === '/') {
    let k = i;
    while (k < text.length && text[k] !== '\n') k++;
    s.moveTo(k);
    return true;
  }
  return false;
}

/** The token at the scanner's offset (not blank), and the scanner moved past it. */
function readToken(s: Scan): Token {
  const { text, i } = s;
  const c = text[i];
  const pos = s.pos();
  const token = (kind: TokKind, len: number, t = ''): Token => {
    s.moveTo(i + len);
    return { kind, text: t, pos };
  };
  if (c === '"') {
    const end = text.indexOf('"', i + 1);
    if (end < 0) throw new CatError(pos, 'unterminated string');
    return token('string', end + 1 - i, text.slice(i + 1, end));
  }
  if (c === "'") {
    let k = i + 1;
    if (k >= text.length || !isNameStart(text[k])) throw new CatError(pos, "a tag is a quote followed by a name, as in 'ONCE");
    while (k < text.length && isNameChar(text[k])) k++;
    return token('tag', k - i, text.slice(i + 1, k));
  }
  if (isNameStart(c)) {
    let k = i + 1;
    while (k < text.length && isNameChar(text[k])) k++;
    while (k < text.length && text[k] === "'") k++;
    const name = text.slice(i, k);
    if (name === '_') return token('_', 1);
    return KEYWORDS.has(name) ? token(name as TokKind, k - i, name) : token('var', k - i, name);
  }
  if (c === '0' && !/[0-9]/.test(text[i + 1] ?? '')) return token('0', 1);
  if (text.slice(i, i + 3) === '^-1') return token('^-1', 3);
  const two = text.slice(i, i + 2);
  if (two === '||' || two === '&&' || two === '++' || two === '->') return token(two as TokKind, 2);
  if ('()[]{},=|&;\\*+?~'.includes(c)) return token(c as TokKind, 1);
  throw new CatError(pos, `unexpected character '${c}'`);
}

export function tokenize(text: string, file: string): Token[] {
  const out: Token[] = [];
  const s = new Scan(text, file);
  while (s.i < text.length) if (!skipBlank(s)) out.push(readToken(s));
  out.push({ kind: 'eof', text: '', pos: s.pos() });
  return out;
}
