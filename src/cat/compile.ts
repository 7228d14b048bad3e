// Compiles a cat program (its instructions, includes already expanded) into JavaScript closures,
// staged for the explorer:
//   - every name is resolved once, here: globals to slots, locals to frame positions;
//   - a global is *static* when it does not depend on rf or co (directly or through other
//     globals): it is computed at most once per skeleton, on first use, and shared by all the
//     candidates of that skeleton; *dynamic* globals are computed on first use per candidate;
//   - inside dynamic code, every largest static subexpression (say `[M] ; po ; [Release]` in a
//     definition that also mentions rf) is cached per skeleton as well;
//   - `a ; b ; c` stops at the first empty factor and `a & b`, `a \ b` skip b when a is empty,
//     so relations that cannot matter (RCU without grace periods, races without plain
//     accesses) cost almost nothing.
// Bindings are lazy, as in herd7; checks, flags and `with` run in program order.
import type { Binding, CatPos, Cond, Expr, Instr, Pattern, SetClause, TestKind, VariantCond } from './ast.js';
import { BUILTINS, PREDEFINED, tagSet } from './environment.js';
import { CatError } from './errors.js';
import * as ops from './ops.js';
import { Frame, type Code, type Ctx } from './runtime.js';
import { ChoiceSet, Closure, EmptyV, EventV, PairV, TagV, TupleV, UniverseV, ValueSet, type Value } from './values.js';
import { EventSet, Relation } from '../execution/relation.js';

export interface Slot {
  readonly index: number;
  readonly name: string;
  readonly dynamic: boolean;
  /** Computes this slot (and the others of its group) and stores them; null for `with`. */
  fill: ((c: Ctx) => void) | null;
}

export type Step =
  | {
      k: 'test';
      dynamic: boolean;
      test: TestKind;
      negated: boolean;
      flavour: 'check' | 'flag' | 'requires';
      name: string | null;
      code: Code;
      pos: CatPos;
    }
  | { k: 'with'; slot: Slot; code: Code; pos: CatPos };

export interface CompiledModel {
  slots: readonly Slot[];
  /** Each name's binding at the end of the model. */
  names: ReadonlyMap<string, Slot>;
  cacheSize: number;
  steps: readonly Step[];
  enums: ReadonlyMap<string, string[]>;
}

interface Compiled {
  code: Code;
  /** Mentions a dynamic global. */
  dyn: boolean;
  /** The outermost local frame it reads, counted from the current one; -1 for none. */
  depth: number;
  /** A name or a constant: not worth caching. */
  trivial: boolean;
}

class Scope {
  constructor(
    readonly names: ReadonlyMap<string, number>,
    readonly parent: Scope | null,
  ) {}
}

/** Iterations allowed for a `let rec` fixpoint before it is declared divergent. */
const FIXPOINT_LIMIT = 10_000;

export function compileModel(instrs: readonly Instr[], variants: ReadonlySet<string>): CompiledModel {
  const c = new Compiler(variants);
  c.program(instrs);
  return { slots: c.slots, names: c.names, cacheSize: c.cacheSize, steps: c.steps, enums: c.enums };
}

export function variantHolds(v: VariantCond, variants: ReadonlySet<string>): boolean {
  switch (v.k) {
    case 'variant':
      return variants.has(v.name);
    case 'not':
      return !variantHolds(v.arg, variants);
    case 'and':
      return variantHolds(v.a, variants) && variantHolds(v.b, variants);
    case 'or':
      return variantHolds(v.a, variants) || variantHolds(v.b, variants);
  }
}

function patternNames(p: Pattern): Array<string | null> {
  return p.k === 'var' ? [p.name] : p.names;
}

/** Splits a value over a pattern's names (one name takes the whole value). */
function destructure(p: Pattern, v: Value, pos: CatPos): Value[] {
  if (p.k === 'var') return [v];
  if (v instanceof TupleV && v.items.length === p.names.length) return v.items;
  if (v instanceof PairV && p.names.length === 2) return [new EventV(v.a), new EventV(v.b)];
  throw new CatError(pos, `expected a tuple of ${p.names.length}, found ${ops.article(v)}`);
}

