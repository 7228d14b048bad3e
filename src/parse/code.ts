// Thread bodies: C statements, declarations, if and loops, and expressions (read in 'code' mode).
import { StageError } from '../diagnostics.js';
import { BINARY_PRECEDENCE } from './ast.js';
import type { BinaryOp, Expr, Stmt, TypeName } from './ast.js';
import type { Token } from './lexer.js';
import type { TokenCursor } from './cursor.js';

const TYPE_WORDS = new Set([
  'int', 'long', 'short', 'char', 'unsigned', 'signed', 'volatile', 'const', 'intptr_t', 'uintptr_t',
  'bool', '_Bool', 'u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64', 'spinlock_t', 'atomic_t',
  'atomic_long_t', 'struct', 'size_t', 'unsigned_long', 'raw_spinlock_t', 'srcu_struct',
]);

export class CodeParser {
  constructor(private readonly c: TokenCursor) {}

  parseStmtsUntilBrace(): Stmt[] {
    const body: Stmt[] = [];
    for (;;) {
      const t = this.c.peek('code');
      if (t.kind === 'punct' && t.text === '}') {
        this.c.take('code');
        return body;
      }
      if (t.kind === 'eof') throw this.c.unexpected(t, "'}' to close the block");
      body.push(...this.parseStmt());
    }
  }

  private isTypeStart(t: Token): boolean {
    return t.kind === 'ident' && TYPE_WORDS.has(t.text);
  }

