// herd7's result block, line for line, so the kernel's scripts (and herd-parity) can read it.
import { createHash } from 'node:crypto';
import type { TestResult } from '../api.js';
import { formatValue } from '../judge/condition.js';

const KIND = { exists: 'Allowed', '~exists': 'Forbidden', forall: 'Required' } as const;

export function formatHerd(r: TestResult, source?: string): string {
  const j = r.judgement;
  const labels = r.program.observed.map((o) => o.label);
  const lines: string[] = [];
  lines.push(`Test ${r.name} ${KIND[r.program.quantifier]}`);
  lines.push(`States ${j.states.length}`);
  for (const s of j.states) lines.push(s.values.map((v, i) => `${labels[i]}=${formatValue(v)};`).join(' '));
  lines.push(j.ok ? 'Ok' : 'No');
  lines.push('Witnesses');
  lines.push(`Positive: ${j.positive} Negative: ${j.negative}`);
  for (const f of j.flags) lines.push(`Flag ${f}`);
  lines.push(`Condition ${r.conditionText}`);
  lines.push(`Observation ${r.name} ${j.observation} ${j.positive} ${j.negative}`);
  if (!j.complete) lines.push(`Incomplete ${r.name} ${r.stats.incomplete}`);
  lines.push(`Time ${r.name} ${(r.timeMs / 1000).toFixed(2)}`);
  if (source !== undefined) lines.push(`Hash=${createHash('md5').update(source).digest('hex')}`);
  return lines.join('\n') + '\n';
}
