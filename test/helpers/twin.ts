// Deciding a KVM test and its plain-C twin, and what must agree between them: verdict, witness
// counts and final states (the twin names vcpu->X as X, so the prefix is dropped).
import { decideSource, type TestResult } from '../../src/api.js';
import { formatValue } from '../../src/execution/condition.js';

export function decide(source: string, model = 'lkmm'): TestResult {
  const res = decideSource(source, 't.litmus', { model });
  if (!res.ok) throw new Error(res.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n'));
  return res.result;
}

export function twinSummary(r: TestResult) {
  const labels = r.program.observed.map((o) => o.label);
  return {
    observation: r.judgement.observation,
    positive: r.judgement.positive,
    negative: r.judgement.negative,
    states: r.judgement.states.map((s) => s.values.map((v, i) => `${labels[i]}=${formatValue(v)}`.replaceAll('vcpu->', '')).join(' ')),
  };
}
