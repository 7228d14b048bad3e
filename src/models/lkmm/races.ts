// linux-kernel.cat's "Plain accesses and data races": the mixed-accesses flag (on the program
// alone), plain-coherence (empty, as a check) and data-race (a flag), per candidate.
import { Relation } from '../../execution/relation.js';
import type { LkmmBasics } from './basics.js';
import type { Fences, StaticFences } from './fences.js';
import type { Propagation } from './propagation.js';
import type { RcuResult } from './rcu.js';

/** Plain writes and marked accesses to one location in the same region (po-loc \ barrier). */
export function mixedAccesses(b: LkmmBasics, st: StaticFences): boolean {
  const { s } = b;
  const plainW = s.Plain.inter(s.W);
  const pl = b.poLoc.minus(st.barrier);
  return !pl.restrict(plainW, s.Marked).union(pl.restrict(s.Marked, plainW)).isEmpty();
}

interface Candidate {
  rf: Relation;
  co: Relation;
  fr: Relation;
  /** The dependencies as carried (addr only is used). */
  addr: Relation;
}

/** Visibility and the pre-/post-bounded lifetimes of plain accesses (rcu-fence joins fence and strong-fence). */
function visibility(b: LkmmBasics, st: StaticFences, c: Candidate, f: Fences, p: Propagation, rcu: RcuResult & { failed: null }) {
  const marked = b.marked;
  const fence = rcu.rcuFence ? f.fence.union(rcu.rcuFence) : f.fence;
  const strongFence = rcu.rcuFence ? f.strongFence.union(rcu.rcuFence) : f.strongFence;
  const xb = rcu.rb ? p.hb.union(p.pb, rcu.rb) : p.hb.union(p.pb);
  const xbstar = xb.star();
  const rfe = c.rf.inter(b.sk.ext);
  const vis = p.cumulFenceStar.seq(rfe.opt()).seq(marked).seq(strongFence.seq(marked).seq(xbstar).union(xbstar.inter(b.sk.int)));
  const wPre = marked.seq(c.addr.union(fence).opt());
  const rPre = marked.seq(c.addr.union(f.nonrwFence, st.rmbToNotNoreturn).opt());
  const wPost = fence.opt().seq(marked).seq(p.rmwSequence);
  const rPost = f.nonrwFence.union(st.rmbFromNotNoreturn).opt().seq(marked);
  return {
    wwVis: fence.union(strongFence.seq(xbstar).seq(wPre), wPost.seq(vis).seq(wPre)),
    wrVis: fence.union(strongFence.seq(xbstar).seq(rPre), wPost.seq(vis).seq(rPre)),
    rwXbstar: fence.union(rPost.seq(xbstar).seq(wPre)),
  };
}

/** 'plain-coherence' when the check fails, 'data-race' when the flag is raised, else null. */
export function plainRaces(b: LkmmBasics, st: StaticFences, c: Candidate, f: Fences, p: Propagation, rcu: RcuResult & { failed: null }): 'plain-coherence' | 'data-race' | null {
  const { s } = b;
  const { wwVis, wrVis, rwXbstar } = visibility(b, st, c, f, p, rcu);
  const plain = s.Plain;
  const preRace = b.sk.ext.inter(Relation.cross(plain, s.M).union(Relation.cross(s.M.minus(s.IW), plain)));
  const wrIncoh = preRace.inter(c.rf).inter(rwXbstar.inverse());
  const rwIncoh = preRace.inter(c.fr).inter(wrVis.inverse());
  const wwIncoh = preRace.inter(c.co).inter(wwVis.inverse());
  if (!wrIncoh.union(rwIncoh, wwIncoh).isEmpty()) return 'plain-coherence';
  const wwNonrace = wwVis.inter(Relation.cross(s.Marked, s.W).union(rwXbstar)).inter(Relation.cross(s.W, s.Marked).union(wrVis));
  const wwRace = preRace.inter(c.co).minus(wwNonrace);
  const wrRace = preRace.inter(c.co.opt().seq(c.rf)).minus(wrVis).minus(rwXbstar.inverse());
  const rwRace = preRace.inter(c.fr).minus(rwXbstar);
  return wwRace.union(wrRace, rwRace).isEmpty() ? null : 'data-race';
}
