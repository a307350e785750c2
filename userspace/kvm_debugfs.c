// SPDX-License-Identifier: GPL-2.0
/*
 * KVM's statistics from debugfs (kvm_debugfs.h): finding debugfs, walking
 * <debugfs>/kvm/<pid>-<fd>/ and its vcpuN/ directories, and parsing the files.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvm_debugfs.h"

struct kvm_debugfs {
	char root[512]; /* the debugfs mount point, "" if none */
	char kvm[540];	/* root + "/kvm" */
	bool usable;	/* kvm could be opened at open time */
	struct kvm_debugfs_skipped skipped;
};

/* ---- parsers ---------------------------------------------------------------------- */

int kvm_debugfs_parse_value(const char *buf, size_t len, uint64_t *value, unsigned int *nr)
{
	uint64_t sum = 0;
	unsigned int n = 0;
	size_t i = 0;

	for (;;) {
		uint64_t v = 0;

		while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n'))
			i++;
		if (i == len)
			break;
		if (buf[i] < '0' || buf[i] > '9')
			return -EINVAL;
		for (; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
			unsigned int d = (unsigned int)(buf[i] - '0');

			if (v > (UINT64_MAX - d) / 10)
				return -ERANGE;
			v = v * 10 + d;
		}
		if (i < len && buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n')
			return -EINVAL;
		if (sum > UINT64_MAX - v)
			return -ERANGE;
		sum += v;
		n++;
	}
	if (!n)
		return -EINVAL;
	*value = sum;
	if (nr)
		*nr = n;
	return 0;
}

bool kvm_debugfs_name_ok(const char *name)
{
	size_t n =
		strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");

	return n && !name[n] && n < MSRTOP_KVM_STAT_NAME_LEN && strcmp(name, ".") &&
	       strcmp(name, "..");
}

/* A decimal u32 at *p (digits only, no leading zero but "0"), *p moved past it. */
static int parse_dec_u32(const char **p, uint32_t *out)
{
	const char *s = *p;
	uint64_t v = 0;

	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	*out = (uint32_t)v;
	*p = s;
	return 0;
}

int kvm_debugfs_parse_vm_dir(const char *name, uint32_t *pid, uint32_t *fd)
{
	const char *p = name;

	if (parse_dec_u32(&p, pid) || *p++ != '-' || parse_dec_u32(&p, fd) || *p)
		return -EINVAL;
	return 0;
}

int kvm_debugfs_parse_vcpu_dir(const char *name, uint32_t *vcpu)
{
	const char *p = name;

	if (strncmp(p, "vcpu", 4))
		return -EINVAL;
	p += 4;
	if (parse_dec_u32(&p, vcpu) || *p)
		return -EINVAL;
	return 0;
}

/* Undoes mountinfo's octal escapes (\040 a space) of src into out. */
static void unescape(const char *src, char *out, size_t len)
{
	size_t o = 0;

	for (; *src && o + 1 < len; src++) {
		if (src[0] == '\\' && src[1] >= '0' && src[1] <= '3' && src[2] >= '0' &&
		    src[2] <= '7' && src[3] >= '0' && src[3] <= '7') {
			out[o++] =
				(char)((src[1] - '0') << 6 | (src[2] - '0') << 3 | (src[3] - '0'));
			src += 3;
			continue;
		}
		out[o++] = *src;
	}
	out[o] = '\0';
}

int kvm_debugfs_find_mount(const char *mountinfo, char *out, size_t len)
{
	char line[4096];
	FILE *f = fopen(mountinfo, "r");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER */
		char *fields[5], *save = NULL, *sep, *fstype;
		int n = 0;

		sep = strstr(line, " - ");
		if (!sep)
			continue;
		*sep = '\0';
		fstype = strtok_r(sep + 3, " \n", &save);
		if (!fstype || strcmp(fstype, "debugfs"))
			continue;
		save = NULL;
		for (char *t = strtok_r(line, " ", &save); t && n < 5;
		     t = strtok_r(NULL, " ", &save))
			fields[n++] = t;
		if (n < 5)
			continue;
		unescape(fields[4], out, len);
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

/* ---- opening ----------------------------------------------------------------------- */

int kvm_debugfs_open(const char *root, const char *mountinfo, struct msrtop_source *src,
		     struct kvm_debugfs **out)
{
	struct kvm_debugfs *d = calloc(1, sizeof(*d));
	struct stat st;
	int fd;

	if (!d)
		return -ENOMEM;
	src->name = msrtop_source_name(MSRTOP_SRC_KVM_DEBUGFS);
	src->attach = "debugfs";
	src->patched = false;
	src->error = 0;
	if (root) {
		snprintf(d->root, sizeof(d->root), "%s", root);
	} else if (kvm_debugfs_find_mount(mountinfo ? mountinfo : "/proc/self/mountinfo", d->root,
					  sizeof(d->root))) {
		/* No debugfs in mountinfo: the default place, if something is there. */
		if (stat(KVM_DEBUGFS_DEFAULT "/kvm", &st) == 0)
			snprintf(d->root, sizeof(d->root), "%s", KVM_DEBUGFS_DEFAULT);
	}
	snprintf(d->kvm, sizeof(d->kvm), "%s/kvm", d->root);
	if (!d->root[0]) {
		src->state = MSRTOP_SRC_FAILED;
		src->error = ENOENT; /* not mounted */
		*out = d;
		return 0;
	}
	fd = open(d->kvm, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		src->error = errno;
		src->state = errno == ENOENT ? MSRTOP_SRC_MISSING : MSRTOP_SRC_FAILED;
		if (errno == ENOENT)
			src->error = 0;
		*out = d;
		return 0;
	}
	close(fd);
	d->usable = true;
	src->state = MSRTOP_SRC_ATTACHED;
	*out = d;
	return 0;
}

void kvm_debugfs_close(struct kvm_debugfs *d)
{
	free(d);
}

const char *kvm_debugfs_root(const struct kvm_debugfs *d)
{
	return d->root;
}

const struct kvm_debugfs_skipped *kvm_debugfs_skipped(const struct kvm_debugfs *d)
{
	return &d->skipped;
}

/* ---- reading ------------------------------------------------------------------------ */

/* What a read of one directory needs. */
struct dir_ctx {
	struct kvm_debugfs *d;
	struct msrtop_snapshot *s;
	uint32_t pid, vm_fd, vcpu;
};

/* Whether an open or read error means the VM went away while being read. */
static bool gone(int err)
{
	return err == ENOENT || err == ENODEV || err == ESRCH;
}

static void note_denied(struct kvm_debugfs *d, int err)
{
	if (!d->skipped.denied)
		d->skipped.denied_errno = err;
	d->skipped.denied++;
}

/* Reads file name of directory dfd into a row. 0, or -ENOMEM. */
static int read_stat(struct dir_ctx *c, int dfd, const char *name, const struct stat *st)
{
	char buf[KVM_DEBUGFS_BUF];
	struct msrtop_kvm_stat_row *r;
	uint64_t value;
	ssize_t n = 0;
	size_t len = 0;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == EPERM || errno == EACCES)
			note_denied(c->d, errno);
		else if (!gone(errno))
			c->d->skipped.unreadable++;
		return 0;
	}
	/* A file longer than the buffer is not one of KVM's numbers. */
	while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	if (len < sizeof(buf) && n < 0) {
		int err = errno;

		close(fd);
		if (err == EPERM || err == EACCES)
			note_denied(c->d, err);
		else if (!gone(err))
			c->d->skipped.unreadable++;
		return 0;
	}
	close(fd);
	if (len == sizeof(buf) || kvm_debugfs_parse_value(buf, len, &value, NULL)) {
		c->d->skipped.not_count++;
		return 0;
	}
	r = snapshot_add_row(c->s, MSRTOP_KIND_KVM_STATS);
	if (!r)
		return -ENOMEM;
	r->pid = c->pid;
	r->vm_fd = c->vm_fd;
	r->vcpu = c->vcpu;
	memcpy(r->name, name, strlen(name) + 1); /* checked: kvm_debugfs_name_ok() */
	r->cumulative = (st->st_mode & 0222) && strncmp(name, "max_", 4);
	r->instant = !r->cumulative;
	r->value = value;
	if (r->cumulative)
		r->count.total = value;
	return 0;
}

