// The fixed part of the C program hw/generate.ts writes: the histogram of final states, the
// barriers, the wait checks of a KVM_REQUEST_WAIT test, and main(). The generator adds what
// depends on the test (its layout, initialisation, threads and tally) around these.

/** Globals, address checks, the round and instance barriers, and the histogram of final states. */
export const HW_HISTOGRAM_C = String.raw`
static long hw_runs, hw_size, hw_wait_unacked, hw_wait_gaveup;
static inst_t *hw_insts;
static val_t *hw_out[NT];
static unsigned char *hw_ub[NT];
static int hw_pinned, hw_ncpu, hw_cpu_ids[1024];

static inline val_t hw_div(val_t a, val_t b) { return b == 0 ? 0 : a / b; }
static inline val_t hw_mod(val_t a, val_t b) { return b == 0 ? 0 : a % b; }

/* An address computed at run time must be one of this instance's locations; anything else is
   undefined behaviour in the model too: use a scratch cell and mark the instance. */
static inline volatile val_t *hw_ptr(inst_t *I, val_t a, int t, int *ub) {
	uintptr_t off = (uintptr_t)a - (uintptr_t)&I->loc[0].v;
	if (off < (uintptr_t)NLOC * sizeof(cell_t) && off % sizeof(cell_t) == 0) return (volatile val_t *)a;
	*ub |= 1;
	return &I->scratch[t].v;
}

/* The round barrier: sense-reversing and spinning, yielding when CPUs are shared. */
static volatile int hw_gb_count, hw_gb_sense;
static void hw_gbarrier(int *local_sense) {
	int sense = !*local_sense;
	*local_sense = sense;
	if (__atomic_add_fetch(&hw_gb_count, 1, __ATOMIC_SEQ_CST) == NT) {
		__atomic_store_n(&hw_gb_count, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&hw_gb_sense, sense, __ATOMIC_RELEASE);
	} else {
		unsigned spins = 0;
		while (__atomic_load_n(&hw_gb_sense, __ATOMIC_ACQUIRE) != sense) hw_relax(&spins);
	}
}

/* The instance barrier: all threads start instance i together (a fresh counter per instance). */
static inline void hw_ibarrier(volatile val_t *bar) {
	unsigned spins = 0;
	__atomic_add_fetch(bar, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(bar, __ATOMIC_ACQUIRE) < NT) hw_relax(&spins);
}

/* The histogram: open addressing over (kind, value) pairs per observable. */
typedef struct { long count; val_t key[2 * NOBS + 1]; int used; } hw_entry_t;
static hw_entry_t *hw_table;
static long hw_cap, hw_states, hw_undefined;

static unsigned long hw_hash(const val_t *k) {
	unsigned long h = 1469598103934665603UL;
	for (int j = 0; j < 2 * NOBS + 1; j++) { h ^= (unsigned long)k[j]; h *= 1099511628211UL; }
	return h;
}
static void hw_add(const val_t *k) {
	if (2 * (hw_states + 1) > hw_cap) {
		hw_entry_t *old = hw_table; long oc = hw_cap;
		hw_cap = hw_cap ? 2 * hw_cap : 64;
		hw_table = calloc(hw_cap, sizeof(hw_entry_t));
		if (!hw_table) { fprintf(stderr, "out of memory\n"); exit(3); }
		for (long j = 0; j < oc; j++) if (old[j].used) {
			long s = hw_hash(old[j].key) & (hw_cap - 1);
			while (hw_table[s].used) s = (s + 1) & (hw_cap - 1);
			hw_table[s] = old[j];
		}
		free(old);
	}
	long s = hw_hash(k) & (hw_cap - 1);
	while (hw_table[s].used && memcmp(hw_table[s].key, k, sizeof(hw_table[s].key)) != 0) s = (s + 1) & (hw_cap - 1);
	if (!hw_table[s].used) { hw_table[s].used = 1; memcpy(hw_table[s].key, k, sizeof(hw_table[s].key)); hw_states++; }
	hw_table[s].count++;
}

/* A value as (kind, v): kind 1 for the address of location v of this instance, else 0. */
static inline void hw_encode(inst_t *I, val_t x, val_t *k) {
	uintptr_t off = (uintptr_t)x - (uintptr_t)&I->loc[0].v;
	if (off < (uintptr_t)NLOC * sizeof(cell_t) && off % sizeof(cell_t) == 0) { k[0] = 1; k[1] = (val_t)(off / sizeof(cell_t)); }
	else { k[0] = 0; k[1] = x; }
}
`;

/**
 * How many failed reads of an acknowledgement a KVM_REQUEST_WAIT requester makes before it gives
 * up on an instance while some other thread has not finished it (a cut-off, said in the report).
 */
export const HW_WAIT_SPINS = 1 << 20;

