// Work finishes in any order on worker threads; output goes in path order, so that a log is the
// same for any --jobs.

/**
 * A callback taking (index, item) in completion order that hands them to `deliver` in index
 * order, each as soon as it and every one before it have arrived.
 */
export function inPathOrder<T>(deliver: (index: number, item: T) => void): (index: number, item: T) => void {
  const waiting = new Map<number, T>();
  let next = 0;
  return (index, item) => {
    waiting.set(index, item);
    for (let it = waiting.get(next); it !== undefined || waiting.has(next); it = waiting.get(next)) {
      waiting.delete(next);
      deliver(next++, it as T);
    }
  };
}
