// herd7's result block, line for line, so the kernel's scripts (and herd-parity) can read it.
import type { TestResult } from '../api.js';
import { stateStrings } from '../check/outcome.js';
import { herdHash } from './herd-hash.js';
import { md5Hex } from './md5.js';

const KIND = { exists: 'Allowed', '~exists': 'Forbidden', forall: 'Required' } as const;

export function formatHerd(r: TestResult, source?: string): string {
  const j = r.judgement;
  const lines: string[] = [];
  lines.push(`Test ${r.name} ${KIND[r.program.quantifier]}`);
  // Verdict mode stops at the executions that decide: there is no list of states to give.
  if (j.verdictOnly) lines.push('States not listed (verdict mode)');
  else {
    lines.push(`States ${j.states.length}`);
    lines.push(...stateStrings(r));
  }
  lines.push(j.ok ? 'Ok' : 'No');
  lines.push('Witnesses');
  lines.push(`Positive: ${j.positive} Negative: ${j.negative}`);
  for (const f of j.flags) lines.push(`Flag ${f}`);
  lines.push(`Condition ${r.conditionText}`);
  // An incomplete exploration proves no Never/Always: say Incomplete where herd7 puts the verdict.
  // Cuts of the --unroll bound are herd7's own situation (it prints the verdict it found): its
  // line stays byte for byte, and the Incomplete line below says why it proves nothing.
  const cutOnly = j.loopBound?.incomplete === true;
  lines.push(`Observation ${r.name} ${j.complete || cutOnly ? j.observation : 'Incomplete'} ${j.positive} ${j.negative}`);
  if (!j.complete) lines.push(`Incomplete ${r.name} ${r.stats.incomplete}; explored ${r.stats.explored} executions, ${r.stats.consistent} consistent`);
  // Lines herd7 never prints (herd-parity and the kernel's scripts skip them).
  if (j.vacuous) lines.push(`Vacuous ${r.name} ${j.vacuous}`);
  if (j.verdictOnly) lines.push(`Verdict-only ${r.name} states not listed; witnesses counted among the executions found; data-race ${j.verdictOnly.dataRaceSearched ? 'searched' : 'not searched'}`);
  for (const b of j.blocked) lines.push(`Blocked ${r.name} P${b.thread} line ${b.pos.line}: waits forever for ${b.waitsFor} (${b.executions} execution${b.executions === 1 ? '' : 's'})`);
  for (const u of j.undefinedBehaviour) lines.push(`Undefined ${r.name} P${u.thread} line ${u.pos.line}: ${u.message} (${u.executions} execution${u.executions === 1 ? '' : 's'})`);
  lines.push(`Time ${r.name} ${(r.timeMs / 1000).toFixed(2)}`);
  if (source !== undefined) lines.push(`Hash=${hashOf(source)}`);
  return lines.join('\n') + '\n';
}

/** herd7's hash where its normalisation understands the test, else an MD5 of the source. */
function hashOf(source: string): string {
  return herdHash(source) ?? md5Hex(source);
}

/**
 * Exactly the lines herd7 prints for one test (the `herd7` drop-in): none of ours beside them,
 * `Loop` before Ok/No when a consistent execution reached the unrolling bound, as herd7 says.
 * Null for a result a limit left incomplete, where herd7 (stopped by -timeout) prints nothing;
 * cuts of the bound are no such limit: herd7 prints its verdict with `Loop`.
 */
export function formatHerd7(r: TestResult, source: string): string | null {
  const j = r.judgement;
  if (!j.complete && j.loopBound?.incomplete !== true) return null;
  const loopCut = (j.loopBound?.cuts ?? 0) > 0;
  const lines = [`Test ${r.name} ${KIND[r.program.quantifier]}`, `States ${j.states.length}`, ...stateStrings(r)];
  lines.push(`${loopCut ? 'Loop ' : ''}${j.ok ? 'Ok' : 'No'}`, 'Witnesses', `Positive: ${j.positive} Negative: ${j.negative}`);
  for (const f of j.flags) lines.push(`Flag ${f}`);
  lines.push(`Condition ${r.conditionText}`, `Observation ${r.name} ${j.observation} ${j.positive} ${j.negative}`);
  // herd7 closes each test's block with an empty line.
  lines.push(`Time ${r.name} ${(r.timeMs / 1000).toFixed(2)}`, `Hash=${hashOf(source)}`, '');
  return lines.join('\n') + '\n';
}