function stabilised(old: Value, now: Value): boolean {
  if (ops.sameValue(now, EmptyV.it)) return true;
  if (now instanceof Relation) return old instanceof Relation && now.minus(old).isEmpty();
  if (now instanceof EventSet) return old instanceof EventSet && now.minus(old).isEmpty();
  if (now instanceof ValueSet) return old instanceof ValueSet && now.elems().every((x) => old.has(x));
  return ops.sameValue(old, now);
}

class Compiler {
  readonly slots: Slot[] = [];
  readonly steps: Step[] = [];
  readonly enums = new Map<string, string[]>();
  cacheSize = 0;
  private readonly globals = new Map<string, Slot>();
  private readonly tagEnum = new Map<string, string>();

  constructor(private readonly variants: ReadonlySet<string>) {}

  /** Each name's binding so far (at the end: the model's final names). */
  get names(): ReadonlyMap<string, Slot> {
    return this.globals;
  }

  program(instrs: readonly Instr[]): void {
    // herd7 derives an event set from every annotation its bell declares ('wmb gives Wmb).
    for (const i of instrs) {
      if (i.k !== 'enum') continue;
      this.enums.set(i.name, i.tags);
      for (const t of i.tags) this.tagEnum.set(t, i.name);
    }
    for (const p of PREDEFINED) this.predefine(p.name, p.dynamic, (c) => p.value(c.p, c.cand));
    for (const tag of this.tagEnum.keys()) {
      const p = tagSet(tag);
      if (!this.globals.has(p.name)) this.predefine(p.name, false, (c) => p.value(c.p, null));
    }
    for (const [name, v] of BUILTINS) this.predefine(name, false, () => v);
    for (const i of instrs) this.instr(i);
  }

  private predefine(name: string, dynamic: boolean, value: (c: Ctx) => Value): void {
    const slot = this.newSlot(name, dynamic);
    slot.fill = (c) => store(c, slot, value(c));
    this.globals.set(name, slot);
  }

  private newSlot(name: string, dynamic: boolean): Slot {
    const slot: Slot = { index: this.slots.length, name, dynamic, fill: null };
    this.slots.push(slot);
    return slot;
  }

  private instr(i: Instr): void {
    switch (i.k) {
      case 'let':
        if (i.rec) this.letRec(i.binds, i.pos);
        else this.let(i.binds);
        return;
      case 'test': {
        const e = this.expr(i.expr, null);
        this.steps.push({ k: 'test', dynamic: e.dyn, test: i.test, negated: i.negated, flavour: i.flavour, name: i.name, code: e.code, pos: i.pos });
        return;
      }
      case 'with': {
        const e = this.expr(i.expr, null);
        const slot = this.newSlot(i.name, true);
        this.globals.set(i.name, slot);
        this.steps.push({ k: 'with', slot, code: e.code, pos: i.pos });
        return;
      }
      case 'enum': {
        const tags = new ValueSet(i.tags.map((t) => new TagV(i.name, t)));
        this.predefine(i.name, false, () => tags);
        return;
      }
      case 'ifvariant':
        for (const x of variantHolds(i.cond, this.variants) ? i.then : i.else) this.instr(x);
        return;
      case 'include':
        throw new CatError(i.pos, 'internal: include reached the compiler');
      case 'ignored':
        return;
    }
  }

  private let(binds: Binding[]): void {
    // All right-hand sides see the names as they were before this `let`.
    const compiled = binds.map((b) => ({ b, e: this.expr(b.expr, null) }));
    for (const { b, e } of compiled) {
      const slots = patternNames(b.pat).map((n) => this.newSlot(n ?? '_', e.dyn));
      const fill = (c: Ctx) => {
        const vs = destructure(b.pat, e.code(c, null), b.pos);
        slots.forEach((s, k) => store(c, s, vs[k]));
      };
      for (const s of slots) s.fill = fill;
      patternNames(b.pat).forEach((n, k) => {
        if (n !== null) this.globals.set(n, slots[k]);
      });
    }
  }

