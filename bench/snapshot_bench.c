// SPDX-License-Identifier: GPL-2.0
/*
 * snapshot_bench: what one msrtop refresh costs with many live map entries.
 *
 *   snapshot_bench [--iterations N] [SHAPE]        time refreshes in this process
 *   snapshot_bench --fill-pid PID [--hold] [SHAPE] fill a running msrtop's maps
 *						   (waits up to 60 s for them)
 *
 * The maps are filled without any KVM: msrtop's own programs, in their raw_tp
 * forms (the ones tests/bpf/test_bpf.c runs), are loaded a second time with
 * the target's maps in place of their own (found by id through
 * /proc/PID/fdinfo, then bpf_map__reuse_fd), and run with BPF_PROG_TEST_RUN on
 * synthetic tracepoint arguments. Each fake VM is a child process (its pid is
 * the VM's identity) whose threads are its vCPUs; each vCPU thread makes:
 *   --reasons R  kvm_exit + kvm_entry pairs, one per SVM exit code 0..R-1
 *		 (exits rows with a latency histogram; the thread learns its vcpu_id)
 *   --msrs M     a read and a write of each of M MSRs (reads are msrs
 *		 entries, writes msr_writes entries)
 * and each VM --uexits U userspace exit reasons. The default shape, 16 VMs x 4
 * vCPUs, R 21, M 67, U 5, is 1344 exits + 4288 msrs + 4288 msr_writes + 80
 * uexits = 10,000 entries. The entries are counted in the maps and printed.
 *
 * The fake VMs stay alive while refreshes are timed (msrtop reads each VM's
 * /proc/PID/comm and cmdline, as for real VMs); --hold keeps them alive after
 * filling another process's maps, until SIGINT or SIGTERM.
 *
 * Timed, per refresh, on the wall clock and in the thread's CPU time: what
 * `msrtop --json` does per interval, in its steps: "read" collector_read()
 * (every map read, summed over CPUs, the snapshot finished against the
 * previous one, the VM table filled); "write" json_out_write() to /dev/null
 * (the document written row by row, as msrtop writes it); "free" the snapshot. Prints median, p90, p99 and max in ms.
 */
#include <dirent.h>
#include <errno.h>
#include <malloc.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "collector.h"
#include "json_out.h"
#include "msrtop.h"
#include "msrtop.skel.h"
#include "prom.h"
#include "snapshot.h"

#define SVM_ISA 2
#define MSR_BASE 0x200 /* MTRRs and up: a mix of named and unnamed indexes */

struct shape {
	unsigned int vms;
	unsigned int vcpus;
	unsigned int reasons;
	unsigned int msrs;
	unsigned int uexits;
};

/* The maps of msrtop's object that the fake events write to. */
static const char *const shared_maps[] = {
	"exits", "msrs", "msr_writes", "uexits", "overflow", "threads",
};
#define NR_SHARED (sizeof(shared_maps) / sizeof(shared_maps[0]))

struct filler {
	struct msrtop *skel;
	pid_t *vms;
	unsigned int nr_vms;
	int hold_fd; /* write end: the fake VMs exit when it is closed */
};

struct vcpu_job {
	struct filler *f;
	unsigned int vcpu;
	const struct shape *shape;
	int err;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("snapshot_bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return getenv("BENCH_VERBOSE") ? vfprintf(stderr, fmt, ap) : 0;
}

/*
 * fds[i]: a new fd for the map named shared_maps[i] among the BPF maps that
 * process pid holds open, or -1. Found through /proc/PID/fdinfo (map_id).
 * Returns how many were found.
 */
static size_t try_find_maps(pid_t pid, int *fds)
{
	char path[64], line[128];
	size_t found = 0;
	struct dirent *d;
	DIR *dir;

	for (size_t i = 0; i < NR_SHARED; i++)
		fds[i] = -1;
	snprintf(path, sizeof(path), "/proc/%d/fdinfo", (int)pid);
	dir = opendir(path);
	if (!dir)
		die("cannot list %s: %s (is %d running?)", path, strerror(errno), (int)pid);
	while ((d = readdir(dir))) {
		struct bpf_map_info info;
		uint32_t len = sizeof(info);
		unsigned int id = 0;
		char file[64 + 256 + 2];
		FILE *f;
		int fd;

		if (d->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, d->d_name);
		f = fopen(file, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "map_id: %u", &id) == 1)
				break;
		fclose(f);
		if (!id)
			continue;
		fd = bpf_map_get_fd_by_id(id);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			close(fd);
			continue;
		}
		for (size_t i = 0; i < NR_SHARED; i++) {
			if (fds[i] < 0 && !strcmp(info.name, shared_maps[i])) {
				fds[i] = fd;
				fd = -1;
				found++;
				break;
			}
		}
		if (fd >= 0)
			close(fd);
	}
	closedir(dir);
	return found;
}

