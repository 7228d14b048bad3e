// Types for the benchmark generators, so the tests can use them too.
export function lockFamily(n: number): string;
export function cmpxchgLockFamily(n: number): string;
export function rcuFamily(n: number): string;
export function kvmVcpusFamily(n: number): string;
