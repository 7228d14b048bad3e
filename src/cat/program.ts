// Compiles a cat program (its instructions, includes already expanded) into a model: each global
// name a slot (slots.ts), each check, flag and `with` a step, run in program order; expressions
// are compiled by compile.ts. Bindings are lazy, as in herd7.
import type { Binding, CatPos, Instr, TestKind } from './ast.js';
import { BUILTINS, PREDEFINED, tagSet } from './environment.js';
import { CatError } from './errors.js';
import { ExpressionCompiler } from './compile.js';
import { fixpoint, variantHolds } from './constructs.js';
import { destructure, freeNames, patternNames } from './names.js';
import type { Code } from './runtime.js';
import { store, type Slot } from './slots.js';
import { EmptyV, TagV, ValueSet, type Value, type Ctx } from './values.js';

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

export function compileModel(instrs: readonly Instr[], variants: ReadonlySet<string>): CompiledModel {
  const c = new ModelCompiler(variants);
  c.program(instrs);
  return { slots: c.slots, names: c.names, cacheSize: c.exprs.cacheSize, steps: c.steps, enums: c.enums };
}

class ModelCompiler {
  readonly slots: Slot[] = [];
  readonly steps: Step[] = [];
  readonly enums = new Map<string, string[]>();
  private readonly globals = new Map<string, Slot>();
  private readonly tagEnum = new Map<string, string>();
  readonly exprs: ExpressionCompiler;

  constructor(private readonly variants: ReadonlySet<string>) {
    this.exprs = new ExpressionCompiler(this.globals, this.tagEnum, variants);
  }

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
        const e = this.exprs.compile(i.expr);
        this.steps.push({ k: 'test', dynamic: e.dyn, test: i.test, negated: i.negated, flavour: i.flavour, name: i.name, code: e.code, pos: i.pos });
        return;
      }
      case 'with': {
        const e = this.exprs.compile(i.expr);
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
    const compiled = binds.map((b) => ({ b, e: this.exprs.compile(b.expr) }));
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
    const codes = binds.map((b) => this.exprs.compile(b.expr).code);
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
}
