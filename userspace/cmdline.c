// SPDX-License-Identifier: GPL-2.0
/* The strict, table-driven command-line parser (cmdline.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"

#define CMDLINE_MAX_OPTS 64

/* ---- escaping ------------------------------------------------------------------------- */

/* The length of the UTF-8 sequence at s if it is valid and not a C1 control, else 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* The second byte's range excludes overlong forms, surrogates and C1 controls. */
	if (s[0] == 0xc2)
		lo = 0xa0;
	else if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

void cmdline_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s) {
		size_t n;

		switch (*s) {
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case 0x1b:
			fputs("\\e", f);
			break;
		default:
			if (*s >= 0x20 && *s < 0x7f) {
				fputc(*s, f);
			} else if (*s >= 0x80 && (n = utf8_len(s))) {
				fwrite(s, 1, n, f);
				s += n;
				continue;
			} else {
				fprintf(f, "\\x%02x", *s);
			}
		}
		s++;
	}
}

void cmdline_verror(const char *prog, const char *fmt, va_list ap)
{
	char *text = NULL;

	if (vasprintf(&text, fmt, ap) < 0) {
		fprintf(stderr, "%s: out of memory while reporting an error\n", prog);
		return;
	}
	fprintf(stderr, "%s: ", prog);
	cmdline_escape(stderr, text);
	fputc('\n', stderr);
	free(text);
}

void cmdline_error(const char *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cmdline_verror(prog, fmt, ap);
	va_end(ap);
}

/* ---- parsing -------------------------------------------------------------------------- */

struct parse {
	const struct cmdline *cl;
	void *ctx;
	unsigned int count[CMDLINE_MAX_OPTS];
};

static bool is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* One of the table's options, by long name (exact, else a unique prefix of len bytes). */
static int find_long(const struct parse *p, const char *name, size_t len)
{
	const struct cmdline *cl = p->cl;
	char names[512] = "";
	int found = -1, nr = 0;

	for (size_t i = 0; i < cl->nr_opts; i++) {
		if (strncmp(cl->opts[i].name, name, len))
			continue;
		if (!cl->opts[i].name[len])
			return (int)i; /* exact */
		found = (int)i;
		nr++;
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s--%s",
			 nr > 1 ? ", " : "", cl->opts[i].name);
	}
	if (nr == 1)
		return found;
	if (nr > 1)
		cmdline_error(cl->prog, "option '--%.*s' is ambiguous: %s; try '%s --help'",
			      (int)len, name, names, cl->prog);
	else
		cmdline_error(cl->prog, "unknown option '--%.*s'; try '%s --help'", (int)len, name,
			      cl->prog);
	return -EINVAL;
}

static int find_short(const struct parse *p, char c)
{
	for (size_t i = 0; i < p->cl->nr_opts; i++)
		if (p->cl->opts[i].short_name && p->cl->opts[i].short_name == c)
			return (int)i;
	cmdline_error(p->cl->prog, "unknown option '-%c'; try '%s --help'", c, p->cl->prog);
	return -EINVAL;
}

/* Checks a value's characters, counts the option and applies it. */
static int apply(struct parse *p, int idx, const char *arg)
{
	const struct cmdline_opt *o = &p->cl->opts[idx];
	const char *prog = p->cl->prog;
	size_t len;

	if (p->count[idx] && !(o->flags & CMDLINE_REPEAT)) {
		cmdline_error(prog, "option '--%s' given more than once: give it once", o->name);
		return -EINVAL;
	}
	if (arg) {
		len = strlen(arg);
		for (size_t i = 0; i < len; i++) {
			unsigned char c = arg[i];

			if (c < 0x20 || c == 0x7f) {
				cmdline_error(prog, "invalid --%s '%s': it holds a control character",
					      o->name, arg);
				return -EINVAL;
			}
		}
		if (len && (is_space(arg[0]) || is_space(arg[len - 1]))) {
			cmdline_error(prog, "invalid --%s '%s': remove the white space around the "
				      "value", o->name, arg);
			return -EINVAL;
		}
	}
	p->count[idx]++;
	return o->apply(p->ctx, arg);
}

/* The option index of a long name, or -1. */
static int index_of(const struct cmdline *cl, const char *name)
{
	for (size_t i = 0; i < cl->nr_opts; i++)
		if (!strcmp(cl->opts[i].name, name))
			return (int)i;
	return -1;
}

int cmdline_parse(const struct cmdline *cl, int argc, char **argv, void *ctx)
{
	struct parse p = { .cl = cl, .ctx = ctx };
	int i, idx, r;

	if (cl->nr_opts > CMDLINE_MAX_OPTS) {
		cmdline_error(cl->prog, "internal error: more than %d options", CMDLINE_MAX_OPTS);
		return -EINVAL;
	}
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		if (a[0] != '-' || !a[1])
			break; /* an operand: reported below */
		if (a[1] == '-') {
			const char *name = a + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			const char *arg = NULL;

			idx = find_long(&p, name, len);
			if (idx < 0)
				return idx;
			if (!(cl->opts[idx].flags & CMDLINE_ARG)) {
				if (eq) {
					cmdline_error(cl->prog, "option '--%s' takes no value; try "
						      "'%s --help'", cl->opts[idx].name, cl->prog);
					return -EINVAL;
				}
			} else if (eq) {
				arg = eq + 1;
			} else if (i + 1 < argc) {
				arg = argv[++i];
			} else {
				cmdline_error(cl->prog, "option '--%s' needs an argument; try '%s --help'",
					      cl->opts[idx].name, cl->prog);
				return -EINVAL;
			}
			r = apply(&p, idx, arg);
			if (r)
				return r;
			continue;
		}
		/* A cluster of short options: flags, then at most one taking a value. */
		for (const char *c = a + 1; *c; c++) {
			const char *arg = NULL;

			idx = find_short(&p, *c);
			if (idx < 0)
				return idx;
			if (cl->opts[idx].flags & CMDLINE_ARG) {
				if (c[1]) {
					arg = c + 1;
				} else if (i + 1 < argc) {
					arg = argv[++i];
				} else {
					cmdline_error(cl->prog, "option '-%c' needs an argument; try '%s "
						      "--help'", *c, cl->prog);
					return -EINVAL;
				}
			}
			r = apply(&p, idx, arg);
			if (r)
				return r;
			if (arg)
				break;
		}
	}
	if (i < argc) {
		cmdline_error(cl->prog, "unexpected argument '%s'; try '%s --help'", argv[i],
			      cl->prog);
		return -EINVAL;
	}
	for (size_t k = 0; k < cl->nr_conflicts; k++) {
		const struct cmdline_conflict *x = &cl->conflicts[k];
		int ia = index_of(cl, x->a), ib = index_of(cl, x->b);

		if (ia >= 0 && ib >= 0 && p.count[ia] && p.count[ib]) {
			cmdline_error(cl->prog, "--%s and --%s cannot be used together: %s", x->a,
				      x->b, x->why);
			return -EINVAL;
		}
	}
	return 0;
}
