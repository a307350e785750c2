// SPDX-License-Identifier: GPL-2.0
/*
 * VM names from /proc: the VMM's comm, and the guest name from its command
 * line (QEMU's -name).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "vm_info.h"

#define CMDLINE_MAX 65536

void vm_info_sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* Reads up to len - 1 bytes of path into buf (NUL-terminated); bytes read or -errno. */
static ssize_t read_file(const char *path, char *buf, size_t len)
{
	ssize_t n, total = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)total < len - 1) {
		n = read(fd, buf + total, len - 1 - total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		total += n;
	}
	close(fd);
	buf[total] = '\0';
	return total;
}

/*
 * Copies one element of a QEMU option value (up to a single ',') from *p into
 * out, turning ",," into ','; advances *p past the separator. Returns false at
 * the end of the value.
 */
static bool next_element(const char **p, const char *end, char *out, size_t out_len)
{
	const char *s = *p;
	size_t n = 0;

	if (s >= end)
		return false;
	while (s < end && *s) {
		if (*s == ',') {
			if (s + 1 < end && s[1] == ',') {
				s++;
			} else {
				s++;
				break;
			}
		}
		if (n + 1 < out_len)
			out[n++] = *s;
		s++;
	}
	if (out_len)
		out[n] = '\0';
	*p = s;
	return true;
}

static void name_from_value(const char *value, char *name, size_t name_len)
{
	const char *p = value, *end = value + strlen(value);
	char elem[512];
	bool first = true;

	while (next_element(&p, end, elem, sizeof(elem))) {
		if (!strncmp(elem, "guest=", 6)) {
			snprintf(name, name_len, "%s", elem + 6);
			return;
		}
		if (first && !strchr(elem, '='))
			snprintf(name, name_len, "%s", elem);
		first = false;
	}
}

void vm_info_guest_name(const char *cmdline, size_t len, char *name, size_t name_len)
{
	const char *arg = cmdline, *end = cmdline + len;

	if (!name_len)
		return;
	name[0] = '\0';
	while (arg < end) {
		size_t alen = strnlen(arg, end - arg);
		const char *next = arg + alen + 1;

		if (!strcmp(arg, "-name") || !strcmp(arg, "--name")) {
			if (next < end)
				name_from_value(next, name, name_len);
		} else if (!strncmp(arg, "-name=", 6)) {
			name_from_value(arg + 6, name, name_len);
		} else if (!strncmp(arg, "--name=", 7)) {
			name_from_value(arg + 7, name, name_len);
		}
		arg = next;
	}
	vm_info_sanitize(name);
}

int vm_info_read(const char *proc, uint32_t pid, char *comm, size_t comm_len, char *name,
		 size_t name_len, bool keep_name)
{
	char cmdline[CMDLINE_MAX];
	char path[256], buf[64];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%u/comm", proc, pid);
	n = read_file(path, buf, sizeof(buf));
	if (n < 0)
		return n;
	buf[strcspn(buf, "\n")] = '\0';
	vm_info_sanitize(buf);
	if (keep_name && comm_len && !strncmp(comm, buf, comm_len - 1))
		return 0;
	snprintf(comm, comm_len, "%s", buf);

	snprintf(path, sizeof(path), "%s/%u/cmdline", proc, pid);
	n = read_file(path, cmdline, sizeof(cmdline));
	if (n < 0)
		n = 0;
	vm_info_guest_name(cmdline, n, name, name_len);
	return 0;
}
