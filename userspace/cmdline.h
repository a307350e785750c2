/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one command-line parser of msrtop and msrload: a table of options, each
 * with the function that applies its value. It is strict where getopt is not:
 *
 *   --name VALUE, --name=VALUE, -n VALUE, -nVALUE, bundled flags (-jv)
 *   --na         a unique prefix of a long name; an ambiguous one is an error
 *                naming every option it could be ("--o is ambiguous: --once,
 *                --output"); an exact name always wins over longer ones
 *   --flag=x     an error: the option takes no value
 *   twice        an error unless the option is marked CMDLINE_REPEAT
 *   conflicts    pairs of options that make no sense together, refused
 *   values       refused when they hold control characters or start or end
 *                with white space (the same on both sides: ' 1' and '1 ')
 *   --           ends the options; every word after it, and any word not
 *                starting with '-', is an unexpected argument (neither
 *                program takes operands)
 *
 * Every error is one line on stderr, "PROG: what is wrong; try 'PROG --help'",
 * with every byte that could drive a terminal escaped (cmdline_escape()).
 * The caller exits with status 2 when cmdline_parse() returns negative.
 */
#ifndef MSRTOP_CMDLINE_H
#define MSRTOP_CMDLINE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#define CMDLINE_ARG (1u << 0)	 /* the option takes a value */
#define CMDLINE_REPEAT (1u << 1) /* it may be given more than once */

struct cmdline_opt {
	const char *name; /* "interval" for --interval */
	char short_name;  /* 'i' for -i, or 0 */
	unsigned int flags;
	/*
	 * Applies the option (arg is NULL without CMDLINE_ARG): 0; a positive
	 * number to stop parsing and have cmdline_parse() return it (--help);
	 * or negative after reporting one line with cmdline_error().
	 */
	int (*apply)(void *ctx, const char *arg);
};

/* Two options (long names) that are refused together, and why. */
struct cmdline_conflict {
	const char *a, *b;
	const char *why;
};

struct cmdline {
	const char *prog; /* "msrtop": the prefix of every message */
	const struct cmdline_opt *opts;
	size_t nr_opts;
	const struct cmdline_conflict *conflicts;
	size_t nr_conflicts;
};

/*
 * Parses argv[1..argc) and applies each option in the order given. Returns 0,
 * what an apply function returned to stop (positive), or -EINVAL after one
 * line on stderr.
 */
int cmdline_parse(const struct cmdline *cl, int argc, char **argv, void *ctx);

/*
 * Writes s to f with what a terminal could take as a command escaped: '\\',
 * '\n', '\t', '\r', '\e' as such, other control bytes, C1 controls and bytes
 * that are not UTF-8 as \xNN. Printable ASCII and other UTF-8 stay as they are.
 */
void cmdline_escape(FILE *f, const char *s);

/* "PROG: MESSAGE\n" on stderr, the formatted message escaped as above. */
void cmdline_error(const char *prog, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cmdline_verror(const char *prog, const char *fmt, va_list ap);

#endif /* MSRTOP_CMDLINE_H */
