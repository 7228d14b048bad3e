// The editor's litmus mode: C with OCaml comments `(* *)` (outside braces only: inside a thread
// body `(*x` is a parenthesis and a star, and comments are C's, as the parser reads them), the litmus header and condition
// keywords, the kernel's primitives and the KVM helpers (named from the lowering's own tables,
// so the colours follow what the checker knows), and the KVM constants.
import { HighlightStyle, StreamLanguage, syntaxHighlighting, type StreamParser } from '@codemirror/language';
import { tags as t } from '@lezer/highlight';
import { LKMM_PRIMITIVES } from '../lower/primitives.js';
import { KVM_CONSTANTS, KVM_PRIMITIVES } from '../lower/kvm.js';
import { KVM_ARCHES, requestTable } from '../lower/kvm-arch.js';
import { KVM_REQUEST_PRIMITIVES } from '../lower/kvm-requests.js';
import { KVM_POSTED_INTR_PRIMITIVES } from '../lower/kvm-posted-intr.js';

const KERNEL = new Set(LKMM_PRIMITIVES.keys());
const KVM = new Set([...KVM_PRIMITIVES.keys(), ...KVM_REQUEST_PRIMITIVES.keys(), ...KVM_POSTED_INTR_PRIMITIVES.keys()]);
const CONSTANTS = new Set([...KVM_CONSTANTS.keys(), ...KVM_ARCHES.flatMap((a) => [...requestTable(a).keys()])]);
const KEYWORDS = new Set(['if', 'else', 'while', 'for', 'do', 'return', 'break', 'continue', 'goto', 'exists', 'forall', 'filter', 'locations', 'bad', 'true', 'false']);
const TYPES = new Set(['int', 'long', 'unsigned', 'char', 'void', 'struct', 'spinlock_t', 'atomic_t', 'atomic_long_t', 'u8', 'u16', 'u32', 'u64', 'bool', 'const', 'volatile']);

interface State {
  /** Depth of nested `(* *)` comments. */
  comment: number;
  /** The first line ("C name") is the header. */
  header: boolean;
  /** Braces open: inside a thread body (or the initial state), where the code is C. */
  braces: number;
  /** Inside a C comment. */
  cComment: boolean;
}

const parser: StreamParser<State> = {
  name: 'litmus',
  startState: () => ({ comment: 0, header: true, braces: 0, cComment: false }),
  token(stream, state) {
    if (state.comment > 0) {
      while (!stream.eol()) {
        if (stream.match('(*')) state.comment++;
        else if (stream.match('*)')) {
          if (--state.comment === 0) return 'comment';
        } else stream.next();
      }
      return 'comment';
    }
    if (state.cComment) {
      if (stream.skipTo('*/')) {
        stream.match('*/');
        state.cComment = false;
      } else stream.skipToEnd();
      return 'comment';
    }
    if (stream.eatSpace()) return null;
    if (state.header && stream.sol()) {
      state.header = false;
      if (stream.match(/^C\s+\S+/)) return 'meta';
    }
    if (state.braces === 0 && stream.match('(*')) {
      state.comment = 1;
      return 'comment';
    }
    if (state.braces > 0 && stream.match('/*')) {
      state.cComment = true;
      return 'comment';
    }
    if (stream.eat('{')) {
      state.braces++;
      return 'brace';
    }
    if (stream.eat('}')) {
      state.braces = Math.max(0, state.braces - 1);
      return 'brace';
    }
    if (stream.match('//')) {
      stream.skipToEnd();
      return 'comment';
    }
    if (stream.match(/^(0x[0-9a-fA-F]+|\d+)/)) return 'number';
    if (stream.match(/^"([^"\\]|\\.)*"/)) return 'string';
    const word = stream.match(/^[A-Za-z_][A-Za-z0-9_]*/) as RegExpMatchArray | null;
    if (word) {
      const w = word[0];
      if (KVM.has(w)) return 'kvmHelper';
      if (KERNEL.has(w)) return 'kernelPrimitive';
      if (CONSTANTS.has(w)) return 'atom';
      if (KEYWORDS.has(w)) return 'keyword';
      if (TYPES.has(w)) return 'typeName';
      if (/^P\d+$/.test(w)) return 'labelName';
      return 'variableName';
    }
    if (stream.match(/^(\/\\|\\\/|->|[-+*&|^~!<>=]=?|[:;,.])/)) return 'operator';
    stream.next();
    return null;
  },
  tokenTable: { kernelPrimitive: t.macroName, kvmHelper: t.special(t.macroName) },
  languageData: { commentTokens: { block: { open: '(*', close: '*)' } } },
};

export const litmusLanguage = StreamLanguage.define(parser);

export const litmusHighlight = syntaxHighlighting(
  HighlightStyle.define([
    { tag: t.comment, color: '#6a737d', fontStyle: 'italic' },
    { tag: t.keyword, color: '#a626a4', fontWeight: 'bold' },
    { tag: t.typeName, color: '#986801' },
    { tag: t.macroName, color: '#0b63c4', fontWeight: 'bold' },
    { tag: t.special(t.macroName), color: '#b3261e', fontWeight: 'bold' },
    { tag: t.atom, color: '#00796b' },
    { tag: t.number, color: '#00796b' },
    { tag: t.labelName, color: '#5c2d91', fontWeight: 'bold' },
    { tag: t.meta, color: '#5c2d91', fontWeight: 'bold' },
  ]),
);
