// Recursive-descent parser for the C litmus dialect (herd7's and the kernel's).
import { Lexer, type LexMode, type Token } from './lexer.js';
import { StageError, diag, type Diagnostic, type SourcePos } from '../diagnostics.js';
import { BINARY_PRECEDENCE } from './ast.js';
import { readExpectations } from './expectations.js';
import type {
  BinaryOp, CondValue, Condition, ExpectedResult, Expr, InitItem, InitValue, LitmusTest,
  Observable, Param, Prop, Quantifier, Stmt, ThreadDecl, TypeName,
} from './ast.js';

export type ParseResult = { ok: true; test: LitmusTest } | { ok: false; diagnostics: Diagnostic[] };

/** Parse one litmus file; never throws. */
export function parseLitmus(source: string, file = '<input>'): ParseResult {
  try {
    const parser = new Parser(source, file);
    const test = parser.parseTest();
    // A misspelt Result: line is an error, not a test without an expectation (parse/expectations.ts).
    if (parser.expectationErrors.length) return { ok: false, diagnostics: parser.expectationErrors };
    return { ok: true, test };
  } catch (e) {
    if (e instanceof StageError) return { ok: false, diagnostics: [diag(file, e.pos, e.message)] };
    if (e instanceof RangeError) {
      // Deeply nested input: report it rather than overflow the stack.
      return { ok: false, diagnostics: [diag(file, { line: 1, col: 1 }, 'input nested too deeply to parse')] };
    }
    throw e;
  }
}

const TYPE_WORDS = new Set([
  'int', 'long', 'short', 'char', 'unsigned', 'signed', 'volatile', 'const', 'intptr_t', 'uintptr_t',
  'bool', '_Bool', 'u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', 'spinlock_t', 'atomic_t',
  'atomic_long_t', 'struct', 'size_t', 'unsigned_long', 'raw_spinlock_t', 'srcu_struct',
]);
// Bounds the depth of the syntax tree, so that the stages after parsing, which recurse over it,
// cannot overflow the stack. Nesting and long operator chains (a left-deep tree) both count.
const MAX_DEPTH = 500;
const TOO_DEEP = `nested more than ${MAX_DEPTH} levels deep (brackets, blocks and chained operators all count)`;


class Parser {
  /** Misspelt or malformed `Result:` lines, found once the whole file is read. */
  expectationErrors: Diagnostic[] = [];
  private lex: Lexer;
  private tok: Token | null = null;
  private tokMode: LexMode = 'top';
  private depth = 0;
  /** Just after the last token taken: where a missing ';' is reported. */
  private lastEnd: SourcePos | null = null;

  constructor(
    private readonly src: string,
    private readonly file: string,
  ) {
    this.lex = new Lexer(src);
  }