static int read_dir(struct dir_ctx *c, int dfd, bool vm_dir);

/* The vcpuN directory name of VM directory vmfd. */
static int read_vcpu_dir(struct dir_ctx *c, int vmfd, const char *name, uint32_t vcpu)
{
	struct dir_ctx vc = *c;
	int fd = openat(vmfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW), err;

	if (fd < 0) {
		if (errno == EPERM || errno == EACCES)
			note_denied(c->d, errno);
		return 0;
	}
	vc.vcpu = vcpu;
	err = read_dir(&vc, fd, false);
	return err;
}

/* Every statistic file of directory dfd (closed here); in a VM's, its vcpuN directories too. */
static int read_dir(struct dir_ctx *c, int dfd, bool vm_dir)
{
	DIR *dir = fdopendir(dfd);
	unsigned int files = 0, vcpus = 0;
	struct dirent *e;
	int err = 0;

	if (!dir) {
		close(dfd);
		return 0;
	}
	while (!err && (e = readdir(dir))) {
		struct stat st;
		uint32_t vcpu;

		if (e->d_name[0] == '.')
			continue;
		if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue; /* gone since readdir */
		if (S_ISDIR(st.st_mode)) {
			if (!vm_dir || kvm_debugfs_parse_vcpu_dir(e->d_name, &vcpu))
				continue;
			if (++vcpus > KVM_DEBUGFS_MAX_VCPUS) {
				c->d->skipped.over_limit++;
				continue;
			}
			err = read_vcpu_dir(c, dfd, e->d_name, vcpu);
			continue;
		}
		if (!S_ISREG(st.st_mode))
			continue;
		/* A vCPU's pid file is its thread's id, not a statistic. */
		if (!vm_dir && !strcmp(e->d_name, "pid"))
			continue;
		if (!kvm_debugfs_name_ok(e->d_name)) {
			c->d->skipped.bad_name++;
			continue;
		}
		if (++files > KVM_DEBUGFS_MAX_FILES) {
			c->d->skipped.over_limit++;
			continue;
		}
		err = read_stat(c, dfd, e->d_name, &st);
	}
	closedir(dir);
	return err;
}

