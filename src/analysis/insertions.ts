// Candidate barrier insertions, as source edits a developer could make: an smp_mb(), smp_wmb()
// or smp_rmb() statement between two statements that access memory, or an access turned into
// a release store / acquire load. Edits are made on the syntax tree (not the lowered program)
// so every suggestion is something that can be written in the test and named by its line.
import { primitiveSpec } from '../lower/lower.js';
import type { PrimitiveBuilder } from '../lower/primitives.js';
import type { Instr, PureExpr } from '../lower/program.js';
import type { Expr, LitmusTest, Stmt, ThreadDecl } from '../parse/ast.js';

export type FenceName = 'smp_mb' | 'smp_wmb' | 'smp_rmb';

export interface FenceInsertion {
  kind: 'fence';
  fence: FenceName;
  thread: number;
  /** Identifies the point; a fix puts at most one fence at a point. */
  point: string;
  /** Line of the statement the fence goes after (or of the `if` whose branch it starts). */
  line: number;
  /** "after the mode write", "at the start of the then-branch of the if". */
  where: string;
  /** "smp_mb() after the mode write (line 17)". */
  text: string;
  /**
   * An smp_wmb() or smp_rmb() statement already at this point that the smp_mb() replaces: the
   * fix is then "replace the smp_wmb() at line N with smp_mb()", not a second barrier beside it.
   */
  replaces?: { fence: 'smp_wmb' | 'smp_rmb'; line: number };
}

export interface Strengthening {
  kind: 'strengthen';
  /** smp_store_release, smp_load_acquire, atomic_set_release or atomic_read_acquire. */
  to: string;
  thread: number;
  point: string;
  line: number;
  /** "the mode write". */
  access: string;
  text: string;
}

export type Insertion = FenceInsertion | Strengthening;

/** Which kinds of memory access a piece of code may perform. */
interface Kinds {
  r: boolean;
  w: boolean;
}
const NONE: Kinds = { r: false, w: false };
const union = (a: Kinds, b: Kinds): Kinds => ({ r: a.r || b.r, w: a.w || b.w });
const any = (k: Kinds): boolean => k.r || k.w;

const LOADS = new Set(['READ_ONCE', 'smp_load_acquire', 'atomic_read', 'atomic_read_acquire', 'rcu_dereference', 'test_bit']);
const STORES = new Set(['WRITE_ONCE', 'smp_store_release', 'atomic_set', 'atomic_set_release', 'rcu_assign_pointer', 'smp_store_mb']);

const kindsCache = new Map<string, Kinds>();

/** What a primitive accesses, found by expanding it with placeholder arguments. */
function primitiveKinds(name: string): Kinds {
  const cached = kindsCache.get(name);
  if (cached) return cached;
  const spec = primitiveSpec(name);
  let kinds = NONE;
  if (spec) {
    const instrs: Instr[] = [];
    const builder: PrimitiveBuilder = {
      emit: (i) => void instrs.push(i),
      temp: () => '%probe',
      origin: (part) => ({ pos: { line: 0, col: 0 }, primitive: name, site: 0, part }),
      declareReg: () => undefined,
    };
    const args = spec.args.map((k): PureExpr => (k === 'val' ? { k: 'const', v: 0 } : { k: 'const', v: 'probe' }));
    spec.expand(builder, args, null);
    kinds = instrKinds(instrs);
  }
  kindsCache.set(name, kinds);
  return kinds;
}

function instrKinds(instrs: Instr[]): Kinds {
  let k = NONE;
  for (const i of instrs) {
    if (i.op === 'load' || i.op === 'islocked') k = union(k, { r: true, w: false });
    else if (i.op === 'store') k = union(k, { r: false, w: true });
    else if (i.op === 'xchg' || i.op === 'cmpxchg' || i.op === 'atomic' || i.op === 'lock' || i.op === 'unlock' || i.op === 'trylock') k = { r: true, w: true };
    else if (i.op === 'if') k = union(k, union(instrKinds(i.then), instrKinds(i.else)));
  }
  return k;
}

/** A memory access found in a statement, in evaluation order. */
interface Access {
  kinds: Kinds;
  /** "the mode write", "kvm_make_request()". */
  description: string;
  /** How to make it a release/acquire, when it can be. */
  strengthen: { to: string; replacement: Expr } | null;
  /** Puts the replacement into the tree in place of the access. */
  replace: (e: Expr) => void;
}

function locName(e: Expr): string {
  switch (e.k) {
    case 'ident':
      return e.name;
    case 'member':
      return e.field;
    case 'cast':
      return locName(e.arg);
    case 'unary':
      return e.op === '*' || e.op === '&' ? locName(e.arg) : 'memory';
    default:
      return 'memory';
  }
}

