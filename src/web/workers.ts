// The page's side of the Web Workers: one worker per lane (a model's column, the editor's
// checks, explain, fences), so runs go side by side and the page never waits on them. Cancelling
// terminates the workers; the next request starts a fresh one.
import type { Request, Response } from './protocol.js';

interface Pending {
  resolve(r: Response | null): void;
}

class Lane {
  private worker: Worker | null = null;
  private pending = new Map<number, Pending>();
  private next = 1;
  constructor(private readonly url: string) {}

  request(request: Request): Promise<Response | null> {
    if (!this.worker) {
      this.worker = new Worker(this.url);
      this.worker.addEventListener('message', (ev: MessageEvent<{ id: number; response: Response }>) => {
        const p = this.pending.get(ev.data.id);
        this.pending.delete(ev.data.id);
        p?.resolve(ev.data.response);
      });
    }
    const id = this.next++;
    return new Promise((resolve) => {
      this.pending.set(id, { resolve });
      this.worker!.postMessage({ id, request });
    });
  }

  get busy(): boolean {
    return this.pending.size > 0;
  }

  /** Stops the worker at once; what it was doing answers null. */
  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
    for (const p of this.pending.values()) p.resolve(null);
    this.pending.clear();
  }
}

export class Workers {
  private lanes = new Map<string, Lane>();
  constructor(private readonly url: string) {}

  lane(name: string): Lane {
    let l = this.lanes.get(name);
    if (!l) this.lanes.set(name, (l = new Lane(this.url)));
    return l;
  }

  /** Terminates every lane that is working (the editor's checks too, if one is running). */
  cancel(): number {
    let n = 0;
    for (const l of this.lanes.values()) {
      if (!l.busy) continue;
      l.terminate();
      n++;
    }
    return n;
  }
}
