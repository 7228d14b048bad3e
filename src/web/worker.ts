// A Web Worker's entry point: one request at a time, answered with plain data. The page ends a
// run by terminating the worker, so a long exploration never needs to look at a flag.
import { handle } from './engine.js';
import type { Request, Response } from './protocol.js';

const scope = self as unknown as { postMessage(r: { id: number; response: Response }): void };

addEventListener('message', (ev: MessageEvent<{ id: number; request: Request }>) => {
  const { id, request } = ev.data;
  let response: Response;
  try {
    response = handle(request);
  } catch (e) {
    response = { kind: 'error', diagnostics: [{ file: 'engine', line: 1, col: 1, severity: 'error', message: `internal error: ${e instanceof Error ? e.message : String(e)}` }] };
  }
  scope.postMessage({ id, response });
});