  private letRec(binds: Binding[], pos: CatPos): void {
    const names = new Set<string>();
    for (const b of binds) {
      if (b.pat.k !== 'var' || b.pat.name === null) throw new CatError(b.pos, "'let rec' binds names, not tuples");
      names.add(b.pat.name);
    }
    // The group is dynamic when anything it mentions outside itself is.
    const dynamic = binds.some((b) => [...freeNames(b.expr)].some((n) => !names.has(n) && this.globals.get(n)?.dynamic === true));
    const slots = binds.map((b) => this.newSlot((b.pat as { name: string }).name, dynamic));
    binds.forEach((b, k) => this.globals.set((b.pat as { name: string }).name, slots[k]));
    const codes = binds.map((b) => this.expr(b.expr, null).code);
    const fill = (c: Ctx) => {
      const values: number[] = [];
      binds.forEach((b, k) => {
        if (b.expr.k === 'fun') store(c, slots[k], codes[k](c, null));
        else {
          store(c, slots[k], EmptyV.it);
          values.push(k);
        }
      });
      fixpoint(
        values.map((k) => () => codes[k](c, null)),
        values.map((k) => (v: Value) => store(c, slots[k], v)),
        pos,
      );
    };
    for (const s of slots) s.fill = fill;
  }

  private global(slot: Slot): Code {
    const i = slot.index;
    if (slot.dynamic) {
      return (c) => {
        const v = c.dyn[i];
        if (v !== undefined) return v;
        return force(c, slot);
      };
    }
    return (c) => {
      const v = c.p.statics[i];
      if (v !== undefined) return v;
      return force(c, slot);
    };
  }

  /** Caches a static, non-trivial expression per skeleton (used inside dynamic code). */
  private hoist(x: Compiled): Code {
    if (x.dyn || x.depth >= 0 || x.trivial) return x.code;
    const i = this.cacheSize++;
    const inner = x.code;
    return (c, f) => {
      const v = c.p.cache[i];
      if (v !== undefined) return v;
      const r = inner(c, f);
      c.p.cache[i] = r;
      return r;
    };
  }

  /** Children's code: as is when the parent is static (it is cached whole), else each cached. */
  private kids(xs: Compiled[]): { codes: Code[]; dyn: boolean; depth: number } {
    const dyn = xs.some((x) => x.dyn);
    const depth = Math.max(-1, ...xs.map((x) => x.depth));
    const codes = dyn || depth >= 0 ? xs.map((x) => this.hoist(x)) : xs.map((x) => x.code);
    return { codes, dyn, depth };
  }

