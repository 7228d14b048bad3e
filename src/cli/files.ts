// Finding and reading litmus files (the only file-system access besides writing reports).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Expand directories into their *.litmus files (recursively, sorted); keep files as given. */
export function collectLitmusFiles(paths: string[]): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (name.endsWith('.litmus')) files.push(p);
    }
  };
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      missing.push(p);
      continue;
    }
    if (st.isDirectory()) walk(p);
    else files.push(p);
  }
  return { files, missing };
}

export const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** Read a litmus file as UTF-8 text, refusing binary, non-UTF-8 and oversized files. */
export function readLitmusFile(path: string): { ok: true; text: string } | { ok: false; message: string } {
  let buf: Buffer;
  try {
    const st = statSync(path);
    if (st.size > MAX_FILE_BYTES) return { ok: false, message: `file is too large (${st.size} bytes; the limit is ${MAX_FILE_BYTES})` };
    buf = readFileSync(path);
  } catch (e) {
    return { ok: false, message: `cannot read file: ${(e as Error).message}` };
  }
  if (buf.includes(0)) return { ok: false, message: 'binary file (contains NUL bytes), not a litmus test' };
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(buf) };
  } catch {
    return { ok: false, message: 'file is not valid UTF-8' };
  }
}
