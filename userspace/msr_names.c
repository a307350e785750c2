// SPDX-License-Identifier: GPL-2.0
/* MSR names: lookups over the generated table in msr_names_table.c. */
#include <errno.h>
#include <stdio.h>
#include <strings.h>

#include "msr_names.h"
#include "names_parse.h"

const char *msr_name(uint32_t index)
{
	size_t lo = 0, hi = msr_name_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t v = msr_name_table[mid].index;

		if (v == index)
			return msr_name_table[mid].name;
		if (v < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int msr_format(uint32_t index, char *buf, size_t len)
{
	const char *name = msr_name(index);

	if (name)
		return snprintf(buf, len, "%s", name);
	return snprintf(buf, len, "0x%x", index);
}

static int find_name(const struct msr_name_entry *table, size_t n, const char *s,
		     uint32_t *index)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcasecmp(table[i].name, s)) {
			*index = table[i].index;
			return 0;
		}
	}
	return -ENOENT;
}

int msr_parse(const char *s, uint32_t *index)
{
	uint64_t v;
	int err;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] >= '0' && s[0] <= '9') {
		err = names_parse_number(s, UINT32_MAX, &v);
		if (err)
			return err;
		*index = (uint32_t)v;
		return 0;
	}
	/* "MSR_EFER" and "efer" both name EFER; "HV_X64_MSR_SINT0" is a whole name. */
	for (int pass = 0; pass < 2; pass++) {
		const char *name = s;

		if (pass == 1) {
			if (strncasecmp(s, "MSR_", 4) || !s[4])
				break;
			name = s + 4;
		}
		if (!find_name(msr_name_table, msr_name_count, name, index) ||
		    !find_name(msr_alias_table, msr_alias_count, name, index))
			return 0;
	}
	return -EINVAL;
}
