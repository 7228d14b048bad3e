// Graphviz for an explained execution: one cluster per thread with its events in program order,
// rf/co/fr edges between threads, the cycle drawn bold and the program-order steps that were
// not kept in red.
import type { Event } from '../execution/execution.js';
import type { Program } from '../lower/program.js';
import type { ExplainedEdge } from './explain.js';
import { ExecutionView, type ExecutionGraph } from './views.js';

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

export function toDot(program: Program, graph: ExecutionGraph, cycle: ExplainedEdge[] | null, title: string): string {
  const view = new ExecutionView(program, graph);
  const ev = view.events;
  const node = (e: Event) => `e${e.id}`;
  const onCycle = new Map<string, ExplainedEdge>();
  for (const c of cycle ?? []) onCycle.set(`${c.from.id}-${c.to.id}`, c);
  const out: string[] = [];
  out.push(`digraph ${quote(title)} {`);
  out.push(`  label=${quote(title)}; labelloc=t; fontname="Helvetica";`);
  out.push('  node [shape=box, fontname="Courier", fontsize=10]; edge [fontname="Helvetica", fontsize=9];');

  // Initial writes that some read takes its value from.
  const usedInit = ev.filter((w) => w.thread < 0 && ev.some((r) => graph.rf.has(w.id, r.id)));
  for (const w of usedInit) out.push(`  ${node(w)} [label=${quote(`init ${w.loc} = ${view.val(w)}`)}, style=dashed];`);

  const threads = graph.skeleton.threads;
  for (let t = 0; t < threads; t++) {
    const mine = ev.filter((e) => e.thread === t).sort((a, b) => a.poIndex - b.poIndex);
    out.push(`  subgraph cluster_P${t} {`);
    out.push(`    label="P${t}"; style=rounded;`);
    for (const e of mine) {
      const line = e.origin ? `line ${e.origin.pos.line}: ` : '';
      const what = e.kind === 'F' ? `${view.label(e)}()` : `${view.label(e)}: ${e.kind} ${e.loc} = ${view.val(e)}`;
      out.push(`    ${node(e)} [label=${quote(line + what)}${e.kind === 'F' ? ', shape=plain' : ''}];`);
    }
    for (let i = 0; i + 1 < mine.length; i++) {
      const c = onCycle.get(`${mine[i].id}-${mine[i + 1].id}`);
      out.push(`    ${node(mine[i])} -> ${node(mine[i + 1])} [label="po"${c ? poStyle(c) : ', color=gray'}];`);
    }
    out.push('  }');
  }
  // Cycle po edges between non-adjacent events.
  for (const c of cycle ?? []) {
    if (c.kind !== 'po') continue;
    const adjacent = c.to.poIndex === c.from.poIndex + 1;
    if (!adjacent) out.push(`  ${node(c.from)} -> ${node(c.to)} [label="po"${poStyle(c)}];`);
  }
  for (const a of ev) {
    for (const b of ev) {
      if (a === b) continue;
      const c = onCycle.get(`${a.id}-${b.id}`);
      const bold = c ? ', penwidth=2.5' : '';
      if (graph.rf.has(a.id, b.id) && (a.thread !== b.thread || c)) out.push(`  ${node(a)} -> ${node(b)} [label="rf", color=darkgreen${bold}];`);
      if (a.thread >= 0 && b.thread >= 0 && a.thread !== b.thread) {
        if (graph.co.has(a.id, b.id) && immediateCo(graph, a, b)) out.push(`  ${node(a)} -> ${node(b)} [label="co", color=blue${bold}];`);
        if (view.fr.has(a.id, b.id)) out.push(`  ${node(a)} -> ${node(b)} [label="fr", color=darkorange${bold}];`);
      }
    }
  }
  out.push('}');
  return out.join('\n') + '\n';
}

function poStyle(c: ExplainedEdge): string {
  if (!c.pair) return ', penwidth=2.5';
  return c.pair.held ? ', penwidth=2.5, color=black' : `, penwidth=2.5, color=red, style=dashed, xlabel=${quote('not kept')}`;
}

/** co edges without a write in between, so the picture shows the order, not its closure. */
export function immediateCo(graph: ExecutionGraph, a: Event, b: Event): boolean {
  for (const m of graph.skeleton.events) if (graph.co.has(a.id, m.id) && graph.co.has(m.id, b.id)) return false;
  return true;
}
