// Output of the herd7 drop-in (and of litmus-check's run), written with fs.writeSync instead of process.stdout/stderr: the
// first touch of those streams loads Node's stream modules, ~10 ms of a one-test process (the
// kernel's scripts run one per test). Synchronous writes also keep stdout and stderr in order.
import { writeSync } from 'node:fs';

/** Waits ms milliseconds without spinning (a non-blocking pipe that is full). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Writes all of text to fd (1 stdout, 2 stderr); a reader gone (EPIPE) ends the output quietly,
 * as herd7's SIGPIPE would: false then.
 */
export function writeAll(fd: 1 | 2, text: string): boolean {
  let buf = Buffer.from(text, 'utf8');
  while (buf.length > 0) {
    try {
      buf = buf.subarray(writeSync(fd, buf));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') pause(1);
      else if (code === 'EPIPE') return false;
      else throw e;
    }
  }
  return true;
}

export const writeOut = (text: string): void => void writeAll(1, text);
export const writeErr = (text: string): void => void writeAll(2, text);

/**
 * litmus-check's `run` output: through process.stdout/stderr by default (the library's tests
 * call the commands and spy on those streams); main() switches the executable to writeSync, whose
 * order with the streams' writes is the same (on Linux those are synchronous for files, pipes and
 * terminals). A reader gone ends the process quietly, as main's stream handlers do.
 */
let direct = false;

export function writeDirectly(): void {
  direct = true;
}

function sink(fd: 1 | 2): (text: string) => void {
  return (text) => {
    if (!direct) (fd === 1 ? process.stdout : process.stderr).write(text);
    else if (!writeAll(fd, text)) process.exit(0);
  };
}

export const stdoutWrite = sink(1);
export const stderrWrite = sink(2);
