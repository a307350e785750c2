// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshot arithmetic: sorting, deltas and rates against the previous
 * snapshot, the VM table, totals, and filtering. No I/O here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
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
	[MSRTOP_SRC_MSR_SAMPLE] = "msr_sample",
	[MSRTOP_SRC_KVM_DEBUGFS] = "kvm_debugfs",
	[MSRTOP_SRC_KVM_PIO] = "kvm_pio",
	[MSRTOP_SRC_KVM_MMIO] = "kvm_mmio",
	[MSRTOP_SRC_KVM_HYPERCALL] = "kvm_hypercall",
	[MSRTOP_SRC_KVM_CPUID] = "kvm_cpuid",
	[MSRTOP_SRC_KVM_INJ_VIRQ] = "kvm_inj_virq",
	[MSRTOP_SRC_KVM_INJ_EXCEPTION] = "kvm_inj_exception",
};

const char *msrtop_source_name(enum msrtop_source_id id)
{
	return (unsigned int)id < MSRTOP_SRC_NR ? source_names[id] : "?";
}

enum msrtop_source_id msrtop_table_source(const struct msrtop_source *sources,
					  enum msrtop_source_id id)
{
	if (id == MSRTOP_SRC_KVM_MSR && sources[id].state != MSRTOP_SRC_ATTACHED &&
	    sources[MSRTOP_SRC_KVM_MSR_OUTCOME].state == MSRTOP_SRC_ATTACHED)
		return MSRTOP_SRC_KVM_MSR_OUTCOME;
	return id;
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
		[MSRTOP_MAP_MSR_SAMPLES] = "msr_samples",
		[MSRTOP_MAP_MSR_VALUES] = "msr_values",
		[MSRTOP_MAP_MSR_CHANGES] = "msr_changes",
		[MSRTOP_MAP_PIOS] = "pios",
		[MSRTOP_MAP_MMIOS] = "mmios",
		[MSRTOP_MAP_HYPERCALLS] = "hypercalls",
		[MSRTOP_MAP_CPUIDS] = "cpuids",
		[MSRTOP_MAP_INJ_VIRQS] = "inj_virqs",
		[MSRTOP_MAP_INJ_EXCEPTIONS] = "inj_exceptions",
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
	for (int k = 0; k < MSRTOP_KIND_NR; k++) {
		free(kind_rows(s, &msrtop_kinds[k]));
		free(s->tables[k].read_keys);
		free(s->tables[k].order);
	}
	free(s->changes);
	free(s);
}

/* A zeroed row appended to the array at *arr (*nr used of *cap), or NULL when out of memory. */
static void *add_row(void **arr, size_t *nr, size_t *cap, size_t size)
{
	void *row;

	if (*nr == *cap) {
		size_t ncap = *cap ? 2 * *cap : 64;
		void *narr = realloc(*arr, ncap * size);

		if (!narr)
			return NULL;
		*arr = narr;
		*cap = ncap;
	}
	row = (char *)*arr + (*nr)++ * size;
	memset(row, 0, size);
	return row;
}

void snapshot_reserve_like(struct msrtop_snapshot *s, const struct msrtop_snapshot *like)
{
	if (!like)
		return;
	for (int i = 0; i < MSRTOP_KIND_NR; i++) {
		struct msrtop_table *t = &s->tables[i];
		/* A few more than last time: a new VM's rows need not move the rest. */
		size_t want = like->tables[i].nr + like->tables[i].nr / 16;
		void *rows;

		if (!like->tables[i].nr || t->cap >= want)
			continue;
		rows = realloc(t->rows, want * msrtop_kinds[i].row_size);
		if (!rows)
			return; /* add_row() grows it as needed */
		t->rows = rows;
		t->cap = want;
	}
}

void *snapshot_add_row(struct msrtop_snapshot *s, enum msrtop_kind_id kind)
{
	struct msrtop_table *t = &s->tables[kind];

	return add_row(&t->rows, &t->nr, &t->cap, msrtop_kinds[kind].row_size);
}

struct msrtop_msr_change_ev *snapshot_add_change(struct msrtop_snapshot *s)
{
	return add_row((void **)&s->changes, &s->nr_changes, &s->cap_changes, sizeof(*s->changes));
}

