// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshot arithmetic: sorting, deltas and rates against the previous
 * snapshot, the VM table, totals, and filtering. No I/O here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exit_reasons.h" /* MSRTOP_ISA_*, MSRTOP_VMX_* (constants only) */
#include "snapshot.h"

const char *msrtop_source_state_name(enum msrtop_source_state state)
{
	switch (state) {
	case MSRTOP_SRC_ATTACHED:
		return "attached";
	case MSRTOP_SRC_MISSING:
		return "missing";
	case MSRTOP_SRC_FAILED:
		return "failed";
	case MSRTOP_SRC_OFF:
		return "off";
	}
	return "unknown";
}

static const char *const source_names[MSRTOP_SRC_NR] = {
	[MSRTOP_SRC_KVM_EXIT] = "kvm_exit",
	[MSRTOP_SRC_KVM_ENTRY] = "kvm_entry",
	[MSRTOP_SRC_KVM_NESTED_VMEXIT] = "kvm_nested_vmexit",
	[MSRTOP_SRC_KVM_MSR] = "kvm_msr",
	[MSRTOP_SRC_KVM_USERSPACE_EXIT] = "kvm_userspace_exit",
	[MSRTOP_SRC_KVM_MSR_INTERCEPT] = "kvm_msr_intercept",
	[MSRTOP_SRC_KVM_MSR_OUTCOME] = "kvm_msr_outcome",
	[MSRTOP_SRC_KVM_MSR_CANONICAL] = "kvm_msr_canonical",
};

const char *msrtop_source_name(enum msrtop_source_id id)
{
	return (unsigned int)id < MSRTOP_SRC_NR ? source_names[id] : "?";
}

int msrtop_source_id(const char *name)
{
	for (int i = 0; i < MSRTOP_SRC_NR; i++)
		if (!strcmp(name, source_names[i]))
			return i;
	return -1;
}

const char *msrtop_map_name(unsigned int map_id)
{
	static const char *const names[MSRTOP_MAP_NR] = {
		[MSRTOP_MAP_EXITS] = "exits",
		[MSRTOP_MAP_MSRS] = "msrs",
		[MSRTOP_MAP_MSR_WRITES] = "msr_writes",
		[MSRTOP_MAP_UEXITS] = "userspace_exits",
		[MSRTOP_MAP_OUTCOMES] = "msr_outcomes",
		[MSRTOP_MAP_CANONICAL] = "canonical",
		[MSRTOP_MAP_INTERCEPTS] = "msr_intercepts",
		[MSRTOP_MAP_THREADS] = "threads",
	};

	return map_id < MSRTOP_MAP_NR ? names[map_id] : "unknown";
}

const char *msrtop_vcpu_src_name(unsigned int vcpu_src)
{
	switch (vcpu_src) {
	case MSRTOP_VCPU_KERNEL:
		return "kernel";
	case MSRTOP_VCPU_LEARNED:
		return "learned";
	case MSRTOP_VCPU_TID:
		return "tid";
	}
	return "unknown";
}

/* ---- lifetime and building ------------------------------------------------------ */

struct msrtop_snapshot *snapshot_new(void)
{
	struct msrtop_snapshot *s = calloc(1, sizeof(*s));

	if (s)
		s->refs = 1;
	return s;
}

struct msrtop_snapshot *snapshot_get(struct msrtop_snapshot *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	return s;
}

