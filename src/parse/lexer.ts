// Tokens of the litmus dialect. Two modes: outside C code `(* ... *)` is an OCaml comment;
// inside a thread body it is a parenthesis and a star (as in `READ_ONCE(*x)`).
import { StageError, type SourcePos } from '../diagnostics.js';

export type TokenKind = 'ident' | 'num' | 'punct' | 'string' | 'eof';
export type LexMode = 'top' | 'code';

export interface Token {
  kind: TokenKind;
  text: string;
  value: number; // for 'num'
  /** A 'num' beyond 2^53 (up to 2^64 - 1), exact; `value` is then only its approximation. */
  big?: bigint;
  pos: SourcePos;
  offset: number;
}

const PUNCTS = [
  '<<=', '>>=',
  '/\\', '\\/', '->', '==', '!=', '<=', '>=', '<<', '>>', '&&', '||', '++', '--',
  '+=', '-=', '&=', '|=', '^=', '*=',
  '{', '}', '(', ')', '[', ']', ';', ',', ':', '=', '<', '>', '+', '-', '*', '/', '%',
  '&', '|', '^', '!', '~', '?', '.', '#',
];

export interface CommentText {
  text: string;
  pos: SourcePos;
}

export class Lexer {
  private i = 0;
  private line = 1;
  private col = 1;
  /** Every comment seen, so the parser can find `Result:` lines. */
  readonly comments: CommentText[] = [];

  constructor(readonly src: string) {}

  get offset(): number {
    return this.i;
  }

  position(): SourcePos {
    return { line: this.line, col: this.col };
  }

  /** Move back to a saved token's start (used for one-token lookahead across mode changes). */
  reset(tok: Token): void {
    this.i = tok.offset;
    this.line = tok.pos.line;
    this.col = tok.pos.col;
  }

  private advance(n = 1): void {
    for (let k = 0; k < n; k++) {
      if (this.src.charCodeAt(this.i) === 10) {
        this.line++;
        this.col = 1;
      } else this.col++;
      this.i++;
    }
  }

  private skipTrivia(mode: LexMode): void {
    const s = this.src;
    for (;;) {
      const c = s[this.i];
      if (c === undefined) return;
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v') {
        this.advance();
        continue;
      }
      if (c === '/' && s[this.i + 1] === '/') {
        const start = this.position();
        const from = this.i;
        while (this.i < s.length && s[this.i] !== '\n') this.advance();
        this.comments.push({ text: s.slice(from, this.i), pos: start });
        continue;
      }
      if (c === '/' && s[this.i + 1] === '*') {
        const start = this.position();
        const from = this.i;
        this.advance(2);
        while (this.i < s.length && !(s[this.i] === '*' && s[this.i + 1] === '/')) this.advance();
        if (this.i >= s.length) throw new StageError(start, 'unterminated /* comment');
        this.advance(2);
        this.comments.push({ text: s.slice(from, this.i), pos: start });
        continue;
      }
      if (mode === 'top' && c === '(' && s[this.i + 1] === '*') {
        const start = this.position();
        const from = this.i;
        let depth = 0;
        while (this.i < s.length) {
          if (s[this.i] === '(' && s[this.i + 1] === '*') {
            depth++;
            this.advance(2);
          } else if (s[this.i] === '*' && s[this.i + 1] === ')') {
            depth--;
            this.advance(2);
            if (depth === 0) break;
          } else this.advance();
        }
        if (depth !== 0) throw new StageError(start, 'unterminated (* comment');
        this.comments.push({ text: s.slice(from, this.i), pos: start });
        continue;
      }
      return;
    }
  }

  next(mode: LexMode): Token {
    this.skipTrivia(mode);
    const s = this.src;
    const pos = this.position();
    const offset = this.i;
    if (this.i >= s.length) return { kind: 'eof', text: '', value: 0, pos, offset };
    const c = s[this.i];
    if (/[A-Za-z_]/.test(c)) {
      let j = this.i + 1;
      while (j < s.length && /[A-Za-z0-9_]/.test(s[j])) j++;
      const text = s.slice(this.i, j);
      this.advance(j - this.i);
      return { kind: 'ident', text, value: 0, pos, offset };
    }
    if (/[0-9]/.test(c)) {
      let j = this.i;
      let digits: string;
      if (c === '0' && (s[j + 1] === 'x' || s[j + 1] === 'X')) {
        j += 2;
        while (j < s.length && /[0-9A-Fa-f]/.test(s[j])) j++;
        digits = s.slice(this.i, j);
      } else {
        while (j < s.length && /[0-9]/.test(s[j])) j++;
        digits = s.slice(this.i, j);
      }
      while (j < s.length && /[uUlL]/.test(s[j])) j++; // C integer suffixes
      const text = s.slice(this.i, j);
      this.advance(j - this.i);
      if (digits === '0x' || digits === '0X') throw new StageError(pos, `number ${text} has no digits`);
      // Up to 64 bits (a u64 such as vcpu->requests): a bigint beyond 2^53, kept exact.
      // Up to 15 characters (15 decimal digits, or 0x and 13 hex digits: under 2^53) a double is
      // exact and a BigInt is not needed; making one for every literal was most of lexing.
      if (digits.length <= 15) return { kind: 'num', text, value: Number(digits), pos, offset };
      const exact = BigInt(digits);
      if (exact >= 1n << 64n) throw new StageError(pos, `number ${text} is too large`); // more than 64 bits
      const value = Number(exact);
      return { kind: 'num', text, value, ...(Number.isSafeInteger(value) ? {} : { big: exact }), pos, offset };
    }
    if (c === '"') {
      let j = this.i + 1;
      while (j < s.length && s[j] !== '"' && s[j] !== '\n') j++;
      if (s[j] !== '"') throw new StageError(pos, 'unterminated string');
      const text = s.slice(this.i + 1, j);
      this.advance(j + 1 - this.i);
      return { kind: 'string', text, value: 0, pos, offset };
    }
    for (const p of PUNCTS) {
      if (s.startsWith(p, this.i)) {
        this.advance(p.length);
        return { kind: 'punct', text: p, value: 0, pos, offset };
      }
    }
    const shown = c.charCodeAt(0) < 32 || c.charCodeAt(0) > 126 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : c;
    throw new StageError(pos, `unexpected character '${shown}'`);
  }

  /** The rest of the current line, raw (for the `C name` header). */
  restOfLine(): string {
    const s = this.src;
    const from = this.i;
    while (this.i < s.length && s[this.i] !== '\n') this.advance();
    return s.slice(from, this.i);
  }
}
