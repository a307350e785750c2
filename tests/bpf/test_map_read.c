// SPDX-License-Identifier: GPL-2.0
/*
 * userspace/map_read.c against real BPF maps made here: every entry read
 * exactly once, per-CPU values summed, in batches of any size and key by key.
 * Needs root (CAP_BPF); skipped otherwise.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "../lib/cmocka_tap.h"

#include "map_read.h"

#define NR_KEYS 1000

struct key {
	uint32_t a;
	uint32_t b;
};

struct seen {
	unsigned int calls;
	unsigned char hits[NR_KEYS];
	bool bad_value;
	int nr_cpus;
	bool percpu;
	int stop_after; /* return -EINTR from the callback after this many calls; 0: never */
};

static int nr_cpus;

/* Per-CPU copy of the value of key k on cpu: {k, k * 10 + cpu, 7}. */
static int make_map(enum bpf_map_type type, unsigned int nr_keys)
{
	bool percpu = type == BPF_MAP_TYPE_PERCPU_HASH;
	int ncopies = percpu ? nr_cpus : 1;
	uint64_t *val = calloc(ncopies, 3 * sizeof(uint64_t));
	int fd;

	assert_non_null(val);
	fd = bpf_map_create(type, "test_map_read", sizeof(struct key), 3 * sizeof(uint64_t),
			    NR_KEYS, NULL);
	assert_true(fd >= 0);
	for (unsigned int k = 0; k < nr_keys; k++) {
		struct key key = {.a = k, .b = ~k};

		for (int cpu = 0; cpu < ncopies; cpu++) {
			val[cpu * 3 + 0] = k;
			val[cpu * 3 + 1] = k * 10 + cpu;
			val[cpu * 3 + 2] = 7;
		}
		assert_int_equal(bpf_map_update_elem(fd, &key, val, BPF_NOEXIST), 0);
	}
	free(val);
	return fd;
}

static int check_entry(void *ctx, const void *pkey, const uint64_t *v)
{
	struct seen *s = ctx;
	const struct key *key = pkey;
	uint64_t n = s->percpu ? (uint64_t)s->nr_cpus : 1, k = key->a;

	if (s->stop_after && s->calls == (unsigned int)s->stop_after)
		return -EINTR;
	s->calls++;
	if (k >= NR_KEYS || key->b != ~key->a) {
		s->bad_value = true;
		return 0;
	}
	s->hits[k]++;
	/* sum over cpus of k, of k * 10 + cpu, and of 7 */
	if (v[0] != k * n || v[1] != k * 10 * n + n * (n - 1) / 2 || v[2] != 7 * n)
		s->bad_value = true;
	return 0;
}

static void read_all(enum bpf_map_type type, bool batch, size_t chunk, unsigned int nr_keys)
{
	int fd = make_map(type, nr_keys);
	struct seen s = {.nr_cpus = nr_cpus, .percpu = type == BPF_MAP_TYPE_PERCPU_HASH};
	struct map_reader r;

	map_reader_init(&r, nr_cpus, batch);
	if (chunk)
		r.chunk = chunk;
	assert_int_equal(map_reader_read(&r, fd, s.percpu, sizeof(struct key), 3 * sizeof(uint64_t),
					 check_entry, &s),
			 0);
	assert_int_equal(s.calls, nr_keys);
	assert_false(s.bad_value);
	for (unsigned int k = 0; k < nr_keys; k++)
		if (s.hits[k] != 1)
			fail_msg("key %u read %u times", k, s.hits[k]);
	/* A second read with the same reader (its buffers kept) sees the same. */
	memset(&s.hits, 0, sizeof(s.hits));
	s.calls = 0;
	assert_int_equal(map_reader_read(&r, fd, s.percpu, sizeof(struct key), 3 * sizeof(uint64_t),
					 check_entry, &s),
			 0);
	assert_int_equal(s.calls, nr_keys);
	assert_int_equal(r.batch, batch); /* this kernel has batch lookups */
	map_reader_fini(&r);
	close(fd);
}

static void test_percpu_batch(void **state)
{
	read_all(BPF_MAP_TYPE_PERCPU_HASH, true, 0, NR_KEYS);
}

static void test_percpu_small_batches(void **state)
{
	read_all(BPF_MAP_TYPE_PERCPU_HASH, true, 7, NR_KEYS);
}

static void test_percpu_batch_of_one(void **state)
{
	/* Buckets holding two keys need a bigger batch: the reader grows it. */
	read_all(BPF_MAP_TYPE_PERCPU_HASH, true, 1, NR_KEYS);
}

static void test_percpu_key_by_key(void **state)
{
	read_all(BPF_MAP_TYPE_PERCPU_HASH, false, 0, NR_KEYS);
}

static void test_shared_batch(void **state)
{
	read_all(BPF_MAP_TYPE_HASH, true, 0, NR_KEYS);
}

static void test_shared_key_by_key(void **state)
{
	read_all(BPF_MAP_TYPE_HASH, false, 0, NR_KEYS);
}

static void test_empty(void **state)
{
	read_all(BPF_MAP_TYPE_PERCPU_HASH, true, 0, 0);
	read_all(BPF_MAP_TYPE_HASH, false, 0, 0);
}

static void test_callback_error_stops(void **state)
{
	int fd = make_map(BPF_MAP_TYPE_HASH, 100);
	struct seen s = {.nr_cpus = nr_cpus, .stop_after = 10};
	struct map_reader r;

	for (int batch = 0; batch < 2; batch++) {
		map_reader_init(&r, nr_cpus, batch);
		s.calls = 0;
		assert_int_equal(map_reader_read(&r, fd, false, sizeof(struct key),
						 3 * sizeof(uint64_t), check_entry, &s),
				 -EINTR);
		assert_int_equal(s.calls, 10);
		map_reader_fini(&r);
	}
	close(fd);
}

static void test_bad_sizes(void **state)
{
	struct map_reader r;
	struct seen s = {0};

	map_reader_init(&r, nr_cpus, true);
	assert_int_equal(map_reader_read(&r, -1, false, 8, 12, check_entry, &s), -EINVAL);
	assert_int_equal(
		map_reader_read(&r, -1, false, 8, 8 * (MAP_READ_MAX_U64 + 1), check_entry, &s),
		-EINVAL);
	assert_int_equal(map_reader_read(&r, -1, false, 0, 8, check_entry, &s), -EINVAL);
	map_reader_fini(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percpu_batch),
		cmocka_unit_test(test_percpu_small_batches),
		cmocka_unit_test(test_percpu_batch_of_one),
		cmocka_unit_test(test_percpu_key_by_key),
		cmocka_unit_test(test_shared_batch),
		cmocka_unit_test(test_shared_key_by_key),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_callback_error_stops),
		cmocka_unit_test(test_bad_sizes),
	};
	const char *skip = NULL;

	cmocka_set_message_output(CM_OUTPUT_TAP);
	nr_cpus = libbpf_num_possible_cpus();
	if (geteuid() != 0)
		skip = "needs root (CAP_BPF) to create BPF maps";
	else if (nr_cpus <= 0)
		skip = "cannot count the possible CPUs";
	return tap_cmocka_run("map_read", tests, sizeof(tests) / sizeof(tests[0]), skip);
}