/** The wait checks of a test whose threads wait (see ThreadEmitter.waitLoop in thread-c.ts). */
export function hwWaitChecksC(spins: number): string {
  return String.raw`/* A KVM_REQUEST_WAIT requester read 0 from an ack (the n-th time): go on waiting? 2: no, every
   other thread has finished this instance, so no acknowledgement can come any more (the kernel
   would wait for ever; the model explores no such execution); 4: no, HW_WAIT_SPINS reads gave 0
   while a thread was still running (given up); 0: yes, after a cpu_relax(). The acquire reads of
   the done flags come before the requester's next read of the ack, which therefore sees an ack
   written before a flag it saw set. Instances marked 2 or 4 are counted apart, not tallied. */
#define HW_WAIT_SPINS ${spins}UL
static int hw_wait_check(inst_t *I, int self, unsigned long n, unsigned *relaxed) {
	int t;
	for (t = 0; t < NT; t++) if (t != self && __atomic_load_n(&I->done[t].v, __ATOMIC_ACQUIRE) != 1) break;
	if (t == NT) return 2;
	if (n >= HW_WAIT_SPINS) return 4;
	hw_relax(relaxed);
	return 0;
}
/* An idling vCPU thread (done 2) goes on taking IPIs until every other thread has finished or idles too. */
static int hw_idle_check(inst_t *I, int self, unsigned long n, unsigned *relaxed) {
	int t;
	for (t = 0; t < NT; t++) if (t != self && !__atomic_load_n(&I->done[t].v, __ATOMIC_ACQUIRE)) break;
	if (t == NT) return 2;
	if (n >= HW_WAIT_SPINS) return 4;
	hw_relax(relaxed);
	return 0;
}`;
}

/** main(): reads RUNS and SIZE, pins the threads, runs them, prints the histogram. */
export const HW_MAIN_C = String.raw`
int main(int argc, char **argv) {
	if (argc < 3) { fprintf(stderr, "usage: %s RUNS SIZE\n", argv[0]); return 2; }
	hw_runs = atol(argv[1]);
	hw_size = atol(argv[2]);
	if (hw_runs <= 0 || hw_size <= 0) { fprintf(stderr, "RUNS and SIZE must be positive\n"); return 2; }
	cpu_set_t set;
	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof set, &set) == 0) {
		for (int c = 0; c < CPU_SETSIZE && hw_ncpu < 1024; c++) if (CPU_ISSET(c, &set)) hw_cpu_ids[hw_ncpu++] = c;
	}
	if (hw_ncpu == 0) hw_ncpu = 1;
	hw_pinned = hw_ncpu >= NT;
	/* More threads than CPUs: spinning only delays the thread we wait for, so yield at once. */
	if (!hw_pinned) hw_spin_limit = 1;
	hw_insts = aligned_alloc(LINE, (size_t)hw_size * sizeof(inst_t));
	if (!hw_insts) { fprintf(stderr, "out of memory\n"); return 3; }
	memset(hw_insts, 0, (size_t)hw_size * sizeof(inst_t));
	for (int t = 0; t < NT; t++) {
		hw_out[t] = calloc((size_t)hw_size * hw_slots[t], sizeof(val_t));
		hw_ub[t] = calloc((size_t)hw_size, 1);
		if (!hw_out[t] || !hw_ub[t]) { fprintf(stderr, "out of memory\n"); return 3; }
	}
	pthread_t th[NT];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int t = 0; t < NT; t++) {
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		if (hw_pinned) {
			cpu_set_t one;
			CPU_ZERO(&one);
			CPU_SET(hw_cpu_ids[t], &one);
			pthread_attr_setaffinity_np(&attr, sizeof one, &one);
		}
		if (pthread_create(&th[t], &attr, hw_threads[t], NULL) != 0) { fprintf(stderr, "pthread_create failed\n"); return 3; }
		pthread_attr_destroy(&attr);
	}
	for (int t = 0; t < NT; t++) pthread_join(th[t], NULL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("hw-litmus 1\narch %s\nthreads %d\ncpus %d\npinned %d\nruns %ld\nsize %ld\n", HW_ARCH, NT, hw_ncpu, hw_pinned, hw_runs, hw_size);
	for (long j = 0; j < hw_cap; j++) {
		if (!hw_table[j].used) continue;
		printf("state %ld", hw_table[j].count);
		for (int o = 0; o < NOBS; o++) {
			if (hw_table[j].key[2 * o]) printf(" &%ld", (long)hw_table[j].key[2 * o + 1]);
			else printf(" %ld", (long)hw_table[j].key[2 * o + 1]);
		}
		printf("\n");
	}
	printf("undefined %ld\n", hw_undefined);
	printf("wait_unacked %ld\nwait_gaveup %ld\n", hw_wait_unacked, hw_wait_gaveup);
	printf("time_ns %lld\n", (long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
	return 0;
}
`;
