// The parser's view of the token stream: one token of lookahead in a lexing mode ('top' for the
// test's sections, 'code' inside thread bodies), the errors for what was expected, and the
// nesting depth that keeps the later stages' recursion bounded.
import { Lexer, type LexMode, type Token } from './lexer.js';
import { StageError, type SourcePos } from '../diagnostics.js';

// Bounds the depth of the syntax tree, so that the stages after parsing, which recurse over it,
// cannot overflow the stack. Nesting and long operator chains (a left-deep tree) both count.
const MAX_DEPTH = 500;
const TOO_DEEP = `nested more than ${MAX_DEPTH} levels deep (brackets, blocks and chained operators all count)`;

export class TokenCursor {
  readonly lex: Lexer;
  private tok: Token | null = null;
  private tokMode: LexMode = 'top';
  /** How deeply the tree being built is nested; a chain saves and restores it. */
  depth = 0;
  /** Just after the last token taken: where a missing ';' is reported. */
  private lastEnd: SourcePos | null = null;

  constructor(src: string) {
    this.lex = new Lexer(src);
  }

  peek(mode: LexMode): Token {
    if (this.tok && this.tokMode !== mode) {
      this.lex.reset(this.tok);
      this.tok = null;
    }
    if (!this.tok) {
      this.tok = this.lex.next(mode);
      this.tokMode = mode;
    }
    return this.tok;
  }
  take(mode: LexMode): Token {
    const t = this.peek(mode);
    this.tok = null;
    this.lastEnd = { line: t.pos.line, col: t.pos.col + t.text.length };
    return t;
  }
  is(mode: LexMode, text: string): boolean {
    const t = this.peek(mode);
    return (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }
  accept(mode: LexMode, text: string): boolean {
    if (this.is(mode, text)) {
      this.take(mode);
      return true;
    }
    return false;
  }
  expect(mode: LexMode, text: string, what?: string): Token {
    const t = this.peek(mode);
    if ((t.kind === 'punct' || t.kind === 'ident') && t.text === text) return this.take(mode);
    // A missing ';' belongs at the end of the line that lacks it, not on the next line's first token.
    if (text === ';' && this.lastEnd && t.pos.line > this.lastEnd.line) {
      const found = t.kind === 'eof' ? 'end of file' : `'${t.text}' on line ${t.pos.line}`;
      throw new StageError(this.lastEnd, `expected ${what ?? "';'"}, found ${found}`);
    }
    throw this.unexpected(t, what ?? `'${text}'`);
  }
  expectIdent(mode: LexMode, what: string): Token {
    const t = this.peek(mode);
    if (t.kind !== 'ident') throw this.unexpected(t, what);
    return this.take(mode);
  }
  unexpected(t: Token, expected: string): StageError {
    const found = t.kind === 'eof' ? 'end of file' : `'${t.text}'`;
    return new StageError(t.pos, `expected ${expected}, found ${found}`);
  }
  enter(pos: SourcePos): void {
    if (++this.depth > MAX_DEPTH) throw new StageError(pos, TOO_DEEP);
  }
  /** One more operator in a left-associative chain: the tree grows one level deeper. */
  enterChain(pos: SourcePos): void {
    if (++this.depth > MAX_DEPTH) throw new StageError(pos, TOO_DEEP);
  }
  leave(): void {
    this.depth--;
  }

  /** The number after a '-' just taken, negated (in the initial state and the condition). */
  negatedNumber(): number | bigint {
    const n = this.peek('top');
    if (n.kind !== 'num') throw this.unexpected(n, 'a number');
    this.take('top');
    return -(n.big ?? n.value);
  }

  /** Go back to token t (taken or peeked): the next peek reads it again. */
  backTo(t: Token): void {
    this.lex.reset(t);
    this.tok = null;
  }
}