/** The pointer form of an lvalue argument (`*p` -> `p`, `vcpu->mode` -> `&vcpu->mode`), if simple. */
function addressOf(e: Expr): Expr | null {
  if (e.k === 'unary' && e.op === '*') return e.arg;
  if (e.k === 'member') return { k: 'unary', op: '&', arg: e, pos: e.pos };
  if (e.k === 'ident') return e;
  return null;
}

const call = (callee: string, args: Expr[], pos: Expr['pos']): Expr => ({ k: 'call', callee, args, pos });

/** Collect the accesses of an expression, post-order (arguments before the call that uses them). */
function exprAccesses(e: Expr, replace: (x: Expr) => void, out: Access[]): void {
  switch (e.k) {
    case 'num':
    case 'ident':
      return;
    case 'cast':
      exprAccesses(e.arg, (x) => (e.arg = x), out);
      return;
    case 'binary':
      exprAccesses(e.left, (x) => (e.left = x), out);
      exprAccesses(e.right, (x) => (e.right = x), out);
      return;
    case 'ternary':
      exprAccesses(e.cond, (x) => (e.cond = x), out);
      exprAccesses(e.then, (x) => (e.then = x), out);
      exprAccesses(e.else, (x) => (e.else = x), out);
      return;
    case 'unary': {
      if (e.op === '&') {
        // &*p and &vcpu->mode compute addresses: only what p's evaluation reads.
        const inner = e.arg;
        if (inner.k === 'unary' && inner.op === '*') exprAccesses(inner.arg, (x) => (inner.arg = x), out);
        else if (inner.k !== 'member') exprAccesses(inner, (x) => (e.arg = x), out);
        return;
      }
      exprAccesses(e.arg, (x) => (e.arg = x), out);
      if (e.op === '*') {
        out.push({ kinds: { r: true, w: false }, description: `the ${locName(e.arg)} read`, strengthen: { to: 'smp_load_acquire', replacement: call('smp_load_acquire', [e.arg], e.pos) }, replace });
      }
      return;
    }
    case 'member':
      out.push({ kinds: { r: true, w: false }, description: `the ${e.field} read`, strengthen: { to: 'smp_load_acquire', replacement: call('smp_load_acquire', [addressOf(e)!], e.pos) }, replace });
      return;
    case 'call': {
      const spec = primitiveSpec(e.callee);
      e.args.forEach((a, i) => {
        if (spec?.args[i] === 'lval') {
          // An lvalue argument names the location; only its address computation is evaluated.
          if (a.k === 'unary' && a.op === '*') exprAccesses(a.arg, (x) => (a.arg = x), out);
        } else exprAccesses(a, (x) => (e.args[i] = x), out);
      });
      const kinds = primitiveKinds(e.callee);
      if (!any(kinds)) return;
      const loc = e.args.length > 0 ? locName(e.args[e.callee === 'test_bit' ? 1 : 0]) : 'memory';
      let description = `${e.callee}()`;
      if (LOADS.has(e.callee)) description = `the ${loc} read`;
      else if (STORES.has(e.callee)) description = `the ${loc} write`;
      let strengthen: Access['strengthen'] = null;
      const addr = e.args.length > 0 ? addressOf(e.args[0]) : null;
      if (e.callee === 'READ_ONCE' && addr) strengthen = { to: 'smp_load_acquire', replacement: call('smp_load_acquire', [addr], e.pos) };
      else if (e.callee === 'WRITE_ONCE' && addr) strengthen = { to: 'smp_store_release', replacement: call('smp_store_release', [addr, e.args[1]], e.pos) };
      else if (e.callee === 'atomic_read') strengthen = { to: 'atomic_read_acquire', replacement: call('atomic_read_acquire', e.args, e.pos) };
      else if (e.callee === 'atomic_set') strengthen = { to: 'atomic_set_release', replacement: call('atomic_set_release', e.args, e.pos) };
      out.push({ kinds, description, strengthen, replace });
      return;
    }
    case 'assign': {
      const t = e.target;
      exprAccesses(e.value, (x) => (e.value = x), out);
      if (t.k === 'unary' && t.op === '*') exprAccesses(t.arg, (x) => (t.arg = x), out);
      if (!((t.k === 'unary' && t.op === '*') || t.k === 'member')) return; // a register
      const addr = addressOf(t);
      const compound = e.op !== '=';
      out.push({
        kinds: { r: compound, w: true },
        description: `the ${locName(t)} write`,
        strengthen: compound || !addr ? null : { to: 'smp_store_release', replacement: call('smp_store_release', [addr, e.value], e.pos) },
        replace,
      });
      return;
    }
  }
}