struct msrtop_vm *snapshot_add_vm(struct msrtop_snapshot *s)
{
	return add_row((void **)&s->vms, &s->nr_vms, &s->cap_vms, sizeof(*s->vms));
}

/* ---- keys ------------------------------------------------------------------------ */

static int cmp_vm(const void *pa, const void *pb)
{
	const struct msrtop_vm *a = pa, *b = pb;

	CMP_FIELD(a, b, pid);
	return 0;
}

/* Merges adjacent rows with the same key (the table is sorted) with the kind's merge(). */
static void merge_rows(struct msrtop_snapshot *s, const struct msrtop_kind *k)
{
	size_t *nr = &s->tables[k - msrtop_kinds].nr, out = 0;

	if (*nr < 2)
		return;
	for (size_t i = 1; i < *nr; i++) {
		char *dst = kind_row(s, k, out);
		const char *src = kind_row(s, k, i);

		if (k->cmp(dst, src)) {
			memcpy(kind_row(s, k, ++out), src, k->row_size);
			continue;
		}
		k->merge(dst, src);
	}
	*nr = out + 1;
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

/* Moves t's rows (of size bytes) so that row i is the one at order[i], in
 * place (cycle by cycle). 0, or -ENOMEM (nothing moved). */
static int permute_rows(struct msrtop_table *t, size_t size, const uint32_t *order)
{
	size_t n = t->nr;
	uint8_t *done = calloc(n, 1);
	char *tmp = malloc(size), *base = t->rows;

	if (!done || !tmp) {
		free(done);
		free(tmp);
		return -ENOMEM;
	}
	for (size_t start = 0; start < n; start++) {
		size_t j = start;

		if (done[start] || order[start] == start) {
			done[start] = 1;
			continue;
		}
		memcpy(tmp, base + start * size, size);
		for (;;) {
			size_t from = order[j];

			done[j] = 1;
			if (from == start) {
				memcpy(base + j * size, tmp, size);
				break;
			}
			memcpy(base + j * size, base + from * size, size);
			j = from;
		}
	}
	free(done);
	free(tmp);
	return 0;
}

/* Sets order[] to the sorted order of the n keys rk (stable). 0, or -ENOMEM. */
static int sort_order(uint64_t (*rk)[3], size_t n, uint32_t *order)
{
	struct sort_key *keys = malloc(2 * n * sizeof(*keys));

	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		memcpy(keys[i].k, rk[i], sizeof(keys[i].k));
		keys[i].idx = i;
	}
	if (radix_sort(keys, keys + n, n)) {
		free(keys);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)keys[i].idx;
	free(keys);
	return 0;
}

/*
 * Sorts t's rows (of size bytes) by key(), and keeps their keys in read order
 * and the permutation in t. When prev (the same table of the previous
 * snapshot) read the same keys in the same order, its permutation is used,
 * not sorted again: an idle host's refresh. By qsort() and cmp() when out of
 * memory.
 */
static void sort_rows(struct msrtop_table *t, const struct msrtop_table *prev, size_t size,
		      void (*key)(const void *, uint64_t[3]),
		      int (*cmp)(const void *, const void *))
{
	size_t n = t->nr;
	const char *base = t->rows;
	uint64_t(*rk)[3] = NULL;
	uint32_t *order = NULL;

	free(t->read_keys);
	free(t->order);
	t->read_keys = NULL;
	t->order = NULL;
	t->nr_read = 0;
	if (n > UINT32_MAX)
		goto fallback;
	rk = malloc(n * sizeof(*rk));
	order = malloc(n * sizeof(*order));
	if (!rk || !order)
		goto fallback;
	for (size_t i = 0; i < n; i++)
		key(base + i * size, rk[i]);
	if (prev && prev->read_keys && prev->nr_read == n &&
	    !memcmp(prev->read_keys, rk, n * sizeof(*rk)))
		memcpy(order, prev->order, n * sizeof(*order));
	else if (sort_order(rk, n, order))
		goto fallback;
	if (permute_rows(t, size, order))
		goto fallback;
	t->read_keys = rk;
	t->order = order;
	t->nr_read = n;
	return;
fallback:
	free(rk);
	free(order);
	qsort(t->rows, n, size, cmp);
}

