/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Strict number parsing for name filters (msr_parse(), exit_reason_parse()).
 *
 * Accepts "0x" or "0X" followed by hex digits, or plain decimal digits (a
 * leading 0 does not mean octal). Rejects the empty string, signs, spaces,
 * trailing junk and values above max.
 */
#ifndef MSRTOP_NAMES_PARSE_H
#define MSRTOP_NAMES_PARSE_H

#include <errno.h>
#include <stdint.h>

/* 0 and *out set; -EINVAL if s is not a number; -ERANGE if it is above max. */
static inline int names_parse_number(const char *s, uint64_t max, uint64_t *out)
{
	unsigned int base = 10;
	uint64_t v = 0;
	int digits = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	for (; *s; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		if (v > (max - d) / base) {
			/* Keep scanning: junk after an overflow is still junk. */
			for (s++; *s; s++) {
				if (!(*s >= '0' && *s <= '9') &&
				    !(base == 16 && ((*s >= 'a' && *s <= 'f') ||
						     (*s >= 'A' && *s <= 'F'))))
					return -EINVAL;
			}
			return -ERANGE;
		}
		v = v * base + d;
		digits++;
	}
	if (!digits)
		return -EINVAL;
	*out = v;
	return 0;
}

#endif /* MSRTOP_NAMES_PARSE_H */