  private parseStmt(): Stmt[] {
    const t = this.c.peek('code');
    this.c.enter(t.pos);
    try {
      if (t.kind === 'punct' && t.text === ';') {
        this.c.take('code');
        return [];
      }
      if (t.kind === 'punct' && t.text === '{') {
        this.c.take('code');
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
      this.c.expect('code', ';', "';' after the statement");
      return [{ k: 'expr', expr, pos: t.pos }];
    } finally {
      this.c.leave();
    }
  }

  private parseType(): TypeName {
    const words: string[] = [];
    for (;;) {
      const t = this.c.peek('code');
      if (t.kind === 'ident' && TYPE_WORDS.has(t.text)) {
        this.c.take('code');
        if (t.text === 'struct') {
          words.push(`struct ${this.c.expectIdent('code', 'a struct name').text}`);
        } else if (t.text !== 'volatile' && t.text !== 'const') words.push(t.text);
      } else break;
    }
    let stars = 0;
    while (this.c.accept('code', '*')) stars++;
    return { base: words.join(' ') || 'int', stars };
  }

  private parseDecl(): Stmt[] {
    const base = this.parseType();
    const out: Stmt[] = [];
    let type = base;
    for (;;) {
      let stars = 0;
      while (this.c.accept('code', '*')) stars++;
      if (out.length > 0 || stars > 0) type = { base: base.base, stars: base.stars + stars };
      const name = this.c.expectIdent('code', 'a variable name in the declaration');
      if (this.c.is('code', '[')) throw new StageError(this.c.peek('code').pos, 'unsupported construct: local arrays');
      let init: Expr | undefined;
      if (this.c.accept('code', '=')) init = this.parseAssign();
      out.push({ k: 'decl', type, name: name.text, init, pos: name.pos });
      if (this.c.accept('code', ';')) return out;
      this.c.expect('code', ',', "',' or ';' in the declaration");
    }
  }

  private parseIf(): Stmt {
    const t = this.c.take('code');
    this.c.expect('code', '(', "'(' after if");
    const cond = this.parseExpr();
    this.c.expect('code', ')', "')' to close the if condition");
    const then = this.parseStmt();
    let els: Stmt[] | null = null;
    if (this.c.accept('code', 'else')) els = this.parseStmt();
    return { k: 'if', cond, then, else: els, pos: t.pos };
  }

  /** Loops are kept whole: lowering unrolls them (`--unroll N`) or reports them. */
  private parseLoop(): Stmt {
    const t = this.c.take('code');
    const kind = t.text as 'while' | 'for' | 'do';
    let init: Stmt[] = [];
    let cond: Expr | null = null;
    let step: Expr | null = null;
    let body: Stmt[];
    if (kind === 'do') {
      body = this.parseStmt();
      this.c.expect('code', 'while', "'while' after the body of do");
      this.c.expect('code', '(', "'(' after while");
      cond = this.parseExpr();
      this.c.expect('code', ')', "')' to close the loop condition");
      this.c.expect('code', ';', "';' after do ... while (...)");
    } else if (kind === 'while') {
      this.c.expect('code', '(', "'(' after while");
      cond = this.parseExpr();
      this.c.expect('code', ')', "')' to close the loop condition");
      body = this.parseStmt();
    } else {
      this.c.expect('code', '(', "'(' after for");
      if (this.isTypeStart(this.c.peek('code'))) init = this.parseDecl();
      else if (!this.c.accept('code', ';')) {
        const at = this.c.peek('code');
        init = [{ k: 'expr', expr: this.parseExpr(), pos: at.pos }];
        this.c.expect('code', ';', "';' after the initialiser of for");
      }
      if (!this.c.is('code', ';')) cond = this.parseExpr();
      this.c.expect('code', ';', "';' after the condition of for");
      if (!this.c.is('code', ')')) step = this.parseExpr();
      this.c.expect('code', ')', "')' to close the header of for");
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
    const t = this.c.peek('code');
    if (t.kind === 'punct' && ['=', '+=', '-=', '&=', '|=', '^='].includes(t.text)) {
      this.c.take('code');
      const value = this.parseAssign();
      return { k: 'assign', op: t.text as '=', target: left, value, pos: t.pos };
    }
    return left;
  }

  private parseTernary(): Expr {
    const cond = this.parseBinary(1);
    if (this.c.is('code', '?')) {
      const q = this.c.take('code');
      const a = this.parseAssign();
      this.c.expect('code', ':', "':' in the conditional expression");
      const b = this.parseTernary();
      return { k: 'ternary', cond, then: a, else: b, pos: q.pos };
    }
    return cond;
  }

  private parseBinary(minPrec: number): Expr {
    const outer = this.c.depth;
    try {
      let left = this.parseUnary();
      for (;;) {
        const t = this.c.peek('code');
        const prec = t.kind === 'punct' ? BINARY_PRECEDENCE[t.text] : undefined;
        if (prec === undefined || prec < minPrec) return left;
        this.c.take('code');
        this.c.enterChain(t.pos);
        const right = this.parseBinary(prec + 1);
        left = { k: 'binary', op: t.text as BinaryOp, left, right, pos: t.pos };
      }
    } finally {
      this.c.depth = outer;
    }
  }

  private parseUnary(): Expr {
    const t = this.c.peek('code');
    this.c.enter(t.pos);
    try {
      if (t.kind === 'punct' && ['-', '+', '!', '~', '*', '&'].includes(t.text)) {
        this.c.take('code');
        return { k: 'unary', op: t.text as '-', arg: this.parseUnary(), pos: t.pos };
      }
      if (t.kind === 'punct' && (t.text === '++' || t.text === '--')) {
        throw new StageError(t.pos, `unsupported construct: '${t.text}' (write r = r ${t.text[0]} 1)`);
      }
      if (t.kind === 'punct' && t.text === '(') {
        this.c.take('code');
        const after = this.c.peek('code');
        if (this.isTypeStart(after)) {
          const type = this.parseType();
          this.c.expect('code', ')', "')' to close the cast");
          return { k: 'cast', type, arg: this.parseUnary(), pos: t.pos };
        }
        const e = this.parseExpr();
        this.c.expect('code', ')', "')'");
        return this.parsePostfix(e);
      }
      return this.parsePostfix(this.parsePrimary());
    } finally {
      this.c.leave();
    }
  }

  private parsePrimary(): Expr {
    const t = this.c.peek('code');
    if (t.kind === 'num') {
      this.c.take('code');
      return { k: 'num', value: t.big ?? t.value, pos: t.pos };
    }
    if (t.kind === 'ident') {
      this.c.take('code');
      if (this.c.is('code', '(')) {
        this.c.take('code');
        const args: Expr[] = [];
        if (!this.c.accept('code', ')')) {
          for (;;) {
            args.push(this.parseAssign());
            if (this.c.accept('code', ')')) break;
            this.c.expect('code', ',', "',' or ')' in the argument list");
          }
        }
        return { k: 'call', callee: t.text, args, pos: t.pos };
      }
      return { k: 'ident', name: t.text, pos: t.pos };
    }
    throw this.c.unexpected(t, 'an expression');
  }

  private parsePostfix(e: Expr): Expr {
    for (;;) {
      const t = this.c.peek('code');
      if (t.kind === 'punct' && (t.text === '->' || t.text === '.')) {
        this.c.take('code');
        const f = this.c.expectIdent('code', 'a field name');
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

}
