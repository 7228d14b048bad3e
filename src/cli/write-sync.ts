// Output of the herd7 drop-in, written with fs.writeSync instead of process.stdout/stderr: the
// first touch of those streams loads Node's stream modules, ~10 ms of a one-test process (the
// kernel's scripts run one per test). Synchronous writes also keep stdout and stderr in order.
import { writeSync } from 'node:fs';

/** Waits ms milliseconds without spinning (a non-blocking pipe that is full). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Writes all of text to fd (1 stdout, 2 stderr); a reader gone (EPIPE) ends the output quietly, as herd7's SIGPIPE would. */
export function writeAll(fd: 1 | 2, text: string): void {
  let buf = Buffer.from(text, 'utf8');
  while (buf.length > 0) {
    try {
      buf = buf.subarray(writeSync(fd, buf));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') pause(1);
      else if (code === 'EPIPE') return;
      else throw e;
    }
  }
}

export const writeOut = (text: string): void => writeAll(1, text);
export const writeErr = (text: string): void => writeAll(2, text);
