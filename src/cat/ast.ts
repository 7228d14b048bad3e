// The cat language's syntax tree (herd7's model language), as parsed from .cat and .bell files.
// Every node carries its position so model-file errors read file:line:column.

export interface CatPos {
  file: string;
  line: number;
  col: number;
}

/** A binding pattern: one name (`_` is null) or a tuple of names. */
export type Pattern = { k: 'var'; name: string | null } | { k: 'tuple'; names: Array<string | null> };

export interface Binding {
  pat: Pattern;
  expr: Expr;
  pos: CatPos;
}

export type OpN = 'union' | 'seq' | 'inter' | 'diff' | 'cart' | 'add';
export type Op1 = 'star' | 'plus' | 'opt' | 'comp' | 'inv' | 'toid';

/** Conditions on variants: `"lkmmv2"`, `not "x"`, `"a" && "b"`, `"a" || "b"`. */
export type VariantCond =
  | { k: 'variant'; name: string }
  | { k: 'not'; arg: VariantCond }
  | { k: 'and' | 'or'; a: VariantCond; b: VariantCond };

export type Cond =
  | { k: 'variant'; cond: VariantCond }
  | { k: 'eq' | 'subset' | 'in'; a: Expr; b: Expr };

export type SetClause =
  | { k: 'eltrem'; elem: string | null; rest: string | null; body: Expr }
  | { k: 'pre'; pre: string | null; elem: string | null; post: string | null; body: Expr };

export type Expr =
  | { k: 'empty'; pos: CatPos } // {}: empty, of any type
  | { k: 'zero'; pos: CatPos } // 0: the empty relation
  | { k: 'universe'; pos: CatPos } // _
  | { k: 'tag'; name: string; pos: CatPos }
  | { k: 'var'; name: string; pos: CatPos }
  | { k: 'set'; elems: Expr[]; pos: CatPos }
  | { k: 'tuple'; elems: Expr[]; pos: CatPos }
  | { k: 'op1'; op: Op1; arg: Expr; pos: CatPos }
  | { k: 'op'; op: OpN; args: Expr[]; pos: CatPos }
  | { k: 'app'; fn: Expr; arg: Expr; pos: CatPos }
  | { k: 'fun'; param: Pattern; body: Expr; name: string; pos: CatPos }
  | { k: 'let'; rec: boolean; binds: Binding[]; body: Expr; pos: CatPos }
  | { k: 'match'; scrut: Expr; clauses: Array<{ tag: string; body: Expr }>; dflt: Expr | null; pos: CatPos }
  | { k: 'matchset'; scrut: Expr; ifEmpty: Expr; clause: SetClause; pos: CatPos }
  | { k: 'try'; body: Expr; handler: Expr; pos: CatPos }
  | { k: 'if'; cond: Cond; then: Expr; else: Expr; pos: CatPos };

export type TestKind = 'acyclic' | 'irreflexive' | 'empty';

export type Instr =
  | { k: 'let'; rec: boolean; binds: Binding[]; pos: CatPos }
  | {
      k: 'test';
      test: TestKind;
      negated: boolean;
      /** check: a failure rejects the execution; flag: success raises the flag; requires: failure marks it undefined. */
      flavour: 'check' | 'flag' | 'requires';
      expr: Expr;
      name: string | null;
      pos: CatPos;
    }
  | { k: 'with'; name: string; expr: Expr; pos: CatPos }
  | { k: 'enum'; name: string; tags: string[]; pos: CatPos }
  | { k: 'include'; file: string; pos: CatPos }
  | { k: 'ifvariant'; cond: VariantCond; then: Instr[]; else: Instr[]; pos: CatPos }
  /** Accepted and ignored: show, unshow, debug, bell `instructions`/`default`/`events` declarations. */
  | { k: 'ignored'; what: string; pos: CatPos };

export interface CatFile {
  file: string;
  /** The model's name from its first line (a string or an identifier), if any. */
  title: string | null;
  instrs: Instr[];
}
