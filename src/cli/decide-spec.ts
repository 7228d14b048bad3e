// From a command's flags to the library's DecideOptions, in one place: run, check, the worker
// threads, explain, fences, fuzz and hw read the same fields the same way (seconds to ms; the
// model by name, or read from --conf/--cat files).
import type { Command } from 'commander';
import type { DecideOptions } from '../api.js';
import type { KvmArch } from '../lower/kvm-arch.js';
import type { LowerOptions } from '../lower/lower.js';
import type { MemoryModel } from '../models/model.js';
import { knownModel } from './inputs.js';
import { secondsToMs } from './limits.js';
import { loadModelFromOptions, type ModelFileOptions } from './model-options.js';

/** The flags as commander gives them (own and global): seconds, a model name, model files. */
export interface DecideFlags extends ModelFileOptions {
  model?: string;
  /** -m was given on the command line (it cannot be combined with model files). */
  modelFlagGiven?: boolean;
  /** Seconds. */
  timeout?: number;
  maxExecutions?: number;
  /** Unroll loops this many times (otherwise a loop is an error). */
  unroll?: number;
  /** The KVM architecture of tests without a KvmArch= line. */
  kvmArch?: KvmArch;
  /** Decide the verdict only (no state list): stop at the first deciding executions. */
  verdictOnly?: boolean;
}

/** One decision as plain data: what a worker thread is sent, so its model is a built-in one's name. */
export interface DecideSpec {
  model: string;
  timeoutMs?: number;
  maxExecutions?: number;
  unroll?: number;
  kvmArch?: KvmArch;
  verdictOnly?: boolean;
}

/** A model read from --conf/--cat files, with the primitives its macros file defines. */
export interface FileModel {
  model: MemoryModel;
  lower: LowerOptions;
}

/** A spec with its model resolved. */
export interface Decider {
  /** With a model read from files, `model` is its name (for messages; workers cannot run it). */
  spec: DecideSpec;
  /** The model read from files; null for a built-in model. */
  files: FileModel | null;
}

/** A command's flags, its own and the global ones, with whether -m was given. */
export function decideFlagsOf<T extends DecideFlags>(cmd: Command): T {
  return { ...cmd.optsWithGlobals<T>(), modelFlagGiven: cmd.getOptionValueSource('model') === 'cli' };
}

/**
 * The decider the flags describe (DEFAULT_MODEL when neither -m nor model files are given); null
 * after saying why on stderr (an unknown model, model files that do not load).
 */
export function resolveDecider(flags: DecideFlags, defaultModel = 'lkmm'): Decider | null {
  const files = loadModelFromOptions(flags, flags.modelFlagGiven);
  if (files === 'error') return null;
  const name = flags.model ?? defaultModel;
  if (!files && !knownModel(name)) return null;
  const spec: DecideSpec = {
    model: files ? files.model.name : name,
    timeoutMs: secondsToMs(flags.timeout),
    maxExecutions: flags.maxExecutions,
    unroll: flags.unroll,
    kvmArch: flags.kvmArch,
    verdictOnly: flags.verdictOnly,
  };
  return { spec, files };
}

/** The model to hand the library: the one read from files, else the built-in one's name. */
export function modelOf(d: Decider): string | MemoryModel {
  return d.files?.model ?? d.spec.model;
}

/** The library's options for one decision. */
export function decideOptions(spec: DecideSpec, files: FileModel | null = null): DecideOptions {
  return {
    model: files?.model ?? spec.model,
    timeoutMs: spec.timeoutMs,
    maxExecutions: spec.maxExecutions,
    lower: { ...files?.lower, unroll: spec.unroll, kvmArch: spec.kvmArch },
    verdictOnly: spec.verdictOnly,
  };
}

/** The model flags of a run, to repeat in a command it suggests (nothing for the command's default model). */
export function modelFlagsText(o: DecideFlags, defaultModel: string | null = 'lkmm'): string {
  const files = (['conf', 'cat', 'bell', 'macros'] as const).flatMap((k) => (o[k] !== undefined ? [`--${k} ${o[k]}`] : []));
  if (o.variant?.length) files.push(`--variant ${o.variant.join(',')}`);
  if (files.length > 0) return ` ${files.join(' ')}`;
  return o.model !== undefined && o.model !== defaultModel ? ` --model ${o.model}` : '';
}
