// The interleaving engine's machine state: per thread a position, registers and (TSO) a FIFO
// store buffer; one shared memory. States are deduplicated by their key.
import type { Instr, PureExpr, Value } from '../lower/program.js';
import { show } from './values.js';

/** Thread code flattened to a list with jumps, so a thread's position is one number. */
export type Op =
  | Exclude<Instr, { op: 'if' }>
  | { op: 'branch-if-false'; cond: PureExpr; target: number }
  | { op: 'jump'; target: number };

export function flatten(body: Instr[], out: Op[] = []): Op[] {
  for (const i of body) {
    if (i.op !== 'if') {
      out.push(i);
      continue;
    }
    const branch: Op = { op: 'branch-if-false', cond: i.cond, target: -1 };
    out.push(branch);
    flatten(i.then, out);
    if (i.else.length > 0) {
      const jump: Op = { op: 'jump', target: -1 };
      out.push(jump);
      branch.target = out.length;
      flatten(i.else, out);
      jump.target = out.length;
    } else branch.target = out.length;
  }
  return out;
}

/** A buffered write; `srcuUnlock` marks srcu_read_unlock()'s, which smp_mb__after_srcu_read_unlock() waits for. */
export interface Buffered {
  loc: string;
  value: Value;
  srcuUnlock: boolean;
}

export interface ThreadState {
  pc: number;
  regs: Map<string, Value>;
  /** TSO store buffer, oldest first. */
  buffer: Buffered[];
  /** What an idling read (an `await` with idle) got: it must be its location's last value. */
  latest: Array<[string, Value]>;
}

export interface State {
  threads: ThreadState[];
  memory: Map<string, Value>;
}

export function cloneState(s: State): State {
  return {
    threads: s.threads.map((t) => ({ pc: t.pc, regs: new Map(t.regs), buffer: t.buffer.slice(), latest: t.latest.slice() })),
    memory: new Map(s.memory),
  };
}

export function stateKey(s: State): string {
  const mem = [...s.memory].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([l, v]) => `${l}=${show(v)}`).join(',');
  const threads = s.threads.map((t) => {
    const regs = [...t.regs].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([r, v]) => `${r}=${show(v)}`).join(',');
    return `${t.pc}|${regs}|${t.buffer.map((b) => `${b.loc}=${show(b.value)}${b.srcuUnlock ? '!' : ''}`).join(',')}`;
  });
  return `${mem}#${threads.join('#')}`;
}
