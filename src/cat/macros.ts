// herd7's macro files (linux-kernel.def): each line defines a kernel primitive in terms of herd7's
// internal operations, e.g.
//   smp_load_acquire(X) __load{ACQUIRE}(*X)
//   smp_store_mb(X,V) { __store{ONCE}(X,V); __fence{MB}; }
//   atomic_read(X) READ_ONCE(*X)
// and becomes a PrimitiveSpec for lowering, so a primitive added to the file needs no code here.
// How each parameter is passed (an lvalue, a pointer or a value) is read off its uses.
import type { AluOp, Instr, PureExpr } from '../lower/program.js';
import { LKMM_PRIMITIVES, type ArgKind, type PrimitiveBuilder, type PrimitiveSpec } from '../lower/primitives.js';
import { annOf, lkmmFenceSet } from '../lower/annotations.js';
import type { CatPos } from './ast.js';
import { CatError } from './errors.js';
import { BINARY_PRECEDENCE } from '../parse/ast.js';

type DefExpr =
  | { k: 'param'; name: string; pos: CatPos }
  | { k: 'num'; v: number; pos: CatPos }
  | { k: 'deref'; arg: DefExpr; pos: CatPos }
  | { k: 'bin'; op: string; a: DefExpr; b: DefExpr; pos: CatPos }
  | { k: 'un'; op: '-' | '!' | '~'; a: DefExpr; pos: CatPos }
  | { k: 'op'; op: string; ann: string | null; args: DefArg[]; pos: CatPos }
  | { k: 'call'; name: string; args: DefExpr[]; pos: CatPos };

type DefArg = DefExpr | { k: 'alu'; op: AluOp; pos: CatPos };

interface MacroDef {
  name: string;
  params: string[];
  /** An expression body returns its value; a `{ ...; }` body returns nothing. */
  body: { k: 'expr'; e: DefExpr } | { k: 'block'; stmts: DefExpr[] };
  text: string;
  pos: CatPos;
}

/** herd7's operations: how many arguments, which one is the location and how it is given. */
const OPERATIONS: Record<string, { arity: number; location: 'lval' | 'ptr' | null; alu?: number; returns: boolean }> = {
  __load: { arity: 1, location: 'lval', returns: true },
  __store: { arity: 2, location: 'lval', returns: false },
  __fence: { arity: 0, location: null, returns: false },
  __xchg: { arity: 2, location: 'ptr', returns: true },
  __cmpxchg: { arity: 3, location: 'ptr', returns: true },
  __atomic_op: { arity: 3, location: 'ptr', alu: 1, returns: false },
  __atomic_op_return: { arity: 3, location: 'ptr', alu: 1, returns: true },
  __atomic_fetch_op: { arity: 3, location: 'ptr', alu: 1, returns: true },
  __atomic_add_unless: { arity: 3, location: 'ptr', returns: true },
  __lock: { arity: 1, location: 'ptr', returns: false },
  __unlock: { arity: 1, location: 'ptr', returns: false },
  __trylock: { arity: 1, location: 'ptr', returns: true },
  __islocked: { arity: 1, location: 'ptr', returns: true },
  __srcu: { arity: 1, location: 'ptr', returns: false },
};

/** Primitives the def file lacks that we add (docs/litmus-format.md, "Primitives"): kept unless the file defines them. */
const OUR_ADDITIONS = ['set_bit', 'clear_bit', 'change_bit', 'test_and_set_bit', 'test_and_clear_bit', 'test_and_change_bit', 'test_bit'];

export function parseMacros(text: string, file: string): ReadonlyMap<string, PrimitiveSpec> {
  const defs = new MacroParser(text, file).defs();
  const byName = new Map<string, MacroDef>();
  for (const d of defs) {
    if (byName.has(d.name)) throw new CatError(d.pos, `${d.name} is defined twice`);
    byName.set(d.name, d);
  }
  const kinds = inferKinds(byName);
  const out = new Map<string, PrimitiveSpec>();
  for (const d of defs) out.set(d.name, specOf(d, byName, kinds));
  for (const name of OUR_ADDITIONS) if (!out.has(name)) out.set(name, LKMM_PRIMITIVES.get(name)!);
  return out;
}

// ---- parsing ----

interface Tok {
  t: string; // 'id', 'num', 'op', 'nl', 'eof'
  v: string;
  ann?: string;
  pos: CatPos;
}

