/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a whole BPF hash map from userspace: in batches
 * (BPF_MAP_LOOKUP_BATCH, Linux 5.6+) where the kernel has them, key by key
 * otherwise, with per-CPU values summed over CPUs. Used by the collector.
 */
#ifndef MSRTOP_MAP_READ_H
#define MSRTOP_MAP_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Values are arrays of u64 counters of at most this many (they are summed as such). */
#define MAP_READ_MAX_U64 64

struct map_reader {
	int nr_cpus;  /* possible CPUs: the copies of a per-CPU value */
	bool batch;   /* use batch lookups; cleared when the kernel has none */
	size_t chunk; /* entries asked per batch lookup */
	/* Buffers, kept from one read to the next. */
	void *keys;
	void *vals;
	size_t cap_entries;
	size_t cap_key_size;
	size_t cap_val_size;
};

/* Called once per entry with the key and the value (per-CPU copies summed). */
typedef int (*map_read_fn)(void *ctx, const void *key, const uint64_t *value);

/* A reader for nr_cpus possible CPUs, trying batch lookups first when batch. */
void map_reader_init(struct map_reader *r, int nr_cpus, bool batch);
void map_reader_fini(struct map_reader *r);

/*
 * Calls fn for every entry of the map fd (BPF_MAP_TYPE_HASH or
 * BPF_MAP_TYPE_PERCPU_HASH: percpu). value_size must be a multiple of 8 and
 * at most MAP_READ_MAX_U64 counters. Stops at fn's first non-zero return and
 * returns it; else 0 or a negative errno. If the first batch lookup shows the
 * kernel has none, nothing has been passed to fn yet and the map is read key
 * by key (and so are later ones: r->batch is cleared).
 */
int map_reader_read(struct map_reader *r, int fd, bool percpu, size_t key_size, size_t value_size,
		    map_read_fn fn, void *ctx);

#endif /* MSRTOP_MAP_READ_H */