void snapshot_put(struct msrtop_snapshot *s)
{
	if (!s || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	free(s->vms);
	free(s->exits);
	free(s->msrs);
	free(s->uexits);
	free(s->intercepts);
	free(s->outcomes);
	free(s->canon);
	free(s);
}

/* A zeroed row appended to arr (nr used of cap), or NULL when out of memory. */
#define ADD_ROW(arr, nr, cap)                                                                      \
	({                                                                                         \
		typeof(arr) row_ = NULL;                                                           \
		if ((nr) == (cap)) {                                                               \
			size_t ncap_ = (cap) ? 2 * (cap) : 64;                                     \
			typeof(arr) narr_ = realloc((arr), ncap_ * sizeof(*(arr)));                \
			if (narr_) {                                                               \
				(arr) = narr_;                                                     \
				(cap) = ncap_;                                                     \
			}                                                                          \
		}                                                                                  \
		if ((nr) < (cap)) {                                                                \
			row_ = &(arr)[(nr)++];                                                     \
			memset(row_, 0, sizeof(*row_));                                            \
		}                                                                                  \
		row_;                                                                              \
	})

struct msrtop_exit_row *snapshot_add_exit(struct msrtop_snapshot *s)
{
	return ADD_ROW(s->exits, s->nr_exits, s->cap_exits);
}

struct msrtop_msr_row *snapshot_add_msr(struct msrtop_snapshot *s)
{
	return ADD_ROW(s->msrs, s->nr_msrs, s->cap_msrs);
}

struct msrtop_uexit_row *snapshot_add_uexit(struct msrtop_snapshot *s)
{
	return ADD_ROW(s->uexits, s->nr_uexits, s->cap_uexits);
}

struct msrtop_intercept_row *snapshot_add_intercept(struct msrtop_snapshot *s)
{
	return ADD_ROW(s->intercepts, s->nr_intercepts, s->cap_intercepts);
}

struct msrtop_outcome_row *snapshot_add_outcome(struct msrtop_snapshot *s)
{
	return ADD_ROW(s->outcomes, s->nr_outcomes, s->cap_outcomes);
}

struct msrtop_canon_row *snapshot_add_canon(struct msrtop_snapshot *s)
{
	return ADD_ROW(s->canon, s->nr_canon, s->cap_canon);
}

static struct msrtop_vm *add_vm(struct msrtop_snapshot *s)
{
	return ADD_ROW(s->vms, s->nr_vms, s->cap_vms);
}

/* ---- keys ------------------------------------------------------------------------ */

#define CMP_FIELD(a, b, f)                                                                         \
	do {                                                                                       \
		if ((a)->f != (b)->f)                                                              \
			return (a)->f < (b)->f ? -1 : 1;                                           \
	} while (0)

static int cmp_exit(const void *pa, const void *pb)
{
	const struct msrtop_exit_row *a = pa, *b = pb;

	CMP_FIELD(a, b, pid);
	CMP_FIELD(a, b, vcpu_src);
	CMP_FIELD(a, b, vcpu);
	CMP_FIELD(a, b, isa);
	CMP_FIELD(a, b, reason);
	CMP_FIELD(a, b, nested);
	return 0;
}

static int cmp_msr(const void *pa, const void *pb)
{
	const struct msrtop_msr_row *a = pa, *b = pb;

	CMP_FIELD(a, b, pid);
	CMP_FIELD(a, b, vcpu_src);
	CMP_FIELD(a, b, vcpu);
	CMP_FIELD(a, b, msr);
	CMP_FIELD(a, b, write);
	return 0;
}

static int cmp_uexit(const void *pa, const void *pb)
{
	const struct msrtop_uexit_row *a = pa, *b = pb;

	CMP_FIELD(a, b, pid);
	CMP_FIELD(a, b, error);
	CMP_FIELD(a, b, reason);
	return 0;
}

static int cmp_intercept(const void *pa, const void *pb)
{
	const struct msrtop_intercept_row *a = pa, *b = pb;

	CMP_FIELD(a, b, pid);
	CMP_FIELD(a, b, vcpu_src);
	CMP_FIELD(a, b, vcpu);
	CMP_FIELD(a, b, isa);
	CMP_FIELD(a, b, exit_code);
	CMP_FIELD(a, b, msr);
	CMP_FIELD(a, b, write);
	return 0;
}

static int cmp_outcome(const void *pa, const void *pb)
{
	const struct msrtop_outcome_row *a = pa, *b = pb;

	CMP_FIELD(a, b, pid);
	CMP_FIELD(a, b, vcpu_src);
	CMP_FIELD(a, b, vcpu);
	CMP_FIELD(a, b, msr);
	CMP_FIELD(a, b, write);
	CMP_FIELD(a, b, outcome);
	CMP_FIELD(a, b, reason);
	return 0;
}

static int cmp_canon(const void *pa, const void *pb)
{
	const struct msrtop_canon_row *a = pa, *b = pb;

	CMP_FIELD(a, b, pid);
	CMP_FIELD(a, b, vcpu_src);
	CMP_FIELD(a, b, vcpu);
	CMP_FIELD(a, b, msr);
	return 0;
}

static int cmp_vm(const void *pa, const void *pb)
{
	const struct msrtop_vm *a = pa, *b = pb;

	CMP_FIELD(a, b, pid);
	return 0;
}

/* Merges adjacent MSR rows with the same key (s->msrs is sorted). */
static void merge_msrs(struct msrtop_snapshot *s)
{
	size_t out = 0;

	if (s->nr_msrs < 2)
		return;
	for (size_t i = 1; i < s->nr_msrs; i++) {
		struct msrtop_msr_row *dst = &s->msrs[out];
		const struct msrtop_msr_row *src = &s->msrs[i];

		if (cmp_msr(dst, src)) {
			s->msrs[++out] = *src;
			continue;
		}
		if (src->has_value && (!dst->has_value || src->count.total > dst->count.total))
			dst->last_value = src->last_value;
		dst->has_value |= src->has_value;
		dst->count.total += src->count.total;
		dst->gp.total += src->gp.total;
		dst->changes.total += src->changes.total;
	}
	s->nr_msrs = out + 1;
}

/*
 * The big tables are sorted through a compact key per row: three words that
 * order the rows as their cmp_*() does, radix-sorted, then the rows moved
 * once. (qsort() on the rows themselves sorted pointers to them and compared
 * them field by field: most of a refresh's read, docs/performance.md.)
 */
struct sort_key {
	uint64_t k[3]; /* most significant first */
	size_t idx;    /* the row's index before sorting */
};

#define SORT_KEY_BYTES 24

/* Byte b of key's 24, 0 the least significant (k[2]'s lowest). */
static unsigned int key_byte(const struct sort_key *key, unsigned int b)
{
	return (key->k[2 - b / 8] >> (b % 8 * 8)) & 0xff;
}

/*
 * LSD radix sort of keys (n, tmp as many more) by k[0], k[1], k[2], one byte
 * per pass, stable; bytes equal in every key (most: pids, vCPUs and MSR
 * indexes use few of their bits) cost no pass. 0, or -ENOMEM.
 */
static int radix_sort(struct sort_key *keys, struct sort_key *tmp, size_t n)
{
	size_t(*count)[256] = calloc(SORT_KEY_BYTES, sizeof(*count));
	struct sort_key *from = keys, *to = tmp, *swap;

	if (!count)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		for (unsigned int b = 0; b < SORT_KEY_BYTES; b++)
			count[b][key_byte(&keys[i], b)]++;
	for (unsigned int b = 0; b < SORT_KEY_BYTES; b++) {
		size_t pos = 0;

		if (count[b][key_byte(&keys[0], b)] == n)
			continue; /* the same in every key */
		for (unsigned int v = 0; v < 256; v++) {
			size_t c = count[b][v];

			count[b][v] = pos;
			pos += c;
		}
		for (size_t i = 0; i < n; i++)
			to[count[b][key_byte(&from[i], b)]++] = from[i];
		swap = from;
		from = to;
		to = swap;
	}
	if (from != keys)
		memcpy(keys, from, n * sizeof(*keys));
	free(count);
	return 0;
}

/* In cmp_exit's order: pid, vcpu_src, vcpu, isa, reason, nested. */
static void exit_sort_key(const void *row, uint64_t k[3])
{
	const struct msrtop_exit_row *r = row;

	k[0] = (uint64_t)r->pid << 32 | r->vcpu_src;
	k[1] = (uint64_t)r->vcpu << 32 | r->isa;
	k[2] = (uint64_t)r->reason << 1 | r->nested;
}

/* In cmp_msr's order: pid, vcpu_src, vcpu, msr, write. */
static void msr_sort_key(const void *row, uint64_t k[3])
{
	const struct msrtop_msr_row *r = row;

	k[0] = (uint64_t)r->pid << 32 | r->vcpu_src;
	k[1] = (uint64_t)r->vcpu << 32 | r->msr;
	k[2] = r->write;
}

/* Sorts n rows of size bytes at base by key(); by qsort() and cmp() when out of memory. */
static void sort_rows(void *base, size_t n, size_t size, void (*key)(const void *, uint64_t[3]),
		      int (*cmp)(const void *, const void *))
{
	struct sort_key *keys = malloc(2 * n * sizeof(*keys));
	char *rows = malloc(n * size);

	if (!keys || !rows)
		goto fallback;
	for (size_t i = 0; i < n; i++) {
		key((const char *)base + i * size, keys[i].k);
		keys[i].idx = i;
	}
	if (radix_sort(keys, keys + n, n))
		goto fallback;
	for (size_t i = 0; i < n; i++)
		memcpy(rows + i * size, (const char *)base + keys[i].idx * size, size);
	memcpy(base, rows, n * size);
	free(rows);
	free(keys);
	return;
fallback:
	free(keys);
	free(rows);
	qsort(base, n, size, cmp);
}

void snapshot_sort(struct msrtop_snapshot *s)
{
	if (s->nr_exits)
		sort_rows(s->exits, s->nr_exits, sizeof(*s->exits), exit_sort_key, cmp_exit);
	if (s->nr_msrs) {
		sort_rows(s->msrs, s->nr_msrs, sizeof(*s->msrs), msr_sort_key, cmp_msr);
		merge_msrs(s);
	}
	if (s->nr_uexits)
		qsort(s->uexits, s->nr_uexits, sizeof(*s->uexits), cmp_uexit);
	if (s->nr_intercepts)
		qsort(s->intercepts, s->nr_intercepts, sizeof(*s->intercepts), cmp_intercept);
	if (s->nr_outcomes)
		qsort(s->outcomes, s->nr_outcomes, sizeof(*s->outcomes), cmp_outcome);
	if (s->nr_canon)
		qsort(s->canon, s->nr_canon, sizeof(*s->canon), cmp_canon);
	if (s->nr_vms)
		qsort(s->vms, s->nr_vms, sizeof(*s->vms), cmp_vm);
}

static void *find(const void *key, const void *base, size_t nr, size_t size,
		  int (*cmp)(const void *, const void *))
{
	if (!base || !nr)
		return NULL;
	return bsearch(key, base, nr, size, cmp);
}

struct msrtop_msr_row *snapshot_find_msr(struct msrtop_snapshot *s, uint32_t pid, uint8_t vcpu_src,
					 uint32_t vcpu, uint32_t msr, bool write)
{
	struct msrtop_msr_row key = {
		.pid = pid, .vcpu_src = vcpu_src, .vcpu = vcpu, .msr = msr, .write = write};

	return find(&key, s->msrs, s->nr_msrs, sizeof(*s->msrs), cmp_msr);
}

struct msrtop_vm *snapshot_find_vm(struct msrtop_snapshot *s, uint32_t pid)
{
	struct msrtop_vm key = {.pid = pid};

	return find(&key, s->vms, s->nr_vms, sizeof(*s->vms), cmp_vm);
}

/* ---- deltas ----------------------------------------------------------------------- */

static double rate_of(uint64_t delta, double interval_s)
{
	return interval_s > 0 ? (double)delta / interval_s : 0;
}

/* A counter that went backwards was reset (its map entry deleted and made anew). */
static void counter_delta(struct msrtop_counter *c, const struct msrtop_counter *prev,
			  double interval_s)
{
	c->delta = prev && c->total >= prev->total ? c->total - prev->total : c->total;
	c->rate = rate_of(c->delta, interval_s);
}

static void hist_delta(struct msrtop_hist *out, const struct msrtop_hist *cur,
		       const struct msrtop_hist *prev)
{
	bool reset = !prev || cur->count < prev->count || cur->sum_ns < prev->sum_ns;

	for (int i = 0; !reset && i < MSRTOP_HIST_SLOTS; i++)
		reset = cur->slots[i] < prev->slots[i];
	if (reset) {
		*out = *cur;
		return;
	}
	out->count = cur->count - prev->count;
	out->sum_ns = cur->sum_ns - prev->sum_ns;
	for (int i = 0; i < MSRTOP_HIST_SLOTS; i++)
		out->slots[i] = cur->slots[i] - prev->slots[i];
}

/*
 * The row of prev's table arr equal to row, or NULL. Both tables are sorted
 * and rows are asked for in order: *j, prev's position, only moves forward.
 */
#define PREV_ROW(prev, arr, nr, row, cmp, j)                                                       \
	({                                                                                         \
		const typeof(*(row)) *p_ = NULL;                                                      \
		while ((prev) && *(j) < (prev)->nr && (cmp)(&(prev)->arr[*(j)], (row)) < 0)        \
			(*(j))++;                                                                  \
		if ((prev) && *(j) < (prev)->nr && !(cmp)(&(prev)->arr[*(j)], (row)))             \
			p_ = &(prev)->arr[*(j)];                                                   \
		p_;                                                                                \
	})

static void compute_deltas(struct msrtop_snapshot *s, const struct msrtop_snapshot *prev)
{
	double iv = s->interval_s;
	size_t j;

	j = 0;
	for (size_t i = 0; i < s->nr_exits; i++) {
		struct msrtop_exit_row *r = &s->exits[i];
		const struct msrtop_exit_row *p = PREV_ROW(prev, exits, nr_exits, r, cmp_exit, &j);

		counter_delta(&r->count, p ? &p->count : NULL, iv);
		hist_delta(&r->latency_delta, &r->latency, p ? &p->latency : NULL);
	}
	j = 0;
	for (size_t i = 0; i < s->nr_msrs; i++) {
		struct msrtop_msr_row *r = &s->msrs[i];
		const struct msrtop_msr_row *p = PREV_ROW(prev, msrs, nr_msrs, r, cmp_msr, &j);

		counter_delta(&r->count, p ? &p->count : NULL, iv);
		counter_delta(&r->gp, p ? &p->gp : NULL, iv);
		counter_delta(&r->changes, p ? &p->changes : NULL, iv);
	}
	j = 0;
	for (size_t i = 0; i < s->nr_uexits; i++) {
		struct msrtop_uexit_row *r = &s->uexits[i];
		const struct msrtop_uexit_row *p = PREV_ROW(prev, uexits, nr_uexits, r, cmp_uexit, &j);

		counter_delta(&r->count, p ? &p->count : NULL, iv);
	}
	j = 0;
	for (size_t i = 0; i < s->nr_intercepts; i++) {
		struct msrtop_intercept_row *r = &s->intercepts[i];
		const struct msrtop_intercept_row *p =
			PREV_ROW(prev, intercepts, nr_intercepts, r, cmp_intercept, &j);

		counter_delta(&r->count, p ? &p->count : NULL, iv);
	}
	j = 0;
	for (size_t i = 0; i < s->nr_outcomes; i++) {
		struct msrtop_outcome_row *r = &s->outcomes[i];
		const struct msrtop_outcome_row *p =
			PREV_ROW(prev, outcomes, nr_outcomes, r, cmp_outcome, &j);

		counter_delta(&r->count, p ? &p->count : NULL, iv);
	}
	j = 0;
	for (size_t i = 0; i < s->nr_canon; i++) {
		struct msrtop_canon_row *r = &s->canon[i];
		const struct msrtop_canon_row *p = PREV_ROW(prev, canon, nr_canon, r, cmp_canon, &j);

		counter_delta(&r->count, p ? &p->count : NULL, iv);
		counter_delta(&r->rejected, p ? &p->rejected : NULL, iv);
		counter_delta(&r->fixups, p ? &p->fixups : NULL, iv);
	}
	for (int m = 0; m < MSRTOP_MAP_NR; m++)
		counter_delta(&s->overflow[m], prev ? &prev->overflow[m] : NULL, iv);
}

/* ---- derived tables ------------------------------------------------------------------ */

static void acc(struct msrtop_counter *sum, const struct msrtop_counter *c)
{
	sum->total += c->total;
	sum->delta += c->delta;
}

static void acc_rate(struct msrtop_counter *c, double interval_s)
{
	c->rate = rate_of(c->delta, interval_s);
}

struct vcpu_id {
	uint32_t pid;
	uint32_t vcpu_src;
	uint32_t vcpu;
};

static int cmp_vcpu_id(const void *pa, const void *pb)
{
	const struct vcpu_id *a = pa, *b = pb;

	CMP_FIELD(a, b, pid);
	CMP_FIELD(a, b, vcpu_src);
	CMP_FIELD(a, b, vcpu);
	return 0;
}

static int uniq_pids(const struct msrtop_snapshot *s, uint32_t **out, size_t *nr_out)
{
	size_t n = s->nr_exits + s->nr_msrs + s->nr_uexits + s->nr_intercepts + s->nr_outcomes +
		   s->nr_canon;
	struct vcpu_id *ids = calloc(n ? n : 1, sizeof(*ids));
	uint32_t *pids = NULL;
	size_t k = 0, nr = 0;

	if (!ids)
		return -ENOMEM;
	/* Tables are sorted by pid first: only where the pid changes. */
#define COLLECT(arr, cnt)                                                                          \
	for (size_t i = 0; i < s->cnt; i++)                                                        \
		if (!i || s->arr[i].pid != s->arr[i - 1].pid)                                      \
			ids[k++] = (struct vcpu_id){.pid = s->arr[i].pid};
	COLLECT(exits, nr_exits);
	COLLECT(msrs, nr_msrs);
	COLLECT(uexits, nr_uexits);
	COLLECT(intercepts, nr_intercepts);
	COLLECT(outcomes, nr_outcomes);
	COLLECT(canon, nr_canon);
#undef COLLECT
	if (k)
		qsort(ids, k, sizeof(*ids), cmp_vcpu_id);
	pids = calloc(k ? k : 1, sizeof(*pids));
	if (!pids) {
		free(ids);
		return -ENOMEM;
	}
	for (size_t i = 0; i < k; i++)
		if (!nr || pids[nr - 1] != ids[i].pid)
			pids[nr++] = ids[i].pid;
	free(ids);
	*out = pids;
	*nr_out = nr;
	return 0;
}

/* A vcpu_id is one vCPU whether the event carried it or it was learned; a tid is another thing. */
static uint32_t vcpu_space(uint8_t vcpu_src)
{
	return vcpu_src == MSRTOP_VCPU_TID ? MSRTOP_VCPU_TID : MSRTOP_VCPU_KERNEL;
}

/* Distinct vCPUs per VM, from the tables that have a vCPU. */
static int count_vcpus(struct msrtop_snapshot *s)
{
	size_t n = s->nr_exits + s->nr_msrs + s->nr_intercepts + s->nr_outcomes + s->nr_canon;
	struct vcpu_id *ids = calloc(n ? n : 1, sizeof(*ids));
	size_t k = 0;

	if (!ids)
		return -ENOMEM;
	/* Sorted by pid, vcpu_src, vcpu first: only where one changes (the sort below
	 * merges what vcpu_space() makes equal). */
#define COLLECT(arr, cnt)                                                                          \
	for (size_t i = 0; i < s->cnt; i++) {                                                      \
		struct vcpu_id id_ = {s->arr[i].pid, vcpu_space(s->arr[i].vcpu_src),               \
				      s->arr[i].vcpu};                                             \
		if (!k || cmp_vcpu_id(&id_, &ids[k - 1]))                                          \
			ids[k++] = id_;                                                            \
	}
	COLLECT(exits, nr_exits);
	COLLECT(msrs, nr_msrs);
	COLLECT(intercepts, nr_intercepts);
	COLLECT(outcomes, nr_outcomes);
	COLLECT(canon, nr_canon);
#undef COLLECT
	if (k)
		qsort(ids, k, sizeof(*ids), cmp_vcpu_id);
	for (size_t i = 0; i < k; i++) {
		struct msrtop_vm *vm;

		if (i && !cmp_vcpu_id(&ids[i], &ids[i - 1]))
			continue;
		vm = snapshot_find_vm(s, ids[i].pid);
		if (vm)
			vm->nr_vcpus++;
	}
	free(ids);
	return 0;
}

/*
 * Rebuilds the VM table and the totals from the rows (whose deltas are set).
 * comm, name and alive of each VM are copied from names_from when it has the
 * pid. With sources, also the source event counts.
 */
static int derive(struct msrtop_snapshot *s, const struct msrtop_snapshot *names_from, bool sources)
{
	struct msrtop_totals *t = &s->totals;
	double iv = s->interval_s;
	uint32_t *pids;
	size_t nr_pids;
	int err;

	s->nr_vms = 0;
	err = uniq_pids(s, &pids, &nr_pids);
	if (err)
		return err;
	for (size_t i = 0; i < nr_pids; i++) {
		struct msrtop_vm *vm = add_vm(s), *old;

		if (!vm) {
			free(pids);
			return -ENOMEM;
		}
		vm->pid = pids[i];
		old = names_from ? snapshot_find_vm((struct msrtop_snapshot *)names_from, pids[i])
				 : NULL;
		if (old) {
			memcpy(vm->comm, old->comm, sizeof(vm->comm));
			memcpy(vm->name, old->name, sizeof(vm->name));
			vm->alive = old->alive;
		}
	}
	free(pids);
	err = count_vcpus(s);
	if (err)
		return err;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < s->nr_exits; i++) {
		const struct msrtop_exit_row *r = &s->exits[i];
		struct msrtop_vm *vm = snapshot_find_vm(s, r->pid);

		if (r->nested) {
			acc(&t->nested_exits, &r->count);
			continue;
		}
		acc(&t->exits, &r->count);
		acc(&vm->exits, &r->count);
	}
	for (size_t i = 0; i < s->nr_msrs; i++) {
		const struct msrtop_msr_row *r = &s->msrs[i];
		struct msrtop_vm *vm = snapshot_find_vm(s, r->pid);

		acc(r->write ? &t->msr_writes : &t->msr_reads, &r->count);
		acc(r->write ? &vm->msr_writes : &vm->msr_reads, &r->count);
		acc(&t->msr_gp, &r->gp);
		acc(&vm->msr_gp, &r->gp);
		acc(&t->msr_changes, &r->changes);
	}
	for (size_t i = 0; i < s->nr_uexits; i++) {
		const struct msrtop_uexit_row *r = &s->uexits[i];

		acc(&t->uexits, &r->count);
		acc(&snapshot_find_vm(s, r->pid)->uexits, &r->count);
	}
	for (size_t i = 0; i < s->nr_intercepts; i++)
		acc(&t->intercepts, &s->intercepts[i].count);
	for (size_t i = 0; i < s->nr_outcomes; i++)
		acc(&t->outcomes, &s->outcomes[i].count);
	for (size_t i = 0; i < s->nr_canon; i++) {
		acc(&t->canonical, &s->canon[i].count);
		acc(&t->canonical_rejected, &s->canon[i].rejected);
		acc(&t->canonical_fixups, &s->canon[i].fixups);
	}

	acc_rate(&t->exits, iv);
	acc_rate(&t->nested_exits, iv);
	acc_rate(&t->msr_reads, iv);
	acc_rate(&t->msr_writes, iv);
	acc_rate(&t->msr_gp, iv);
	acc_rate(&t->msr_changes, iv);
	acc_rate(&t->uexits, iv);
	acc_rate(&t->intercepts, iv);
	acc_rate(&t->outcomes, iv);
	acc_rate(&t->canonical, iv);
	acc_rate(&t->canonical_rejected, iv);
	acc_rate(&t->canonical_fixups, iv);
	for (size_t i = 0; i < s->nr_vms; i++) {
		struct msrtop_vm *vm = &s->vms[i];

		acc_rate(&vm->exits, iv);
		acc_rate(&vm->msr_reads, iv);
		acc_rate(&vm->msr_writes, iv);
		acc_rate(&vm->msr_gp, iv);
		acc_rate(&vm->uexits, iv);
	}

	if (sources) {
		struct msrtop_counter ev[MSRTOP_SRC_NR] = {0};

		ev[MSRTOP_SRC_KVM_EXIT] = t->exits;
		ev[MSRTOP_SRC_KVM_NESTED_VMEXIT] = t->nested_exits;
		for (size_t i = 0; i < s->nr_exits; i++) {
			ev[MSRTOP_SRC_KVM_ENTRY].total += s->exits[i].latency.count;
			ev[MSRTOP_SRC_KVM_ENTRY].delta += s->exits[i].latency_delta.count;
		}
		acc_rate(&ev[MSRTOP_SRC_KVM_ENTRY], iv);
		ev[MSRTOP_SRC_KVM_MSR] = t->msr_reads;
		acc(&ev[MSRTOP_SRC_KVM_MSR], &t->msr_writes);
		acc_rate(&ev[MSRTOP_SRC_KVM_MSR], iv);
		ev[MSRTOP_SRC_KVM_USERSPACE_EXIT] = t->uexits;
		ev[MSRTOP_SRC_KVM_MSR_INTERCEPT] = t->intercepts;
		ev[MSRTOP_SRC_KVM_MSR_OUTCOME] = t->outcomes;
		ev[MSRTOP_SRC_KVM_MSR_CANONICAL] = t->canonical;
		for (int i = 0; i < MSRTOP_SRC_NR; i++)
			s->sources[i].events = ev[i];
	}
	return 0;
}