function lexDef(text: string, file: string): Tok[] {
  const out: Tok[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const pos = (at: number): CatPos => ({ file, line, col: at - lineStart + 1 });
  while (i < text.length) {
    const c = text[i];
    if (c === '\n') {
      out.push({ t: 'nl', v: '', pos: pos(i) });
      line++;
      i++;
      lineStart = i;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new CatError(pos(i), 'unterminated comment');
      for (let k = i; k < end; k++) if (text[k] === '\n') {
        line++;
        lineStart = k + 1;
      }
      i = end + 2;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < text.length && /[A-Za-z0-9_]/.test(text[i])) i++;
      const tok: Tok = { t: 'id', v: text.slice(start, i), pos: pos(start) };
      // herd7's annotation: __load{ACQUIRE}, __fence{after-srcu-read-unlock}.
      if (tok.v.startsWith('__') && text[i] === '{') {
        const end = text.indexOf('}', i);
        if (end < 0) throw new CatError(pos(i), "unterminated annotation '{'");
        tok.ann = text.slice(i + 1, end).trim();
        i = end + 1;
      }
      out.push(tok);
      continue;
    }
    if (/[0-9]/.test(c)) {
      const start = i;
      while (i < text.length && /[0-9xXa-fA-F]/.test(text[i])) i++;
      out.push({ t: 'num', v: text.slice(start, i), pos: pos(start) });
      continue;
    }
    const two = ['&~', '==', '!=', '<=', '>=', '&&', '||', '<<', '>>'];
    const t2 = text.slice(i, i + 2);
    if (two.includes(t2)) {
      out.push({ t: 'op', v: t2, pos: pos(i) });
      i += 2;
      continue;
    }
    if ('(){},;*/%+-&|^~!<>='.includes(c)) {
      out.push({ t: 'op', v: c, pos: pos(i) });
      i++;
      continue;
    }
    throw new CatError(pos(i), `unexpected character '${c}'`);
  }
  out.push({ t: 'eof', v: '', pos: pos(i) });
  return out;
}


class MacroParser {
  private toks: Tok[];
  private i = 0;
  private params = new Set<string>();
  constructor(
    private readonly text: string,
    file: string,
  ) {
    this.toks = lexDef(text, file);
  }
  private get tok(): Tok {
    return this.toks[this.i];
  }
  private next(): Tok {
    return this.toks[this.i++];
  }
  private isOp(v: string): boolean {
    return this.tok.t === 'op' && this.tok.v === v;
  }
  private expectOp(v: string): Tok {
    if (!this.isOp(v)) throw new CatError(this.tok.pos, `expected '${v}', found ${this.tok.t === 'nl' ? 'the end of the line' : this.tok.t === 'eof' ? 'the end of the file' : `'${this.tok.v}'`}`);
    return this.next();
  }
  private skipNewlines(): void {
    while (this.tok.t === 'nl') this.i++;
  }

