// SPDX-License-Identifier: GPL-2.0
/* A userspace copy of a BPF hash map, updated with its changed entries (map_mirror.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>

#include "map_mirror.h"
#include "row_index.h"

#define READ_BUF (256 * 1024)

bool map_mirror_probe(const struct btf *vmlinux)
{
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_ITER);
	int id, fd;

	if (!vmlinux)
		return false;
	id = btf__find_by_name_kind(vmlinux, "bpf_iter_bpf_map_elem", BTF_KIND_FUNC);
	if (id <= 0)
		return false;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, 2, &opts);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int map_mirror_init(struct map_mirror *m, int link_fd, size_t key_size, size_t value_size)
{
	memset(m, 0, sizeof(*m));
	if (!key_size || !value_size || value_size % 8 || value_size > MAP_READ_MAX_U64 * 8)
		return -EINVAL;
	m->link_fd = link_fd;
	m->key_size = key_size;
	m->value_size = value_size;
	m->val_off = (key_size + 7) / 8 * 8;
	m->stride = m->val_off + value_size;
	return 0;
}

void map_mirror_fini(struct map_mirror *m)
{
	free(m->entries);
	free(m->dead);
	free(m->index);
	free(m->buf);
	memset(m, 0, sizeof(*m));
}

static uint8_t *entry(const struct map_mirror *m, size_t i)
{
	return m->entries + i * m->stride;
}

/* The index of key's entry, or -1. */
static long find(const struct map_mirror *m, const void *key)
{
	size_t mask = m->index_mask;

	if (!m->index)
		return -1;
	for (size_t k = row_index_hash(key, m->key_size) & mask;; k = (k + 1) & mask) {
		uint32_t j = m->index[k];

		if (!j)
			return -1;
		if (!memcmp(entry(m, j - 1), key, m->key_size))
			return (long)(j - 1);
	}
}

/* Indexes every entry anew, in a table of at least twice their number. */
static int reindex(struct map_mirror *m, size_t want)
{
	size_t size = row_index_slots(want, 64);
	uint32_t *index = calloc(size, sizeof(*index));

	if (!index)
		return -ENOMEM;
	for (size_t i = 0; i < m->nr; i++)
		row_index_put(index, size - 1, row_index_hash(entry(m, i), m->key_size), i);
	free(m->index);
	m->index = index;
	m->index_mask = size - 1;
	return 0;
}

/* Drops the forgotten entries, keeping the others' order. */
static int compact(struct map_mirror *m)
{
	size_t out = 0;

	for (size_t i = 0; i < m->nr; i++) {
		if (m->dead[i])
			continue;
		if (out != i)
			memcpy(entry(m, out), entry(m, i), m->stride);
		m->dead[out++] = false;
	}
	m->nr = out;
	m->nr_dead = 0;
	return reindex(m, m->nr);
}

static int upsert(struct map_mirror *m, const uint8_t *key, const uint8_t *value)
{
	long i = find(m, key);

	if (i >= 0) {
		memcpy(entry(m, i) + m->val_off, value, m->value_size);
		if (m->dead[i]) { /* deleted, and made again by the programs since */
			m->dead[i] = false;
			m->nr_dead--;
		}
		return 0;
	}
	if (m->nr >= UINT32_MAX - 1)
		return -E2BIG;
	if (m->nr == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 1024;
		uint8_t *e = realloc(m->entries, cap * m->stride);
		bool *d;

		if (!e)
			return -ENOMEM;
		m->entries = e;
		d = realloc(m->dead, cap * sizeof(*d));
		if (!d)
			return -ENOMEM;
		m->dead = d;
		m->cap = cap;
	}
	if (!m->index || 2 * (m->nr + 1) > m->index_mask + 1) {
		int err = reindex(m, 2 * (m->nr + 1));

		if (err)
			return err;
	}
	memset(entry(m, m->nr), 0, m->stride);
	memcpy(entry(m, m->nr), key, m->key_size);
	memcpy(entry(m, m->nr) + m->val_off, value, m->value_size);
	m->dead[m->nr] = false;
	row_index_put(m->index, m->index_mask, row_index_hash(key, m->key_size), m->nr);
	m->nr++;
	return 0;
}

/*
 * Before an update: the entries forgotten since the last one dropped, and
 * (buf_cap not 0) the read buffer, of buf_cap bytes, made the first time.
 */
static int update_begin(struct map_mirror *m, size_t buf_cap)
{
	if (m->nr_dead) {
		int err = compact(m);

		if (err)
			return err;
	}
	if (buf_cap && !m->buf) {
		m->buf_cap = buf_cap;
		m->buf = malloc(m->buf_cap);
		if (!m->buf)
			return -ENOMEM;
	}
	return 0;
}

int map_mirror_update(struct map_mirror *m)
{
	size_t rec = m->key_size + m->value_size, have = 0;
	int fd, err;

	err = update_begin(m, READ_BUF > 2 * rec ? READ_BUF : 2 * rec);
	if (err)
		return err;
	fd = bpf_iter_create(m->link_fd);
	if (fd < 0)
		return fd;
	m->last_changed = 0;
	for (;;) {
		ssize_t n = read(fd, m->buf + have, m->buf_cap - have);
		size_t off = 0;

		if (n < 0) {
			/* EAGAIN: the kernel walked a million entries without output, and
			 * goes on from there at the next read. */
			if (errno == EINTR || errno == EAGAIN)
				continue;
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		for (; have - off >= rec; off += rec) {
			err = upsert(m, m->buf + off, m->buf + off + m->key_size);
			if (err)
				break;
			m->last_changed++;
		}
		if (err)
			break;
		memmove(m->buf, m->buf + off, have - off);
		have -= off;
	}
	close(fd);
	if (!err && have)
		err = -EIO; /* a record cut short: not what the program writes */
	return err;
}

int map_mirror_update_keys(struct map_mirror *m, int map_fd, const uint8_t *keys, size_t nr)
{
	int err = update_begin(m, m->value_size); /* one value at a time */

	if (err)
		return err;
	m->last_changed = 0;
	for (size_t i = 0; i < nr; i++) {
		const uint8_t *key = keys + i * m->key_size;

		if (bpf_map_lookup_elem(map_fd, key, m->buf)) {
			if (errno == ENOENT)
				continue; /* deleted by userspace since (--forget-after) */
			return -errno;
		}
		err = upsert(m, key, m->buf);
		if (err)
			return err;
		m->last_changed++;
	}
	return 0;
}

static int fill_one(void *ctx, const void *key, const uint64_t *value)
{
	struct map_mirror *m = ctx;

	m->last_changed++;
	return upsert(m, key, (const uint8_t *)value);
}

int map_mirror_fill(struct map_mirror *m, struct map_reader *r, int map_fd)
{
	int err = update_begin(m, 0); /* r has buffers of its own */

	if (err)
		return err;
	m->last_changed = 0;
	return map_reader_read(r, map_fd, false, m->key_size, m->value_size, fill_one, m);
}

int map_mirror_each(struct map_mirror *m, map_read_fn fn, void *ctx)
{
	for (size_t i = 0; i < m->nr; i++) {
		int err;

		if (m->dead[i])
			continue;
		err = fn(ctx, entry(m, i), (const uint64_t *)(entry(m, i) + m->val_off));
		if (err)
			return err;
	}
	return 0;
}

void map_mirror_forget(struct map_mirror *m, const void *key)
{
	long i = find(m, key);

	if (i >= 0 && !m->dead[i]) {
		m->dead[i] = true;
		m->nr_dead++;
	}
}