static void sort_tables(struct msrtop_snapshot *s, const struct msrtop_snapshot *prev)
{
	for (int i = 0; i < MSRTOP_KIND_NR; i++) {
		const struct msrtop_kind *k = &msrtop_kinds[i];
		size_t n = kind_nr(s, k);

		if (!n)
			continue;
		if (k->sort_key)
			sort_rows(&s->tables[i], prev ? &prev->tables[i] : NULL, k->row_size,
				  k->sort_key, k->cmp);
		else
			qsort(kind_rows(s, k), n, k->row_size, k->cmp);
		if (k->merge)
			merge_rows(s, k);
	}
	if (s->nr_vms)
		qsort(s->vms, s->nr_vms, sizeof(*s->vms), cmp_vm);
}

void snapshot_sort(struct msrtop_snapshot *s)
{
	sort_tables(s, NULL);
}

static void *find(const void *key, const void *base, size_t nr, size_t size,
		  int (*cmp)(const void *, const void *))
{
	if (!base || !nr)
		return NULL;
	return bsearch(key, base, nr, size, cmp);
}

void *snapshot_find_row(const struct msrtop_snapshot *s, enum msrtop_kind_id kind, const void *key)
{
	const struct msrtop_kind *k = &msrtop_kinds[kind];

	return find(key, kind_rows(s, k), kind_nr(s, k), k->row_size, k->cmp);
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
	out->min_ns = cur->min_ns; /* the kernel keeps no per-interval extremes */
	out->max_ns = cur->max_ns;
	for (int i = 0; i < MSRTOP_HIST_SLOTS; i++)
		out->slots[i] = cur->slots[i] - prev->slots[i];
}

