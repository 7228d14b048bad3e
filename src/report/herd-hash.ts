// herd7's `Hash=` line: an MD5 of a normalised form of the test (learnt from herdtools7's
// lib/CTestHash.ml, lib/testHash.ml and lib/splitter.mll), so that scripts comparing outputs
// (the kernel's cmplitmushist.sh) see the same bytes. It works on the raw text, as herd7 does:
// the digest covers the init section (sorted, typed), each process's parameters and raw body,
// and the locations the test observes (its `locations` and its final condition).
import { md5, md5Hex } from './md5.js';

/** The three sections herd7's splitter cuts a test into, and the header's key=value lines. */
interface Sections {
  info: [string, string][];
  init: string;
  prog: string;
  constr: string;
}

/** Skips a (possibly nested) OCaml comment starting at i (after its "(*"). */
function skipComment(s: string, i: number): number {
  let depth = 1;
  while (i < s.length && depth > 0) {
    if (s.startsWith('(*', i)) (depth++, (i += 2));
    else if (s.startsWith('*)', i)) (depth--, (i += 2));
    else i++;
  }
  return i;
}

const KEY_LINE = /^([a-zA-Z][a-zA-Z0-9_/.-]*)[ \t\r]*=[ \t\r]*([^\n\r]*)\r?\n/;
const CONSTR_KEYWORD = /^(final|forall|~[ \t\r]*exists|exists|cases|observed|Observed|locations|filter)/;
const NAME_TOKEN = /^[a-zA-Z][a-zA-Z0-9_/.-]*/;

