// Share links: the test, the model and the options, deflated (CompressionStream) and written in
// base64url after `#`. A fragment is never sent to a server: nothing leaves the browser.
import type { CustomModel, Limits } from './protocol.js';

export interface SharedState {
  /** The litmus test. */
  test: string;
  limits: Limits;
  /** The user's model files, when the model column is on. */
  custom?: CustomModel;
  /** Which example it came from, if any (a label only). */
  example?: string;
}

const PREFIX = 's1=';

async function pipe(bytes: Uint8Array, stream: CompressionStream | DecompressionStream): Promise<Uint8Array> {
  const out = new Response(new Blob([bytes as BlobPart]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

/** The fragment (without `#`) that encodes the state. */
export async function encodeState(state: SharedState): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(state));
  return PREFIX + toBase64Url(await pipe(json, new CompressionStream('deflate-raw')));
}

/** The state a fragment encodes, or null when it encodes none (or is damaged). */
export async function decodeState(fragment: string): Promise<SharedState | null> {
  const f = fragment.replace(/^#/, '');
  if (!f.startsWith(PREFIX)) return null;
  try {
    const bytes = await pipe(fromBase64Url(f.slice(PREFIX.length)), new DecompressionStream('deflate-raw'));
    const state = JSON.parse(new TextDecoder().decode(bytes)) as SharedState;
    return typeof state.test === 'string' ? state : null;
  } catch {
    return null;
  }
}
