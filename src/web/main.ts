// The playground page: the editor, the examples, a column per model, and the Why / Fix / Model
// tabs. Every run goes to a Web Worker (workers.ts); this file only wires the page together.
import type { EditorView } from 'codemirror';
import type { Fix } from '../analysis/fences.js';
import { createEditor } from './editor.js';
import { fixEdits } from './fix-edit.js';
import { graphDot, groupDomId, type WitnessGraph } from './graph.js';
import type { CustomModel, Limits, ModelResult, Request, Response } from './protocol.js';
import { el, renderDiagnostics, renderFences, renderResult } from './render.js';
import { decodeState, encodeState } from './share.js';
import { Workers } from './workers.js';

/** What the build embeds (examples.json): the tests and the model files. */
interface Example {
  name: string;
  group: string;
  description: string;
  source: string;
}
interface Library {
  examples: Example[];
  /** Why some examples are missing (the kernel's tests were not found at build time), or null. */
  missing: string | null;
  models: CustomModel[];
}

const BUILT_IN = [
  { id: 'lkmm', title: 'LKMM' },
  { id: 'tso', title: 'x86-TSO' },
  { id: 'sc', title: 'SC' },
];

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const workers = new Workers('worker.js');
let library: Library = { examples: [], missing: null, models: [] };
let custom: CustomModel | null = null;
let view: EditorView;
let currentExample: string | undefined;
let cancelledAt = 0;

function status(text: string): void {
  $('status').textContent = text;
}

function limits(): Limits {
  const t = Number($<HTMLInputElement>('timeout').value);
  const m = Number($<HTMLInputElement>('max-executions').value);
  return { timeoutSeconds: t > 0 ? t : undefined, maxExecutions: m > 0 ? m : undefined };
}

function models(): Array<{ id: string; title: string }> {
  return $<HTMLInputElement>('use-custom').checked && custom ? [...BUILT_IN, { id: 'custom', title: `my model (${custom.cfg})` }] : BUILT_IN;
}

const source = () => view.state.doc.toString();

function withModel(model: string): { custom?: CustomModel } {
  return model === 'custom' && custom ? { custom } : {};
}

/** Runs every model side by side, one worker each; the page stays live and Cancel stops them. */
async function runAll(): Promise<void> {
  const cols = models();
  const box = $('results');
  box.replaceChildren();
  const started = performance.now();
  $<HTMLButtonElement>('cancel').disabled = false;
  status('running…');
  const jobs = cols.map(async (m) => {
    const body = el('div', { class: 'body' }, el('div', { class: 'verdict running' }, 'running…'));
    const why = el('button', { class: 'why', 'data-testid': `why-${m.id}` }, 'Why');
    const fix = el('button', { class: 'fix-btn', 'data-testid': `fix-${m.id}` }, 'Fix');
    why.addEventListener('click', () => void explain(m.id));
    fix.addEventListener('click', () => void fences(m.id));
    box.append(el('div', { class: 'col', 'data-model': m.id, 'data-testid': `col-${m.id}` }, el('h3', {}, m.title), body, el('div', { class: 'buttons' }, why, fix)));
    const res = await workers.lane(m.id).request({ kind: 'decide', source: source(), model: m.id, limits: limits(), ...withModel(m.id) });
    show(body, res);
    return res;
  });
  const all = await Promise.all(jobs);
  $<HTMLButtonElement>('cancel').disabled = true;
  const cancelled = all.some((r) => r === null);
  // How long the page took to stop after Cancel (the workers are terminated, not asked).
  status(cancelled ? `cancelled: stopped ${(performance.now() - cancelledAt).toFixed(0)} ms after Cancel` : `done in ${((performance.now() - started) / 1000).toFixed(2)} s`);
}

function show(body: HTMLElement, res: Response | null): void {
  if (res === null) body.replaceChildren(el('div', { class: 'verdict incomplete', 'data-testid': 'verdict' }, 'cancelled'));
  else if (res.kind === 'decide') renderResult(body, res.result as ModelResult);
  else if (res.kind === 'error') {
    const d = res.diagnostics[0];
    body.replaceChildren(el('div', { class: 'verdict incomplete', 'data-testid': 'verdict' }, 'error'), el('div', { class: 'warn' }, `${d.file}:${d.line}:${d.col}: ${d.message}`));
  }
}

