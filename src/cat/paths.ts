// The few path operations model loading needs, on '/'-separated paths, so the cat interpreter
// runs in a browser too (the playground); the CLI's paths on Linux and macOS are of this form.
export function isAbsolute(p: string): boolean {
  return p.startsWith('/');
}

export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  if (i < 0) return '.';
  return i === 0 ? '/' : p.slice(0, i);
}

export function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** `dir` then `name`, with `.` and `..` segments resolved (as node:path's join does). */
export function join(dir: string, name: string): string {
  const parts: string[] = [];
  for (const seg of `${dir}/${name}`.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..' && parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
    else parts.push(seg);
  }
  const joined = parts.join('/');
  return dir.startsWith('/') ? `/${joined}` : joined || '.';
}
