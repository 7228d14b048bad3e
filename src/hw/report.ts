// The text `litmus-check hw` prints for one test: litmus7's result block (a histogram of final
// states, `*>` marking those that satisfy the condition), then the machine, the speed and the
// check against the model. Pure: values in, text out.
import type { Value } from '../lower/program.js';
import { formatValue } from '../execution/condition.js';
import type { HwLayout } from './layout.js';
import { HW_WAIT_SPINS } from './runtime-c.js';
import type { Comparison, HwRun } from './tally.js';

const KIND = { exists: 'Allowed', '~exists': 'Forbidden', forall: 'Required' } as const;

export function formatState(values: readonly Value[], labels: readonly string[]): string {
  return values.map((v, i) => `${labels[i]}=${formatValue(v)};`).join(' ');
}

export interface HwReportInput {
  name: string;
  quantifier: 'exists' | '~exists' | 'forall';
  conditionText: string;
  run: HwRun;
  layout: HwLayout;
  cmp: Comparison;
  model: string;
  mapping: string;
}

export function executionsPerSecond(run: HwRun): number {
  const n = run.runs * run.size;
  return run.timeNs > 0 ? n / (run.timeNs / 1e9) : 0;
}

/**
 * What became of the KVM_REQUEST_WAIT waits: the requester spins on each IPI'd vCPU's ack. An
 * execution whose wait could not end is left out of the histogram, and said here with its count.
 */
function waitLine(cmp: Comparison): string {
  const ex = (k: number) => `${k} execution${k === 1 ? '' : 's'}`;
  const parts: string[] = [];
  if (cmp.waitUnacked + cmp.waitGaveUp === 0) parts.push('every wait ended with its acknowledgement, none left out');
  if (cmp.waitUnacked > 0) parts.push(`WAIT NOT ACKNOWLEDGED in ${ex(cmp.waitUnacked)}, left out: every other thread finished without acknowledging, so the call would never return (the model explores no such execution)`);
  if (cmp.waitGaveUp > 0) parts.push(`WAIT GIVEN UP in ${ex(cmp.waitGaveUp)}, left out: no acknowledgement after ${HW_WAIT_SPINS} reads while another thread was still running (a cut-off: these executions are missing from the histogram)`);
  return `Waits (KVM_REQUEST_WAIT, spinning on each IPI'd vCPU's ack): ${parts.join('; ')}`;
}

export function formatHwReport(r: HwReportInput): string {
  const { run, cmp, layout } = r;
  const shownLabels = layout.observables.slice(0, layout.shown).map((o) => o.label);
  const allLabels = layout.observables.map((o) => o.label);
  const lines: string[] = [];
  lines.push(`Test ${r.name} ${KIND[r.quantifier]}`);
  const kept = cmp.states.filter((s) => !s.filteredOut);
  lines.push(`Histogram (${kept.length} state${kept.length === 1 ? '' : 's'})`);
  const width = Math.max(6, ...cmp.states.map((s) => String(s.count).length + 1));
  for (const s of cmp.states) {
    const mark = s.filteredOut ? ' (filtered out)' : '';
    const bad = s.forbidden.length > 0 ? `   <-- FORBIDDEN by ${r.model}` : '';
    lines.push(`${String(s.count).padEnd(width)}${s.satisfies && !s.filteredOut ? '*>' : ':>'}${formatState(s.shown, shownLabels)}${mark}${bad}`);
  }
  lines.push(cmp.ok ? 'Ok' : 'No');
  lines.push('Witnesses');
  lines.push(`Positive: ${cmp.positive}, Negative: ${cmp.negative}`);
  lines.push(`Condition ${r.conditionText} is ${cmp.positive > 0 ? 'validated' : 'NOT validated'}`);
  lines.push(`Observation ${r.name} ${cmp.observation} ${cmp.positive} ${cmp.negative}`);
  lines.push(`Time ${r.name} ${(run.timeNs / 1e9).toFixed(2)}`);
  const n = run.runs * run.size;
  const cond = cmp.positive > 0 ? `condition seen ${cmp.positive} time${cmp.positive === 1 ? '' : 's'} in ${n} (${((cmp.positive / n) * 1e6).toFixed(1)} per million)` : `condition never seen in ${n}`;
  lines.push(`Machine ${run.arch}, mapping ${r.mapping}: ${run.threads} thread${run.threads === 1 ? '' : 's'} on ${run.cpus} CPU${run.cpus === 1 ? '' : 's'} (${run.pinned ? 'one CPU each' : 'oversubscribed, not pinned'}); ${run.runs} runs x ${run.size} instances = ${n} executions, ${Math.round(executionsPerSecond(run))} per second; ${cond}`);
  if (cmp.filteredOut > 0) lines.push(`Filtered out: ${cmp.filteredOut} execution${cmp.filteredOut === 1 ? '' : 's'}`);
  if (layout.waits) lines.push(waitLine(cmp));
  if (cmp.undefined > 0) lines.push(`Undefined behaviour: ${cmp.undefined} execution${cmp.undefined === 1 ? '' : 's'} dereferenced a value that is not a location`);
  const observedAllowed = cmp.allowedCount - cmp.unobserved.length;
  lines.push(`Model ${r.model}: ${cmp.allowedCount} state${cmp.allowedCount === 1 ? '' : 's'} allowed, ${observedAllowed} observed; ${cmp.forbidden.length === 0 ? 'no observed state is forbidden' : `${cmp.forbidden.length} observed state${cmp.forbidden.length === 1 ? ' is' : 's are'} FORBIDDEN`}`);
  for (const f of cmp.forbidden) {
    lines.push(`!!! FORBIDDEN by ${r.model}, observed ${f.count} time${f.count === 1 ? '' : 's'}: ${formatState(f.values, allLabels)} (the model, or the mapping, is wrong for this machine)`);
  }
  if (cmp.unobserved.length > 0) {
    lines.push(`Coverage: ${cmp.unobserved.length} allowed state${cmp.unobserved.length === 1 ? '' : 's'} not observed:`);
    for (const u of cmp.unobserved) lines.push(`  ${formatState(u, allLabels)}`);
  } else lines.push(`Coverage: every allowed state observed`);
  return lines.join('\n') + '\n';
}