  private expr(e: Expr, scope: Scope | null): Compiled {
    const pos = e.pos;
    switch (e.k) {
      case 'empty':
        return constant(EmptyV.it);
      case 'universe':
        return constant(UniverseV.it);
      case 'zero':
        return { code: (c) => new Relation(c.p.n), dyn: false, depth: -1, trivial: true };
      case 'tag': {
        const en = this.tagEnum.get(e.name);
        if (en === undefined) return { code: () => { throw new CatError(pos, `tag '${e.name} is not declared by any enum`); }, dyn: false, depth: -1, trivial: true };
        return constant(new TagV(en, e.name));
      }
      case 'var':
        return this.variable(e.name, scope, pos);
      case 'tuple': {
        const k = this.kids(e.elems.map((x) => this.expr(x, scope)));
        return { code: (c, f) => new TupleV(k.codes.map((x) => x(c, f))), dyn: k.dyn, depth: k.depth, trivial: false };
      }
      case 'set': {
        const k = this.kids(e.elems.map((x) => this.expr(x, scope)));
        return { code: (c, f) => explicitSet(c, k.codes.map((x) => x(c, f)), pos), dyn: k.dyn, depth: k.depth, trivial: false };
      }
      case 'op1':
        return this.op1(e.op, e.arg, scope, pos);
      case 'op':
        return this.opN(e.op, e.args, scope, pos);
      case 'app': {
        const k = this.kids([this.expr(e.fn, scope), this.expr(e.arg, scope)]);
        const [fn, arg] = k.codes;
        return { code: (c, f) => apply(fn(c, f), arg(c, f), c, pos), dyn: k.dyn, depth: k.depth, trivial: false };
      }
      case 'fun':
        return this.fun(e.param, e.body, e.name, scope);
      case 'let':
        return e.rec ? this.letRecExpr(e.binds, e.body, scope, pos) : this.letExpr(e.binds, e.body, scope);
      case 'match': {
        const parts = [this.expr(e.scrut, scope), ...e.clauses.map((cl) => this.expr(cl.body, scope))];
        if (e.dflt) parts.push(this.expr(e.dflt, scope));
        const k = this.kids(parts);
        const scrut = k.codes[0];
        const tags = e.clauses.map((cl) => cl.tag);
        const bodies = k.codes.slice(1, 1 + tags.length);
        const dflt = e.dflt ? k.codes[k.codes.length - 1] : null;
        return {
          code: (c, f) => {
            const v = scrut(c, f);
            if (!(v instanceof TagV)) throw new CatError(pos, `match needs a tag here, found ${ops.article(v)}`);
            const at = tags.indexOf(v.name);
            if (at >= 0) return bodies[at](c, f);
            if (dflt) return dflt(c, f);
            throw new CatError(pos, `no case matches the tag '${v.name}`);
          },
          dyn: k.dyn,
          depth: k.depth,
          trivial: false,
        };
      }
      case 'matchset':
        return this.matchSet(e.scrut, e.ifEmpty, e.clause, scope, pos);
      case 'try': {
        const k = this.kids([this.expr(e.body, scope), this.expr(e.handler, scope)]);
        const [body, handler] = k.codes;
        return {
          code: (c, f) => {
            try {
              return body(c, f);
            } catch (err) {
              if (err instanceof CatError) return handler(c, f);
              throw err;
            }
          },
          dyn: k.dyn,
          depth: k.depth,
          trivial: false,
        };
      }
      case 'if':
        return this.ifExpr(e.cond, e.then, e.else, scope, pos);
    }
  }

  private variable(name: string, scope: Scope | null, pos: CatPos): Compiled {
    let depth = 0;
    for (let s = scope; s; s = s.parent, depth++) {
      const index = s.names.get(name);
      if (index === undefined) continue;
      return { code: localAccess(depth, index), dyn: false, depth, trivial: true };
    }
    const g = this.globals.get(name);
    if (g) return { code: this.global(g), dyn: g.dynamic, depth: -1, trivial: true };
    // herd7 reports unbound names when evaluated (so `try X with ...` can catch it).
    return { code: () => { throw new CatError(pos, `unbound name '${name}'`); }, dyn: false, depth: -1, trivial: true };
  }

  private op1(op: string, arg: Expr, scope: Scope | null, pos: CatPos): Compiled {
    const k = this.kids([this.expr(arg, scope)]);
    const a = k.codes[0];
    let code: Code;
    switch (op) {
      case 'comp':
        code = (c, f) => ops.complement(c.p, a(c, f), pos);
        break;
      case 'inv':
        code = (c, f) => ops.inverse(c.p, a(c, f), pos);
        break;
      case 'toid':
        code = (c, f) => ops.toId(c.p, a(c, f), pos);
        break;
      default: {
        const which = op as 'star' | 'plus' | 'opt';
        code = (c, f) => ops.closure(c.p, which, a(c, f), pos);
      }
    }
    return { code, dyn: k.dyn, depth: k.depth, trivial: false };
  }

