// DOT to SVG with Graphviz compiled to WebAssembly (@viz-js/viz): `explain --svg` needs no
// Graphviz installed. The module (1.6 MB with its wasm) is loaded once, on the first graph, so
// commands that draw nothing never read it.
import type { Viz } from '@viz-js/viz';

let viz: Promise<Viz> | null = null;

type VizModule = typeof import('@viz-js/viz');

/** The bundled executables run in a vm.Script, which cannot import(): bin/load.cjs lends its import. */
function importViz(): Promise<VizModule> {
  const lent = (globalThis as Record<symbol, unknown>)[Symbol.for('litmus-check.import')] as ((s: string) => Promise<VizModule>) | undefined;
  return lent ? lent('@viz-js/viz') : import('@viz-js/viz');
}

/** The SVG Graphviz's dot layout draws for a DOT graph. */
export async function dotToSvg(dot: string): Promise<string> {
  viz ??= importViz().then((m) => m.instance());
  return (await viz).renderString(dot, { format: 'svg', engine: 'dot' });
}
