// A suggested fix from the `fences` analysis as edits to the test's text, so one click applies it
// in the editor (and Ctrl-Z takes it back). Pure.
import type { Fix, FixChange } from '../analysis/fences.js';

export interface TextEdit {
  from: number;
  to: number;
  insert: string;
}

const STRONGER: Record<string, RegExp> = {
  smp_store_release: /\bWRITE_ONCE\(\s*/,
  smp_load_acquire: /\bREAD_ONCE\(\s*/,
  atomic_set_release: /\batomic_set\(/,
  atomic_read_acquire: /\batomic_read\(/,
};

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  return starts;
}

/** `&*p` is `p`: the release/acquire forms take a pointer where the _ONCE forms take the object. */
function pointerTo(arg: string): string {
  const t = arg.trim();
  return t.startsWith('*') ? t.slice(1).trim() : `&${t}`;
}

function changeEdits(text: string, starts: number[], c: FixChange): TextEdit[] {
  const at = starts[c.line - 1];
  if (at === undefined) return [];
  const end = starts[c.line] !== undefined ? starts[c.line] - 1 : text.length;
  const line = text.slice(at, end);
  const indent = /^\s*/.exec(line)![0];
  if (c.kind === 'fence') {
    const replace = /^replace the (smp_[wr]mb)\(\)/.exec(c.text.replace(/^P\d+: /, ''));
    if (replace) {
      const i = line.indexOf(`${replace[1]}(`);
      return i < 0 ? [] : [{ from: at + i, to: at + i + replace[1].length, insert: c.primitive }];
    }
    const branch = /at the start of the (then|else)-branch/.exec(c.text);
    if (branch) return branchStart(text, at, branch[1] === 'else', `${c.primitive}();`, indent);
    return [{ from: end, to: end, insert: `\n${indent}${c.primitive}();` }];
  }
  const re = STRONGER[c.primitive];
  const m = re ? re.exec(line) : null;
  if (!m) return [];
  const open = at + m.index;
  const argFrom = open + m[0].length;
  if (c.primitive === 'smp_store_release' || c.primitive === 'smp_load_acquire') {
    // WRITE_ONCE(x, v) -> smp_store_release(&x, v); READ_ONCE(x) -> smp_load_acquire(&x).
    let depth = 0;
    let i = argFrom;
    for (; i < text.length; i++) {
      const ch = text[i];
      if (ch === '(') depth++;
      else if (ch === ')' && depth-- === 0) break;
      else if (ch === ',' && depth === 0) break;
    }
    return [{ from: open, to: i, insert: `${c.primitive}(${pointerTo(text.slice(argFrom, i))}` }];
  }
  return [{ from: open, to: argFrom - 1, insert: c.primitive }];
}

/** The index just past the `)` that closes the `(` at or after `from`. */
function closeParen(text: string, from: number): number {
  let depth = 0;
  for (let i = text.indexOf('(', from); i >= 0 && i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i + 1;
  }
  return -1;
}

/** A statement at the start of the then- (or else-) branch of the `if` at `at`, braced or not. */
function branchStart(text: string, at: number, inElse: boolean, stmt: string, indent: string): TextEdit[] {
  const ifAt = text.indexOf('if', at);
  let pos = ifAt < 0 ? -1 : closeParen(text, ifAt);
  if (pos >= 0 && inElse) {
    const e = /\belse\b/g;
    e.lastIndex = pos;
    pos = e.exec(text) ? e.lastIndex : -1;
  }
  if (pos < 0) return [];
  while (/\s/.test(text[pos] ?? '')) pos++;
  if (text[pos] === '{') return [{ from: pos + 1, to: pos + 1, insert: `\n${indent}\t${stmt}` }];
  // A branch of one statement gets braces around the barrier and the statement.
  const semi = text.indexOf(';', pos);
  if (semi < 0) return [];
  return [
    { from: pos, to: pos, insert: `{\n${indent}\t${stmt}\n${indent}\t` },
    { from: semi + 1, to: semi + 1, insert: `\n${indent}}` },
  ];
}

/** The edits that apply a fix, in increasing order of position; empty if a change cannot be placed. */
export function fixEdits(text: string, fix: Fix): TextEdit[] {
  const starts = lineStarts(text);
  const perChange = fix.changes.map((c) => changeEdits(text, starts, c));
  return perChange.every((e) => e.length > 0) ? perChange.flat().sort((a, b) => a.from - b.from) : [];
}