  private opN(op: string, args: Expr[], scope: Scope | null, pos: CatPos): Compiled {
    if (op === 'seq') return this.seq(args, scope);
    if (op === 'inter') {
      const cartAt = args.findIndex((a) => a.k === 'op' && a.op === 'cart');
      if (cartAt >= 0) {
        // r & (S * T) restricts r's domain and range, without building S * T.
        const cart = args[cartAt] as Extract<Expr, { k: 'op' }>;
        const k = this.kids([this.expr(args[1 - cartAt], scope), this.expr(cart.args[0], scope), this.expr(cart.args[1], scope)]);
        const [r, s, t] = k.codes;
        return {
          code: (c, f) => {
            const rv = r(c, f);
            if (rv instanceof EmptyV) return rv;
            const rel = ops.asRel(c.p, rv, pos);
            if (rel.isEmpty()) return rel;
            return rel.restrict(ops.asSet(c.p, s(c, f), pos), ops.asSet(c.p, t(c, f), pos));
          },
          dyn: k.dyn,
          depth: k.depth,
          trivial: false,
        };
      }
    }
    const k = this.kids(args.map((a) => this.expr(a, scope)));
    const codes = k.codes;
    let code: Code;
    switch (op) {
      case 'union':
        if (codes.length === 2) {
          const [a, b] = codes;
          code = (c, f) => {
            const av = a(c, f);
            const bv = b(c, f);
            return av instanceof Relation && bv instanceof Relation ? av.union(bv) : ops.union(c.p, [av, bv], pos);
          };
        } else code = (c, f) => ops.union(c.p, codes.map((x) => x(c, f)), pos);
        break;
      case 'inter': {
        const [a, b] = codes;
        code = (c, f) => {
          const av = a(c, f);
          if (isEmptyQuick(av)) return av;
          return ops.inter(c.p, av, b(c, f), pos);
        };
        break;
      }
      case 'diff': {
        const [a, b] = codes;
        code = (c, f) => {
          const av = a(c, f);
          if (isEmptyQuick(av)) return av;
          return ops.diff(c.p, av, b(c, f), pos);
        };
        break;
      }
      case 'cart': {
        const [a, b] = codes;
        code = (c, f) => ops.cartesian(c.p, a(c, f), b(c, f), pos);
        break;
      }
      default: {
        const [a, b] = codes;
        code = (c, f) => ops.addElement(c.p, a(c, f), b(c, f), pos);
      }
    }
    return { code, dyn: k.dyn, depth: k.depth, trivial: false };
  }

  /** a ; [S] ; b ; ...: identity factors become restrictions; stops at the first empty result. */
  private seq(args: Expr[], scope: Scope | null): Compiled {
    const isId = args.map((a) => a.k === 'op1' && a.op === 'toid');
    const operands = args.map((a, i) => (isId[i] ? (a as Extract<Expr, { k: 'op1' }>).arg : a));
    const k = this.kids(operands.map((a) => this.expr(a, scope)));
    const codes = k.codes;
    const at = operands.map((a) => a.pos);
    const code: Code = (c, f) => {
      const st = c.p;
      let acc: Relation | null = null;
      // Whether acc was built here (and may be changed in place) rather than read from a name.
      let owned = false;
      let dom: EventSet | null = null;
      for (let i = 0; i < codes.length; i++) {
        const v = codes[i](c, f);
        if (v instanceof EmptyV) return new Relation(st.n);
        if (isId[i]) {
          const s = ops.asSet(st, v, at[i]);
          if (acc === null) dom = dom ? dom.inter(s) : s;
          else if (owned) acc.restrictRangeInPlace(s);
          else {
            acc = acc.restrict(null, s);
            owned = true;
          }
        } else {
          const r = ops.asRel(st, v, at[i]);
          if (acc === null) {
            acc = dom ? r.restrict(dom, null) : r;
            owned = dom !== null;
          } else {
            acc = acc.seq(r);
            owned = true;
          }
        }
        if (acc ? acc.isEmpty() : dom!.isEmpty()) return acc ?? new Relation(st.n);
      }
      return acc ?? Relation.ofSet(dom!);
    };
    return { code, dyn: k.dyn, depth: k.depth, trivial: false };
  }

  private fun(param: Pattern, body: Expr, name: string, scope: Scope | null): Compiled {
    const names = new Map<string, number>();
    patternNames(param).forEach((n, i) => {
      if (n !== null) names.set(n, i);
    });
    const inner = new Scope(names, scope);
    const b = this.expr(body, inner);
    const bodyCode = this.hoist(b);
    const code: Code = (c, f) =>
      new Closure(name, (arg, c2, pos) => {
        return bodyCode(c2, new Frame(destructure(param, arg, pos), f));
      });
    return { code, dyn: b.dyn, depth: b.depth >= 1 ? b.depth - 1 : -1, trivial: false };
  }

