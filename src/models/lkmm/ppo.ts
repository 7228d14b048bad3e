// linux-kernel.cat's "Instruction execution ordering" and linux-kernel.bell's dependencies carried
// through memory: preserved program order. Its terms that depend neither on rf nor on co are
// ppoFixed(); without carried dependencies and with the fences of every rf, they are built once
// per skeleton, otherwise per candidate, by the same code.
import type { Relation } from '../../execution/relation.js';
import type { LkmmBasics } from './basics.js';
import type { Fences, StaticFences } from './fences.js';

export interface Deps {
  addr: Relation;
  data: Relation;
  ctrl: Relation;
}

/** ppo without its (overwrite & int) and (dep ; [Marked] ; rfi) terms, which depend on rf and co. */
export interface PpoFixed {
  fixed: Relation;
  /** dep ; [Marked]: composed with rfi per candidate. */
  depMarked: Relation;
}

/**
 * The dependencies with linux-kernel.bell's carry-dep = (data ; [~Srcu-unlock] ; rfi)*
 * prefixed; null when nothing is carried (no rfi used, or no data dependency into a write read back).
 */
export function carriedDeps(b: LkmmBasics, dataNotSrcuUnlock: Relation, rfi: Relation | null): Deps | null {
  if (rfi === null || dataNotSrcuUnlock.isEmpty()) return null;
  const dataRfi = dataNotSrcuUnlock.seq(rfi);
  if (dataRfi.isEmpty()) return null;
  const carryDep = dataRfi.star();
  return { addr: carryDep.seq(b.sk.addr), data: carryDep.seq(b.sk.data), ctrl: carryDep.seq(b.sk.ctrl) };
}

/** to-r, to-w, fence & int and po-unlock-lock-po & int, but for their rf- and co-dependent terms. */
export function ppoFixed(b: LkmmBasics, deps: Deps, st: StaticFences, fences: Fences): PpoFixed {
  const { s, sk } = b;
  const dep = deps.addr.union(deps.data);
  const rwdep = dep.union(deps.ctrl).restrict(null, s.W);
  return {
    fixed: rwdep.union(deps.addr.restrict(null, s.Plain).seq(st.wmb), deps.addr.restrict(null, s.R), fences.fence.inter(sk.int), fences.poUnlockLockPo.inter(sk.int)),
    depMarked: dep.restrict(null, s.Marked),
  };
}

/** ppo = to-r | to-w | (fence & int) | (po-unlock-lock-po & int), given overwrite and rfi (null when unused). */
export function ppoOf(b: LkmmBasics, p: PpoFixed, overwrite: Relation, rfi: Relation | null): Relation {
  const ppo = p.fixed.union(overwrite.inter(b.sk.int));
  if (rfi !== null) ppo.orWith(p.depMarked.seq(rfi));
  return ppo;
}
