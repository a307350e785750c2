/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A hash index over an array of fixed-size records: map_mirror.c finds a
 * map key's entry by it, json_out.c a row's cached text. Open addressing
 * with linear probing; each slot holds a record's number plus one (0: an
 * empty slot). The table's size is a power of two, at least twice the
 * records indexed, so every probe ends at an empty slot. Lookups walk
 * (hash & mask), (hash + 1) & mask, ... themselves: only the caller knows
 * what makes two records the same.
 */
#ifndef MSRTOP_ROW_INDEX_H
#define MSRTOP_ROW_INDEX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A hash of size bytes at data, a word at a time. */
static inline uint64_t row_index_hash(const void *data, size_t size)
{
	const unsigned char *p = data;
	uint64_t h = 0x243f6a8885a308d3ull, w;
	size_t i;

	for (i = 0; i + 8 <= size; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 29;
	}
	for (; i < size; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h ^ (h >> 32);
}

/* The number of slots for an index of records records: a power of two, at
 * least min (a power of two) and twice records. */
static inline size_t row_index_slots(size_t records, size_t min)
{
	size_t size = min;

	while (size < 2 * records)
		size *= 2;
	return size;
}

/* Puts record (numbered from 0) in the first free slot for hash. */
static inline void row_index_put(uint32_t *index, size_t mask, uint64_t hash, size_t record)
{
	size_t k = hash & mask;

	while (index[k])
		k = (k + 1) & mask;
	index[k] = (uint32_t)(record + 1);
}

#endif /* MSRTOP_ROW_INDEX_H */