  private letExpr(binds: Binding[], body: Expr, scope: Scope | null): Compiled {
    const names = new Map<string, number>();
    let size = 0;
    const layout = binds.map((b) =>
      patternNames(b.pat).map((n) => {
        const at = size++;
        if (n !== null) names.set(n, at);
        return at;
      }),
    );
    const bound = binds.map((b) => this.expr(b.expr, scope));
    const bodyC = this.expr(body, new Scope(names, scope));
    const dyn = bound.some((x) => x.dyn) || bodyC.dyn;
    const depth = Math.max(-1, ...bound.map((x) => x.depth), bodyC.depth >= 1 ? bodyC.depth - 1 : -1);
    const codes = bound.map((x) => (dyn || depth >= 0 ? this.hoist(x) : x.code));
    const bodyCode = this.hoist(bodyC);
    const code: Code = (c, f) => {
      const vals = new Array<Value | undefined>(size);
      binds.forEach((b, i) => {
        const vs = destructure(b.pat, codes[i](c, f), b.pos);
        layout[i].forEach((at, j) => (vals[at] = vs[j]));
      });
      return bodyCode(c, new Frame(vals, f));
    };
    return { code, dyn, depth, trivial: false };
  }

  private letRecExpr(binds: Binding[], body: Expr, scope: Scope | null, pos: CatPos): Compiled {
    const names = new Map<string, number>();
    for (const b of binds) {
      if (b.pat.k !== 'var' || b.pat.name === null) throw new CatError(b.pos, "'let rec' binds names, not tuples");
      names.set(b.pat.name, names.size);
    }
    const inner = new Scope(names, scope);
    const bound = binds.map((b) => this.expr(b.expr, inner));
    const bodyC = this.expr(body, inner);
    const all = [...bound, bodyC];
    const dyn = all.some((x) => x.dyn);
    const depth = Math.max(-1, ...all.map((x) => (x.depth >= 1 ? x.depth - 1 : -1)));
    const codes = bound.map((x) => this.hoist(x));
    const bodyCode = this.hoist(bodyC);
    const isFun = binds.map((b) => b.expr.k === 'fun');
    const code: Code = (c, f) => {
      const fr = new Frame(new Array<Value | undefined>(binds.length), f);
      const values: number[] = [];
      binds.forEach((_, i) => {
        if (isFun[i]) fr.vals[i] = codes[i](c, fr);
        else {
          fr.vals[i] = EmptyV.it;
          values.push(i);
        }
      });
      fixpoint(
        values.map((i) => () => codes[i](c, fr)),
        values.map((i) => (v: Value) => (fr.vals[i] = v)),
        pos,
      );
      return bodyCode(c, fr);
    };
    return { code, dyn, depth, trivial: false };
  }

  private matchSet(scrutE: Expr, ifEmptyE: Expr, clause: SetClause, scope: Scope | null, pos: CatPos): Compiled {
    const bindNames = clause.k === 'eltrem' ? [clause.elem, clause.rest] : [clause.pre, clause.elem, clause.post];
    const names = new Map<string, number>();
    bindNames.forEach((n, i) => {
      if (n !== null) names.set(n, i);
    });
    const scrutC = this.expr(scrutE, scope);
    const emptyC = this.expr(ifEmptyE, scope);
    const bodyC = this.expr(clause.body, new Scope(names, scope));
    const dyn = scrutC.dyn || emptyC.dyn || bodyC.dyn;
    const depth = Math.max(scrutC.depth, emptyC.depth, bodyC.depth >= 1 ? bodyC.depth - 1 : -1);
    const [scrut, ifEmpty] = [scrutC, emptyC].map((x) => (dyn || depth >= 0 ? this.hoist(x) : x.code));
    const body = this.hoist(bodyC);
    const pre = clause.k === 'pre';
    const code: Code = (c, f) => {
      const v = scrut(c, f);
      const split = splitSet(c, v, pos);
      if (split === null) return ifEmpty(c, f);
      const [elem, rest, none] = split;
      return body(c, new Frame(pre ? [none, elem, rest] : [elem, rest], f));
    };
    return { code, dyn, depth, trivial: false };
  }