function tab(name: string): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('.tabs button')) b.classList.toggle('on', b.dataset.tab === name);
  for (const t of ['why', 'fix', 'model']) $(`tab-${t}`).hidden = t !== name;
}

async function request(lane: string, req: Request): Promise<Response | null> {
  $<HTMLButtonElement>('cancel').disabled = false;
  const res = await workers.lane(lane).request(req);
  $<HTMLButtonElement>('cancel').disabled = true;
  return res;
}

// --- Why: the explanation and the witness graphs --------------------------------------------

const graphState = { graphs: [] as WitnessGraph[], index: 0, open: new Set<string>() };
let viz: Promise<{ renderSVGElement(dot: string): SVGSVGElement }> | null = null;

async function drawGraph(): Promise<void> {
  const g = graphState.graphs[graphState.index];
  $('graph-nav').hidden = graphState.graphs.length === 0;
  if (!g) return $('graph').replaceChildren();
  $('graph-count').textContent = `graph ${graphState.index + 1} of ${graphState.graphs.length}`;
  viz ??= import('@viz-js/viz').then((m) => m.instance());
  const svg = (await viz).renderSVGElement(graphDot(g, graphState.open));
  $('graph').replaceChildren(svg);
}

async function explain(model: string): Promise<void> {
  tab('why');
  status(`explaining under ${model}…`);
  $('why-text').textContent = 'working…';
  const res = await request('explain', { kind: 'explain', source: source(), model, limits: limits(), witnesses: 3, ...withModel(model) });
  if (res === null) return status('cancelled');
  if (res.kind !== 'explain') {
    $('why-text').textContent = res.kind === 'error' ? res.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n') : '';
    return status('error');
  }
  $('why-head').replaceChildren(el('h4', {}, `${model}: ${res.result.verdict}`));
  $('why-text').textContent = res.result.text;
  Object.assign(graphState, { graphs: res.result.graphs, index: 0, open: new Set<string>() });
  await drawGraph();
  status(`explained under ${model}`);
}

// --- Fix: the fences analysis -----------------------------------------------------------------

async function fences(model: string): Promise<void> {
  tab('fix');
  status(`analysing barriers under ${model}…`);
  $('fences').textContent = 'working…';
  const res = await request('fences', { kind: 'fences', source: source(), model, limits: limits(), ...withModel(model) });
  if (res === null) return status('cancelled');
  if (res.kind !== 'fences') {
    $('fences').textContent = res.kind === 'error' ? res.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n') : '';
    return status('error');
  }
  renderFences($('fences'), res.result, (fix) => void applyFix(fix));
  status(`barriers analysed under ${model}`);
}

async function applyFix(fix: Fix): Promise<void> {
  const edits = fixEdits(source(), fix);
  if (edits.length === 0) return status(`cannot place this fix in the text: ${fix.text}`);
  view.dispatch({ changes: edits, userEvent: 'input.fix' });
  status(`applied: ${fix.text}`);
  await runAll();
}

// --- Examples, model files, share links ---------------------------------------------------------

function renderExamples(filter: string): void {
  const q = filter.trim().toLowerCase();
  const list = $('example-list');
  const items: HTMLElement[] = [];
  let group = '';
  for (const x of library.examples) {
    if (q && !x.name.toLowerCase().includes(q) && !x.description.toLowerCase().includes(q)) continue;
    if (x.group !== group) items.push(el('li', { class: 'group' }, (group = x.group)));
    const li = el('li', { 'data-example': x.name, title: x.description }, el('b', {}, x.name), el('small', {}, x.description));
    li.addEventListener('click', () => {
      load(x.source, x.name);
      for (const o of list.querySelectorAll('li.on')) o.classList.remove('on');
      li.classList.add('on');
    });
    items.push(li);
  }
  list.replaceChildren(...items);
}

function load(text: string, example?: string): void {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
  currentExample = example;
  $('results').replaceChildren();
}

function setCustom(m: CustomModel): void {
  custom = { cfg: m.cfg, files: { ...m.files } };
  const cfg = $<HTMLSelectElement>('model-cfg');
  const names = new Set([...library.models.map((x) => x.cfg), m.cfg]);
  cfg.replaceChildren(...[...names].map((n) => el('option', n === m.cfg ? { selected: '' } : {}, n)));
  const file = $<HTMLSelectElement>('model-file');
  file.replaceChildren(...Object.keys(custom.files).map((n) => el('option', {}, n)));
  $<HTMLTextAreaElement>('model-text').value = custom.files[file.value] ?? '';
}

