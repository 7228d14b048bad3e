// What the page's Web Workers do: each request in, plain data out. Pure apart from the clock,
// and free of Node APIs (test/layers.test.ts checks everything it reaches).
import { decideSource, prepareTest, warningsOf, type DecideOptions, type TestResult } from '../api.js';
import type { Diagnostic } from '../diagnostics.js';
import { formatValue } from '../execution/condition.js';
import type { LowerOptions } from '../lower/lower.js';
import type { MemoryModel } from '../models/model.js';
import { loadCatModel } from '../api.js';
import { basename } from '../cat/paths.js';
import { expectedResultFor } from '../check/expected.js';
import { verdictText } from '../check/verdict.js';
import { explainSource } from '../explain/explain.js';
import { formatExplanation } from '../explain/text.js';
import { analyzeFences } from '../analysis/fences.js';
import { formatFencesText } from '../analysis/format.js';
import { witnessGraph } from './graph.js';
import type { CustomModel, Limits, ModelChoice, ModelResult, Request, Response } from './protocol.js';

export const TEST_FILE = 'test.litmus';

const custom = { key: '', loaded: null as null | { model: MemoryModel; lower: LowerOptions } };

/** The user's model, loaded once per set of files. */
function loadCustom(m: CustomModel): { ok: true; model: MemoryModel; lower: LowerOptions } | { ok: false; diagnostics: Diagnostic[] } {
  const key = JSON.stringify(m);
  if (custom.key === key && custom.loaded) return { ok: true, ...custom.loaded };
  const res = loadCatModel({ conf: `/model/${m.cfg}` }, (path) => m.files[basename(path)] ?? null);
  if (!res.ok) return res;
  const primitives = res.loaded.primitives;
  custom.key = key;
  custom.loaded = { model: res.loaded.model, lower: primitives ? { primitives } : {} };
  return { ok: true, ...custom.loaded };
}

function modelFor(choice: ModelChoice, m: CustomModel | undefined) {
  if (choice !== 'custom') return { ok: true as const, model: choice as string | MemoryModel, lower: {} as LowerOptions };
  if (!m) return { ok: false as const, diagnostics: [{ file: 'model', line: 1, col: 1, severity: 'error' as const, message: 'no model files' }] };
  return loadCustom(m);
}

function limitsOf(l: Limits): Pick<DecideOptions, 'timeoutMs' | 'maxExecutions'> {
  return { timeoutMs: l.timeoutSeconds !== undefined ? l.timeoutSeconds * 1000 : undefined, maxExecutions: l.maxExecutions };
}

export function summarise(r: TestResult, model: string): ModelResult {
  const labels = r.program.observed.map((o) => o.label);
  const j = r.judgement;
  const e = expectedResultFor(r.test, r.model);
  return {
    model,
    verdict: r.judgement.complete ? verdictText(r) : `incomplete (${r.stats.incomplete ?? 'a limit was hit'})`,
    observation: j.complete ? j.observation : 'Incomplete',
    ok: j.ok,
    condition: r.conditionText,
    states: j.states.map((s) => ({ text: s.values.map((v, i) => `${labels[i]}=${formatValue(v)};`).join(' '), executions: s.count, witness: s.satisfies })),
    flags: j.flags,
    positive: j.positive,
    negative: j.negative,
    blocked: j.blocked.map((b) => ({ thread: b.thread, line: b.pos.line, col: b.pos.col, waitsFor: b.waitsFor, executions: b.executions })),
    vacuous: j.vacuous,
    undefinedBehaviour: j.undefinedBehaviour.map((u) => ({ thread: u.thread, line: u.pos.line, col: u.pos.col, message: u.message, executions: u.executions })),
    warnings: warningsOf(r),
    incomplete: r.stats.incomplete,
    expected: e ? `${e.verdict}${e.dataRace ? ' DATARACE' : ''}` : null,
    explored: r.stats.explored,
    consistent: r.stats.consistent,
    timeMs: r.timeMs,
  };
}

/** Parse and lower only: the editor's squiggles. */
export function lint(source: string): Diagnostic[] {
  const p = prepareTest(source, TEST_FILE);
  if (!p.ok) return p.diagnostics;
  return p.program.warnings.map((w) => ({ file: TEST_FILE, line: w.pos.line, col: w.pos.col, severity: 'warning', message: w.message }));
}

export function handle(req: Request): Response {
  if (req.kind === 'lint') return { kind: 'lint', diagnostics: lint(req.source) };
  if (req.kind === 'bench') {
    const t0 = performance.now();
    const verdicts: string[] = [];
    for (const t of req.sources) {
      const r = decideSource(t.source, t.file);
      verdicts.push(r.ok ? r.result.judgement.observation : 'error');
    }
    return { kind: 'bench', ok: true, result: { ms: performance.now() - t0, tests: req.sources.length, verdicts } };
  }
  const m = modelFor(req.model, req.custom);
  if (!m.ok) return { kind: 'error', diagnostics: m.diagnostics };
  const limits = limitsOf(req.limits);
  if (req.kind === 'decide') {
    const r = decideSource(req.source, TEST_FILE, { model: m.model, lower: m.lower, ...limits });
    return r.ok ? { kind: 'decide', ok: true, result: summarise(r.result, req.model) } : { kind: 'error', diagnostics: r.diagnostics };
  }
  if (req.kind === 'explain') {
    const r = explainSource(req.source, TEST_FILE, { model: m.model, witnesses: req.witnesses, ...limits });
    if (!r.ok) return { kind: 'error', diagnostics: r.diagnostics };
    const x = r.explanation;
    const program = x.result.program;
    const graphs =
      x.kind === 'reachable'
        ? x.witnesses.map((w, i) => witnessGraph(program, w.graph, w.cycle, `${x.name} (${x.model}): witness ${i + 1}, ${x.outcome} (${w.state.join('; ')})`))
        : x.ruledOut.map((o) => witnessGraph(program, o.example.graph, o.example.cycle, `${x.name} (${x.model}): a candidate rejected by ${o.check} (${o.example.state.join('; ')})`));
    return { kind: 'explain', ok: true, result: { verdict: x.verdict, text: formatExplanation(x, req.source), graphs } };
  }
  const r = analyzeFences(req.source, TEST_FILE, { model: m.model, ...limits });
  if (!r.ok) return { kind: 'error', diagnostics: r.diagnostics };
  return { kind: 'fences', ok: true, result: { report: r.report, text: formatFencesText(r.report) } };
}