  private ifExpr(cond: Cond, thenE: Expr, elseE: Expr, scope: Scope | null, pos: CatPos): Compiled {
    if (cond.k === 'variant') return this.expr(variantHolds(cond.cond, this.variants) ? thenE : elseE, scope);
    const k = this.kids([this.expr(cond.a, scope), this.expr(cond.b, scope), this.expr(thenE, scope), this.expr(elseE, scope)]);
    const [a, b, t, e] = k.codes;
    const test = cond.k;
    const code: Code = (c, f) => (condHolds(c, test, a(c, f), b(c, f), pos) ? t(c, f) : e(c, f));
    return { code, dyn: k.dyn, depth: k.depth, trivial: false };
  }
}

function constant(v: Value): Compiled {
  return { code: () => v, dyn: false, depth: -1, trivial: true };
}

function localAccess(depth: number, index: number): Code {
  if (depth === 0) return (_c, f) => f!.vals[index]!;
  if (depth === 1) return (_c, f) => f!.parent!.vals[index]!;
  return (_c, f) => {
    let fr = f!;
    for (let d = 0; d < depth; d++) fr = fr.parent!;
    return fr.vals[index]!;
  };
}

function store(c: Ctx, slot: Slot, v: Value): void {
  if (slot.dynamic) c.dyn[slot.index] = v;
  else c.p.statics[slot.index] = v;
}

export function force(c: Ctx, slot: Slot): Value {
  if (!slot.fill) throw new Error(`internal: ${slot.name} read before its 'with' ran`);
  slot.fill(c);
  const v = slot.dynamic ? c.dyn[slot.index] : c.p.statics[slot.index];
  return v!;
}

/** Cheap emptiness for short-circuits (an empty value of any type). */
function isEmptyQuick(v: Value): boolean {
  return v instanceof EmptyV || ((v instanceof Relation || v instanceof EventSet) && v.isEmpty());
}

function apply(fn: Value, arg: Value, c: Ctx, pos: CatPos): Value {
  if (fn instanceof Closure) return fn.call(arg, c, pos);
  throw new CatError(pos, `a function is expected here, found ${ops.article(fn)}`);
}

function explicitSet(c: Ctx, vs: Value[], pos: CatPos): Value {
  if (vs.every((v) => v instanceof EventV)) return EventSet.of(c.p.n, vs.map((v) => (v as EventV).id));
  if (vs.every((v) => v instanceof PairV)) return Relation.ofPairs(c.p.n, vs.map((v) => [(v as PairV).a, (v as PairV).b] as const));
  if (vs.some((v) => v instanceof UniverseV)) throw new CatError(pos, "the universe '_' cannot be an element");
  return new ValueSet(vs);
}

/** One element of a non-empty set and the rest (and an empty set of the same type), or null when empty. */
function splitSet(c: Ctx, v: Value, pos: CatPos): [Value, Value, Value] | null {
  if (v instanceof EmptyV) return null;
  if (v instanceof EventSet) {
    const first = v.members().next();
    if (first.done) return null;
    return [new EventV(first.value), v.minus(EventSet.of(v.n, [first.value])), new EventSet(v.n)];
  }
  if (v instanceof Relation) {
    const first = v.pairs()[0];
    if (first === undefined) return null;
    const [a, b] = first;
    const rest = v.clone();
    rest.delete(a, b);
    return [new PairV(a, b), rest, new Relation(v.n)];
  }
  if (v instanceof ChoiceSet) {
    const l = v.list(100_000);
    if (l === null) throw new CatError(pos, 'this set of co orders is too large to iterate over');
    return splitSet(c, new ValueSet(l), pos);
  }
  if (v instanceof ValueSet) {
    const es = v.elems();
    if (es.length === 0) return null;
    return [es[0], new ValueSet(es.slice(1)), new ValueSet()];
  }
  throw new CatError(pos, `a set is expected here, found ${ops.article(v)}`);
}