  // ---- token plumbing -------------------------------------------------------------------
  private peek(mode: LexMode): Token {
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
  private take(mode: LexMode): Token {
    const t = this.peek(mode);
    this.tok = null;
    this.lastEnd = { line: t.pos.line, col: t.pos.col + t.text.length };
    return t;
  }
  private is(mode: LexMode, text: string): boolean {
    const t = this.peek(mode);
    return (t.kind === 'punct' || t.kind === 'ident') && t.text === text;
  }
  private accept(mode: LexMode, text: string): boolean {
    if (this.is(mode, text)) {
      this.take(mode);
      return true;
    }
    return false;
  }
  private expect(mode: LexMode, text: string, what?: string): Token {
    const t = this.peek(mode);
    if ((t.kind === 'punct' || t.kind === 'ident') && t.text === text) return this.take(mode);
    // A missing ';' belongs at the end of the line that lacks it, not on the next line's first token.
    if (text === ';' && this.lastEnd && t.pos.line > this.lastEnd.line) {
      const found = t.kind === 'eof' ? 'end of file' : `'${t.text}' on line ${t.pos.line}`;
      throw new StageError(this.lastEnd, `expected ${what ?? "';'"}, found ${found}`);
    }
    throw this.unexpected(t, what ?? `'${text}'`);
  }
  private expectIdent(mode: LexMode, what: string): Token {
    const t = this.peek(mode);
    if (t.kind !== 'ident') throw this.unexpected(t, what);
    return this.take(mode);
  }
  private unexpected(t: Token, expected: string): StageError {
    const found = t.kind === 'eof' ? 'end of file' : `'${t.text}'`;
    return new StageError(t.pos, `expected ${expected}, found ${found}`);
  }
  private enter(pos: SourcePos): void {
    if (++this.depth > MAX_DEPTH) throw new StageError(pos, TOO_DEEP);
  }
  /** One more operator in a left-associative chain: the tree grows one level deeper. */
  private enterChain(pos: SourcePos): void {
    if (++this.depth > MAX_DEPTH) throw new StageError(pos, TOO_DEEP);
  }
  private leave(): void {
    this.depth--;
  }

  // ---- test ---------------------------------------------------------------------------
  parseTest(): LitmusTest {
    if (this.src.trim() === '') throw new StageError({ line: 1, col: 1 }, 'empty file: expected a litmus test starting with "C <name>"');
    const archTok = this.expectIdent('top', 'the architecture "C" at the start of the test');
    if (archTok.text !== 'C') {
      throw new StageError(archTok.pos, `unsupported architecture '${archTok.text}': only C litmus tests are supported`);
    }
    const namePos = this.lex.position();
    // herd7 names a test `C foo.litmus` as foo.
    const name = (this.lex.restOfLine().trim().split(/\s+/)[0] ?? '').replace(/\.litmus$/, '');
    if (name === '') throw new StageError(namePos, 'expected the test name after "C"');
    const kvmArch = this.skipHeader();
    const init = this.parseInit();
    const threads = this.parseThreads();
    let locations: Observable[] = [];
    let filter: Prop | null = null;
    let condition: Condition | null = null;
    for (;;) {
      const t = this.peek('top');
      if (t.kind === 'eof') break;
      if (condition) throw this.unexpected(t, 'end of file after the final condition');
      if (t.kind === 'ident' && t.text === 'locations') {
        this.take('top');
        locations = this.parseLocations();
      } else if (t.kind === 'ident' && t.text === 'filter') {
        this.take('top');
        filter = this.parseProp();
      } else {
        condition = this.parseCondition();
      }
    }
    if (!condition) throw new StageError(this.lex.position(), 'expected a final condition (exists, ~exists or forall)');
    const { expected, expectedByModel, diagnostics } = readExpectations(this.lex.comments, this.file);
    this.expectationErrors = diagnostics;
    return {
      file: this.file, arch: 'C', name, expected, expectedByModel,
      ...(kvmArch ? { kvmArch } : {}), init, threads, locations, filter, condition,
    };
  }

  /**
   * Diy header lines, a quoted doc string, comments: everything up to the init block's `{`.
   * Returns the `KvmArch=NAME` line's value, the one header line the dialect reads.
   */
  private skipHeader(): { name: string; pos: SourcePos } | undefined {
    let kvmArch: { name: string; pos: SourcePos } | undefined;
    for (let prev: string[] = []; ; ) {
      const t = this.peek('top');
      if (t.kind === 'eof') throw this.unexpected(t, "the initial-state block '{'");
      if (t.kind === 'punct' && t.text === '{') return kvmArch;
      this.take('top');
      if (prev.length === 2 && prev[0] === 'KvmArch' && prev[1] === '=' && (t.kind === 'ident' || t.kind === 'num')) {
        if (kvmArch) throw new StageError(t.pos, `a second KvmArch= line (the first says ${kvmArch.name})`);
        kvmArch = { name: t.kind === 'ident' ? t.text : String(t.value), pos: t.pos };
      }
      prev = [...prev, t.kind === 'ident' || t.kind === 'punct' ? t.text : ''].slice(-2);
    }
  }

  // ---- init block ---------------------------------------------------------------------
  private parseInit(): InitItem[] {
    this.expect('top', '{');
    const items: InitItem[] = [];
    while (!this.accept('top', '}')) {
      if (this.accept('top', ';')) continue;
      items.push(this.parseInitItem());
      if (!this.is('top', '}')) this.expect('top', ';', "';' or '}' in the initial state");
    }
    return items;
  }

  private parseInitItem(): InitItem {
    const first = this.peek('top');
    if (first.kind === 'num') {
      // 1:r1=x
      const thread = this.take('top').value;
      this.expect('top', ':');
      const reg = this.expectIdent('top', 'a register name');
      this.expect('top', '=');
      return { k: 'reg', thread, reg: reg.text, type: null, value: this.parseInitValue(), pos: first.pos };
    }
    if (first.kind === 'ident' && /^P\d+$/.test(first.text)) {
      this.take('top');
      if (this.accept('top', ':')) {
        const reg = this.expectIdent('top', 'a register name');
        this.expect('top', '=');
        return { k: 'reg', thread: Number(first.text.slice(1)), reg: reg.text, type: null, value: this.parseInitValue(), pos: first.pos };
      }
      this.lex.reset(first);
      this.tok = null;
    }
    // [type words and stars] name [= value]
    const { type, name: nameTok, typeWords } = this.parseTypedName('a location, a typed declaration or N:reg in the initial state');
    if (this.peek('top').kind === 'num') {
      // A typed register, `int * 1:r1;` or `int *1:r1=x;` as herd7 accepts: the last word was a type word.
      const base = { base: [...typeWords, nameTok.text].join(' '), stars: type?.stars ?? 0 };
      const thread = this.take('top').value;
      this.expect('top', ':');
      const reg = this.expectIdent('top', 'a register name');
      const value: InitValue = this.accept('top', '=') ? this.parseInitValue() : { k: 'int', value: 0 };
      return { k: 'reg', thread, reg: reg.text, type: base, value, pos: nameTok.pos };
    }
    let name = nameTok.text;
    if (this.accept('top', '->')) {
      // vcpu->mode=1
      const field = this.expectIdent('top', 'a field name');
      name = `${name}->${field.text}`;
    }
    if (this.is('top', ':')) {
      throw this.unexpected(this.peek('top'), "'=' (a register initialiser is written N:reg=value)");
    }
    if (this.is('top', '[')) throw new StageError(this.peek('top').pos, 'unsupported construct: arrays in the initial state');
    let value: InitValue | null = null;
    if (this.accept('top', '=')) value = this.parseInitValue();
    return { k: 'loc', name, type, value, pos: nameTok.pos };
  }

  private parseInitValue(): InitValue {
    const t = this.peek('top');
    if (this.accept('top', '&')) return { k: 'addr', name: this.expectIdent('top', 'a location name after &').text };
    if (this.accept('top', '-')) {
      const n = this.peek('top');
      if (n.kind !== 'num') throw this.unexpected(n, 'a number');
      this.take('top');
      return { k: 'int', value: -(n.big ?? n.value) };
    }
    if (t.kind === 'num') {
      const n = this.take('top');
      return { k: 'int', value: n.big ?? n.value };
    }
    if (t.kind === 'ident') {
      this.take('top');
      if (t.text === 'NULL') return { k: 'int', value: 0 };
      if (t.text === 'ATOMIC_INIT' && this.accept('top', '(')) {
        // atomic_t z = ATOMIC_INIT(v): the kernel's initialiser, an int as herd7 reads it.
        const v = this.parseInitValue();
        this.expect('top', ')', "')' after the ATOMIC_INIT value");
        return v;
      }
      return { k: 'addr', name: t.text };
    }
    throw this.unexpected(t, 'a value (a number or a location name)');
  }

  // ---- threads ------------------------------------------------------------------------
  private parseThreads(): ThreadDecl[] {
    const threads: ThreadDecl[] = [];
    for (;;) {
      const t = this.peek('top');
      if (t.kind !== 'ident' || !/^P\d+$/.test(t.text)) break;
      this.take('top');
      if (!this.is('top', '(')) {
        this.lex.reset(t);
        this.tok = null;
        break;
      }
      threads.push(this.parseThread(Number(t.text.slice(1)), t.pos));
    }
    if (threads.length === 0) throw this.unexpected(this.peek('top'), 'a thread (P0(...) { ... })');
    return threads;
  }

  private parseThread(index: number, pos: SourcePos): ThreadDecl {
    this.expect('top', '(');
    const params: Param[] = [];
    if (!this.accept('top', ')')) {
      for (;;) {
        params.push(this.parseParam());
        if (this.accept('top', ')')) break;
        this.expect('top', ',', "',' or ')' in the parameter list");
      }
    }
    this.expect('top', '{', `'{' to open the body of P${index}`);
    const body = this.parseStmtsUntilBrace();
    return { index, params, body, pos };
  }

  private parseParam(): Param {
    const { type, name } = this.parseTypedName('a parameter such as "int *x"');
    return { type: type ?? { base: 'int', stars: 0 }, name: name.text, pos: name.pos };
  }

  /**
   * `[type words and stars] name` outside code, as in a parameter (`int *x`) or the initial state
   * (`atomic_t z`): any words, the last one the name. The type is null for a bare name.
   */
  private parseTypedName(what: string): { type: TypeName | null; name: Token; typeWords: string[] } {
    const words: Token[] = [];
    let stars = 0;
    for (;;) {
      const t = this.peek('top');
      if (t.kind === 'ident') words.push(this.take('top'));
      else if (t.kind === 'punct' && t.text === '*') {
        this.take('top');
        stars++;
      } else break;
    }
    if (words.length === 0) throw this.unexpected(this.peek('top'), what);
    const type = words.length > 1 || stars > 0 ? { base: words.slice(0, -1).map((w) => w.text).join(' ') || 'int', stars } : null;
    return { type, name: words[words.length - 1], typeWords: words.slice(0, -1).map((w) => w.text) };
  }

  // ---- statements (code mode) -----------------------------------------------------------
  private parseStmtsUntilBrace(): Stmt[] {
    const body: Stmt[] = [];
    for (;;) {
      const t = this.peek('code');
      if (t.kind === 'punct' && t.text === '}') {
        this.take('code');
        return body;
      }
      if (t.kind === 'eof') throw this.unexpected(t, "'}' to close the block");
      body.push(...this.parseStmt());
    }
  }

  private isTypeStart(t: Token): boolean {
    return t.kind === 'ident' && TYPE_WORDS.has(t.text);
  }

  private parseStmt(): Stmt[] {
    const t = this.peek('code');
    this.enter(t.pos);
    try {
      if (t.kind === 'punct' && t.text === ';') {
        this.take('code');
        return [];
      }
      if (t.kind === 'punct' && t.text === '{') {
        this.take('code');
        return [{ k: 'block', body: this.parseStmtsUntilBrace(), pos: t.pos }];
      }
      if (t.kind === 'ident') {
        switch (t.text) {
          case 'if':
            return [this.parseIf()];
          case 'while':
          case 'for':
          case 'do':
            return [this.parseLoop()];
          case 'else':
            throw new StageError(t.pos, "'else' without a matching 'if'");
          case 'goto':
          case 'switch':
          case 'return':
          case 'break':
          case 'continue':
            throw new StageError(t.pos, `unsupported construct: '${t.text}'`);
        }
        if (this.isTypeStart(t)) return this.parseDecl();
      }
      const expr = this.parseExpr();
      this.expect('code', ';', "';' after the statement");
      return [{ k: 'expr', expr, pos: t.pos }];
    } finally {
      this.leave();
    }
  }

  private parseType(): TypeName {
    const words: string[] = [];
    for (;;) {
      const t = this.peek('code');
      if (t.kind === 'ident' && TYPE_WORDS.has(t.text)) {
        this.take('code');
        if (t.text === 'struct') {
          words.push(`struct ${this.expectIdent('code', 'a struct name').text}`);
        } else if (t.text !== 'volatile' && t.text !== 'const') words.push(t.text);
      } else break;
    }
    let stars = 0;
    while (this.accept('code', '*')) stars++;
    return { base: words.join(' ') || 'int', stars };
  }

  private parseDecl(): Stmt[] {
    const base = this.parseType();
    const out: Stmt[] = [];
    let type = base;
    for (;;) {
      let stars = 0;
      while (this.accept('code', '*')) stars++;
      if (out.length > 0 || stars > 0) type = { base: base.base, stars: base.stars + stars };
      const name = this.expectIdent('code', 'a variable name in the declaration');
      if (this.is('code', '[')) throw new StageError(this.peek('code').pos, 'unsupported construct: local arrays');
      let init: Expr | undefined;
      if (this.accept('code', '=')) init = this.parseAssign();
      out.push({ k: 'decl', type, name: name.text, init, pos: name.pos });
      if (this.accept('code', ';')) return out;
      this.expect('code', ',', "',' or ';' in the declaration");
    }
  }

  private parseIf(): Stmt {
    const t = this.take('code');
    this.expect('code', '(', "'(' after if");
    const cond = this.parseExpr();
    this.expect('code', ')', "')' to close the if condition");
    const then = this.parseStmt();
    let els: Stmt[] | null = null;
    if (this.accept('code', 'else')) els = this.parseStmt();
    return { k: 'if', cond, then, else: els, pos: t.pos };
  }

  /** Loops are kept whole: lowering unrolls them (`--unroll N`) or reports them. */
  private parseLoop(): Stmt {
    const t = this.take('code');
    const kind = t.text as 'while' | 'for' | 'do';
    let init: Stmt[] = [];
    let cond: Expr | null = null;
    let step: Expr | null = null;
    let body: Stmt[];
    if (kind === 'do') {
      body = this.parseStmt();
      this.expect('code', 'while', "'while' after the body of do");
      this.expect('code', '(', "'(' after while");
      cond = this.parseExpr();
      this.expect('code', ')', "')' to close the loop condition");
      this.expect('code', ';', "';' after do ... while (...)");
    } else if (kind === 'while') {
      this.expect('code', '(', "'(' after while");
      cond = this.parseExpr();
      this.expect('code', ')', "')' to close the loop condition");
      body = this.parseStmt();
    } else {
      this.expect('code', '(', "'(' after for");
      if (this.isTypeStart(this.peek('code'))) init = this.parseDecl();
      else if (!this.accept('code', ';')) {
        const at = this.peek('code');
        init = [{ k: 'expr', expr: this.parseExpr(), pos: at.pos }];
        this.expect('code', ';', "';' after the initialiser of for");
      }
      if (!this.is('code', ';')) cond = this.parseExpr();
      this.expect('code', ';', "';' after the condition of for");
      if (!this.is('code', ')')) step = this.parseExpr();
      this.expect('code', ')', "')' to close the header of for");
      body = this.parseStmt();
    }
    return { k: 'loop', kind, init, cond, step, body, pos: t.pos };
  }

  // ---- expressions --------------------------------------------------------------------
  private parseExpr(): Expr {
    return this.parseAssign();
  }

  private parseAssign(): Expr {
    const left = this.parseTernary();
    const t = this.peek('code');
    if (t.kind === 'punct' && ['=', '+=', '-=', '&=', '|=', '^='].includes(t.text)) {
      this.take('code');
      const value = this.parseAssign();
      return { k: 'assign', op: t.text as '=', target: left, value, pos: t.pos };
    }
    return left;
  }

  private parseTernary(): Expr {
    const cond = this.parseBinary(1);
    if (this.is('code', '?')) {
      const q = this.take('code');
      const a = this.parseAssign();
      this.expect('code', ':', "':' in the conditional expression");
      const b = this.parseTernary();
      return { k: 'ternary', cond, then: a, else: b, pos: q.pos };
    }
    return cond;
  }

  private parseBinary(minPrec: number): Expr {
    const outer = this.depth;
    try {
      let left = this.parseUnary();
      for (;;) {
        const t = this.peek('code');
        const prec = t.kind === 'punct' ? BINARY_PRECEDENCE[t.text] : undefined;
        if (prec === undefined || prec < minPrec) return left;
        this.take('code');
        this.enterChain(t.pos);
        const right = this.parseBinary(prec + 1);
        left = { k: 'binary', op: t.text as BinaryOp, left, right, pos: t.pos };
      }
    } finally {
      this.depth = outer;
    }
  }

  private parseUnary(): Expr {
    const t = this.peek('code');
    this.enter(t.pos);
    try {
      if (t.kind === 'punct' && ['-', '+', '!', '~', '*', '&'].includes(t.text)) {
        this.take('code');
        return { k: 'unary', op: t.text as '-', arg: this.parseUnary(), pos: t.pos };
      }
      if (t.kind === 'punct' && (t.text === '++' || t.text === '--')) {
        throw new StageError(t.pos, `unsupported construct: '${t.text}' (write r = r ${t.text[0]} 1)`);
      }
      if (t.kind === 'punct' && t.text === '(') {
        this.take('code');
        const after = this.peek('code');
        if (this.isTypeStart(after)) {
          const type = this.parseType();
          this.expect('code', ')', "')' to close the cast");
          return { k: 'cast', type, arg: this.parseUnary(), pos: t.pos };
        }
        const e = this.parseExpr();
        this.expect('code', ')', "')'");
        return this.parsePostfix(e);
      }
      return this.parsePostfix(this.parsePrimary());
    } finally {
      this.leave();
    }
  }

  private parsePrimary(): Expr {
    const t = this.peek('code');
    if (t.kind === 'num') {
      this.take('code');
      return { k: 'num', value: t.big ?? t.value, pos: t.pos };
    }
    if (t.kind === 'ident') {
      this.take('code');
      if (this.is('code', '(')) {
        this.take('code');
        const args: Expr[] = [];
        if (!this.accept('code', ')')) {
          for (;;) {
            args.push(this.parseAssign());
            if (this.accept('code', ')')) break;
            this.expect('code', ',', "',' or ')' in the argument list");
          }
        }
        return { k: 'call', callee: t.text, args, pos: t.pos };
      }
      return { k: 'ident', name: t.text, pos: t.pos };
    }
    throw this.unexpected(t, 'an expression');
  }

  private parsePostfix(e: Expr): Expr {
    for (;;) {
      const t = this.peek('code');
      if (t.kind === 'punct' && (t.text === '->' || t.text === '.')) {
        this.take('code');
        const f = this.expectIdent('code', 'a field name');
        e = { k: 'member', object: e, field: f.text, arrow: t.text === '->', pos: t.pos };
        continue;
      }
      if (t.kind === 'punct' && t.text === '[') throw new StageError(t.pos, 'unsupported construct: array indexing');
      if (t.kind === 'punct' && (t.text === '++' || t.text === '--')) {
        throw new StageError(t.pos, `unsupported construct: '${t.text}' (write r = r ${t.text[0]} 1)`);
      }
      return e;
    }
  }

  // ---- final section ------------------------------------------------------------------
  private parseLocations(): Observable[] {
    this.expect('top', '[', "'[' after locations");
    const out: Observable[] = [];
    while (!this.accept('top', ']')) {
      if (this.accept('top', ';')) continue;
      out.push(this.parseObservable());
    }
    return out;
  }

  private parseCondition(): Condition {
    const t = this.peek('top');
    let quantifier: Quantifier;
    let outcome: string | null = null;
    if (this.accept('top', '~')) {
      this.expect('top', 'exists', "'exists' after '~'");
      quantifier = '~exists';
    } else if (this.accept('top', 'exists')) quantifier = 'exists';
    else if (this.accept('top', 'forall')) quantifier = 'forall';
    else if (this.accept('top', 'bad')) {
      // bad lost-request (...): an exists whose satisfying states are a named protocol failure.
      const words: string[] = [this.expectIdent('top', 'an outcome name such as lost-request').text];
      while (this.accept('top', '-')) words.push(this.expectIdent('top', 'the rest of the outcome name').text);
      outcome = words.join('-');
      quantifier = 'exists';
    } else throw this.unexpected(t, "'exists', '~exists', 'forall', 'filter' or 'locations'");
    return { quantifier, prop: this.parseProp(), outcome, pos: t.pos };
  }

  private parseProp(): Prop {
    return this.parseChain('\\/', 'or', () => this.parseConj());
  }

  private parseConj(): Prop {
    return this.parseChain('/\\', 'and', () => this.parseNeg());
  }

  /** `a op b op c`, left-associated; a long chain counts towards the nesting limit. */
  private parseChain(op: string, k: 'and' | 'or', operand: () => Prop): Prop {
    const outer = this.depth;
    let left = operand();
    for (;;) {
      const t = this.peek('top');
      if (!this.accept('top', op)) break;
      this.enterChain(t.pos);
      left = { k, left, right: operand() };
    }
    this.depth = outer;
    return left;
  }

  private parseNeg(): Prop {
    const t = this.peek('top');
    this.enter(t.pos);
    try {
      if (this.accept('top', '~') || this.accept('top', 'not')) return { k: 'not', arg: this.parseNeg() };
      if (this.accept('top', '(')) {
        const p = this.parseProp();
        this.expect('top', ')', "')' or a connective (/\\, \\/)");
        return p;
      }
      if (this.accept('top', 'true')) return { k: 'true' };
      if (this.accept('top', 'false')) return { k: 'false' };
      const lhs = this.parseObservable();
      let negated = false;
      if (this.accept('top', '!=')) negated = true;
      else this.expect('top', '=', "'=' in the condition");
      return { k: 'eq', lhs, rhs: this.parseCondValue(), negated, pos: t.pos };
    } finally {
      this.leave();
    }
  }

  private parseObservable(): Observable {
    const t = this.peek('top');
    if (t.kind === 'num') {
      this.take('top');
      this.expect('top', ':', "':' after the thread number (as in 0:r0)");
      const r = this.expectIdent('top', 'a register name');
      return { k: 'reg', thread: t.value, reg: r.text, pos: t.pos };
    }
    if (this.accept('top', '[')) {
      const name = this.parseLocName();
      this.expect('top', ']');
      return { k: 'mem', name, pos: t.pos };
    }
    if (t.kind === 'ident' && /^P\d+$/.test(t.text)) {
      this.take('top');
      if (this.accept('top', ':')) {
        const r = this.expectIdent('top', 'a register name');
        return { k: 'reg', thread: Number(t.text.slice(1)), reg: r.text, pos: t.pos };
      }
      return { k: 'mem', name: t.text, pos: t.pos };
    }
    if (t.kind === 'ident') return { k: 'mem', name: this.parseLocName(), pos: t.pos };
    throw this.unexpected(t, 'a register (0:r0) or a location (x)');
  }

  private parseLocName(): string {
    let name = this.expectIdent('top', 'a location name').text;
    if (this.accept('top', '->')) name += '->' + this.expectIdent('top', 'a field name').text;
    return name;
  }

  private parseCondValue(): CondValue {
    const t = this.peek('top');
    if (this.accept('top', '-')) {
      const n = this.peek('top');
      if (n.kind !== 'num') throw this.unexpected(n, 'a number');
      this.take('top');
      return { k: 'int', value: -(n.big ?? n.value) };
    }
    if (t.kind === 'num') {
      this.take('top');
      if (!this.accept('top', ':')) return { k: 'int', value: t.big ?? t.value };
      const r = this.expectIdent('top', 'a register name');
      return { k: 'obs', obs: { k: 'reg', thread: t.value, reg: r.text, pos: t.pos } };
    }
    if (this.accept('top', '&')) return { k: 'sym', name: this.expectIdent('top', 'a location name').text };
    if (this.accept('top', '[')) {
      // [y]: the value in location y (as opposed to y, its address).
      const name = this.parseLocName();
      this.expect('top', ']');
      return { k: 'obs', obs: { k: 'mem', name, pos: t.pos } };
    }
    if (t.kind === 'ident') return { k: 'sym', name: this.take('top').text };
    throw this.unexpected(t, 'a value (a number, a location or a constant)');
  }
}