function split(text: string): Sections | null {
  const first = /^[ \t\r]*[A-Za-z0-9_]+[ \t\r]+[A-Za-z0-9_/.+\-[\]:]+[ \t\r]*(\([a-zA-Z][a-zA-Z0-9_/.-]*\)[ \t\r]*)?(\n?[ \t\r]*"[^"]*"[ \t\r]*)?;?/.exec(text);
  if (!first) return null;
  let i = first[0].length;
  const info: [string, string][] = [];
  // find_init: the header up to the first '{' (ocamllex's longest match decides each step).
  for (;;) {
    if (i >= text.length) return null;
    const c = text[i];
    if (c === '\n') { i++; continue; }
    if (c === '{') break;
    const rest = text.slice(i, text.indexOf('\n', i) < 0 ? text.length : text.indexOf('\n', i));
    const key = KEY_LINE.exec(text.slice(i, i + rest.length + 1));
    if (key) { info.push([key[1], key[2]]); i += key[0].length; continue; }
    const chunk = /^[^\n{]+/.exec(rest)![0];
    if (text.startsWith('(*', i) && chunk.length <= 2) { i = skipComment(text, i + 2); continue; }
    i += chunk.length;
  }
  const initStart = ++i;
  for (let depth = 0; ; i++) {
    if (i >= text.length) return null;
    if (text[i] === '{') depth++;
    else if (text[i] === '}') { if (depth === 0) break; depth--; }
  }
  const init = text.slice(initStart, i++);
  const progStart = i;
  // inside_prog: the program runs to the first constraint keyword (C: no comment skipping).
  while (i < text.length) {
    if (text[i] === '"') { const end = text.indexOf('"', i + 1); i = end < 0 ? text.length : end + 1; continue; }
    if (CONSTR_KEYWORD.test(text.slice(i, i + 12))) {
      const name = NAME_TOKEN.exec(text.slice(i, i + 64));
      const kw = CONSTR_KEYWORD.exec(text.slice(i, i + 12))![0];
      if (!name || name[0].length <= kw.length || kw.startsWith('~')) break;
      i += name[0].length;
      continue;
    }
    const name = NAME_TOKEN.exec(text.slice(i, i + 256));
    i += name ? name[0].length : 1;
  }
  const prog = text.slice(progStart, i);
  let constr = '';
  for (let j = i; j < text.length; ) {
    if (text.startsWith('(*', j)) { j = skipComment(text, j + 2); constr += ' '; continue; }
    if (text.startsWith('<<', j)) break;
    constr += text[j++];
  }
  return { info, init, prog, constr };
}

// ---- tokens of the init and constraint sections (herd's StateLexer, the parts C tests use)

type Tok = { k: 'name' | 'num' | 'proc' | 'sym'; v: string };

function stateTokens(s: string): Tok[] {
  const out: Tok[] = [];
  const re = /\s+|\(\*|(0[xX][0-9a-fA-F]+|-?[0-9]+)|P(-?[0-9]+)\b|(==|!=|<>|=>|\/\\|\\\/|[,&;:+[\](){}=*~])|(_?[a-zA-Z_.$][a-zA-Z0-9_/.-]*)|./gy;
  for (let m = re.exec(s); m && m[0] !== ''; m = re.exec(s)) {
    if (m[0] === '(*') { re.lastIndex = skipComment(s, re.lastIndex); continue; }
    if (m[1] !== undefined) out.push({ k: 'num', v: m[1] });
    else if (m[2] !== undefined) out.push({ k: 'proc', v: m[2] });
    else if (m[3] !== undefined) out.push({ k: 'sym', v: m[3] });
    else if (m[4] !== undefined) out.push({ k: 'name', v: m[4] });
    if (re.lastIndex >= s.length) break;
  }
  return out;
}

/** A herd location: a register (proc, name) or a global (name). */
type Loc = { proc: number; name: string } | { proc: null; name: string };

function locKey(l: Loc): string {
  return l.proc === null ? l.name : `${l.proc}:${l.name}`;
}

function compareLoc(a: Loc, b: Loc): number {
  if (a.proc !== null && b.proc !== null) return a.proc - b.proc || cmp(a.name, b.name);
  if (a.proc !== null) return -1;
  if (b.proc !== null) return 1;
  return cmp(a.name, b.name);
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Reads a location at t[i]: `P:r`, `n:r`, `x` or `[x]`; returns it and the next index. */
function readLoc(t: Tok[], i: number): [Loc, number] | null {
  const a = t[i];
  if (!a) return null;
  if ((a.k === 'proc' || a.k === 'num') && t[i + 1]?.v === ':' && t[i + 2]?.k === 'name') return [{ proc: Number(a.v), name: t[i + 2].v }, i + 3];
  if (a.k === 'name') return [{ proc: null, name: a.v }, i + 1];
  if (a.v === '[' && t[i + 1]?.k === 'name' && t[i + 2]?.v === ']') return [{ proc: null, name: t[i + 1].v }, i + 3];
  return null;
}

function splitOn(t: Tok[], sep: string): Tok[][] {
  const parts: Tok[][] = [[]];
  for (const x of t) {
    if (x.v === sep) parts.push([]);
    else parts[parts.length - 1].push(x);
  }
  return parts;
}

/** One init item as herd7 prints it for hashing, with its location for sorting. */
function initItem(t: Tok[]): { loc: Loc; text: string } | null {
  let i = 0;
  let atomic = false;
  if (t[0]?.v === '_Atomic') (atomic = true), i++;
  // A type name before the location: NAME loc, NAME *loc, but not `loc = ...` itself.
  let type: string | null = null;
  let star = false;
  if (t[i]?.k === 'name' && t[i + 1] && t[i + 1].v !== '=' && t[i + 1].v !== '[') type = t[i++].v;
  if (type !== null && t[i]?.k === 'name' && t[i + 1]?.v === '[') {
    // An array: `int a[2]`.
    return { loc: { proc: null, name: t[i].v }, text: `${type} ${t[i].v}[${t[i + 2]?.v}]` };
  }
  if (t[i]?.v === '*') (star = true), i++;
  const read = readLoc(t, i);
  if (!read) return null;
  const [loc, j] = read;
  let value = '0';
  let amper = false;
  if (t[j]?.v === '=') {
    let k = j + 1;
    if (t[k]?.v === '&') (amper = true), k++;
    if (t[k]?.v === 'ATOMIC_INIT' && t[k + 1]?.v === '(') k += 2;
    value = t[k]?.v ?? '0';
  } else if (j < t.length) return null;
  const where = locKey(loc);
  let text: string;
  if (atomic) text = `_Atomic ${type} ${where}=${value}`;
  else if (type !== null) text = star ? `${type} *${where}=${value}` : `${type} ${where}=${value}`;
  else if (star || (amper && loc.proc !== null)) text = `*${where}=${value}`;
  else text = `${where}=${value}`;
  return { loc, text };
}

function digestInit(init: string): Uint8Array {
  const items = splitOn(stateTokens(init), ';')
    .filter((p) => p.length > 0)
    .map(initItem)
    .filter((x): x is { loc: Loc; text: string } => x !== null);
  const sorted = items.map((x, n) => ({ ...x, n })).sort((a, b) => compareLoc(a.loc, b.loc) || a.n - b.n);
  const kept = sorted.filter((x, n) => n === 0 || compareLoc(sorted[n - 1].loc, x.loc) !== 0);
  return md5(kept.map((x) => x.text).join('; '));
}

// ---- the code: each process's parameters (their types less the top pointer) and raw body

const BASE_TYPES = /^(char|int|long|int8_t|uint8_t|int16_t|uint16_t|int32_t|uint32_t|int64_t|uint64_t|__int128_t|__uint128_t|__int128|__uint128|intptr_t|uintptr_t|mtx_t|spinlock_t|atomic_t)$/;

/** A parameter's C type, herd7's CType.dump of it without its outer `*`, then `*` and the name. */
function paramText(words: string[]): string | null {
  const name = words.pop();
  if (!name || words.pop() !== '*') return null;
  let stars = 0;
  while (words[words.length - 1] === '*') (words.pop(), stars++);
  let base: string;
  const volatile = words.includes('volatile');
  const rest = words.filter((w) => w !== 'volatile' && w !== 'const');
  if (rest[0] === 'struct' && rest.length === 2) base = `struct ${rest[1]}`;
  else if (rest.length === 1 && (BASE_TYPES.test(rest[0]) || rest[0] === 'void')) base = rest[0];
  else if (rest.length === 1 && rest[0] === 'atomic_int') base = '_Atomic int';
  else return null;
  if (volatile) base = `volatile ${base}`;
  return `${base}${'*'.repeat(stars)}* ${name}`;
}

function codeCells(prog: string): string[] | null {
  const cells: string[] = [];
  let i = 0;
  const skip = () => {
    for (;;) {
      const ws = /^[ \t\r\n]+/.exec(prog.slice(i, i + 4096));
      if (ws) { i += ws[0].length; continue; }
      if (prog.startsWith('/*', i)) { const e = prog.indexOf('*/', i + 2); i = e < 0 ? prog.length : e + 2; continue; }
      if (prog.startsWith('//', i)) { const e = prog.indexOf('\n', i); i = e < 0 ? prog.length : e; continue; }
      return;
    }
  };
  const body = (): string | null => {
    // After '{': the raw text up to the matching '}' (braces counted, nothing else).
    const start = i;
    for (let depth = 0; i < prog.length; i++) {
      if (prog[i] === '{') depth++;
      else if (prog[i] === '}') { if (depth === 0) return prog.slice(start, i++); depth--; }
    }
    return null;
  };
  for (skip(); i < prog.length; skip()) {
    if (prog[i] === '{') {
      i++;
      const b = body();
      if (b === null) return null;
      cells.push(`{${b}}\n\n`);
      continue;
    }
    const head = /^(?:void[ \t\r\n]*(?:\*[ \t\r\n]*)?)?P([0-9]+)[ \t\r\n]*\(([^)]*)\)/.exec(prog.slice(i, i + 4096));
    if (!head) return null;
    i += head[0].length;
    skip();
    if (prog[i] !== '{') return null;
    i++;
    const b = body();
    if (b === null) return null;
    const params: string[] = [];
    const cleaned = head[2].replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
    if (cleaned.trim() !== '') {
      for (const p of cleaned.split(',')) {
        const t = paramText(p.replace(/\*/g, ' * ').trim().split(/\s+/));
        if (t === null) return null;
        params.push(t);
      }
    }
    cells.push(`P${Number(head[1])}(${params.join(', ')}) {\n${b}\n}\n`);
  }
  return cells;
}

// ---- the observed locations: `locations [...]` and the final condition (not the filter)

function observed(constr: string): string {
  const t = stateTokens(constr);
  const locs: { loc: Loc; deref?: number }[] = [];
  let i = 0;
  if (t[0]?.v === 'locations' && t[1]?.v === '[') {
    const close = t.findIndex((x, n) => n > 1 && x.v === ']' && t[n - 2]?.v !== '[');
    const end = close < 0 ? t.length : close;
    for (const item of splitOn(t.slice(2, end), ';')) {
      if (item.length === 0) continue;
      if (item[0].k === 'name' && item[1]?.v === '[' && item[2]?.k === 'num') locs.push({ loc: { proc: null, name: item[0].v }, deref: Number(item[2].v) });
      else {
        const r = readLoc(item, 0);
        if (r) locs.push({ loc: r[0] });
      }
    }
    i = end + 1;
  }
  if (t[i]?.v === 'filter') {
    // The filter runs to the quantifier of the final condition (`~exists` included).
    const starts = (n: number) => ['exists', 'forall', 'final', 'observed', 'Observed'].includes(t[n].v) || ((t[n].v === '~' || t[n].v === 'not') && t[n + 1]?.v === 'exists');
    while (i < t.length && !starts(i)) i++;
  }
  for (; i < t.length; i++) {
    // Each atom: a location followed by = == != <>; a location on the right of = is read too.
    const r = readLoc(t, i);
    if (!r) continue;
    const [loc, j] = r;
    const op = t[j]?.v;
    if (op !== '=' && op !== '==' && op !== '!=' && op !== '<>') continue;
    if (['exists', 'forall', 'final', 'true', 'false', 'not', 'with'].includes(loc.name) && loc.proc === null) continue;
    if (t[j + 1]?.k === 'name' && t[j + 2]?.v === '[' && t[j + 3]?.k === 'num') {
      if (loc.proc === null) locs.push({ loc, deref: undefined });
      i = j + 4;
      continue;
    }
    locs.push({ loc });
    const right = t[j + 1];
    if (right && (right.v === '[' || right.v === '*' || ((right.k === 'proc' || right.k === 'num') && t[j + 2]?.v === ':'))) {
      const rr = readLoc(t, right.v === '*' ? j + 2 : j + 1);
      if (rr) locs.push({ loc: rr[0] }), (i = rr[1] - 1);
    } else i = j + 1;
  }
  locs.sort((a, b) => (a.deref === undefined) !== (b.deref === undefined) ? (a.deref === undefined ? -1 : 1) : compareLoc(a.loc, b.loc) || (a.deref ?? 0) - (b.deref ?? 0));
  const unique = locs.filter((x, n) => n === 0 || compareLoc(locs[n - 1].loc, x.loc) !== 0 || locs[n - 1].deref !== x.deref);
  return unique.map((x) => (x.deref === undefined ? locKey(x.loc) : `${locKey(x.loc)}[${x.deref}]`)).join('; ');
}

/** herd7's Hash= value for a C litmus test's source, or null where its form is not understood. */
export function herdHash(text: string): string | null {
  const s = split(text);
  if (!s) return null;
  const given = s.info.find(([k]) => k.toLowerCase() === 'hash');
  if (given) return given[1];
  const cells = codeCells(s.prog);
  if (!cells) return null;
  // The processes as one line of a table: each cell padded to its own width, joined by '|'.
  const code = cells.map((c) => ` ${c} `).join('|') + ';\n';
  const digested = s.info.filter(([k]) => /^(memorytype|mt|cachetype)$/i.test(k));
  const info = digested.length === 0 ? new Uint8Array(0) : md5(digested.sort().reverse().map(([k, v]) => `${k.toLowerCase()}=${v}`).join(''));
  const parts = [info, digestInit(s.init), md5(code), md5(observed(s.constr))];
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
  return md5Hex(all);
}
