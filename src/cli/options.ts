// Options several commands share: number parsers, the model choice (from the registry) and the
// per-test limits. One definition each, so every command reads and explains them alike.
import { type Command, InvalidArgumentError, Option } from 'commander';
import { MODELS } from '../models/index.js';
import { DEFAULT_KVM_ARCH, KVM_ARCHES, KVM_KERNEL_RELEASE } from '../lower/kvm-arch.js';

export function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

export function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

/** `--kvm-arch`: the KVM architecture (request table) of tests without a `KvmArch=` header line. */
export function kvmArchOption(): Option {
  return new Option('--kvm-arch <arch>', `KVM architecture of tests without a KvmArch= header line: whose request table (${KVM_KERNEL_RELEASE}) KVM_REQ_* names come from (default ${DEFAULT_KVM_ARCH})`).choices([...KVM_ARCHES]);
}

/** `-m, --model`: the choices are the registry's models. */
export function modelOption(description = 'memory model', defaultModel: string | null = 'lkmm'): Option {
  const o = new Option('-m, --model <name>', description).choices([...MODELS.keys()]);
  return defaultModel === null ? o : o.default(defaultModel);
}

/**
 * `--timeout` and `--max-executions`, per test or per checker run (`per`), both exit 3 when hit.
 * `timeoutWhat` says what a timeout does for this command.
 */
export function addLimitOptions(cmd: Command, per: string, timeoutWhat = 'a test that hits it is reported incomplete (exit 3)'): Command {
  return cmd
    .option('--timeout <seconds>', `${per} time limit; ${timeoutWhat}`, positiveNumber)
    .option('--max-executions <n>', `${per} limit on candidate executions checked, and on search steps (100 per execution) (exit 3 when hit)`, positiveInt);
}

export { packageVersion } from './version.js';