/* try_find_maps(), waiting up to wait_s seconds for process pid to create them all. */
static void find_maps(pid_t pid, int *fds, unsigned int wait_s)
{
	for (unsigned int tries = 0; try_find_maps(pid, fds) < NR_SHARED; tries++) {
		for (size_t i = 0; i < NR_SHARED; i++) {
			if (fds[i] < 0)
				continue;
			close(fds[i]);
			fds[i] = -1;
		}
		if (tries >= wait_s * 10)
			die("process %d has not all of msrtop's BPF maps (%s, ...): is it msrtop?",
			    (int)pid, shared_maps[0]);
		usleep(100000);
	}
}

static void run(struct bpf_program *prog, const uint64_t *args, size_t nr)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = nr * sizeof(*args));

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts) || opts.retval)
		die("BPF_PROG_TEST_RUN of %s failed: %s", bpf_program__name(prog), strerror(errno));
}

static void *vcpu_thread(void *arg)
{
	struct vcpu_job *j = arg;
	struct msrtop *skel = j->f->skel;

	for (unsigned int r = 0; r < j->shape->reasons; r++) {
		const uint64_t exit_args[] = {j->vcpu, SVM_ISA, r, 0};
		const uint64_t entry_args[] = {0}; /* no kvm_vcpu: the thread's state is used */

		run(skel->progs.kvm_exit_test, exit_args, 4);
		run(skel->progs.kvm_entry_raw, entry_args, 1);
	}
	for (unsigned int m = 0; m < j->shape->msrs; m++) {
		const uint64_t rd[] = {0, MSR_BASE + m, 0, 0};
		const uint64_t wr[] = {1, MSR_BASE + m, 0x0606060606060606ull + m, 0};

		run(skel->progs.kvm_msr_raw, rd, 4);
		run(skel->progs.kvm_msr_raw, wr, 4);
	}
	return NULL;
}

/* A fake VM: one process, its vCPU threads, then (if hold_rd >= 0) a wait for EOF. */
static void fake_vm(struct filler *f, const struct shape *shape, int done_wr, int hold_rd)
{
	pthread_t threads[256];
	struct vcpu_job jobs[256];

	prctl(PR_SET_NAME, "fake-vm");
	for (unsigned int u = 0; u < shape->uexits; u++) {
		const uint64_t args[] = {u + 1, 0}; /* KVM_EXIT_EXCEPTION, IO, ... */

		run(f->skel->progs.kvm_userspace_exit_raw, args, 2);
	}
	for (unsigned int v = 0; v < shape->vcpus; v++) {
		jobs[v] = (struct vcpu_job){.f = f, .vcpu = v, .shape = shape};
		if (pthread_create(&threads[v], NULL, vcpu_thread, &jobs[v]))
			die("cannot start a thread");
	}
	for (unsigned int v = 0; v < shape->vcpus; v++)
		pthread_join(threads[v], NULL);
	if (write(done_wr, "", 1) != 1)
		_exit(1);
	if (hold_rd >= 0) {
		char c;

		while (read(hold_rd, &c, 1) > 0)
			;
	}
	_exit(0);
}

/* Loads the raw_tp programs on the maps of process pid and runs the fake VMs. */
static void fill(struct filler *f, pid_t pid, const struct shape *shape, unsigned int wait_s)
{
	int fds[NR_SHARED], done[2], hold[2];
	struct bpf_program *prog;
	int err;

	if (shape->vcpus > 256)
		die("--vcpus: at most 256");
	find_maps(pid, fds, wait_s);
	f->skel = msrtop__open();
	if (!f->skel)
		die("cannot open msrtop's BPF object: %s", strerror(errno));
	for (prog = bpf_object__next_program(f->skel->obj, NULL); prog;
	     prog = bpf_object__next_program(f->skel->obj, prog))
		bpf_program__set_autoload(prog, false);
	bpf_program__set_autoload(f->skel->progs.kvm_exit_test, true);
	bpf_program__set_autoload(f->skel->progs.kvm_entry_raw, true);
	bpf_program__set_autoload(f->skel->progs.kvm_msr_raw, true);
	bpf_program__set_autoload(f->skel->progs.kvm_userspace_exit_raw, true);
	for (size_t i = 0; i < NR_SHARED; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(f->skel->obj, shared_maps[i]);

		if (!map || bpf_map__reuse_fd(map, fds[i]))
			die("cannot reuse map '%s' of process %d", shared_maps[i], (int)pid);
		close(fds[i]);
	}
	err = msrtop__load(f->skel);
	if (err)
		die("loading msrtop's raw_tp programs failed: %s (BENCH_VERBOSE=1 shows why)",
		    strerror(-err));

	if (pipe(done) || pipe(hold))
		die("pipe: %s", strerror(errno));
	f->vms = calloc(shape->vms, sizeof(*f->vms));
	if (!f->vms)
		die("out of memory");
	for (unsigned int i = 0; i < shape->vms; i++) {
		pid_t child = fork();

		if (child < 0)
			die("fork: %s", strerror(errno));
		if (child == 0) {
			close(done[0]);
			close(hold[1]);
			fake_vm(f, shape, done[1], hold[0]);
		}
		f->vms[f->nr_vms++] = child;
	}
	close(done[1]);
	close(hold[0]);
	for (unsigned int i = 0; i < shape->vms; i++) {
		char c;

		if (read(done[0], &c, 1) != 1)
			die("a fake VM failed (see above)");
	}
	close(done[0]);
	f->hold_fd = hold[1];
}

