// The witness execution graph as plain data (built in the worker from an explanation), and its
// Graphviz text (built in the page, where a click opens or closes a KVM helper's box). Threads are
// drawn left to right in order; the cycle's edges are bold and carry the class "cycle".
import type { Event } from '../execution/execution.js';
import type { Program } from '../lower/program.js';
import type { ExplainedEdge } from '../explain/explain.js';
import { immediateCo } from '../explain/dot.js';
import { ExecutionView, type ExecutionGraph } from '../explain/views.js';

export type EdgeKind = 'po' | 'rf' | 'co' | 'fr';

export interface GraphNode {
  id: string;
  /** -1 for an initial write. */
  thread: number;
  label: string;
  fence: boolean;
  /** The source call a KVM helper's events share ("P1:3"), drawn as one box until opened. */
  group: string | null;
}

export interface GraphGroup {
  key: string;
  thread: number;
  /** "line 27: kvm_make_request()" */
  label: string;
}

export interface GraphEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  cycle: boolean;
  /** A program-order step on the cycle that the model does not keep. */
  notKept: boolean;
}

export interface WitnessGraph {
  title: string;
  threads: number;
  nodes: GraphNode[];
  groups: GraphGroup[];
  edges: GraphEdge[];
}

/** A call whose expansion has several events and is a KVM helper gets a box of its own. */
function groupOf(view: ExecutionView, e: Event): string | null {
  const o = e.origin;
  if (!o || e.thread < 0 || !o.primitive.startsWith('kvm_')) return null;
  const siblings = view.events.filter((x) => x.thread === e.thread && x.origin?.site === o.site && x.origin?.primitive === o.primitive);
  return siblings.length > 1 ? `P${e.thread}:${o.site}` : null;
}

export function witnessGraph(program: Program, graph: ExecutionGraph, cycle: ExplainedEdge[] | null, title: string): WitnessGraph {
  const view = new ExecutionView(program, graph);
  const ev = view.events;
  const id = (e: Event) => `e${e.id}`;
  const onCycle = new Map<string, ExplainedEdge>();
  for (const c of cycle ?? []) onCycle.set(`${c.from.id}-${c.to.id}`, c);
  const nodes: GraphNode[] = [];
  const groups = new Map<string, GraphGroup>();
  for (const w of ev.filter((w) => w.thread < 0 && ev.some((r) => graph.rf.has(w.id, r.id)))) {
    nodes.push({ id: id(w), thread: -1, label: `init ${w.loc} = ${view.val(w)}`, fence: false, group: null });
  }
  const edges: GraphEdge[] = [];
  const edge = (a: Event, b: Event, kind: EdgeKind) => {
    const c = onCycle.get(`${a.id}-${b.id}`);
    edges.push({ from: id(a), to: id(b), kind, cycle: c !== undefined && c.kind === kind, notKept: kind === 'po' && c?.pair?.held === false });
  };
  for (let t = 0; t < graph.skeleton.threads; t++) {
    const mine = ev.filter((e) => e.thread === t).sort((a, b) => a.poIndex - b.poIndex);
    for (const e of mine) {
      const line = e.origin ? `line ${e.origin.pos.line}: ` : '';
      const what = e.kind === 'F' ? `${view.label(e)}()` : `${view.label(e)}: ${e.kind} ${e.loc} = ${view.val(e)}`;
      const group = groupOf(view, e);
      if (group && !groups.has(group)) groups.set(group, { key: group, thread: t, label: `${line}${e.origin!.primitive}()` });
      nodes.push({ id: id(e), thread: t, label: line + what, fence: e.kind === 'F', group });
    }
    for (let i = 0; i + 1 < mine.length; i++) edge(mine[i], mine[i + 1], 'po');
  }
  for (const c of cycle ?? []) if (c.kind === 'po' && c.to.poIndex !== c.from.poIndex + 1) edge(c.from, c.to, 'po');
  for (const a of ev) {
    for (const b of ev) {
      if (a === b) continue;
      const c = onCycle.has(`${a.id}-${b.id}`);
      if (graph.rf.has(a.id, b.id) && (a.thread !== b.thread || c)) edge(a, b, 'rf');
      if (a.thread < 0 || b.thread < 0 || a.thread === b.thread) continue;
      if (graph.co.has(a.id, b.id) && immediateCo(graph, a, b)) edge(a, b, 'co');
      if (view.fr.has(a.id, b.id)) edge(a, b, 'fr');
    }
  }
  return { title, threads: graph.skeleton.threads, nodes, groups: [...groups.values()], edges };
}

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
const COLOURS: Record<EdgeKind, string> = { po: 'gray40', rf: 'darkgreen', co: 'blue', fr: 'darkorange' };