/** A statement-level slot: the list it sits in, and how to find it again in a copy of the tree. */
interface Visit {
  onPoint(thread: number, list: Stmt[], index: number, id: string, before: Kinds, after: Kinds, where: string, line: number): void;
  onAccess(thread: number, access: Access, id: string, before: Kinds, after: Kinds, line: number): void;
}

function stmtAccesses(s: Stmt, out: Access[]): void {
  switch (s.k) {
    case 'decl':
      if (s.init) exprAccesses(s.init, (x) => (s.init = x), out);
      return;
    case 'expr':
      exprAccesses(s.expr, (x) => (s.expr = x), out);
      return;
    case 'if':
      exprAccesses(s.cond, (x) => (s.cond = x), out);
      s.then.forEach((t) => stmtAccesses(t, out));
      s.else?.forEach((t) => stmtAccesses(t, out));
      return;
    case 'block':
      s.body.forEach((t) => stmtAccesses(t, out));
      return;
    case 'loop':
      // Only reached for its kinds: `fences` lowers without --unroll, which rejects loops.
      s.init.forEach((t) => stmtAccesses(t, out));
      if (s.cond) exprAccesses(s.cond, (x) => (s.cond = x), out);
      s.body.forEach((t) => stmtAccesses(t, out));
      if (s.step) exprAccesses(s.step, (x) => (s.step = x), out);
      return;
  }
}

function stmtKinds(s: Stmt): Kinds {
  const acc: Access[] = [];
  stmtAccesses(s, acc);
  return acc.reduce((k, a) => union(k, a.kinds), NONE);
}

/** Points and accesses of one thread, in program order, with what may come before and after each. */
function traverseThread(t: ThreadDecl, visit: Visit): void {
  let points = 0;
  let accesses = 0;
  const list = (stmts: Stmt[], before: Kinds, after: Kinds, branch: { name: string; line: number } | null): void => {
    const kinds = stmts.map(stmtKinds);
    const suffix: Kinds[] = new Array<Kinds>(stmts.length + 1);
    suffix[stmts.length] = after;
    for (let i = stmts.length - 1; i >= 0; i--) suffix[i] = union(kinds[i], suffix[i + 1]);
    let prefix = before;
    let lastDescription: string | null = null;
    for (let i = 0; i <= stmts.length; i++) {
      const prev = i > 0 ? stmts[i - 1] : null;
      if (prev && any(kinds[i - 1])) {
        const where = prev.k === 'if' ? 'after the if' : prev.k === 'block' ? 'after the block' : `after ${lastDescription ?? 'the statement'}`;
        visit.onPoint(t.index, stmts, i, `P${t.index}.${points++}`, prefix, suffix[i], where, prev.pos.line);
      } else if (i === 0 && branch && stmts.length > 0) {
        visit.onPoint(t.index, stmts, 0, `P${t.index}.${points++}`, prefix, suffix[0], `at the start of the ${branch.name} of the if`, branch.line);
      }
      if (i === stmts.length) break;
      const s = stmts[i];
      const own: Access[] = [];
      if (s.k === 'if') {
        exprAccesses(s.cond, (x) => (s.cond = x), own);
        const condKinds = own.reduce((k, a) => union(k, a.kinds), NONE);
        for (const a of own) visit.onAccess(t.index, a, `P${t.index}.a${accesses++}`, prefix, suffix[i], s.pos.line);
        list(s.then, union(prefix, condKinds), suffix[i + 1], { name: 'then-branch', line: s.pos.line });
        if (s.else) list(s.else, union(prefix, condKinds), suffix[i + 1], { name: 'else-branch', line: s.pos.line });
      } else if (s.k === 'block') {
        list(s.body, prefix, suffix[i + 1], null);
      } else {
        stmtAccesses(s, own);
        const shared = own.length > 1 ? kinds[i] : NONE;
        for (const a of own) visit.onAccess(t.index, a, `P${t.index}.a${accesses++}`, union(prefix, shared), union(suffix[i + 1], shared), s.pos.line);
        if (own.length > 0) lastDescription = own[own.length - 1].description;
      }
      prefix = union(prefix, kinds[i]);
    }
  };
  list(t.body, NONE, NONE, null);
}

/** The weaker fence statement (smp_wmb()/smp_rmb()) at this point, before the next access, if any. */
function weakerFenceAt(list: Stmt[], index: number): { index: number; fence: 'smp_wmb' | 'smp_rmb'; line: number } | null {
  for (let i = index; i < list.length; i++) {
    const s = list[i];
    if (s.k === 'expr' && s.expr.k === 'call' && (s.expr.callee === 'smp_wmb' || s.expr.callee === 'smp_rmb')) return { index: i, fence: s.expr.callee, line: s.pos.line };
    if (s.k === 'expr' && s.expr.k === 'call' && s.expr.callee === 'smp_mb') return null;
    if (any(stmtKinds(s))) return null;
  }
  return null;
}