static bool pid_wanted(uint32_t pid, const uint32_t *pids, size_t nr_pids)
{
	if (!nr_pids)
		return true;
	for (size_t i = 0; i < nr_pids; i++)
		if (pids[i] == pid)
			return true;
	return false;
}

int kvm_debugfs_read(struct kvm_debugfs *d, struct msrtop_snapshot *s, const uint32_t *pids,
		     size_t nr_pids)
{
	unsigned int vms = 0;
	struct dirent *e;
	DIR *dir;
	int err = 0;

	memset(&d->skipped, 0, sizeof(d->skipped));
	if (!d->usable)
		return 0;
	dir = opendir(d->kvm);
	if (!dir)
		return 0; /* KVM unloaded since: no rows */
	while (!err && (e = readdir(dir))) {
		struct dir_ctx c = {d, s, 0, 0, MSRTOP_KVM_STAT_VM};
		int fd;

		if (kvm_debugfs_parse_vm_dir(e->d_name, &c.pid, &c.vm_fd))
			continue; /* the host-wide files: kvm/exits, ... */
		if (!pid_wanted(c.pid, pids, nr_pids))
			continue;
		if (++vms > KVM_DEBUGFS_MAX_VMS) {
			d->skipped.over_limit++;
			continue;
		}
		fd = openat(dirfd(dir), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			if (errno == EPERM || errno == EACCES)
				note_denied(d, errno);
			continue;
		}
		err = read_dir(&c, fd, true);
	}
	closedir(dir);
	return err;
}

const char *kvm_debugfs_why(const struct msrtop_source *src, char *buf, size_t len)
{
	switch (src->state) {
	case MSRTOP_SRC_ATTACHED:
		if (src->error == EPERM)
			return "debugfs refuses KVM's cumulative statistics (EPERM: the kernel's "
			       "lockdown lets only read-only debugfs files be read); only instant "
			       "values are shown";
		if (src->error)
			snprintf(buf, len, "some of KVM's statistics files could not be read: %s",
				 strerror(src->error));
		else
			return NULL;
		break;
	case MSRTOP_SRC_MISSING:
		return "debugfs has no kvm directory: KVM is not loaded";
	case MSRTOP_SRC_FAILED:
		if (src->error == ENOENT)
			return "debugfs is not mounted: mount -t debugfs debugfs /sys/kernel/debug";
		snprintf(buf, len, "cannot read debugfs's kvm directory (%s): run msrtop as root",
			 strerror(src->error));
		break;
	case MSRTOP_SRC_OFF:
		return "kvm_debugfs is off (--sources all, or a list naming it, reads it)";
	}
	return buf;
}
