// A recursive-descent parser for cat files, following herd7's grammar and operator precedence:
// from loosest to tightest  |  ++  ;  \  &  (binary * and postfix * + ?, prefix ~)  ^-1,
// with function application (f x, f(x, y)) tighter than all of them.
import type { Binding, CatFile, CatPos, Cond, Expr, Instr, OpN, Pattern, SetClause, TestKind, VariantCond } from './ast.js';
import { CatError } from './errors.js';
import { tokenize, type TokKind, type Token } from './lexer.js';

/** Words that may follow a model's name on its first line (herd7's options): accepted, ignored. */
const MODEL_OPTIONS = new Set(['withco', 'withoutco', 'withinit', 'withoutinit', 'withsc', 'withoutsc']);

export function parseCat(text: string, file: string): CatFile {
  return new Parser(tokenize(text, file)).file(file);
}

/** Tokens that can start an operand of application (herd7's `arg`: a name or a simple expression). */
const ARG_START = new Set<TokKind>(['var', 'tag', '(', '[', '{', '_', '0', 'begin']);

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  private get tok(): Token {
    return this.toks[this.i];
  }
  private peek(k = 1): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)];
  }
  private next(): Token {
    const t = this.toks[this.i];
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  private is(kind: TokKind): boolean {
    return this.tok.kind === kind;
  }
  private accept(kind: TokKind): boolean {
    if (this.tok.kind !== kind) return false;
    this.next();
    return true;
  }
  private expect(kind: TokKind, what?: string): Token {
    if (this.tok.kind !== kind) throw this.error(`expected ${what ?? `'${kind}'`}, found ${describe(this.tok)}`);
    return this.next();
  }
  private error(message: string, pos: CatPos = this.tok.pos): CatError {
    return new CatError(pos, message);
  }
  private name(what = 'a name'): string {
    return this.expect('var', what).text;
  }

  file(file: string): CatFile {
    let title: string | null = null;
    // The first line names the model: "a string", an identifier, or an architecture and a name.
    if (this.is('string')) title = this.next().text;
    else if (this.is('var') && !this.startsInstruction()) {
      title = this.next().text;
      if ((this.is('var') && !MODEL_OPTIONS.has(this.tok.text)) || this.is('string')) title = this.next().text;
    }
    while (this.is('var') && MODEL_OPTIONS.has(this.tok.text)) this.next();
    const instrs = this.instrs(['eof']);
    this.expect('eof', 'an instruction (let, acyclic, irreflexive, empty, flag, include, ...)');
    return { file, title, instrs };
  }

  /** A bell declaration such as `instructions R[Accesses]` starts with a name. */
  private startsInstruction(): boolean {
    return ['instructions', 'default', 'events'].includes(this.tok.text) && this.peek().kind === 'var' && this.peek(2).kind === '[';
  }

  private instrs(stop: TokKind[]): Instr[] {
    const out: Instr[] = [];
    while (!stop.includes(this.tok.kind)) out.push(this.instr());
    return out;
  }

  private instr(): Instr {
    const t = this.tok;
    const pos = t.pos;
    switch (t.kind) {
      case 'let': {
        this.next();
        const rec = this.accept('rec');
        const binds = this.bindings();
        if (this.is('when')) throw this.error("'let rec ... when' is not supported");
        this.accept('in');
        return { k: 'let', rec, binds, pos };
      }
      case 'flag':
      case 'requires': {
        this.next();
        return this.test(t.kind, pos);
      }
      case '~':
      case 'acyclic':
      case 'irreflexive':
      case 'empty':
        return this.test('check', pos);
      case 'with': {
        this.next();
        const name = this.name('the name a choice binds');
        this.expect('from');
        return { k: 'with', name, expr: this.exp(), pos };
      }
      case 'enum':
        return this.enumeration(pos);
      case 'include': {
        this.next();
        return { k: 'include', file: this.expect('string', 'a file name in double quotes').text, pos };
      }
      case 'if':
        return this.ifVariant(pos);
      case 'show':
      case 'unshow':
      case 'debug':
        return this.ignored(t);
      case 'var':
        if (this.startsInstruction()) return this.ignored(t);
        break;
      case 'procedure':
      case 'call':
      case 'forall':
      case 'match':
        throw this.error(`'${t.kind}' instructions are not supported by this interpreter`);
      default:
        break;
    }
    throw this.error(`expected an instruction (let, acyclic, irreflexive, empty, flag, include, with, ...), found ${describe(t)}`);
  }

  /** `enum name = 'A || 'B || ...` (a leading `||` allowed). */
  private enumeration(pos: CatPos): Instr {
    this.next();
    const name = this.name('the enumeration name');
    this.expect('=');
    this.accept('||');
    const tags = [this.expect('tag', "a tag such as 'ONCE").text];
    while (this.accept('||')) tags.push(this.expect('tag', 'a tag').text);
    return { k: 'enum', name, tags, pos };
  }

  /** `if VARIANT then ... else ... end`. */
  private ifVariant(pos: CatPos): Instr {
    this.next();
    const cond = this.variantCond();
    this.accept('then');
    const then = this.instrs(['else', 'end']);
    const els = this.accept('else') ? this.instrs(['end']) : [];
    this.expect('end', "'end' closing the 'if'");
    return { k: 'ifvariant', cond, then, else: els, pos };
  }

  /** What only herd7's drawings and bell files use, read and passed over: show, unshow, debug, `instructions R[...]`. */
  private ignored(t: Token): Instr {
    const pos = t.pos;
    this.next();
    if (t.kind === 'var') {
      this.next();
      this.expect('[');
      if (!this.is(']')) {
        this.exp();
        while (this.accept(',')) this.exp();
      }
      this.expect(']');
      return { k: 'ignored', what: t.text, pos };
    }
    if (t.kind === 'debug') this.exp();
    // `show a, b, c` (names) or `show EXPR as name`.
    else if (this.is('var') && this.peek().kind === ',') {
      this.next();
      while (this.accept(',')) this.name();
    } else {
      this.union();
      if (this.accept('as')) this.name();
    }
    return { k: 'ignored', what: t.kind, pos };
  }

  private test(flavour: 'check' | 'flag' | 'requires', pos: CatPos): Instr {
    const negated = this.accept('~');
    const k = this.tok.kind;
    if (k !== 'acyclic' && k !== 'irreflexive' && k !== 'empty') throw this.error(`expected acyclic, irreflexive or empty, found ${describe(this.tok)}`);
    this.next();
    const expr = this.exp();
    const name = this.accept('as') ? this.name('the check name') : null;
    return { k: 'test', test: k as TestKind, negated, flavour, expr, name, pos };
  }

  private bindings(): Binding[] {
    const out = [this.binding()];
    while (this.accept('and')) out.push(this.binding());
    return out;
  }

  private binding(): Binding {
    const pos = this.tok.pos;
    if (this.is('(')) {
      const names = this.formals();
      this.expect('=');
      return { pat: tuplePat(names), expr: this.exp(), pos };
    }
    const name = this.name('a name to bind');
    if (this.accept('=')) return { pat: { k: 'var', name }, expr: this.exp(), pos };
    // A function: `f x = e`, `f _ = e` or `f(x, y) = e`.
    let param: Pattern;
    if (this.is('(')) param = tuplePat(this.formals());
    else if (this.accept('_')) param = { k: 'var', name: null };
    else param = { k: 'var', name: this.name("a parameter or '='") };
    this.expect('=');
    const body = this.exp();
    return { pat: { k: 'var', name }, expr: { k: 'fun', param, body, name, pos }, pos };
  }

  private formals(): Array<string | null> {
    this.expect('(');
    const names: Array<string | null> = [];
    if (!this.is(')')) {
      do names.push(this.accept('_') ? null : this.name('a parameter name'));
      while (this.accept(','));
    }
    this.expect(')');
    return names;
  }

  exp(): Expr {
    const t = this.tok;
    const pos = t.pos;
    switch (t.kind) {
      case 'let': {
        this.next();
        const rec = this.accept('rec');
        const binds = this.bindings();
        this.expect('in', "'in'");
        return { k: 'let', rec, binds, body: this.exp(), pos };
      }
      case 'fun': {
        this.next();
        const param: Pattern = this.is('(') ? tuplePat(this.formals()) : this.accept('_') ? { k: 'var', name: null } : { k: 'var', name: this.name('a parameter') };
        this.expect('->');
        return { k: 'fun', param, body: this.exp(), name: 'fun', pos };
      }
      case 'try': {
        this.next();
        const body = this.exp();
        this.expect('with');
        return { k: 'try', body, handler: this.exp(), pos };
      }
      case 'if': {
        this.next();
        const cond = this.cond();
        this.expect('then');
        const then = this.exp();
        this.expect('else');
        return { k: 'if', cond, then, else: this.exp(), pos };
      }
      case 'match':
        return this.match();
      default: {
        const first = this.union();
        if (!this.is(',')) return first;
        const elems = [first];
        while (this.accept(',')) elems.push(this.union());
        return { k: 'tuple', elems, pos };
      }
    }
  }

  private match(): Expr {
    const pos = this.expect('match').pos;
    const scrut = this.exp();
    this.expect('with');
    this.accept('||');
    // Set matching: `{} -> e || x ++ s -> e` (either order) or `s1 | x ++ s2 -> e`.
    if (this.is('{') || ((this.is('var') || this.is('_')) && (this.peek().kind === '++' || this.peek().kind === '|'))) {
      let ifEmpty: Expr | null = null;
      let clause: SetClause | null = null;
      for (let n = 0; n < 2; n++) {
        if (n === 1) this.expect('||');
        if (this.accept('{')) {
          this.expect('}');
          this.expect('->');
          ifEmpty = this.exp();
        } else {
          const a = this.pat0();
          if (this.accept('|')) {
            const elem = this.pat0();
            this.expect('++');
            const post = this.pat0();
            this.expect('->');
            clause = { k: 'pre', pre: a, elem, post, body: this.exp() };
          } else {
            this.expect('++');
            const rest = this.pat0();
            this.expect('->');
            clause = { k: 'eltrem', elem: a, rest, body: this.exp() };
          }
        }
      }
      this.expect('end', "'end' closing the 'match'");
      if (!ifEmpty || !clause) throw this.error('a set match needs a {} case and an element case', pos);
      return { k: 'matchset', scrut, ifEmpty, clause, pos };
    }
    const clauses: Array<{ tag: string; body: Expr }> = [];
    let dflt: Expr | null = null;
    for (;;) {
      if (this.accept('_')) {
        this.expect('->');
        dflt = this.exp();
        break;
      }
      const tag = this.expect('tag', "a tag or '_'").text;
      this.expect('->');
      clauses.push({ tag, body: this.exp() });
      if (!this.accept('||')) break;
    }
    this.expect('end', "'end' closing the 'match'");
    return { k: 'match', scrut, clauses, dflt, pos };
  }

  private pat0(): string | null {
    if (this.accept('_')) return null;
    return this.name();
  }

  private cond(): Cond {
    if (this.is('string') || (this.is('var') && this.tok.text === 'not')) return { k: 'variant', cond: this.variantCond() };
    const a = this.union();
    if (this.accept('=')) return { k: 'eq', a, b: this.union() };
    if (this.accept('in')) return { k: 'in', a, b: this.union() };
    if (this.is('var') && this.tok.text === 'subset') {
      this.next();
      return { k: 'subset', a, b: this.union() };
    }
    throw this.error("expected '=', 'in' or 'subset' in the condition");
  }

  private variantCond(): VariantCond {
    let left = this.variantAtom();
    for (;;) {
      if (this.accept('&&')) left = { k: 'and', a: left, b: this.variantAtom() };
      else if (this.accept('||')) left = { k: 'or', a: left, b: this.variantAtom() };
      else return left;
    }
  }

  private variantAtom(): VariantCond {
    if (this.is('var') && this.tok.text === 'not') {
      this.next();
      return { k: 'not', arg: this.variantAtom() };
    }
    if (this.accept('(')) {
      const c = this.variantCond();
      this.expect(')');
      return c;
    }
    return { k: 'variant', name: this.expect('string', 'a variant name in double quotes').text };
  }

  // Operators, loosest first.
  private union(): Expr {
    const pos = this.tok.pos;
    const args = [this.add()];
    while (this.accept('|')) args.push(this.add());
    return args.length === 1 ? args[0] : { k: 'op', op: 'union', args: flatten('union', args), pos };
  }
  private add(): Expr {
    const pos = this.tok.pos;
    const left = this.seq();
    if (!this.accept('++')) return left;
    return { k: 'op', op: 'add', args: [left, this.add()], pos };
  }
  private seq(): Expr {
    const pos = this.tok.pos;
    const args = [this.diff()];
    while (this.accept(';')) args.push(this.diff());
    return args.length === 1 ? args[0] : { k: 'op', op: 'seq', args: flatten('seq', args), pos };
  }
  private diff(): Expr {
    let left = this.inter();
    while (this.is('\\')) {
      const pos = this.next().pos;
      left = { k: 'op', op: 'diff', args: [left, this.inter()], pos };
    }
    return left;
  }
  private inter(): Expr {
    const left = this.cart();
    if (!this.is('&')) return left;
    const pos = this.next().pos;
    return { k: 'op', op: 'inter', args: [left, this.inter()], pos };
  }
  private cart(): Expr {
    let left = this.unary();
    for (;;) {
      const pos = this.tok.pos;
      if (this.is('*')) {
        this.next();
        // `a * b` when an operand follows; otherwise the postfix closure `a*`.
        if (ARG_START.has(this.tok.kind) || this.is('~')) left = { k: 'op', op: 'cart', args: [left, this.unary()], pos };
        else left = { k: 'op1', op: 'star', arg: left, pos };
      } else if (this.accept('+')) left = { k: 'op1', op: 'plus', arg: left, pos };
      else if (this.accept('?')) left = { k: 'op1', op: 'opt', arg: left, pos };
      else return left;
    }
  }
  private unary(): Expr {
    if (this.is('~')) {
      const pos = this.next().pos;
      return { k: 'op1', op: 'comp', arg: this.unary(), pos };
    }
    let e = this.app();
    while (this.is('^-1')) {
      const pos = this.next().pos;
      e = { k: 'op1', op: 'inv', arg: e, pos };
    }
    return e;
  }
  private app(): Expr {
    if (!this.is('var')) return this.simple();
    const t = this.next();
    let e: Expr = { k: 'var', name: t.text, pos: t.pos };
    while (ARG_START.has(this.tok.kind)) {
      const pos = this.tok.pos;
      const arg: Expr = this.is('var') ? { k: 'var', name: this.tok.text, pos: this.next().pos } : this.simple();
      e = { k: 'app', fn: e, arg, pos };
    }
    return e;
  }
  private simple(): Expr {
    const t = this.tok;
    const pos = t.pos;
    switch (t.kind) {
      case '0':
        this.next();
        return { k: 'zero', pos };
      case '_':
        this.next();
        return { k: 'universe', pos };
      case 'tag':
        this.next();
        return { k: 'tag', name: t.text, pos };
      case '{': {
        this.next();
        if (this.accept('}')) return { k: 'empty', pos };
        const elems = [this.union()];
        while (this.accept(',')) elems.push(this.union());
        this.expect('}');
        return { k: 'set', elems, pos };
      }
      case '(': {
        this.next();
        if (this.accept(')')) return { k: 'tuple', elems: [], pos };
        const e = this.exp();
        this.expect(')');
        return e;
      }
      case 'begin': {
        this.next();
        const e = this.exp();
        this.expect('end');
        return e;
      }
      case '[': {
        this.next();
        const e = this.exp();
        this.expect(']');
        return { k: 'op1', op: 'toid', arg: e, pos };
      }
      case 'match':
        return this.match();
      default:
        throw this.error(`expected an expression, found ${describe(t)}`);
    }
  }
}

function tuplePat(names: Array<string | null>): Pattern {
  return names.length === 1 ? { k: 'var', name: names[0] } : { k: 'tuple', names };
}

function flatten(op: OpN, args: Expr[]): Expr[] {
  return args.flatMap((a) => (a.k === 'op' && a.op === op ? a.args : [a]));
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'the end of the file';
  if (t.kind === 'var') return `'${t.text}'`;
  if (t.kind === 'tag') return `'${t.text}`;
  if (t.kind === 'string') return `"${t.text}"`;
  return `'${t.kind}'`;
}