void snapshot_hist_add(struct msrtop_hist *dst, const struct msrtop_hist *src)
{
	if (!src->count)
		return;
	if (!dst->count || src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	for (int i = 0; i < MSRTOP_HIST_SLOTS; i++)
		dst->slots[i] += src->slots[i];
}

static void compute_deltas(struct msrtop_snapshot *s, const struct msrtop_snapshot *prev)
{
	double iv = s->interval_s;

	for (int kid = 0; kid < MSRTOP_KIND_NR; kid++) {
		const struct msrtop_kind *k = &msrtop_kinds[kid];
		size_t nr = kind_nr(s, k), nr_prev = prev ? kind_nr(prev, k) : 0, j = 0;

		/* Both tables are sorted and rows come in order: prev's position only moves on. */
		for (size_t i = 0; i < nr; i++) {
			char *r = kind_row(s, k, i);
			const char *p = NULL;
			int vs_prev = 1;

			/* One comparison per row where both have the same keys (an idle host). */
			while (j < nr_prev && (vs_prev = k->cmp(kind_row(prev, k, j), r)) < 0)
				j++;
			if (j < nr_prev && !vs_prev)
				p = kind_row(prev, k, j);
			for (unsigned int c = 0; c < k->nr_counters; c++)
				counter_delta((struct msrtop_counter *)(r + k->counters[c]),
					      p ? kind_counter(p, k->counters[c]) : NULL, iv);
			if (k->has_hist_delta)
				hist_delta((struct msrtop_hist *)(r + k->hist_delta),
					   kind_hist(r, k->hist), p ? kind_hist(p, k->hist) : NULL);
		}
	}
	for (int m = 0; m < MSRTOP_MAP_NR; m++) {
		counter_delta(&s->overflow[m], prev ? &prev->overflow[m] : NULL, iv);
		counter_delta(&s->errors[m], prev ? &prev->errors[m] : NULL, iv);
	}
}

/* ---- derived tables ------------------------------------------------------------------ */

/* Whether exit row e's latency is kvm_msr_outcome's (msr_exit_latency_from_outcomes). */
static bool latency_from_outcomes(const struct msrtop_snapshot *s, const struct msrtop_exit_row *e)
{
	return s->msr_exit_latency_from_outcomes && !e->nested &&
	       msrtop_is_msr_exit(e->isa, e->reason);
}

/* The kinds whose rows are struct msrtop_event_row, one per KVM event tracepoint. */
static const enum msrtop_kind_id event_kinds[] = {
	MSRTOP_KIND_PIOS,   MSRTOP_KIND_MMIOS,	   MSRTOP_KIND_HYPERCALLS,
	MSRTOP_KIND_CPUIDS, MSRTOP_KIND_INJ_VIRQS, MSRTOP_KIND_INJ_EXCEPTIONS,
};

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
	size_t n = 0, k = 0, nr = 0;
	struct vcpu_id *ids;
	uint32_t *pids = NULL;

	for (int kid = 0; kid < MSRTOP_KIND_NR; kid++)
		n += kind_nr(s, &msrtop_kinds[kid]);
	ids = calloc(n ? n : 1, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	/* Tables are sorted by pid first (every row starts with it): only where it changes. */
	for (int kid = 0; kid < MSRTOP_KIND_NR; kid++) {
		const struct msrtop_kind *kd = &msrtop_kinds[kid];

		for (size_t i = 0; i < kind_nr(s, kd); i++) {
			uint32_t pid = kind_u32(kind_row(s, kd, i), 0);

			if (!i || pid != kind_u32(kind_row(s, kd, i - 1), 0))
				ids[k++] = (struct vcpu_id){.pid = pid};
		}
	}
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
	size_t n = 0, k = 0;
	struct vcpu_id *ids;

	for (int kid = 0; kid < MSRTOP_KIND_NR; kid++)
		if (msrtop_kinds[kid].has_vcpu)
			n += kind_nr(s, &msrtop_kinds[kid]);
	ids = calloc(n ? n : 1, sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	/* Sorted by pid, vcpu_src, vcpu first: only where one changes (the sort below
	 * merges what vcpu_space() makes equal). */
	for (int kid = 0; kid < MSRTOP_KIND_NR; kid++) {
		const struct msrtop_kind *kd = &msrtop_kinds[kid];

		if (!kd->has_vcpu)
			continue;
		for (size_t i = 0; i < kind_nr(s, kd); i++) {
			const void *r = kind_row(s, kd, i);
			struct vcpu_id id = {kind_u32(r, 0),
					     vcpu_space(kind_u8(r, kd->vcpu_src_off)),
					     kind_u32(r, kd->vcpu_off)};

			if (!k || cmp_vcpu_id(&id, &ids[k - 1]))
				ids[k++] = id;
		}
	}
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
		struct msrtop_vm *vm = snapshot_add_vm(s), *old;

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
	for (int kid = 0; kid < MSRTOP_KIND_NR; kid++) {
		const struct msrtop_kind *k = &msrtop_kinds[kid];

		for (size_t i = 0; i < kind_nr(s, k); i++) {
			const void *r = kind_row(s, k, i);

			if (k->account)
				k->account(t, snapshot_find_vm(s, kind_u32(r, 0)), r);
		}
	}

	/* struct msrtop_totals and the counters of struct msrtop_vm are counters only. */
	for (size_t i = 0; i < sizeof(*t) / sizeof(struct msrtop_counter); i++)
		acc_rate((struct msrtop_counter *)t + i, iv);
	for (size_t i = 0; i < s->nr_vms; i++) {
		struct msrtop_vm *vm = &s->vms[i];
		struct msrtop_counter *c = &vm->exits;

		for (; c <= &vm->uexits; c++)
			acc_rate(c, iv);
	}

	if (sources) {
		const struct msrtop_exit_row *e = snapshot_rows(s, MSRTOP_KIND_EXITS);
		struct msrtop_counter ev[MSRTOP_SRC_NR] = {0};

		ev[MSRTOP_SRC_KVM_EXIT] = t->exits;
		ev[MSRTOP_SRC_KVM_NESTED_VMEXIT] = t->nested_exits;
		for (size_t i = 0; i < snapshot_nr(s, MSRTOP_KIND_EXITS); i++) {
			if (latency_from_outcomes(s, &e[i]))
				continue; /* kvm_msr_outcome's samples */
			ev[MSRTOP_SRC_KVM_ENTRY].total += e[i].latency.count;
			ev[MSRTOP_SRC_KVM_ENTRY].delta += e[i].latency_delta.count;
		}
		acc_rate(&ev[MSRTOP_SRC_KVM_ENTRY], iv);
		if (msrtop_table_source(s->sources, MSRTOP_SRC_KVM_MSR) == MSRTOP_SRC_KVM_MSR) {
			ev[MSRTOP_SRC_KVM_MSR] = t->msr_reads;
			acc(&ev[MSRTOP_SRC_KVM_MSR], &t->msr_writes);
			acc_rate(&ev[MSRTOP_SRC_KVM_MSR], iv);
		}
		ev[MSRTOP_SRC_KVM_USERSPACE_EXIT] = t->uexits;
		ev[MSRTOP_SRC_KVM_MSR_INTERCEPT] = t->intercepts;
		ev[MSRTOP_SRC_KVM_MSR_OUTCOME] = t->outcomes;
		ev[MSRTOP_SRC_KVM_MSR_CANONICAL] = t->canonical;
		ev[MSRTOP_SRC_MSR_SAMPLE] = t->msr_samples;
		/* The KVM event kinds (struct msrtop_event_row): one event per count of their rows.
		 */
		for (size_t j = 0; j < sizeof(event_kinds) / sizeof(event_kinds[0]); j++) {
			enum msrtop_kind_id k = event_kinds[j];
			const struct msrtop_event_row *r = snapshot_rows(s, k);
			struct msrtop_counter *n = &ev[msrtop_kinds[k].source];

			for (size_t i = 0; i < snapshot_nr(s, k); i++)
				acc(n, &r[i].count);
			acc_rate(n, iv);
		}
		for (int i = 0; i < MSRTOP_SRC_NR; i++)
			s->sources[i].events = ev[i];
	}
	return 0;
}

/* ---- MSR exits timed by kvm_msr_outcome ------------------------------------------------- */

/* Orders a vCPU of an exit row against a vCPU of an outcome row: pid, vcpu_src, vcpu. */
static int cmp_vcpu_of(const struct msrtop_exit_row *e, const struct msrtop_outcome_row *o)
{
	CMP_FIELD(e, o, pid);
	CMP_FIELD(e, o, vcpu_src);
	CMP_FIELD(e, o, vcpu);
	return 0;
}

/*
 * With msr_exit_latency_from_outcomes: each MSR exit row's latency is the
 * duration of the accesses its vCPU finished on an MSR exit (SVM's one reason
 * takes reads and writes, VMX's MSR_READ reads and MSR_WRITE writes). Each
 * such access has one outcome event of HANDLED, FASTPATH, GP or ERROR, or,
 * when KVM handed it to userspace, USERSPACE and then USERSPACE_DONE, whose
 * duration spans the round trip: USERSPACE is left out. Accesses KVM's
 * emulator ran made no MSR exit and are left out too. Both tables are sorted
 * with the vCPU first, so one pass over each does it.
 */
static void msr_exit_latency(struct msrtop_snapshot *s)
{
	struct msrtop_exit_row *e = snapshot_rows(s, MSRTOP_KIND_EXITS);
	const struct msrtop_outcome_row *o = snapshot_rows(s, MSRTOP_KIND_OUTCOMES);
	size_t nr_e = snapshot_nr(s, MSRTOP_KIND_EXITS), nr_o = snapshot_nr(s, MSRTOP_KIND_OUTCOMES);
	size_t j = 0;

	for (size_t i = 0; i < nr_e; i++) {
		struct msrtop_exit_row *r = &e[i];
		bool reads, writes;

		if (!latency_from_outcomes(s, r))
			continue;
		reads = r->isa == MSRTOP_ISA_SVM || r->reason == MSRTOP_VMX_EXIT_MSR_READ;
		writes = r->isa == MSRTOP_ISA_SVM || r->reason == MSRTOP_VMX_EXIT_MSR_WRITE;
		memset(&r->latency, 0, sizeof(r->latency));
		while (j < nr_o && cmp_vcpu_of(r, &o[j]) > 0)
			j++;
		for (size_t k = j; k < nr_o && !cmp_vcpu_of(r, &o[k]); k++)
			if (!o[k].emulated && o[k].outcome != MSRTOP_OUTCOME_USERSPACE &&
			    (o[k].write ? writes : reads))
				snapshot_hist_add(&r->latency, &o[k].duration);
	}
}

int snapshot_finish(struct msrtop_snapshot *s, const struct msrtop_snapshot *prev)
{
	uint64_t since = prev ? prev->mono_ns : s->start_mono_ns;

	sort_tables(s, prev);
	if (s->msr_exit_latency_from_outcomes)
		msr_exit_latency(s);
	s->interval_s = s->mono_ns > since ? (double)(s->mono_ns - since) / 1e9 : 0;
	compute_deltas(s, prev);
	return derive(s, prev, true);
}

/* ---- filters -------------------------------------------------------------------------- */

bool snapshot_filter_is_empty(const struct msrtop_filter *f)
{
	return !f || (!f->nr_pids && !f->nr_guests && !f->has_vcpu && !f->has_msr &&
		      !f->has_reason);
}

int snapshot_guest_name_check(const char *name, char *why, size_t why_len)
{
	size_t n = strlen(name);

	if (!n) {
		snprintf(why, why_len, "empty: give a guest name (QEMU -name) or a VMM's comm");
		return -EINVAL;
	}
	if (n >= MSRTOP_VM_NAME_LEN) {
		snprintf(why, why_len, "%zu bytes long: a guest name is at most %d", n,
			 MSRTOP_VM_NAME_LEN - 1);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f) {
			snprintf(why, why_len, "it holds a control character");
			return -EINVAL;
		}
	}
	return 0;
}

int snapshot_filter_add_guest(struct msrtop_filter *f, const char *name)
{
	if (f->nr_guests == MSRTOP_FILTER_MAX_GUESTS)
		return -E2BIG;
	snprintf(f->guests[f->nr_guests++], MSRTOP_VM_NAME_LEN, "%s", name);
	return 0;
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

/* Whether the VM of pid in s has a guest name or comm f asks for. */
static bool guest_ok(const struct msrtop_filter *f, const struct msrtop_snapshot *s, uint32_t pid)
{
	const struct msrtop_vm *vm;

	if (!f->nr_guests)
		return true;
	vm = snapshot_find_vm((struct msrtop_snapshot *)s, pid);
	if (!vm)
		return false;
	for (size_t i = 0; i < f->nr_guests; i++)
		if ((vm->name[0] && !strcmp(vm->name, f->guests[i])) ||
		    (vm->comm[0] && !strcmp(vm->comm, f->guests[i])))
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

/* Whether f keeps row, of kind k (a filter on a dimension the kind lacks keeps it). */
static bool row_ok(const struct msrtop_filter *f, const struct msrtop_snapshot *s,
		   const struct msrtop_kind *k, const void *row)
{
	return pid_ok(f, kind_u32(row, 0)) && guest_ok(f, s, kind_u32(row, 0)) &&
	       (!k->has_vcpu ||
		vcpu_ok(f, kind_u8(row, k->vcpu_src_off), kind_u32(row, k->vcpu_off))) &&
	       (!k->has_msr || msr_ok(f, kind_u32(row, k->msr_off))) &&
	       (!k->has_reason ||
		reason_ok(f, kind_u8(row, k->isa_off), kind_uint(row, k->code_off, k->code_size)));
}

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
	out->cpu_vendor = s->cpu_vendor;
	out->msr_exit_latency_from_outcomes = s->msr_exit_latency_from_outcomes;
	memcpy(out->sources, s->sources, sizeof(out->sources));
	memcpy(out->overflow, s->overflow, sizeof(out->overflow));
	memcpy(out->errors, s->errors, sizeof(out->errors));

	for (int kid = 0; kid < MSRTOP_KIND_NR; kid++) {
		const struct msrtop_kind *k = &msrtop_kinds[kid];

		for (size_t i = 0; i < kind_nr(s, k); i++) {
			const void *r = kind_row(s, k, i);
			void *d;

			if (!row_ok(f, s, k, r))
				continue;
			d = snapshot_add_row(out, kid);
			if (!d)
				goto nomem;
			memcpy(d, r, k->row_size);
		}
	}
	for (size_t i = 0; i < s->nr_changes; i++) {
		const struct msrtop_msr_change_ev *e = &s->changes[i];
		struct msrtop_msr_change_ev *d;

		if (!pid_ok(f, e->pid) || !vcpu_ok(f, MSRTOP_VCPU_KERNEL, e->vcpu) ||
		    !msr_ok(f, e->msr))
			continue;
		d = snapshot_add_change(out);
		if (!d)
			goto nomem;
		*d = *e;
	}
	if (derive(out, s, false))
		goto nomem;
	return out;
nomem:
	snapshot_put(out);
	return NULL;
}