static void release(struct filler *f)
{
	close(f->hold_fd);
	for (unsigned int i = 0; i < f->nr_vms; i++)
		waitpid(f->vms[i], NULL, 0);
	free(f->vms);
	msrtop__destroy(f->skel);
}

/* Entries in the map named name (one of shared_maps) of the filled process. */
static unsigned int map_entries(struct filler *f, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(f->skel->obj, name);
	uint8_t key[64], next[64];
	unsigned int n = 0;
	void *prev = NULL;

	if (!map || bpf_map__key_size(map) > sizeof(key))
		die("cannot count the entries of map '%s'", name);
	while (bpf_map_get_next_key(bpf_map__fd(map), prev, next) == 0) {
		memcpy(key, next, sizeof(key));
		prev = key;
		n++;
	}
	return n;
}

/* Prints the live entries of the maps a refresh reads; returns their sum. */
static unsigned int print_entries(struct filler *f)
{
	static const char *const counted[] = {"exits", "msrs", "msr_writes", "uexits"};
	unsigned int total = 0, n[4];

	for (int i = 0; i < 4; i++) {
		n[i] = map_entries(f, counted[i]);
		total += n[i];
	}
	printf("entries %u (exits %u, msrs %u, msr_writes %u, uexits %u) in %u VMs\n", total, n[0],
	       n[1], n[2], n[3], f->nr_vms);
	return total;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The phases of one refresh, each timed on the wall clock and in CPU time.
 * write: with the row text cache msrtop keeps per stream, here with every
 * row unchanged since the previous refresh (idle), so every row's text is
 * reused; write_all: the same document with an empty cache, every row
 * written anew, what a refresh costs when every row changed; metrics: the
 * Prometheus text of the snapshot (prom_render(), what --listen adds per
 * refresh). total = read + write + free; total_all = read + write_all + free.
 */
enum phase { PH_READ, PH_WRITE, PH_WRITE_ALL, PH_METRICS, PH_FREE, PH_TOTAL, PH_TOTAL_ALL, PH_NR };
static const char *const phase_names[PH_NR] = {"read", "write", "write_all", "metrics",
					       "free", "total", "total_all"};

struct clocks {
	uint64_t wall, cpu;
};

static struct clocks clocks_now(void)
{
	struct timespec ts;
	struct clocks c;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	c.wall = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	c.cpu = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	return c;
}

/* Sorts v and prints its median, p90, p99 and max in ms. */
static void print_stats(const char *clock, const char *what, uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("%-4s %-9s median %8.3f ms  p90 %8.3f ms  p99 %8.3f ms  max %8.3f ms\n", clock, what,
	       v[n / 2] / 1e6, v[n * 90 / 100] / 1e6, v[n * 99 / 100] / 1e6, v[n - 1] / 1e6);
}

/* Where the documents go: like /dev/null, but counting the bytes. */
static uint64_t sink_bytes;

static ssize_t sink_write(void *cookie, const char *buf, size_t len)
{
	(void)cookie;
	(void)buf;
	sink_bytes += len;
	return (ssize_t)len;
}

/* The memory a refreshing msrtop holds: its maps (the kernel's account) and its RSS. */
static void print_memory(struct collector *c)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	collector_print_maps(c, stdout);
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmRSS:", 6) || !strncmp(line, "VmHWM:", 6))
			printf("process %s", line);
	if (f)
		fclose(f);
}

