// DOM for the results: a column per model, the fences report with its fixes. Plain DOM, no
// framework: each render replaces its container's children.
import type { Fix } from '../analysis/fences.js';
import type { Diagnostic } from '../diagnostics.js';
import type { FencesResponse, ModelResult } from './protocol.js';

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

/** "reachable", "never", or a limit: the class that colours a verdict. */
function verdictClass(r: ModelResult): string {
  if (r.incomplete) return 'incomplete';
  if (r.vacuous) return 'vacuous';
  return /reachable|Sometimes|Always/.test(r.verdict) && !/never/.test(r.verdict) ? 'reachable' : 'never';
}

export function renderDiagnostics(box: HTMLElement, ds: Diagnostic[]): void {
  box.replaceChildren(...ds.map((d) => el('div', { class: `diag ${d.severity}` }, `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message}`)));
}

export function renderResult(body: HTMLElement, r: ModelResult): void {
  const parts: Node[] = [];
  parts.push(el('div', { class: `verdict ${verdictClass(r)}`, 'data-testid': 'verdict' }, r.verdict));
  const facts = [`${r.observation} (${r.ok ? 'Ok' : 'No'})`, `${r.positive} witness${r.positive === 1 ? '' : 'es'}, ${r.negative} other`, `${r.explored} explored, ${r.timeMs.toFixed(0)} ms`];
  if (r.expected) facts.push(`expected ${r.expected}`);
  parts.push(el('div', { class: 'facts' }, facts.join(' · ')));
  if (r.flags.length) parts.push(el('div', { class: 'flags' }, ...r.flags.map((f) => el('span', { class: 'flag' }, `Flag ${f}`))));
  if (r.vacuous) parts.push(el('div', { class: 'warn' }, `vacuous: ${r.vacuous}`));
  if (r.incomplete) parts.push(el('div', { class: 'warn' }, `incomplete: ${r.incomplete}`));
  for (const b of r.blocked) parts.push(el('div', { class: 'warn blocked' }, `blocked: P${b.thread} line ${b.line} waits for ${b.waitsFor} (${b.executions} execution${b.executions === 1 ? '' : 's'})`));
  for (const u of r.undefinedBehaviour) parts.push(el('div', { class: 'warn' }, `undefined behaviour in P${u.thread} line ${u.line}: ${u.message} (${u.executions} executions, left out)`));
  for (const w of r.warnings) parts.push(el('div', { class: 'warn' }, `line ${w.line}: ${w.message}`));
  const rows = r.states.map((s) =>
    el('tr', { class: s.witness ? 'witness' : '' }, el('td', {}, s.witness ? '★' : ''), el('td', { class: 'state' }, s.text), el('td', { class: 'num' }, String(s.executions))),
  );
  if (rows.length) {
    parts.push(el('table', { class: 'states' }, el('thead', {}, el('tr', {}, el('th', { title: 'the condition holds here' }, '★'), el('th', {}, 'final state'), el('th', {}, 'executions'))), el('tbody', {}, ...rows)));
  }
  body.replaceChildren(...parts);
}

/** The fences report: the analysis text, and each fix as a button. */
export function renderFences(box: HTMLElement, f: FencesResponse, apply: (fix: Fix) => void): void {
  const parts: Node[] = [];
  const r = f.report;
  if (r.fixes.length) {
    parts.push(el('h4', {}, 'Smallest fixes (one click applies it to the test; Ctrl-Z undoes it)'));
    r.fixes.forEach((fix, i) => {
      const b = el('button', { class: 'apply-fix', 'data-testid': `apply-fix-${i + 1}` }, `Apply fix ${i + 1}`);
      b.addEventListener('click', () => apply(fix));
      parts.push(el('div', { class: 'fix' }, b, ' ', fix.text));
    });
  } else parts.push(el('p', {}, r.asWritten === 'reachable' ? `no fix (${r.fixSearch})` : 'nothing to fix: the bad outcome is not reachable as written'));
  if (r.primitives.length) {
    const head = el('tr', {}, ...['primitive', 'line', 'thread', 'without it', 'verdict'].map((h) => el('th', {}, h)));
    const rows = r.primitives.map((p) =>
      el('tr', { class: p.verdict }, el('td', {}, p.label), el('td', {}, String(p.line)), el('td', {}, `P${p.thread}`), el('td', {}, p.removed?.verdict ?? '-'), el('td', {}, p.verdict)),
    );
    parts.push(el('h4', {}, r.judgedWith === 'fix 1' ? 'Barriers, judged with fix 1 applied' : 'Barriers: needed or redundant'), el('table', { class: 'prims' }, el('thead', {}, head), el('tbody', {}, ...rows)));
  }
  parts.push(el('details', {}, el('summary', {}, 'the analysis as the CLI prints it'), el('pre', {}, f.text)));
  box.replaceChildren(...parts);
}