function condHolds(c: Ctx, test: 'eq' | 'subset' | 'in', a: Value, b: Value, pos: CatPos): boolean {
  if (test === 'eq') return ops.sameValue(a, b);
  if (test === 'in') {
    if (a instanceof EventV) return ops.asSet(c.p, b, pos).has(a.id);
    if (a instanceof PairV) return ops.asRel(c.p, b, pos).has(a.a, a.b);
    if (b instanceof ValueSet) return b.has(a);
    if (b instanceof EmptyV) return false;
    throw new CatError(pos, `'in' needs a set on its right, found ${ops.article(b)}`);
  }
  if (a instanceof EmptyV) return true;
  if (a instanceof Relation || b instanceof Relation) return ops.asRel(c.p, a, pos).minus(ops.asRel(c.p, b, pos)).isEmpty();
  if (a instanceof EventSet || b instanceof EventSet) return ops.asSet(c.p, a, pos).minus(ops.asSet(c.p, b, pos)).isEmpty();
  if (a instanceof ValueSet && b instanceof ValueSet) return a.elems().every((x) => b.has(x));
  throw new CatError(pos, `'subset' needs two sets or two relations`);
}

/** herd7's fixpoint: from all-empty, re-evaluate in order until nothing grows. */
function fixpoint(evals: Array<() => Value>, stores: Array<(v: Value) => void>, pos: CatPos): void {
  if (evals.length === 0) return;
  let old: Value[] = evals.map(() => EmptyV.it);
  for (let round = 0; ; round++) {
    if (round > FIXPOINT_LIMIT) throw new CatError(pos, "this 'let rec' does not reach a fixpoint");
    const now = evals.map((ev, k) => {
      const v = ev();
      stores[k](v);
      return v;
    });
    if (now.every((v, k) => stabilised(old[k], v))) return;
    old = now;
  }
}

/** The names an expression reads that it does not bind itself. */
export function freeNames(e: Expr, out = new Set<string>(), bound: ReadonlySet<string> = new Set()): Set<string> {
  const inner = (x: Expr, more: Array<string | null>) => {
    const b = new Set(bound);
    for (const n of more) if (n !== null) b.add(n);
    freeNames(x, out, b);
  };
  switch (e.k) {
    case 'var':
      if (!bound.has(e.name)) out.add(e.name);
      break;
    case 'tuple':
    case 'set':
      for (const x of e.elems) freeNames(x, out, bound);
      break;
    case 'op1':
      freeNames(e.arg, out, bound);
      break;
    case 'op':
      for (const x of e.args) freeNames(x, out, bound);
      break;
    case 'app':
      freeNames(e.fn, out, bound);
      freeNames(e.arg, out, bound);
      break;
    case 'fun':
      inner(e.body, patternNames(e.param));
      break;
    case 'let': {
      const names = e.binds.flatMap((b) => patternNames(b.pat));
      for (const b of e.binds) {
        if (e.rec) inner(b.expr, names);
        else freeNames(b.expr, out, bound);
      }
      inner(e.body, names);
      break;
    }
    case 'match':
      freeNames(e.scrut, out, bound);
      for (const cl of e.clauses) freeNames(cl.body, out, bound);
      if (e.dflt) freeNames(e.dflt, out, bound);
      break;
    case 'matchset':
      freeNames(e.scrut, out, bound);
      freeNames(e.ifEmpty, out, bound);
      inner(e.clause.body, e.clause.k === 'eltrem' ? [e.clause.elem, e.clause.rest] : [e.clause.pre, e.clause.elem, e.clause.post]);
      break;
    case 'try':
      freeNames(e.body, out, bound);
      freeNames(e.handler, out, bound);
      break;
    case 'if':
      if (e.cond.k !== 'variant') {
        freeNames(e.cond.a, out, bound);
        freeNames(e.cond.b, out, bound);
      }
      freeNames(e.then, out, bound);
      freeNames(e.else, out, bound);
      break;
    default:
      break;
  }
  return out;
}