/*
 * One refresh as `msrtop --json` makes it (msrtop.c): collector_read(), then
 * json_out_write() of the snapshot with the stream's cache, then the snapshot
 * freed; and, for comparison, the same document written with an empty cache.
 * t[phase] gets the durations.
 */
static void refresh(struct collector *c, FILE *out, const struct msrtop_filter *filter,
		    struct json_out_cache *cache, struct prom_state *prom, struct clocks *t,
		    size_t *doc_bytes)
{
	struct json_out_cache *empty = json_out_cache_new();
	struct msrtop_snapshot *snap;
	struct clocks m[7];
	/* Kept from one refresh to the next, as --listen keeps it (http.c). */
	static struct prom_buf pb;
	uint64_t before;
	char msg[512];

	if (!empty)
		die("out of memory");
	m[0] = clocks_now();
	if (collector_read(c, &snap, msg, sizeof(msg)))
		die("%s", msg);
	m[1] = clocks_now();
	before = sink_bytes;
	if (json_out_write(out, snap, filter, cache))
		die("writing the JSON document failed");
	m[2] = clocks_now();
	*doc_bytes = (size_t)(sink_bytes - before);
	if (json_out_write(out, snap, filter, empty))
		die("writing the JSON document failed");
	m[3] = clocks_now();
	pb.len = 0;
	if (prom_render(prom, snap, &pb) || !pb.data)
		die("rendering the metrics failed");
	m[4] = clocks_now();
	json_out_cache_free(empty); /* not part of a refresh: untimed */
	m[5] = clocks_now();
	snapshot_put(snap);
	m[6] = clocks_now();
	if (sink_bytes - before != 2 * *doc_bytes)
		die("the cached and the uncached documents differ in length");
	for (int i = PH_READ; i <= PH_METRICS; i++) {
		t[i].wall = m[i + 1].wall - m[i].wall;
		t[i].cpu = m[i + 1].cpu - m[i].cpu;
	}
	t[PH_FREE].wall = m[6].wall - m[5].wall;
	t[PH_FREE].cpu = m[6].cpu - m[5].cpu;
	t[PH_TOTAL].wall = t[PH_READ].wall + t[PH_WRITE].wall + t[PH_FREE].wall;
	t[PH_TOTAL].cpu = t[PH_READ].cpu + t[PH_WRITE].cpu + t[PH_FREE].cpu;
	t[PH_TOTAL_ALL].wall = t[PH_READ].wall + t[PH_WRITE_ALL].wall + t[PH_FREE].wall;
	t[PH_TOTAL_ALL].cpu = t[PH_READ].cpu + t[PH_WRITE_ALL].cpu + t[PH_FREE].cpu;
}

static void measure(const struct shape *shape, unsigned int iterations)
{
	struct collector_opts copts = {0};
	struct msrtop_filter filter = {0};
	struct msrtop_snapshot *snap;
	struct collector *c;
	struct filler f = {0};
	uint64_t *wall[PH_NR], *cpu[PH_NR];
	struct json_out_cache *cache = json_out_cache_new();
	struct prom_state *prom = prom_state_new();
	size_t doc_bytes = 0, nr_rows;
	char msg[512];
	FILE *null;
	int err;

	err = collector_open(&copts, &c, msg, sizeof(msg));
	if (err)
		die("%s", msg);
	fill(&f, getpid(), shape, 0);
	null = fopencookie(NULL, "w", (cookie_io_functions_t){.write = sink_write});
	if (!null)
		die("cannot open the output sink: %s", strerror(errno));
	if (!cache || !prom)
		die("out of memory");
	for (int p = 0; p < PH_NR; p++) {
		wall[p] = calloc(iterations, sizeof(uint64_t));
		cpu[p] = calloc(iterations, sizeof(uint64_t));
		if (!wall[p] || !cpu[p])
			die("out of memory");
	}

	print_entries(&f);
	/* A first refresh, untimed, like msrtop's first interval (no previous snapshot). */
	if (collector_read(c, &snap, msg, sizeof(msg)))
		die("%s", msg);
	{
		char changed[128];

		collector_reads_changes(c, changed, sizeof(changed));
		printf("snapshot rows: exits %zu, msrs %zu, userspace_exits %zu; %d possible CPUs; "
		       "maps read %s; for their changed rows only%s%s%s: %s\n",
		       snapshot_nr(snap, MSRTOP_KIND_EXITS), snapshot_nr(snap, MSRTOP_KIND_MSRS),
		       snapshot_nr(snap, MSRTOP_KIND_UEXITS), libbpf_num_possible_cpus(),
		       collector_uses_batch(c) ? "in batches (BPF_MAP_LOOKUP_BATCH)" : "key by key",
		       *changed ? " (" : "", *changed ? collector_changes_how(c) : "",
		       *changed ? ")" : "", *changed ? changed : "none");
	}
	nr_rows = snap->nr_vms;
	for (int k = 0; k < MSRTOP_KIND_NR; k++)
		nr_rows += snapshot_nr(snap, k);
	snapshot_put(snap);

	for (unsigned int i = 0; i < iterations; i++) {
		struct clocks t[PH_NR];

		refresh(c, null, &filter, cache, prom, t, &doc_bytes);
		for (int p = 0; p < PH_NR; p++) {
			wall[p][i] = t[p].wall;
			cpu[p][i] = t[p].cpu;
		}
	}
	printf("refreshes %u, JSON document %zu bytes, %zu rows written from the cache "
	       "(of %zu, write) or written anew (write_all)\n",
	       iterations, doc_bytes, json_out_cache_reused(cache), nr_rows);
	for (int p = 0; p < PH_NR; p++)
		print_stats("wall", phase_names[p], wall[p], iterations);
	for (int p = 0; p < PH_NR; p++)
		print_stats("cpu", phase_names[p], cpu[p], iterations);
	print_memory(c);
	for (int p = 0; p < PH_NR; p++) {
		free(wall[p]);
		free(cpu[p]);
	}
	fclose(null);
	json_out_cache_free(cache);
	prom_state_free(prom);
	release(&f);
	collector_close(c);
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: snapshot_bench [--iterations N] [SHAPE]\n"
		"       snapshot_bench --fill-pid PID [--hold] [SHAPE]\n"
		"SHAPE: --vms N (16) --vcpus N (4) --reasons N (21) --msrs N (67) --uexits N (5)\n"
		"Times msrtop's refresh (map reads + JSON) with that many live map entries,\n"
		"or fills a running msrtop's maps (--hold: keep the fake VMs alive until\n"
		"SIGINT/SIGTERM). Needs root.\n");
}

