// The messages between the page and its Web Workers, and the plain data they carry (no classes:
// everything crosses postMessage by structured clone).
import type { Diagnostic } from '../diagnostics.js';
import type { FencesReport } from '../analysis/fences.js';
import type { WitnessGraph } from './graph.js';

/** The CLI's limits (`--timeout`, `--max-executions`), per test and per model. */
export interface Limits {
  timeoutSeconds?: number;
  maxExecutions?: number;
}

/** A model of one's own: herd7-style files by name, and the .cfg that names the others. */
export interface CustomModel {
  cfg: string;
  files: Record<string, string>;
}

/** A built-in model name, or 'custom' for the user's files. */
export type ModelChoice = string;

export type Request =
  | { kind: 'lint'; source: string }
  | { kind: 'decide'; source: string; model: ModelChoice; limits: Limits; custom?: CustomModel }
  | { kind: 'explain'; source: string; model: ModelChoice; limits: Limits; custom?: CustomModel; witnesses: number }
  | { kind: 'fences'; source: string; model: ModelChoice; limits: Limits; custom?: CustomModel }
  | { kind: 'bench'; sources: Array<{ file: string; source: string }> };

export interface StateRow {
  /** "0:r0=0; 1:r1=OUTSIDE_GUEST_MODE;" as herd7 prints it, values named as the condition names them. */
  text: string;
  executions: number;
  /** The condition's proposition holds here: for exists, a witness. */
  witness: boolean;
}

export interface ModelResult {
  model: string;
  /** The verdict in the protocol's words: "lost request: reachable", or herd7's observation. */
  verdict: string;
  observation: string;
  ok: boolean;
  condition: string;
  states: StateRow[];
  flags: string[];
  positive: number;
  negative: number;
  blocked: Array<{ thread: number; line: number; col: number; waitsFor: string; executions: number }>;
  vacuous: string | null;
  undefinedBehaviour: Array<{ thread: number; line: number; col: number; message: string; executions: number }>;
  warnings: Diagnostic[];
  incomplete: string | null;
  expected: string | null;
  explored: number;
  consistent: number;
  timeMs: number;
}

export interface ExplainResponse {
  verdict: string;
  text: string;
  graphs: WitnessGraph[];
}

export interface FencesResponse {
  report: FencesReport;
  text: string;
}

export interface BenchResponse {
  /** Time spent deciding inside the worker (as the CLI's in-process figure). */
  ms: number;
  tests: number;
  verdicts: string[];
}

export type Response =
  | { kind: 'lint'; diagnostics: Diagnostic[] }
  | { kind: 'decide'; ok: true; result: ModelResult }
  | { kind: 'explain'; ok: true; result: ExplainResponse }
  | { kind: 'fences'; ok: true; result: FencesResponse }
  | { kind: 'bench'; ok: true; result: BenchResponse }
  | { kind: 'error'; diagnostics: Diagnostic[] };
