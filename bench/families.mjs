// Generators for the scaling families of the performance targets (issue 6).

/** N threads: spin_lock(l); WRITE_ONCE(x_i, 1); r = READ_ONCE(x_{i+1}); spin_unlock(l). */
export function lockFamily(n) {
  const threads = [];
  for (let i = 0; i < n; i++) {
    const a = `x${i}`;
    const b = `x${(i + 1) % n}`;
    threads.push(`P${i}(spinlock_t *l, int *${a}, int *${b})
{
	int r1;

	spin_lock(l);
	WRITE_ONCE(*${a}, 1);
	r1 = READ_ONCE(*${b});
	spin_unlock(l);
}`);
  }
  const cond = [...Array(n).keys()].map((i) => `${i}:r1=0`).join(' /\\ ');
  return `C lock-family-${n}\n\n{}\n\n${threads.join('\n\n')}\n\nexists (${cond})\n`;
}

/** The same, with the lock emulated by cmpxchg_acquire / smp_store_release and a filter. */
export function cmpxchgLockFamily(n) {
  const threads = [];
  for (let i = 0; i < n; i++) {
    const a = `x${i}`;
    const b = `x${(i + 1) % n}`;
    threads.push(`P${i}(int *sl, int *${a}, int *${b})
{
	int r1;
	int r2;

	r2 = cmpxchg_acquire(sl, 0, 1);
	WRITE_ONCE(*${a}, 1);
	r1 = READ_ONCE(*${b});
	smp_store_release(sl, 0);
}`);
  }
  const filter = [...Array(n).keys()].map((i) => `${i}:r2=0`).join(' /\\ ');
  const cond = [...Array(n).keys()].map((i) => `${i}:r1=0`).join(' /\\ ');
  return `C cmpxchg-lock-family-${n}\n\n{}\n\n${threads.join('\n\n')}\n\nfilter (${filter})\nexists (${cond})\n`;
}

/**
 * The RCU cycle of the kernel's litmus-tests.txt ("Performance"): process i reads x_i and
 * writes x_{i+1}, either inside an RCU read-side critical section (R) or around a grace
 * period (G). The pattern is R R G G G G R R R R ..., as in paulmckrcu/litmus's auto/ tests.
 */
export function rcuFamily(n) {
  const pattern = 'RRGGGGRRRRGGGGRRRRRR';
  const threads = [];
  for (let i = 0; i < n; i++) {
    const a = `x${i}`;
    const b = `x${(i + 1) % n}`;
    const body = pattern[i] === 'G'
      ? `\tr1 = READ_ONCE(*${a});\n\tsynchronize_rcu();\n\tWRITE_ONCE(*${b}, 1);`
      : `\trcu_read_lock();\n\tr1 = READ_ONCE(*${a});\n\tWRITE_ONCE(*${b}, 1);\n\trcu_read_unlock();`;
    threads.push(`P${i}(int *${a}, int *${b})\n{\n${body}\n}`);
  }
  const cond = [...Array(n).keys()].map((i) => `${i}:r1=1`).join(' /\\ ');
  return `C rcu-family-${n}\n\n{}\n\n${threads.join('\n\n')}\n\nexists (${cond})\n`;
}
