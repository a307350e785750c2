// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: cmdline_parse() (userspace/cmdline.c) on any command
 * line (the input's bytes, split at NULs into at most 32 words), with an
 * option table that has what msrtop's and msrload's have: flags, options
 * with values, a repeatable one, two sharing a prefix, one whose name is a
 * prefix of another's, a conflict, a stop (--help) and a value refused by
 * its apply function. What cmdline.h promises is checked on every input:
 *
 *   - the result is 0, the stop value, or -EINVAL;
 *   - -EINVAL comes with exactly one line on stderr, "fuzz: ...\n", and
 *     anything else with nothing on stderr;
 *   - that line holds no control byte, no C1 control and no invalid UTF-8
 *     (what a terminal could act on is escaped);
 *   - each value handed to an apply function holds no control character
 *     and no white space at either end, options without CMDLINE_ARG get no
 *     value, and one not CMDLINE_REPEAT is applied once at most;
 *   - an accepted command line consumed every word: each word not starting
 *     with '-' (and "-" alone) was some option's value, "--" came last;
 *     conflicting options were not both given.
 *
 * A broken promise, or a sanitizer report, is a crash with the words
 * printed. Run by tests/fuzz/libfuzzer.sh.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"

#define MAX_WORDS 32
#define MAX_APPLIED 64
#define STOP 7

enum { O_INTERVAL, O_ONCE, O_OUTPUT, O_JSON, O_PID, O_MAX, O_MAX_ROWS, O_HELP, O_MSR, O_NR };

struct applied {
	int opt;
	const char *arg;
};

static struct applied applied[MAX_APPLIED];
static int nr_applied;

static int record(int opt, const char *arg)
{
	if (nr_applied < MAX_APPLIED)
		applied[nr_applied++] = (struct applied){ opt, arg };
	return 0;
}

#define APPLY(name, idx)                                                                           \
	static int name(void *ctx, const char *arg)                                                \
	{                                                                                          \
		return record(idx, arg);                                                           \
	}
APPLY(a_interval, O_INTERVAL)
APPLY(a_once, O_ONCE)
APPLY(a_output, O_OUTPUT)
APPLY(a_json, O_JSON)
APPLY(a_pid, O_PID)
APPLY(a_max, O_MAX)
APPLY(a_max_rows, O_MAX_ROWS)

static int a_help(void *ctx, const char *arg)
{
	record(O_HELP, arg);
	return STOP;
}

/* Refuses values starting with 'x', as msrtop refuses an unknown MSR name. */
static int a_msr(void *ctx, const char *arg)
{
	record(O_MSR, arg);
	if (arg[0] == 'x') {
		cmdline_error("fuzz", "unknown MSR '%s'", arg);
		return -EINVAL;
	}
	return 0;
}

static const struct cmdline_opt opts[O_NR] = {
	[O_INTERVAL] = { "interval", 'i', CMDLINE_ARG, a_interval },
	[O_ONCE] = { "once", 0, 0, a_once },
	[O_OUTPUT] = { "output", 'o', CMDLINE_ARG, a_output },
	[O_JSON] = { "json", 'j', 0, a_json },
	[O_PID] = { "pid", 'p', CMDLINE_ARG | CMDLINE_REPEAT, a_pid },
	[O_MAX] = { "max", 0, CMDLINE_ARG, a_max },
	[O_MAX_ROWS] = { "max-rows", 'm', CMDLINE_ARG, a_max_rows },
	[O_HELP] = { "help", 'h', 0, a_help },
	[O_MSR] = { "msr", 'r', CMDLINE_ARG | CMDLINE_REPEAT, a_msr },
};

static const struct cmdline_conflict conflicts[] = {
	{ "once", "interval", "fuzzing" },
};

static const struct cmdline cl = {
	.prog = "fuzz",
	.opts = opts,
	.nr_opts = O_NR,
	.conflicts = conflicts,
	.nr_conflicts = 1,
};

static int words;
static char *argv_[MAX_WORDS + 2];

static void __attribute__((noreturn)) broken(const char *what, const char *out, size_t out_len)
{
	fprintf(stderr, "cmdline_parse() broke a promise: %s\nwords:", what);
	for (int i = 1; i < words; i++) {
		fputs(" '", stderr);
		for (const unsigned char *c = (const unsigned char *)argv_[i]; *c; c++)
			fprintf(stderr, *c >= ' ' && *c < 0x7f ? "%c" : "\\x%02x", *c);
		fputc('\'', stderr);
	}
	fprintf(stderr, "\nstderr (%zu bytes): %.*s\n", out_len, (int)out_len, out);
	abort();
}

/* The length of a valid UTF-8 sequence at s that is not a C1 control, else 0 (RFC 3629). */
static size_t utf8_ok(const unsigned char *s, size_t left)
{
	uint32_t cp;
	size_t n;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (left < n)
		return 0;
	cp = s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return n;
}

static bool is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool consumed_as_value(const char *word)
{
	for (int k = 0; k < nr_applied; k++)
		if (applied[k].arg == word)
			return true;
	return false;
}

/* How each command line ended: printed at exit, so that a run shows it reached them all. */
static unsigned long accepted, stopped, refused;

static void print_seen(void)
{
	fprintf(stderr, "results seen: accepted=%lu stopped=%lu refused=%lu\n", accepted, stopped,
		refused);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	atexit(print_seen);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), *out = NULL, *p;
	unsigned int count[O_NR] = { 0 };
	size_t out_len = 0;
	FILE *mem, *saved;
	int r;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	argv_[0] = "fuzz";
	words = 1;
	for (p = copy; words <= MAX_WORDS && p <= copy + size; p += strlen(p) + 1)
		argv_[words++] = p;
	argv_[words] = NULL;
	nr_applied = 0;

	mem = open_memstream(&out, &out_len);
	if (!mem) {
		free(copy);
		return 0;
	}
	saved = stderr;
	stderr = mem;
	r = cmdline_parse(&cl, words, argv_, NULL);
	stderr = saved;
	fclose(mem);

	if (r != 0 && r != STOP && r != -EINVAL)
		broken("a result other than 0, the stop value or -EINVAL", out, out_len);
	if (r == -EINVAL) {
		if (out_len < 7 || strncmp(out, "fuzz: ", 6) || out[out_len - 1] != '\n' ||
		    memchr(out, '\n', out_len - 1))
			broken("-EINVAL without exactly one line 'fuzz: ...' on stderr", out, out_len);
		for (size_t i = 0; i < out_len - 1; i++) {
			unsigned char c = out[i];
			size_t n;

			if (c < ' ' || c == 0x7f)
				broken("a control byte in the message", out, out_len);
			if (c >= 0x80) {
				n = utf8_ok((const unsigned char *)out + i, out_len - 1 - i);
				if (!n)
					broken("a C1 control or invalid UTF-8 in the message", out,
					       out_len);
				i += n - 1;
			}
		}
	} else if (out_len) {
		broken("something on stderr without an error", out, out_len);
	}
	for (int k = 0; k < nr_applied; k++) {
		const struct applied *a = &applied[k];
		const struct cmdline_opt *o = &opts[a->opt];
		size_t len = a->arg ? strlen(a->arg) : 0;

		if (!a->arg != !(o->flags & CMDLINE_ARG))
			broken("a value for a flag, or none for an option taking one", out, out_len);
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)a->arg[i] < ' ' || a->arg[i] == 0x7f)
				broken("a value with a control character applied", out, out_len);
		if (len && (is_space(a->arg[0]) || is_space(a->arg[len - 1])))
			broken("a value with white space at an end applied", out, out_len);
		if (++count[a->opt] > 1 && !(o->flags & CMDLINE_REPEAT))
			broken("an option that may not repeat applied twice", out, out_len);
	}
	if (r == 0) {
		for (int i = 1; i < words; i++) {
			const char *w = argv_[i];

			if ((w[0] != '-' || !w[1]) && !consumed_as_value(w))
				broken("an operand accepted", out, out_len);
			if (!strcmp(w, "--") && i != words - 1 && !consumed_as_value(w))
				broken("a word after '--' accepted", out, out_len);
		}
		if (count[O_ONCE] && count[O_INTERVAL])
			broken("conflicting options accepted together", out, out_len);
	}
	if (r == 0)
		accepted++;
	else if (r == STOP)
		stopped++;
	else
		refused++;
	free(out);
	free(copy);
	return 0;
}