async function share(): Promise<void> {
  const state = { test: source(), limits: limits(), example: currentExample, ...($<HTMLInputElement>('use-custom').checked && custom ? { custom } : {}) };
  const fragment = await encodeState(state);
  history.replaceState(null, '', `#${fragment}`);
  $<HTMLInputElement>('share-url').value = location.href;
  navigator.clipboard?.writeText(location.href).catch(() => undefined);
  status(`link ready (${location.href.length} characters; the test stays in the link, nothing is uploaded)`);
}

async function restore(): Promise<boolean> {
  const state = await decodeState(location.hash);
  if (!state) return false;
  load(state.test, state.example);
  $<HTMLInputElement>('timeout').value = state.limits.timeoutSeconds !== undefined ? String(state.limits.timeoutSeconds) : '';
  $<HTMLInputElement>('max-executions').value = state.limits.maxExecutions !== undefined ? String(state.limits.maxExecutions) : '';
  if (state.custom) {
    setCustom(state.custom);
    $<HTMLInputElement>('use-custom').checked = true;
  }
  status('restored from the link');
  return true;
}

function wire(): void {
  $('run').addEventListener('click', () => void runAll());
  $('cancel').addEventListener('click', () => {
    cancelledAt = performance.now();
    const n = workers.cancel();
    $<HTMLButtonElement>('cancel').disabled = true;
    status(n ? 'cancelled' : 'nothing to cancel');
  });
  $('share').addEventListener('click', () => void share());
  $('search').addEventListener('input', (e) => renderExamples((e.target as HTMLInputElement).value));
  for (const b of document.querySelectorAll<HTMLButtonElement>('.tabs button')) b.addEventListener('click', () => tab(b.dataset.tab!));
  $('prev').addEventListener('click', () => step(-1));
  $('next').addEventListener('click', () => step(1));
  $('graph').addEventListener('click', (e) => {
    const g = (e.target as Element).closest('[id^="group_"]');
    const key = g && graphState.graphs[graphState.index]?.groups.find((x) => groupDomId(x.key) === g.id)?.key;
    if (!key) return;
    if (!graphState.open.delete(key)) graphState.open.add(key);
    void drawGraph();
  });
  $('model-cfg').addEventListener('change', (e) => {
    const m = library.models.find((x) => x.cfg === (e.target as HTMLSelectElement).value);
    if (m) setCustom(m);
  });
  $('model-file').addEventListener('change', () => {
    $<HTMLTextAreaElement>('model-text').value = custom?.files[$<HTMLSelectElement>('model-file').value] ?? '';
  });
  $('model-text').addEventListener('input', () => {
    if (custom) custom.files[$<HTMLSelectElement>('model-file').value] = $<HTMLTextAreaElement>('model-text').value;
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) void runAll();
  });
}

function step(d: number): void {
  const n = graphState.graphs.length;
  if (n === 0) return;
  graphState.index = (graphState.index + d + n) % n;
  graphState.open = new Set();
  void drawGraph();
}

async function start(): Promise<void> {
  library = (await (await fetch('examples.json')).json()) as Library;
  $('example-note').textContent = library.missing ?? '';
  const lint = async (text: string) => {
    const res = await workers.lane('lint').request({ kind: 'lint', source: text });
    if (!res || res.kind !== 'lint') return null;
    renderDiagnostics($('diagnostics'), res.diagnostics);
    return res.diagnostics;
  };
  const first = library.examples.find((x) => x.name === 'dekker+no-vcpu-mb') ?? library.examples[0];
  view = createEditor($('editor'), first?.source ?? '', lint, () => undefined);
  currentExample = first?.name;
  if (library.models.length) setCustom(library.models[0]);
  renderExamples('');
  wire();
  await restore();
  window.addEventListener('hashchange', () => void restore());
  // For the browser tests and `npm run bench`.
  Object.assign(window, { playground: { view, workers, runAll, library: () => library } });
  document.body.dataset.ready = 'true';
}

void start();
