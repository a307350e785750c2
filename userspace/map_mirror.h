/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A userspace copy of one BPF hash map, kept up to date by reading only the
 * entries that changed: a BPF "iter/bpf_map_elem" program attached to the
 * map (msrtop.bpf.c's CHANGED_ROWS) writes out each entry whose update
 * generation moved since its last read, as its key then its value; where
 * the kernel loads no iterators, the programs pass the keys of changed rows
 * through a ring buffer instead, and those rows are looked up one by one
 * (map_mirror_update_keys()). On an
 * idle host most entries do not change, so a refresh costs one walk of the
 * map in the kernel instead of copying every entry out (BPF_MAP_LOOKUP_BATCH
 * copies each bucket to userspace under its lock: most of a big host's
 * refresh, docs/performance.md).
 *
 * The copy keeps its entries in the order they were first read, so that the
 * collector's rows come in the same order from one refresh to the next (and
 * the snapshot reuses its sort). Entries deleted from the map by userspace
 * must be deleted here too (map_mirror_forget()): nothing else deletes them.
 */
#ifndef MSRTOP_MAP_MIRROR_H
#define MSRTOP_MAP_MIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "map_read.h" /* map_read_fn */

struct map_mirror {
	int link_fd;	   /* the iterator's link (bpf_link__fd), not owned */
	size_t key_size;   /* bytes of the map's key */
	size_t value_size; /* bytes of the map's value, a multiple of 8 */
	size_t val_off;	   /* where an entry's value starts: key_size rounded up to 8 */
	size_t stride;	   /* bytes per entry */
	uint8_t *entries;  /* nr entries: key, then value at val_off */
	bool *dead;	   /* per entry: forgotten, dropped at the next update */
	size_t nr, cap, nr_dead;
	uint32_t *index; /* open addressing over the keys: entry + 1, 0 empty */
	size_t index_mask;
	uint8_t *buf; /* what read() returned, a partial record carried over */
	size_t buf_cap;
	uint64_t last_changed; /* entries the last update read */
};

struct btf;

/*
 * Whether this kernel loads a BPF map iterator program: it has them since
 * Linux 5.9, but a kernel can refuse tracing programs of this kind (this
 * project's lab host refuses them as it refuses fentry), and a refused
 * program fails the whole object's load. So a program of two instructions is
 * tried first. vmlinux: the kernel's BTF.
 */
bool map_mirror_probe(const struct btf *vmlinux);

/* A mirror of a map of key_size-byte keys and value_size-byte values (a
 * multiple of 8, at most MAP_READ_MAX_U64 counters), read through link_fd.
 * 0, or -EINVAL. */
int map_mirror_init(struct map_mirror *m, int link_fd, size_t key_size, size_t value_size);
void map_mirror_fini(struct map_mirror *m);

/* Reads the entries changed since the last update (all of them the first
 * time) into the mirror. 0, or a negative errno (the mirror then keeps what
 * it read; the next update reads the rest). */
int map_mirror_update(struct map_mirror *m);

/*
 * Without an iterator (link_fd -1): the entries of the nr keys at keys
 * (key_size bytes each), looked up one by one in the map map_fd, into the
 * mirror; a key the map no longer has is skipped. The caller knows which
 * keys changed (msrtop.bpf.c's dirty_keys ring). 0, or a negative errno.
 */
int map_mirror_update_keys(struct map_mirror *m, int map_fd, const uint8_t *keys, size_t nr);

/* Every entry of the (shared) hash map map_fd, read whole with r, into the
 * mirror: the first read, and when the changed keys are not all known. */
int map_mirror_fill(struct map_mirror *m, struct map_reader *r, int map_fd);

/* Calls fn for every entry, in the order they were first read; stops at
 * fn's first non-zero return and returns it. */
int map_mirror_each(struct map_mirror *m, map_read_fn fn, void *ctx);

/* Drops key's entry (userspace deleted it from the map). */
void map_mirror_forget(struct map_mirror *m, const void *key);

#endif /* MSRTOP_MAP_MIRROR_H */
