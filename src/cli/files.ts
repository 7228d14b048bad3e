// Finding and reading litmus files (the only file-system access besides writing reports).
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SourcePos } from '../diagnostics.js';

/** Expand directories into their *.litmus files (recursively, sorted); keep files as given. */
export function collectLitmusFiles(paths: string[]): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  // Real paths of the directories entered: a symbolic link back up the tree must not loop forever.
  const entered = new Set<string>();
  const walk = (dir: string) => {
    let names: string[];
    try {
      const real = realpathSync(dir);
      if (entered.has(real)) return;
      entered.add(real);
      names = readdirSync(dir).sort();
    } catch {
      missing.push(dir); // unreadable: reported like a missing path, and the others still run
      return;
    }
    for (const name of names) {
      const p = join(dir, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        missing.push(p); // e.g. a dangling symbolic link
        continue;
      }
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

/** A failure with `pos` points into the bytes; one without is about the file as a whole. */
export type ReadResult = { ok: true; text: string } | { ok: false; message: string; pos?: SourcePos };

/** A read failure as one stderr line: `FILE:LINE:COL: error: ...`, or `FILE: error: ...` for the whole file. */
export function formatReadError(file: string, read: { message: string; pos?: SourcePos }): string {
  return `${file}${read.pos ? `:${read.pos.line}:${read.pos.col}` : ''}: error: ${read.message}`;
}

/** Read a litmus file as UTF-8 text, refusing binary, non-UTF-8, oversized and special files. */
export function readLitmusFile(path: string): ReadResult {
  let buf: Buffer;
  try {
    const st = statSync(path);
    // A FIFO or a device (say /dev/zero) could block or never end.
    if (!st.isFile()) return { ok: false, message: 'not a regular file' };
    if (st.size > MAX_FILE_BYTES) return { ok: false, message: `file is too large (${st.size} bytes; the limit is ${MAX_FILE_BYTES})` };
    buf = readFileSync(path);
  } catch (e) {
    return { ok: false, message: `cannot read file: ${(e as Error).message}` };
  }
  return decodeLitmusBytes(buf);
}

/** The text of a litmus file's bytes, or why they are not one (with where the first bad byte is). */
export function decodeLitmusBytes(buf: Uint8Array): ReadResult {
  if (buf.length > MAX_FILE_BYTES) return { ok: false, message: `file is too large (${buf.length} bytes; the limit is ${MAX_FILE_BYTES})` };
  const nul = buf.indexOf(0);
  if (nul >= 0) return { ok: false, message: 'binary file (contains NUL bytes), not a litmus test', pos: bytePosition(buf, nul) };
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(buf) };
  } catch {
    const at = Math.max(firstInvalidUtf8(buf), 0);
    return { ok: false, message: `file is not valid UTF-8 (byte 0x${(buf[at] ?? 0).toString(16).padStart(2, '0')})`, pos: bytePosition(buf, at) };
  }
}

/** Line and column (counted in bytes) of a byte offset. */
function bytePosition(buf: Uint8Array, offset: number): SourcePos {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (buf[i] === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

/** Offset of the first byte that does not start or continue a well-formed UTF-8 character, or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let more: number;
    let min: number;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) [more, min] = [1, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [more, min] = [2, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [more, min] = [3, 0x10000];
    else return i;
    if (i + more >= b.length) return i;
    let cp = c & (0x3f >> more);
    for (let k = 1; k <= more; k++) {
      if ((b[i + k] & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (b[i + k] & 0x3f);
    }
    // Overlong forms, surrogates and code points past U+10FFFF are not UTF-8 either.
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += more + 1;
  }
  return -1;
}