  defs(): MacroDef[] {
    const out: MacroDef[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.tok.t === 'eof') return out;
      out.push(this.def());
    }
  }

  private def(): MacroDef {
    const nameTok = this.next();
    if (nameTok.t !== 'id') throw new CatError(nameTok.pos, 'expected a primitive name, as in READ_ONCE(X) __load{ONCE}(X)');
    this.expectOp('(');
    const params: string[] = [];
    if (!this.isOp(')')) {
      for (;;) {
        const p = this.next();
        if (p.t !== 'id') throw new CatError(p.pos, 'expected a parameter name');
        params.push(p.v);
        if (!this.isOp(',')) break;
        this.next();
      }
    }
    this.expectOp(')');
    this.params = new Set(params);
    const startLine = nameTok.pos.line;
    let body: MacroDef['body'];
    if (this.isOp('{')) {
      this.next();
      const stmts: DefExpr[] = [];
      for (;;) {
        this.skipNewlines();
        if (this.isOp('}')) break;
        stmts.push(this.expr(0));
        this.skipNewlines();
        this.expectOp(';');
      }
      this.next();
      body = { k: 'block', stmts };
    } else body = { k: 'expr', e: this.expr(0) };
    if (this.tok.t !== 'nl' && this.tok.t !== 'eof') throw new CatError(this.tok.pos, `unexpected '${this.tok.v}' after the definition of ${nameTok.v}`);
    const text = this.text.split('\n')[startLine - 1]?.trim() ?? nameTok.v;
    return { name: nameTok.v, params, body, text, pos: nameTok.pos };
  }

  private expr(minPrec: number): DefExpr {
    let left = this.unary();
    for (;;) {
      const t = this.tok;
      const prec = t.t === 'op' ? BINARY_PRECEDENCE[t.v] : undefined;
      if (prec === undefined || prec <= minPrec) return left;
      this.next();
      left = { k: 'bin', op: t.v, a: left, b: this.expr(prec), pos: t.pos };
    }
  }

  private unary(): DefExpr {
    const t = this.tok;
    if (this.isOp('*')) {
      this.next();
      return { k: 'deref', arg: this.unary(), pos: t.pos };
    }
    if (this.isOp('-') || this.isOp('!') || this.isOp('~')) {
      this.next();
      return { k: 'un', op: t.v as '-' | '!' | '~', a: this.unary(), pos: t.pos };
    }
    if (this.isOp('(')) {
      this.next();
      const e = this.expr(0);
      this.expectOp(')');
      return e;
    }
    if (t.t === 'num') {
      this.next();
      return { k: 'num', v: Number(t.v), pos: t.pos };
    }
    if (t.t !== 'id') throw new CatError(t.pos, `expected an expression, found ${t.t === 'nl' ? 'the end of the line' : `'${t.v}'`}`);
    this.next();
    if (t.v.startsWith('__')) return this.operation(t);
    if (this.isOp('(')) {
      this.next();
      const args: DefExpr[] = [];
      if (!this.isOp(')')) {
        for (;;) {
          args.push(this.expr(0));
          if (!this.isOp(',')) break;
          this.next();
        }
      }
      this.expectOp(')');
      return { k: 'call', name: t.v, args, pos: t.pos };
    }
    if (!this.params.has(t.v)) throw new CatError(t.pos, `'${t.v}' is not a parameter of this definition`);
    return { k: 'param', name: t.v, pos: t.pos };
  }

  private operation(t: Tok): DefExpr {
    const spec = OPERATIONS[t.v];
    if (!spec) throw new CatError(t.pos, `unknown operation ${t.v} (known: ${Object.keys(OPERATIONS).join(', ')})`);
    const args: DefArg[] = [];
    if (spec.arity > 0) {
      this.expectOp('(');
      for (let k = 0; k < spec.arity; k++) {
        if (k > 0) this.expectOp(',');
        if (k === spec.alu) {
          const op = this.next();
          const alu = op.v as AluOp;
          if (op.t !== 'op' || !['+', '-', '&', '|', '^', '&~'].includes(alu)) throw new CatError(op.pos, 'expected an operator: + - & | ^ &~');
          args.push({ k: 'alu', op: alu, pos: op.pos });
        } else args.push(this.expr(0));
      }
      this.expectOp(')');
    }
    if (t.ann === undefined && ['__load', '__store', '__fence', '__xchg', '__cmpxchg', '__atomic_op', '__atomic_op_return', '__atomic_fetch_op', '__atomic_add_unless', '__srcu'].includes(t.v)) {
      throw new CatError(t.pos, `${t.v} needs an annotation, as in ${t.v}{ONCE}`);
    }
    if (t.v === '__srcu' && (t.ann === undefined || lkmmFenceSet(annOf(t.ann)) !== 'Sync-srcu')) throw new CatError(t.pos, '__srcu supports only {sync-srcu}');
    return { k: 'op', op: t.v, ann: t.ann ?? null, args, pos: t.pos };
  }
}

// ---- parameter kinds ----