int snapshot_finish(struct msrtop_snapshot *s, const struct msrtop_snapshot *prev)
{
	uint64_t since = prev ? prev->mono_ns : s->start_mono_ns;

	snapshot_sort(s);
	s->interval_s = s->mono_ns > since ? (double)(s->mono_ns - since) / 1e9 : 0;
	compute_deltas(s, prev);
	return derive(s, prev, true);
}

/* ---- filters -------------------------------------------------------------------------- */

bool snapshot_filter_is_empty(const struct msrtop_filter *f)
{
	return !f || (!f->nr_pids && !f->has_vcpu && !f->has_msr && !f->has_reason);
}

static bool pid_ok(const struct msrtop_filter *f, uint32_t pid)
{
	if (!f->nr_pids)
		return true;
	for (size_t i = 0; i < f->nr_pids; i++)
		if (f->pids[i] == pid)
			return true;
	return false;
}

static bool vcpu_ok(const struct msrtop_filter *f, uint8_t vcpu_src, uint32_t vcpu)
{
	return !f->has_vcpu || (vcpu_src != MSRTOP_VCPU_TID && vcpu == f->vcpu);
}

static bool msr_ok(const struct msrtop_filter *f, uint32_t msr)
{
	return !f->has_msr || msr == f->msr;
}

