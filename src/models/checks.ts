// What the checks every model that assumes coherence shares demand, in words (MemoryModel's
// checkMeanings): coherence and atomicity.
export const COHERENCE_CHECK_MEANINGS: Readonly<Record<string, string>> = {
  coherence: 'all CPUs agree on one order of the writes to each location, and each CPU sees its own accesses to a location in program order',
  atomic: 'no other write may come between the read and the write of an atomic read-modify-write',
};