function inferKinds(defs: ReadonlyMap<string, MacroDef>): Map<string, ArgKind[]> {
  const kinds = new Map<string, ArgKind[]>();
  const visiting = new Set<string>();
  const kindsOf = (d: MacroDef): ArgKind[] => {
    const done = kinds.get(d.name);
    if (done) return done;
    if (visiting.has(d.name)) throw new CatError(d.pos, `${d.name} is defined in terms of itself`);
    visiting.add(d.name);
    const uses = new Map<string, Set<ArgKind>>(d.params.map((p) => [p, new Set<ArgKind>()]));
    const use = (e: DefExpr, as: ArgKind) => {
      if (e.k === 'param') uses.get(e.name)!.add(as);
      else walk(e);
    };
    const walk = (e: DefArg): void => {
      switch (e.k) {
        case 'param':
          uses.get(e.name)!.add('val');
          return;
        case 'deref':
          use(e.arg, 'ptr');
          return;
        case 'bin':
          walk(e.a);
          walk(e.b);
          return;
        case 'un':
          walk(e.a);
          return;
        case 'op': {
          const spec = OPERATIONS[e.op];
          e.args.forEach((a, k) => {
            if (a.k === 'alu') return;
            if (k === 0 && spec.location) use(a, spec.location);
            else walk(a);
          });
          return;
        }
        case 'call': {
          const callee = defs.get(e.name);
          if (!callee) throw new CatError(e.pos, `${e.name} is not defined in this file`);
          if (callee.params.length !== e.args.length) throw new CatError(e.pos, `${e.name} takes ${callee.params.length} argument(s), found ${e.args.length}`);
          const ck = kindsOf(callee);
          e.args.forEach((a, k) => use(a, ck[k]));
          return;
        }
        default:
          return;
      }
    };
    if (d.body.k === 'expr') walk(d.body.e);
    else d.body.stmts.forEach(walk);
    const result = d.params.map((p): ArgKind => {
      const u = uses.get(p)!;
      return u.has('lval') ? 'lval' : u.has('ptr') ? 'ptr' : 'val';
    });
    visiting.delete(d.name);
    kinds.set(d.name, result);
    return result;
  };
  for (const d of defs.values()) kindsOf(d);
  return kinds;
}

// ---- expansion ----

const reg = (r: string): PureExpr => ({ k: 'reg', r });

function specOf(d: MacroDef, defs: ReadonlyMap<string, MacroDef>, kinds: ReadonlyMap<string, ArgKind[]>): PrimitiveSpec {
  return {
    args: kinds.get(d.name)!,
    doc: `as defined by the macros file: ${d.text}`,
    expand(b, args, dst) {
      return new Expansion(d, args, b, defs, kinds).body(dst);
    },
  };
}

/** One use of a macro whose arguments are already lowered: an address for lval, a value otherwise. */
class Expansion {
  private readonly bound: Map<string, { kind: ArgKind; e: PureExpr }>;
  constructor(
    private readonly d: MacroDef,
    args: PureExpr[],
    private readonly b: PrimitiveBuilder,
    private readonly defs: ReadonlyMap<string, MacroDef>,
    private readonly kinds: ReadonlyMap<string, ArgKind[]>,
  ) {
    const kind = kinds.get(d.name)!;
    this.bound = new Map(d.params.map((p, k) => [p, { kind: kind[k], e: args[k] }]));
  }

  /** The macro's instructions, emitted; its value (into `dst` when it loads one), or null for a block. */
  body(dst: string | null): PureExpr | null {
    if (this.d.body.k === 'block') {
      for (const s of this.d.body.stmts) this.statement(s);
      return null;
    }
    return this.value(this.d.body.e, dst);
  }

  private emit(i: Instr): void {
    this.b.emit(i);
  }

  private address(e: DefExpr): PureExpr {
    if (e.k === 'deref') return this.value(e.arg, null);
    if (e.k === 'param' && this.bound.get(e.name)!.kind === 'lval') return this.bound.get(e.name)!.e;
    throw new CatError(e.pos, 'a memory location is expected here (write *X for the location X points to)');
  }

  private value(e: DefExpr, into: string | null): PureExpr {
    switch (e.k) {
      case 'param': {
        const p = this.bound.get(e.name)!;
        if (p.kind === 'lval') throw new CatError(e.pos, `${e.name} is a location here; its value needs a load such as __load{ONCE}(${e.name})`);
        return p.e;
      }
      case 'num':
        return { k: 'const', v: e.v };
      case 'un':
        return { k: 'un', op: e.op, a: this.value(e.a, null) };
      case 'bin':
        return { k: 'bin', op: e.op, a: this.value(e.a, null), b: this.value(e.b, null) };
      case 'deref': {
        const r = into ?? this.b.temp();
        this.emit({ op: 'load', dst: r, addr: this.value(e.arg, null), ann: '', origin: this.b.origin() });
        return reg(r);
      }
      case 'op': {
        const v = this.operation(e, into);
        if (v === null) throw new CatError(e.pos, `${e.op} returns no value`);
        return v;
      }
      case 'call': {
        const v = this.call(e, into);
        if (v === null) throw new CatError(e.pos, `${e.name} returns no value`);
        return v;
      }
    }
  }