static unsigned int parse_uint(const char *opt, const char *arg, unsigned int max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (!*arg || *end || errno || v > max)
		die("invalid %s '%s': give a number up to %u", opt, arg, max);
	return v;
}

int main(int argc, char **argv)
{
	enum { OPT_VMS = 256, OPT_VCPUS, OPT_REASONS, OPT_MSRS, OPT_UEXITS, OPT_FILL, OPT_HOLD };
	static const struct option longopts[] = {
		{"iterations", required_argument, NULL, 'n'},
		{"vms", required_argument, NULL, OPT_VMS},
		{"vcpus", required_argument, NULL, OPT_VCPUS},
		{"reasons", required_argument, NULL, OPT_REASONS},
		{"msrs", required_argument, NULL, OPT_MSRS},
		{"uexits", required_argument, NULL, OPT_UEXITS},
		{"fill-pid", required_argument, NULL, OPT_FILL},
		{"hold", no_argument, NULL, OPT_HOLD},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	struct shape shape = {.vms = 16, .vcpus = 4, .reasons = 21, .msrs = 67, .uexits = 5};
	unsigned int iterations = 1000, fill_pid = 0;
	bool hold = false;
	int c;

	mallopt(M_MXFAST, 0); /* as msrtop does (userspace/msrtop.c) */

	while ((c = getopt_long(argc, argv, "n:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			iterations = parse_uint("--iterations", optarg, 1000000);
			break;
		case OPT_VMS:
			shape.vms = parse_uint("--vms", optarg, 4096);
			break;
		case OPT_VCPUS:
			shape.vcpus = parse_uint("--vcpus", optarg, 256);
			break;
		case OPT_REASONS:
			shape.reasons = parse_uint("--reasons", optarg, 4096);
			break;
		case OPT_MSRS:
			shape.msrs = parse_uint("--msrs", optarg, 65536);
			break;
		case OPT_UEXITS:
			shape.uexits = parse_uint("--uexits", optarg, 1024);
			break;
		case OPT_FILL:
			fill_pid = parse_uint("--fill-pid", optarg, 1u << 30);
			break;
		case OPT_HOLD:
			hold = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || !iterations) {
		usage(stderr);
		return 2;
	}
	libbpf_set_print(quiet);
	if (!fill_pid) {
		measure(&shape, iterations);
		return 0;
	}

	struct filler f = {0};
	sigset_t mask;
	int sig;

	/* Blocked before the fake VMs are forked (they inherit it): sigwait() takes them. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	fill(&f, fill_pid, &shape, 60);
	print_entries(&f);
	fflush(stdout);
	if (hold)
		sigwait(&mask, &sig);
	release(&f);
	return 0;
}