/** A fence statement already at this point (before the next memory access) makes inserting one moot. */
function existingFence(list: Stmt[], index: number): Set<FenceName> {
  const have = new Set<FenceName>();
  const prev = list[index - 1];
  if (prev?.k === 'expr' && prev.expr.k === 'call' && prev.expr.callee === 'smp_store_mb') have.add('smp_mb');
  for (let i = index; i < list.length; i++) {
    const s = list[i];
    if (s.k === 'expr' && s.expr.k === 'call' && ['smp_mb', 'smp_wmb', 'smp_rmb'].includes(s.expr.callee)) {
      have.add(s.expr.callee as FenceName);
      continue;
    }
    if (any(stmtKinds(s))) break;
  }
  if (have.has('smp_mb')) {
    have.add('smp_wmb');
    have.add('smp_rmb');
  }
  return have;
}

/** Every insertion worth trying: pointless ones (smp_wmb with no write on one side...) are left out. */
export function candidateInsertions(test: LitmusTest): Insertion[] {
  const out: Insertion[] = [];
  const copy = structuredClone(test);
  for (const t of copy.threads) {
    traverseThread(t, {
      onPoint(thread, list, index, id, before, after, where, line) {
        const have = existingFence(list, index);
        const useful: Record<FenceName, boolean> = { smp_mb: any(before) && any(after), smp_wmb: before.w && after.w, smp_rmb: before.r && after.r };
        const weaker = weakerFenceAt(list, index);
        for (const fence of ['smp_mb', 'smp_wmb', 'smp_rmb'] as const) {
          if (!useful[fence] || have.has(fence)) continue;
          if (fence === 'smp_mb' && weaker) {
            // Strengthen the barrier that is there rather than add a second one beside it.
            const replaces = { fence: weaker.fence, line: weaker.line };
            out.push({ kind: 'fence', fence, thread, point: id, line: weaker.line, where, replaces, text: `replace the ${weaker.fence}() at line ${weaker.line} with smp_mb()` });
            continue;
          }
          out.push({ kind: 'fence', fence, thread, point: id, line, where, text: `${fence}() ${where} (line ${line})` });
        }
      },
      onAccess(thread, access, id, before, after, line) {
        const s = access.strengthen;
        if (!s) return;
        const release = s.to.endsWith('release');
        if (release ? !any(before) : !any(after)) return;
        out.push({ kind: 'strengthen', to: s.to, thread, point: id, line, access: access.description, text: `${access.description} as ${s.to}() (line ${line})` });
      },
    });
  }
  return out;
}

/** A copy of the test with the insertions made. */
export function applyInsertions(test: LitmusTest, insertions: readonly Insertion[]): LitmusTest {
  const copy = structuredClone(test);
  const fences = new Map(insertions.filter((i): i is FenceInsertion => i.kind === 'fence').map((i) => [i.point, i]));
  const strengthen = new Set(insertions.filter((i) => i.kind === 'strengthen').map((i) => i.point));
  const splices: Array<{ list: Stmt[]; index: number; stmt: Stmt }> = [];
  const replacements: Array<() => void> = [];
  for (const t of copy.threads) {
    traverseThread(t, {
      onPoint(_thread, list, index, id, _b, _a, _w, line) {
        const f = fences.get(id);
        // Column 0 marks the statement as inserted: no source statement has it.
        const pos = { line, col: 0 };
        const weaker = f?.replaces ? weakerFenceAt(list, index) : null;
        if (f && weaker) {
          const old = list[weaker.index];
          replacements.push(() => void (list[weaker.index] = { k: 'expr', expr: call(f.fence, [], old.pos), pos: old.pos }));
        } else if (f) splices.push({ list, index, stmt: { k: 'expr', expr: call(f.fence, [], pos), pos } });
      },
      onAccess(_thread, access, id) {
        if (strengthen.has(id) && access.strengthen) {
          const s = access.strengthen;
          replacements.push(() => access.replace(s.replacement));
        }
      },
    });
  }
  for (const r of replacements) r();
  // Later indexes first, so earlier ones stay valid within the same list.
  splices.sort((a, b) => b.index - a.index);
  for (const s of splices) s.list.splice(s.index, 0, s.stmt);
  return copy;
}

/** Whether fix `a` uses the same points as `b` with fences no stronger (smp_wmb/smp_rmb vs smp_mb). */
export function noStrongerThan(a: readonly Insertion[], b: readonly Insertion[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x) => {
    const y = b.find((z) => z.point === x.point && z.kind === x.kind);
    if (!y) return false;
    if (x.kind === 'fence' && y.kind === 'fence') return x.fence === y.fence || y.fence === 'smp_mb';
    return x.kind === 'strengthen' && y.kind === 'strengthen' && x.to === y.to;
  });
}
