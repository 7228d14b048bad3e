// Recursive-descent parser for the C litmus dialect (herd7's and the kernel's): the test's
// header and initial state and its threads' signatures here; thread bodies in code.ts, the
// final section in condition.ts, over the tokens of cursor.ts.
import type { Token } from './lexer.js';
import { StageError, diag, type Diagnostic, type SourcePos } from '../diagnostics.js';
import { readExpectations } from './expectations.js';
import type { Condition, InitItem, InitValue, LitmusTest, Observable, Param, Prop, ThreadDecl, TypeName } from './ast.js';
import { TokenCursor } from './cursor.js';
import { CodeParser } from './code.js';
import { ConditionParser } from './condition.js';

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

class Parser {
  /** Misspelt or malformed `Result:` lines, found once the whole file is read. */
  expectationErrors: Diagnostic[] = [];
  private readonly c: TokenCursor;
  private readonly code: CodeParser;
  private readonly final: ConditionParser;

  constructor(
    private readonly src: string,
    private readonly file: string,
  ) {
    this.c = new TokenCursor(src);
    this.code = new CodeParser(this.c);
    this.final = new ConditionParser(this.c);
  }

  // ---- test ---------------------------------------------------------------------------
  parseTest(): LitmusTest {
    if (this.src.trim() === '') throw new StageError({ line: 1, col: 1 }, 'empty file: expected a litmus test starting with "C <name>"');
    const archTok = this.c.expectIdent('top', 'the architecture "C" at the start of the test');
    if (archTok.text !== 'C') {
      throw new StageError(archTok.pos, `unsupported architecture '${archTok.text}': only C litmus tests are supported`);
    }
    const namePos = this.c.lex.position();
    // herd7 names a test `C foo.litmus` as foo.
    const name = (this.c.lex.restOfLine().trim().split(/\s+/)[0] ?? '').replace(/\.litmus$/, '');
    if (name === '') throw new StageError(namePos, 'expected the test name after "C"');
    const kvmArch = this.skipHeader();
    const init = this.parseInit();
    const threads = this.parseThreads();
    let locations: Observable[] = [];
    let filter: Prop | null = null;
    let condition: Condition | null = null;
    for (;;) {
      const t = this.c.peek('top');
      if (t.kind === 'eof') break;
      if (condition) throw this.c.unexpected(t, 'end of file after the final condition');
      if (t.kind === 'ident' && t.text === 'locations') {
        this.c.take('top');
        locations = this.final.parseLocations();
      } else if (t.kind === 'ident' && t.text === 'filter') {
        this.c.take('top');
        filter = this.final.parseProp();
      } else {
        condition = this.final.parseCondition();
      }
    }
    if (!condition) throw new StageError(this.c.lex.position(), 'expected a final condition (exists, ~exists or forall)');
    const { expected, expectedByModel, diagnostics } = readExpectations(this.c.lex.comments, this.file);
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
      const t = this.c.peek('top');
      if (t.kind === 'eof') throw this.c.unexpected(t, "the initial-state block '{'");
      if (t.kind === 'punct' && t.text === '{') return kvmArch;
      this.c.take('top');
      if (prev.length === 2 && prev[0] === 'KvmArch' && prev[1] === '=' && (t.kind === 'ident' || t.kind === 'num')) {
        if (kvmArch) throw new StageError(t.pos, `a second KvmArch= line (the first says ${kvmArch.name})`);
        kvmArch = { name: t.kind === 'ident' ? t.text : String(t.value), pos: t.pos };
      }
      prev = [...prev, t.kind === 'ident' || t.kind === 'punct' ? t.text : ''].slice(-2);
    }
  }

  // ---- init block ---------------------------------------------------------------------
  private parseInit(): InitItem[] {
    this.c.expect('top', '{');
    const items: InitItem[] = [];
    while (!this.c.accept('top', '}')) {
      if (this.c.accept('top', ';')) continue;
      items.push(this.parseInitItem());
      if (!this.c.is('top', '}')) this.c.expect('top', ';', "';' or '}' in the initial state");
    }
    return items;
  }

  private parseInitItem(): InitItem {
    const first = this.c.peek('top');
    if (first.kind === 'num') {
      // 1:r1=x
      const thread = this.c.take('top').value;
      this.c.expect('top', ':');
      const reg = this.c.expectIdent('top', 'a register name');
      this.c.expect('top', '=');
      return { k: 'reg', thread, reg: reg.text, type: null, value: this.parseInitValue(), pos: first.pos };
    }
    if (first.kind === 'ident' && /^P\d+$/.test(first.text)) {
      this.c.take('top');
      if (this.c.accept('top', ':')) {
        const reg = this.c.expectIdent('top', 'a register name');
        this.c.expect('top', '=');
        return { k: 'reg', thread: Number(first.text.slice(1)), reg: reg.text, type: null, value: this.parseInitValue(), pos: first.pos };
      }
      this.c.backTo(first);
    }
    // [type words and stars] name [= value]
    const { type, name: nameTok, typeWords } = this.parseTypedName('a location, a typed declaration or N:reg in the initial state');
    if (this.c.peek('top').kind === 'num') {
      // A typed register, `int * 1:r1;` or `int *1:r1=x;` as herd7 accepts: the last word was a type word.
      const base = { base: [...typeWords, nameTok.text].join(' '), stars: type?.stars ?? 0 };
      const thread = this.c.take('top').value;
      this.c.expect('top', ':');
      const reg = this.c.expectIdent('top', 'a register name');
      const value: InitValue = this.c.accept('top', '=') ? this.parseInitValue() : { k: 'int', value: 0 };
      return { k: 'reg', thread, reg: reg.text, type: base, value, pos: nameTok.pos };
    }
    let name = nameTok.text;
    if (this.c.accept('top', '->')) {
      // vcpu->mode=1
      const field = this.c.expectIdent('top', 'a field name');
      name = `${name}->${field.text}`;
    }
    if (this.c.is('top', ':')) {
      throw this.c.unexpected(this.c.peek('top'), "'=' (a register initialiser is written N:reg=value)");
    }
    if (this.c.is('top', '[')) throw new StageError(this.c.peek('top').pos, 'unsupported construct: arrays in the initial state');
    let value: InitValue | null = null;
    if (this.c.accept('top', '=')) value = this.parseInitValue();
    return { k: 'loc', name, type, value, pos: nameTok.pos };
  }

  private parseInitValue(): InitValue {
    const t = this.c.peek('top');
    if (this.c.accept('top', '&')) return { k: 'addr', name: this.c.expectIdent('top', 'a location name after &').text };
    if (this.c.accept('top', '-')) return { k: 'int', value: this.c.negatedNumber() };
    if (t.kind === 'num') {
      const n = this.c.take('top');
      return { k: 'int', value: n.big ?? n.value };
    }
    if (t.kind === 'ident') {
      this.c.take('top');
      if (t.text === 'NULL') return { k: 'int', value: 0 };
      if (t.text === 'ATOMIC_INIT' && this.c.accept('top', '(')) {
        // atomic_t z = ATOMIC_INIT(v): the kernel's initialiser, an int as herd7 reads it.
        const v = this.parseInitValue();
        this.c.expect('top', ')', "')' after the ATOMIC_INIT value");
        return v;
      }
      return { k: 'addr', name: t.text };
    }
    throw this.c.unexpected(t, 'a value (a number or a location name)');
  }

  // ---- threads ------------------------------------------------------------------------
  private parseThreads(): ThreadDecl[] {
    const threads: ThreadDecl[] = [];
    for (;;) {
      const t = this.c.peek('top');
      if (t.kind !== 'ident' || !/^P\d+$/.test(t.text)) break;
      this.c.take('top');
      if (!this.c.is('top', '(')) {
        this.c.backTo(t);
        break;
      }
      threads.push(this.parseThread(Number(t.text.slice(1)), t.pos));
    }
    if (threads.length === 0) throw this.c.unexpected(this.c.peek('top'), 'a thread (P0(...) { ... })');
    return threads;
  }

  private parseThread(index: number, pos: SourcePos): ThreadDecl {
    this.c.expect('top', '(');
    const params: Param[] = [];
    if (!this.c.accept('top', ')')) {
      for (;;) {
        params.push(this.parseParam());
        if (this.c.accept('top', ')')) break;
        this.c.expect('top', ',', "',' or ')' in the parameter list");
      }
    }
    this.c.expect('top', '{', `'{' to open the body of P${index}`);
    const body = this.code.parseStmtsUntilBrace();
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
      const t = this.c.peek('top');
      if (t.kind === 'ident') words.push(this.c.take('top'));
      else if (t.kind === 'punct' && t.text === '*') {
        this.c.take('top');
        stars++;
      } else break;
    }
    if (words.length === 0) throw this.c.unexpected(this.c.peek('top'), what);
    const type = words.length > 1 || stars > 0 ? { base: words.slice(0, -1).map((w) => w.text).join(' ') || 'int', stars } : null;
    return { type, name: words[words.length - 1], typeWords: words.slice(0, -1).map((w) => w.text) };
  }

}
