// DOT to SVG with Graphviz compiled to WebAssembly (@viz-js/viz): `explain --svg` needs no
// Graphviz installed. The module (1.6 MB with its wasm) is loaded once, on the first graph, so
// commands that draw nothing never read it.
import type { Viz } from '@viz-js/viz';

let viz: Promise<Viz> | null = null;

/** The SVG Graphviz's dot layout draws for a DOT graph. */
export async function dotToSvg(dot: string): Promise<string> {
  viz ??= import('@viz-js/viz').then((m) => m.instance());
  return (await viz).renderString(dot, { format: 'svg', engine: 'dot' });
}
