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
    if (/at the start of the (then|else)-branch/.test(c.text)) {
      // After the `{` that opens the branch (the if's line names the branch).
      const els = /else-branch/.test(c.text);
      const from = els ? text.indexOf('else', at) : at;
      const brace = from < 0 ? -1 : text.indexOf('{', from);
      return brace < 0 ? [] : [{ from: brace + 1, to: brace + 1, insert: `\n${indent}\t${c.primitive}();` }];
    }
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

/** The edits that apply a fix, in increasing order of position; empty if a change cannot be placed. */
export function fixEdits(text: string, fix: Fix): TextEdit[] {
  const starts = lineStarts(text);
  const edits = fix.changes.flatMap((c) => changeEdits(text, starts, c));
  return edits.length === fix.changes.length ? edits.sort((a, b) => a.from - b.from) : [];
}
