// The CodeMirror 6 editor: the litmus mode, and the checker's diagnostics as squiggles while one
// types (parse and lower run in a worker), each "did you mean" offered as a quick fix.
import { EditorView, basicSetup } from 'codemirror';
import { keymap } from '@codemirror/view';
import { indentWithTab } from '@codemirror/commands';
import { linter, lintGutter, type Action, type Diagnostic as LintDiagnostic } from '@codemirror/lint';
import type { Text } from '@codemirror/state';
import type { Diagnostic } from '../diagnostics.js';
import { litmusHighlight, litmusLanguage } from './litmus-mode.js';

/** line:col (1-based) to an offset in the document, clamped to the line. */
export function offsetOf(doc: Text, line: number, col: number): number {
  const l = doc.line(Math.min(Math.max(line, 1), doc.lines));
  return Math.min(l.from + Math.max(col - 1, 0), l.to);
}

/** The quick fix a "did you mean X?" message offers: the unknown name, found at or after the column, replaced by X. */
export function didYouMean(message: string): { wrong: string | null; right: string } | null {
  const m = /did you mean ([A-Za-z_][A-Za-z0-9_>.-]*)\?/.exec(message);
  if (!m) return null;
  const wrong = /'([^']+)'/.exec(message)?.[1] ?? /(?:register|location) (\S+)/.exec(message)?.[1] ?? null;
  return { wrong, right: m[1] };
}

function toLint(doc: Text, d: Diagnostic): LintDiagnostic {
  let from = offsetOf(doc, d.line, d.col);
  const line = doc.lineAt(from);
  const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(doc.sliceString(from, line.to));
  let to = Math.max(from + (word ? word[0].length : 1), from);
  to = Math.min(to, line.to);
  const actions: Action[] = [];
  const fix = didYouMean(d.message);
  if (fix) {
    const rest = doc.sliceString(from, line.to);
    const at = fix.wrong ? rest.indexOf(fix.wrong) : -1;
    if (at >= 0) {
      const a = from + at;
      const b = a + fix.wrong!.length;
      actions.push({ name: `use ${fix.right}`, apply: (view) => view.dispatch({ changes: { from: a, to: b, insert: fix.right } }) });
    }
  }
  if (to === from && from > line.from) from--;
  return { from, to: Math.max(to, from), severity: d.severity, message: `${d.line}:${d.col}: ${d.message}`, actions };
}

export function createEditor(parent: HTMLElement, doc: string, check: (source: string) => Promise<Diagnostic[] | null>, onChange: () => void): EditorView {
  const lint = linter(
    async (view) => {
      const diagnostics = await check(view.state.doc.toString());
      if (diagnostics === null) return [];
      return diagnostics.map((d) => toLint(view.state.doc, d));
    },
    { delay: 300 },
  );
  return new EditorView({
    doc,
    parent,
    extensions: [
      basicSetup,
      keymap.of([indentWithTab]),
      litmusLanguage,
      litmusHighlight,
      lint,
      lintGutter(),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) onChange();
      }),
    ],
  });
}