static bool reason_ok(const struct msrtop_filter *f, uint8_t isa, uint64_t code)
{
	uint64_t want;

	if (!f->has_reason)
		return true;
	switch (isa) {
	case MSRTOP_ISA_VMX:
		if (!f->reason_vmx_ok)
			return false;
		want = f->reason_vmx;
		if (want & MSRTOP_VMX_FLAGS_MASK)
			return code == want;
		return (code & MSRTOP_VMX_BASIC_MASK) == want;
	case MSRTOP_ISA_SVM:
		/* kvm_exit records SVM_EXIT_ERR (-1) in 32 bits. */
		return f->reason_svm_ok && (code == f->reason_svm ||
					    (f->reason_svm == UINT64_MAX && code == UINT32_MAX));
	default:
		/* Another ISA: only a plain number can mean the same code. */
		return f->reason_vmx_ok && f->reason_svm_ok && f->reason_vmx == f->reason_svm &&
		       code == f->reason_vmx;
	}
}

#define COPY_IF(dst, src, arr, nr, cap, cond)                                                      \
	do {                                                                                       \
		for (size_t i_ = 0; i_ < (src)->nr; i_++) {                                        \
			const typeof(*(src)->arr) *r = &(src)->arr[i_];                            \
			typeof((dst)->arr) d_;                                                     \
			if (!(cond))                                                               \
				continue;                                                          \
			d_ = ADD_ROW((dst)->arr, (dst)->nr, (dst)->cap);                           \
			if (!d_)                                                                   \
				goto nomem;                                                        \
			*d_ = *r;                                                                  \
		}                                                                                  \
	} while (0)