/** The id a group's box (or an opened group's frame) has in the SVG: the page listens for clicks on it. */
export const groupDomId = (key: string) => `group_${key.replace(/[^A-Za-z0-9]/g, '_')}`;

/** Graphviz text for a witness graph; the groups in `open` are drawn event by event. */
export function graphDot(g: WitnessGraph, open: ReadonlySet<string>): string {
  const shown = new Map<string, string>(); // node id -> the DOT node that stands for it
  for (const n of g.nodes) shown.set(n.id, n.group && !open.has(n.group) ? groupDomId(n.group) : n.id);
  const out: string[] = [`digraph ${quote(g.title)} {`];
  out.push(`  label=${quote(g.title)}; labelloc=t; fontname="Helvetica"; newrank=true;`);
  out.push('  node [shape=box, fontname="Courier", fontsize=10]; edge [fontname="Helvetica", fontsize=9];');
  const firsts: string[] = [];
  for (let t = 0; t < g.threads; t++) {
    out.push(`  subgraph cluster_P${t} {`, `    label="P${t}"; style=rounded;`);
    const mine = g.nodes.filter((n) => n.thread === t);
    const done = new Set<string>();
    for (const n of mine) {
      const target = shown.get(n.id)!;
      if (firsts.length === t) firsts.push(target);
      if (done.has(target)) continue;
      done.add(target);
      if (target !== n.id) {
        const grp = g.groups.find((x) => x.key === n.group)!;
        const size = mine.filter((m) => m.group === n.group).length;
        out.push(`    ${target} [id=${quote(target)}, label=${quote(`${grp.label}\n(${size} events: click to open)`)}, style="filled,bold", fillcolor="#eef3ff", class="group"];`);
      } else if (n.group) {
        if (!done.has(`open:${n.group}`)) {
          done.add(`open:${n.group}`);
          const grp = g.groups.find((x) => x.key === n.group)!;
          const members = mine.filter((m) => m.group === n.group).map((m) => m.id);
          out.push(`    subgraph cluster_${groupDomId(n.group)} {`);
          out.push(`      id=${quote(groupDomId(n.group))}; label=${quote(`${grp.label} (click to close)`)}; style="dashed"; class="group";`);
          for (const id of members) {
            const m = g.nodes.find((x) => x.id === id)!;
            out.push(`      ${id} [label=${quote(m.label)}${m.fence ? ', shape=plain' : ''}];`);
            done.add(id);
          }
          out.push('    }');
        }
      } else out.push(`    ${n.id} [label=${quote(n.label)}${n.fence ? ', shape=plain' : ''}];`);
    }
    out.push('  }');
  }
  // Threads left to right, in order: a row of invisible anchors, one above each thread's first event.
  if (firsts.length > 1) {
    const anchors = firsts.map((_, t) => `anchor${t}`);
    out.push(`  node [style=invis, shape=point, width=0]; ${anchors.join('; ')}; { rank=same; ${anchors.join('; ')}; }`);
    out.push(`  ${anchors.join(' -> ')} [style=invis];`);
    firsts.forEach((f, t) => out.push(`  anchor${t} -> ${f} [style=invis, weight=100];`));
  }
  // Initial writes last, so they do not pull the threads out of order.
  for (const n of g.nodes.filter((n) => n.thread < 0)) out.push(`  ${n.id} [label=${quote(n.label)}, style=dashed, shape=box, width=0.75];`);
  const seen = new Set<string>();
  for (const e of g.edges) {
    const a = shown.get(e.from)!;
    const b = shown.get(e.to)!;
    if (a === b) continue;
    const key = `${a}>${b}>${e.kind}`;
    if (seen.has(key) && !e.cycle) continue;
    seen.add(key);
    const style = e.notKept
      ? ', color=red, style=dashed, penwidth=2.5, xlabel="not kept"'
      : e.cycle
        ? `, color=${COLOURS[e.kind]}, penwidth=2.5`
        : `, color=${COLOURS[e.kind]}`;
    // Only program order ranks the events: each thread reads top to bottom.
    const free = e.kind === 'po' ? '' : ', constraint=false';
    out.push(`  ${a} -> ${b} [label="${e.kind}"${style}${free}${e.cycle ? ', class="cycle"' : ''}];`);
  }
  out.push('}');
  return out.join('\n') + '\n';
}
