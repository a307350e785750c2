// SPDX-License-Identifier: GPL-2.0
/* Reading whole BPF hash maps (map_read.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "map_read.h"

#define DEFAULT_CHUNK 256

void map_reader_init(struct map_reader *r, int nr_cpus, bool batch)
{
	memset(r, 0, sizeof(*r));
	r->nr_cpus = nr_cpus;
	r->batch = batch;
	r->chunk = DEFAULT_CHUNK;
}

void map_reader_fini(struct map_reader *r)
{
	free(r->keys);
	free(r->vals);
	r->keys = r->vals = NULL;
	r->cap_entries = 0;
}

static int ensure_buffers(struct map_reader *r, size_t entries, size_t key_size, size_t val_size)
{
	void *p;

	if (entries <= r->cap_entries && key_size <= r->cap_key_size && val_size <= r->cap_val_size)
		return 0;
	if (entries < r->cap_entries)
		entries = r->cap_entries;
	if (key_size < r->cap_key_size)
		key_size = r->cap_key_size;
	if (val_size < r->cap_val_size)
		val_size = r->cap_val_size;
	p = realloc(r->keys, entries * key_size);
	if (!p)
		return -ENOMEM;
	r->keys = p;
	p = realloc(r->vals, entries * val_size);
	if (!p)
		return -ENOMEM;
	r->vals = p;
	r->cap_entries = entries;
	r->cap_key_size = key_size;
	r->cap_val_size = val_size;
	return 0;
}

/* Sums the per-CPU copies of a value (nr_cpus copies, each padded to 8 bytes). */
static void sum_value(const struct map_reader *r, const void *raw, size_t value_size, bool percpu,
		      uint64_t *sum)
{
	size_t n = value_size / 8, stride = (value_size + 7) / 8 * 8;

	memcpy(sum, raw, value_size);
	for (int cpu = 1; percpu && cpu < r->nr_cpus; cpu++) {
		const uint64_t *v = (const uint64_t *)((const char *)raw + cpu * stride);

		for (size_t i = 0; i < n; i++)
			sum[i] += v[i];
	}
}

static size_t value_stride(const struct map_reader *r, bool percpu, size_t value_size)
{
	return percpu ? (value_size + 7) / 8 * 8 * r->nr_cpus : value_size;
}

static int read_batch(struct map_reader *r, int fd, bool percpu, size_t key_size, size_t value_size,
		      map_read_fn fn, void *ctx, bool *unsupported)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	size_t stride = value_stride(r, percpu, value_size);
	uint64_t sum[MAP_READ_MAX_U64];
	uint64_t in_batch[8], out_batch[8]; /* a hash map's batch token is a u32 */
	bool first = true, more = true;
	int err;

	while (more) {
		__u32 count = r->chunk;

		err = ensure_buffers(r, r->chunk, key_size, stride);
		if (err)
			return err;
		err = bpf_map_lookup_batch(fd, first ? NULL : in_batch, out_batch, r->keys, r->vals,
					   &count, &opts);
		if (err == -ENOENT) {
			more = false; /* the last entries, if any, are in this answer */
		} else if (err == -ENOSPC && count == 0) {
			r->chunk *= 2; /* one hash bucket holds more than chunk entries */
			continue;
		} else if (err) {
			if (first && (err == -EINVAL || err == -ENOTSUP || err == -EOPNOTSUPP))
				*unsupported = true;
			return err;
		}
		for (__u32 i = 0; i < count; i++) {
			sum_value(r, (const char *)r->vals + i * stride, value_size, percpu, sum);
			err = fn(ctx, (const char *)r->keys + i * key_size, sum);
			if (err)
				return err;
		}
		memcpy(in_batch, out_batch, sizeof(in_batch));
		first = false;
	}
	return 0;
}

static int read_iter(struct map_reader *r, int fd, bool percpu, size_t key_size, size_t value_size,
		     map_read_fn fn, void *ctx)
{
	size_t stride = value_stride(r, percpu, value_size);
	uint64_t sum[MAP_READ_MAX_U64];
	void *prev = NULL, *key, *next;
	int err;

	err = ensure_buffers(r, 2, key_size, stride);
	if (err)
		return err;
	key = r->keys;
	next = (char *)r->keys + key_size;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, r->vals))
			continue; /* deleted meanwhile */
		sum_value(r, r->vals, value_size, percpu, sum);
		err = fn(ctx, key, sum);
		if (err)
			return err;
	}
	return 0;
}

int map_reader_read(struct map_reader *r, int fd, bool percpu, size_t key_size, size_t value_size,
		    map_read_fn fn, void *ctx)
{
	bool unsupported = false;
	int err;

	if (value_size % 8 || value_size > sizeof(uint64_t) * MAP_READ_MAX_U64 || !key_size ||
	    key_size > sizeof(uint64_t) * 8 || r->nr_cpus <= 0)
		return -EINVAL;
	if (r->batch) {
		err = read_batch(r, fd, percpu, key_size, value_size, fn, ctx, &unsupported);
		if (!err || !unsupported)
			return err;
		r->batch = false; /* no batch lookups in this kernel: key by key from now on */
	}
	return read_iter(r, fd, percpu, key_size, value_size, fn, ctx);
}