struct msrtop_snapshot *snapshot_filter(const struct msrtop_snapshot *s,
					const struct msrtop_filter *f)
{
	struct msrtop_snapshot *out = snapshot_new();

	if (!out)
		return NULL;
	out->seq = s->seq;
	out->time_ns = s->time_ns;
	out->mono_ns = s->mono_ns;
	out->start_time_ns = s->start_time_ns;
	out->start_mono_ns = s->start_mono_ns;
	out->interval_s = s->interval_s;
	out->filtered = !snapshot_filter_is_empty(f);
	memcpy(out->sources, s->sources, sizeof(out->sources));
	memcpy(out->overflow, s->overflow, sizeof(out->overflow));

	COPY_IF(out, s, exits, nr_exits, cap_exits,
		pid_ok(f, r->pid) && vcpu_ok(f, r->vcpu_src, r->vcpu) &&
			reason_ok(f, r->isa, r->reason));
	COPY_IF(out, s, msrs, nr_msrs, cap_msrs,
		pid_ok(f, r->pid) && vcpu_ok(f, r->vcpu_src, r->vcpu) && msr_ok(f, r->msr));
	COPY_IF(out, s, uexits, nr_uexits, cap_uexits, pid_ok(f, r->pid));
	COPY_IF(out, s, intercepts, nr_intercepts, cap_intercepts,
		pid_ok(f, r->pid) && vcpu_ok(f, r->vcpu_src, r->vcpu) && msr_ok(f, r->msr) &&
			reason_ok(f, r->isa, r->exit_code));
	COPY_IF(out, s, outcomes, nr_outcomes, cap_outcomes,
		pid_ok(f, r->pid) && vcpu_ok(f, r->vcpu_src, r->vcpu) && msr_ok(f, r->msr));
	COPY_IF(out, s, canon, nr_canon, cap_canon,
		pid_ok(f, r->pid) && vcpu_ok(f, r->vcpu_src, r->vcpu) && msr_ok(f, r->msr));
	if (derive(out, s, false))
		goto nomem;
	return out;
nomem:
	snapshot_put(out);
	return NULL;
}
