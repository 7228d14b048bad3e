// DOT to SVG with Graphviz compiled to WebAssembly (@viz-js/viz): `explain --svg` needs no
// Graphviz installed. The wasm module is loaded once, on the first graph.
import { instance, type Viz } from '@viz-js/viz';

let viz: Promise<Viz> | null = null;

/** The SVG Graphviz's dot layout draws for a DOT graph. */
export async function dotToSvg(dot: string): Promise<string> {
  viz ??= instance();
  return (await viz).renderString(dot, { format: 'svg', engine: 'dot' });
}
