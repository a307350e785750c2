/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Run a cmocka group as a TAP suite for tests/run.sh, with skips that TAP
 * counts as skips. (cmocka 1.1's own TAP output prints a skipped test as
 * "not ok N # SKIP", which TAP harnesses count as a failure.)
 *
 *   tap_cmocka_run(group, tests, n, skip_all)  runs the tests in tests[0..n),
 *	or, when skip_all is not NULL, reports every test as skipped with that
 *	reason and runs nothing. Returns main's exit status.
 *   A test with .test_func == NULL and .initial_state pointing at a reason
 *	string (see TAP_SKIP) is reported as skipped, not run.
 */
#ifndef TAP_CMOCKA_H
#define TAP_CMOCKA_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

/* A test entry that is reported as skipped with reason (a string literal). */
#define TAP_SKIP(name_, reason_)                                                                   \
	{                                                                                          \
		.name = (name_), .test_func = NULL, .initial_state = (void *)(reason_)             \
	}

static inline int tap_cmocka_run(const char *group, const struct CMUnitTest *tests, size_t n,
				 const char *skip_all)
{
	struct CMUnitTest *run = calloc(n ? n : 1, sizeof(*run));
	size_t nr_run = 0, nr_skip = 0;
	int rc;

	if (!run) {
		printf("not ok - %s: out of memory\n", group);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (skip_all || !tests[i].test_func) {
			printf("ok - %s # SKIP %s\n", tests[i].name,
			       skip_all ? skip_all : (const char *)tests[i].initial_state);
			nr_skip++;
		} else {
			run[nr_run++] = tests[i];
		}
	}
	fflush(stdout);
	rc = 0;
	if (nr_run) {
		cmocka_set_message_output(CM_OUTPUT_TAP);
		rc = _cmocka_run_group_tests(group, run, nr_run, NULL, NULL);
	}
	free(run);
	return rc ? 1 : 0;
}

#endif /* TAP_CMOCKA_H */