  private statement(e: DefExpr): void {
    if (e.k === 'op') this.operation(e, null);
    else if (e.k === 'call') this.call(e, null);
    else this.value(e, null);
  }

  /** Another macro of the file, expanded in place. */
  private call(e: Extract<DefExpr, { k: 'call' }>, into: string | null): PureExpr | null {
    const callee = this.defs.get(e.name)!;
    const ck = this.kinds.get(e.name)!;
    const actual = e.args.map((a, k) => (ck[k] === 'lval' ? this.address(a) : this.value(a, null)));
    return new Expansion(callee, actual, this.b, this.defs, this.kinds).body(into);
  }

  /** One of herd7's operations (OPERATIONS) as an instruction; its result, if it has one. */
  private operation(e: Extract<DefExpr, { k: 'op' }>, into: string | null): PureExpr | null {
    const ann = annOf(e.ann ?? '');
    const origin = this.b.origin();
    const a = e.args;
    const arg = (k: number) => this.value(a[k] as DefExpr, null);
    const loc = () => (OPERATIONS[e.op].location === 'lval' ? this.address(a[0] as DefExpr) : this.value(a[0] as DefExpr, null));
    const result = () => into ?? this.b.temp();
    switch (e.op) {
      case '__load': {
        const addr = loc();
        const r = result();
        this.emit({ op: 'load', dst: r, addr, ann, origin });
        return reg(r);
      }
      case '__store': {
        const addr = loc();
        this.emit({ op: 'store', addr, value: arg(1), ann, origin });
        return null;
      }
      case '__fence':
        this.emit({ op: 'fence', ann, origin });
        return null;
      case '__xchg': {
        const addr = loc();
        const v = arg(1);
        const r = result();
        this.emit({ op: 'xchg', dst: r, addr, value: v, ann, origin });
        return reg(r);
      }
      case '__cmpxchg': {
        const addr = loc();
        const expected = arg(1);
        const v = arg(2);
        const r = result();
        this.emit({ op: 'cmpxchg', dst: r, addr, expected, value: v, ann, origin });
        return reg(r);
      }
      default:
        return this.atomicOrLock(e, loc, arg, result);
    }
  }

  /** The arithmetic RMWs and the lock operations (the rest of OPERATIONS). */
  private atomicOrLock(e: Extract<DefExpr, { k: 'op' }>, loc: () => PureExpr, arg: (k: number) => PureExpr, result: () => string): PureExpr | null {
    const ann = annOf(e.ann ?? '');
    const origin = this.b.origin();
    switch (e.op) {
      case '__atomic_op':
      case '__atomic_op_return':
      case '__atomic_fetch_op': {
        const addr = loc();
        const operand = arg(2);
        const returns = e.op === '__atomic_op' ? 'none' : e.op === '__atomic_op_return' ? 'new' : 'old';
        const r = returns === 'none' ? null : result();
        this.emit({ op: 'atomic', alu: (e.args[1] as { op: AluOp }).op, dst: r, returns, addr, operand, unless: null, ann, origin });
        return r === null ? null : reg(r);
      }
      case '__atomic_add_unless': {
        const addr = loc();
        const operand = arg(1);
        const unless = arg(2);
        const r = result();
        this.emit({ op: 'atomic', alu: '+', dst: r, returns: 'success', addr, operand, unless, ann, origin });
        return reg(r);
      }
      case '__lock':
        this.emit({ op: 'lock', addr: loc(), origin });
        return null;
      case '__unlock':
        this.emit({ op: 'unlock', addr: loc(), origin });
        return null;
      case '__trylock':
      case '__islocked': {
        const addr = loc();
        const r = result();
        this.emit({ op: e.op === '__trylock' ? 'trylock' : 'islocked', dst: r, addr, origin });
        return reg(r);
      }
      case '__srcu':
        this.emit({ op: 'srcu-sync', addr: loc(), origin });
        return null;
      default:
        throw new CatError(e.pos, `unknown operation ${e.op}`);
    }
  }
}
