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

/**
 * The RCU grace-period families of paulmckrcu/litmus's auto/ tests, in their style
 * (C-RR-G+RR-G+...+RR-R): process i accesses x_i then x_{i+1}, around a grace period (G) or
 * inside an RCU read-side critical section (R). `kind` is RR, RW, WW or WR (the two accesses);
 * RR adds a last process writing every x_i. The corpus's rule: the cycle is forbidden (Never)
 * when the grace periods are at least as many as the critical sections.
 */
export function rcuGpTest(kind, pattern) {
  const n = pattern.length;
  const name = `C-${[...pattern].map((p) => `${kind}-${p}`).join('+')}`;
  const [first, second] = kind;
  const threads = [];
  const cond = [];
  for (let i = 0; i < n; i++) {
    const a = `x${i}`;
    const b = `x${(i + 1) % n}`;
    const params = [a, b].sort((u, v) => Number(u.slice(1)) - Number(v.slice(1)));
    const access = (rw, loc, reg, value) => (rw === 'R' ? `intptr_t ${reg} = READ_ONCE(*${loc});` : `WRITE_ONCE(*${loc}, ${value});`);
    const one = access(first, a, 'r1', 2);
    const two = access(second, b, 'r2', 1);
    const body = pattern[i] === 'G' ? [one, 'synchronize_rcu();', two] : ['rcu_read_lock();', one, two, 'rcu_read_unlock();'];
    threads.push(`P${i}(${params.map((p) => `intptr_t *${p}`).join(', ')})\n{\n${body.map((l) => `\t${l}`).join('\n')}\n}`);
    if (first === 'R') cond.push(`${i}:r1=1`);
    if (second === 'R') cond.push(`${i}:r2=0`);
  }
  if (kind === 'WW') for (let i = 0; i < n; i++) cond.push(`x${i}=2`);
  if (kind === 'RR') {
    const xs = [...Array(n).keys()].map((i) => `x${i}`);
    threads.push(`P${n}(${xs.map((x) => `intptr_t *${x}`).join(', ')})\n{\n${xs.map((x) => `\tWRITE_ONCE(*${x}, 1);`).join('\n')}\n}`);
  }
  const g = [...pattern].filter((p) => p === 'G').length;
  const result = g >= n - g ? 'Never' : 'Sometimes';
  return { name, result, source: `C auto/${name}\n(*\n * Result: ${result}\n *)\n{\n}\n\n${threads.join('\n\n\n')}\n\nexists\n(${cond.join(' /\\ ')})\n` };
}

/** The KVM requester family: one vCPU entering guest mode, n-1 requesters each making a distinct request and kicking. */
export function kvmRequestersFamily(n) {
  const reqs = ['KVM_REQ_TLB_FLUSH', 'KVM_REQ_VM_DEAD', 'KVM_REQ_UNBLOCK', 'KVM_REQ_DIRTY_RING_SOFT_FULL', 'KVM_REQ_MIGRATE_TIMER', 'KVM_REQ_REPORT_TPR_ACCESS', 'KVM_REQ_TRIPLE_FAULT', 'KVM_REQ_MMU_SYNC'];
  const t = ['P0(struct kvm_vcpu *vcpu)\n{\n\tint r0;\n\n\tlocal_irq_disable();\n\tWRITE_ONCE(vcpu->mode, IN_GUEST_MODE);\n\tsmp_mb();\n\tr0 = kvm_request_pending(vcpu);\n}'];
  for (let i = 1; i < n; i++) t.push(`P${i}(struct kvm_vcpu *vcpu)\n{\n\tkvm_make_request(${reqs[i - 1]}, vcpu);\n\tkvm_vcpu_kick(vcpu);\n}`);
  const cond = [...Array(n - 1).keys()].map((i) => `${i + 1}:ipi=0`).join(' /\\ ');
  return `C kvm-requesters-${n}\n\n(* Result: Never *)\n\n{}\n\n${t.join('\n\n')}\n\nbad lost-request (0:r0=0 /\\ ${cond})\n`;
}

/**
 * The KVM vCPU family (issue 19, "Scale in vCPUs"): one requester makes a request of every vCPU
 * with kvm_make_all_cpus_request(); each of the n vCPU threads enters the guest with
 * smp_store_mb(vcpu->mode, IN_GUEST_MODE) and looks for requests. Lost: some vCPU runs the guest
 * without the request and the requester sent it no IPI. The request is KVM_REQ_EVENT (no flags:
 * a wake-up, then an IPI if the vCPU is in guest mode).
 */
export function kvmVcpusFamily(n) {
  const t = [];
  for (let i = 0; i < n; i++) t.push(`P${i}(struct kvm_vcpu *vcpu${i})\n{\n\tint r0;\n\n\tsmp_store_mb(vcpu${i}->mode, IN_GUEST_MODE);\n\tr0 = kvm_request_pending(vcpu${i});\n}`);
  t.push(`P${n}(struct kvm *kvm)\n{\n\tkvm_make_all_cpus_request(kvm, KVM_REQ_EVENT);\n}`);
  const cond = [...Array(n).keys()].map((i) => `(${i}:r0=0 /\\ ${n}:ipi_vcpu${i}=0)`).join(' \\/ ');
  return `C kvm-vcpus-${n}\n\n(* Result: Never *)\n\n{}\n\n${t.join('\n\n')}\n\nbad lost-request (${cond})\n`;
}
