// SPDX-License-Identifier: GPL-2.0
/*
 * The collector (collector.h): source detection, loading and attaching the
 * skeleton, and reading the maps into snapshots.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "collector.h"
#include "kernel_check.h"
#include "kinds.h"
#include "kvm_debugfs.h"
#include "map_mirror.h"
#include "map_read.h"
#include "msrtop.h"
#include "msr_passthrough.h"
#include "msrtop.skel.h"
#include "msrtop_sample.skel.h"
#include "vm_info.h"

/* Every per-CPU value is an array of u64 counters: summed as such. */
_Static_assert(sizeof(struct msrtop_exit_val) % 8 == 0 && sizeof(struct msrtop_msr_val) % 8 == 0 &&
		       sizeof(struct msrtop_msr_write_val) % 8 == 0 &&
		       sizeof(struct msrtop_count_val) % 8 == 0 &&
		       sizeof(struct msrtop_outcome_val) % 8 == 0 &&
		       sizeof(struct msrtop_canon_val) % 8 == 0,
	       "per-CPU values must be arrays of u64");

_Static_assert(sizeof(struct msrtop_exit_val) <= MAP_READ_MAX_U64 * 8 &&
		       sizeof(struct msrtop_outcome_val) <= MAP_READ_MAX_U64 * 8,
	       "values too large for the map reader");

struct source_def {
	bool patched;
	bool exit_reason; /* reads the exit reason: tp_btf with CO-RE, or the classic fallback */
	const char *maps[3]; /* the maps its program fills (sized by --max-rows) */
	/* Its maps get --max-rows / share rows, at least SHARED_ROWS_MIN (0: --max-rows). */
	unsigned int share;
};

#define SOURCE_MAPS (sizeof(((struct source_def *)0)->maps) / sizeof(const char *))

/*
 * Maps are sized by --max-rows; some get a share of it: rows keyed by VM only
 * (uexits) a sixteenth, the KVM event tables a quarter (default 16,384 rows:
 * 200 VMs x 16 vCPUs x 5 ports, pages, leaves or vectors each), never fewer
 * than SHARED_ROWS_MIN.
 */
#define UEXIT_ROWS_SHARE 16
#define EVENT_ROWS_SHARE 4
#define SHARED_ROWS_MIN 1024

/* Names: msrtop_source_name(). */
static const struct source_def source_defs[MSRTOP_SRC_NR] = {
	[MSRTOP_SRC_KVM_EXIT] = {false, true, {"exits"}},
	[MSRTOP_SRC_KVM_ENTRY] = {false, false, {NULL}},
	[MSRTOP_SRC_KVM_NESTED_VMEXIT] = {false, true, {"exits"}},
	[MSRTOP_SRC_KVM_MSR] = {false, false, {"msrs", "msr_writes"}},
	[MSRTOP_SRC_KVM_USERSPACE_EXIT] = {false, false, {"uexits"}, UEXIT_ROWS_SHARE},
	[MSRTOP_SRC_KVM_MSR_INTERCEPT] = {true, false, {"intercepts"}},
	/* and the MSR table where kvm_msr is not attached (outcome_msrs) */
	[MSRTOP_SRC_KVM_MSR_OUTCOME] = {true, false, {"outcomes", "msrs", "msr_writes"}},
	[MSRTOP_SRC_KVM_MSR_CANONICAL] = {true, false, {"canonical"}},
	[MSRTOP_SRC_MSR_SAMPLE] = {true, false, {"msr_samples", "msr_values"}},
	/* not BPF: kvm_debugfs.c */
	[MSRTOP_SRC_KVM_DEBUGFS] = {false, false, {NULL}},
	[MSRTOP_SRC_KVM_PIO] = {false, false, {"pios"}, EVENT_ROWS_SHARE},
	[MSRTOP_SRC_KVM_MMIO] = {false, false, {"mmios"}, EVENT_ROWS_SHARE},
	[MSRTOP_SRC_KVM_HYPERCALL] = {false, false, {"hypercalls"}, EVENT_ROWS_SHARE},
	[MSRTOP_SRC_KVM_CPUID] = {false, false, {"cpuids"}, EVENT_ROWS_SHARE},
	[MSRTOP_SRC_KVM_INJ_VIRQ] = {false, false, {"inj_virqs"}, EVENT_ROWS_SHARE},
	[MSRTOP_SRC_KVM_INJ_EXCEPTION] = {false, false, {"inj_exceptions"}, EVENT_ROWS_SHARE},
};

/* The kfunc of kernel patch 0006 that the msr_sample source calls. */
#define SAMPLE_KFUNC "bpf_kvm_vcpu_get_msr"

/* Ring buffer for --watch-msr changes: 8,192 records of 48 bytes (and 8 of header). */
#define CHANGES_RING_BYTES (512u << 10)

/* The sources that are BPF programs (all but kvm_debugfs). */
#define BPF_SOURCES (((1u << MSRTOP_SRC_NR) - 1) & ~(1u << MSRTOP_SRC_KVM_DEBUGFS))

struct dead_vm {
	uint32_t pid;
	uint64_t since_ns;
};

/* A tid_vcpus entry: vCPU thread tid runs vcpu_id vcpu. */
struct tid_vcpu {
	uint32_t tid;
	uint32_t vcpu;
};

/* The maps read for their changed rows only (map_mirror.h), and their "iter" programs. */
#define NR_MIRRORED 3

struct mirrored_map {
	struct bpf_map *map;
	struct bpf_program *prog; /* its "iter" program; NULL: no iterators here */
	struct bpf_link *link;	  /* NULL: the map is read whole, in batches */
	/*
	 * No iterators (dirty, below): the mirror is kept with the keys of
	 * the rows the programs changed (dirty_keys), those of this refresh
	 * (keys[cur]) and of the one before (keys[!cur]: a row whose program
	 * ran across a refresh is read once more). filled: the mirror has been
	 * read whole once, and no changed key has been lost since.
	 */
	bool dirty;
	bool filled;
	uint32_t map_id; /* MSRTOP_MAP_*: the dirty_keys records' */
	uint8_t *keys[2];
	size_t nr_keys[2], cap_keys[2];
	int cur;
	struct map_mirror mirror;
};

struct collector {
	struct msrtop *skel; /* NULL: KVM's debugfs statistics only (no BPF) */
	struct msrtop_sample *sample; /* the --sample-msr sampler; NULL when it is not on */
	struct kvm_debugfs *debugfs;
	uint32_t pids[MSRTOP_FILTER_MAX_PIDS]; /* --pid, for the debugfs reader */
	size_t nr_pids;
	char no_bpf[256]; /* why there is no BPF, when skel is NULL */
	struct bpf_link *links[MSRTOP_SRC_NR];
	struct msrtop_source sources[MSRTOP_SRC_NR];
	struct msrtop_snapshot *prev;
	uint64_t seq;
	uint64_t start_time_ns;
	uint64_t start_mono_ns;
	int nr_cpus;
	bool exit_core; /* kvm_exit's reason read with CO-RE (tp_btf), not the classic tracepoint */
	enum msrtop_cpu_vendor cpu_vendor; /* read once, at open */
	/* kvm_msr_outcome times MSR exits, not kvm_entry (snapshot.h) */
	bool msr_exit_latency_from_outcomes;
	bool default_sources; /* no --sources: the default set of this kernel */
	const char *proc;
	struct map_reader reader;
	bool reads_changes; /* exits, msrs and msr_writes read for their changed rows */
	bool iters; /* ... through BPF map iterators (else the dirty_keys ring) */
	/* No iterators: changes-only reads from the dirty_keys ring buffer (mirrored_map). */
	struct ring_buffer *dirty;
	uint64_t dirty_lost; /* the programs' dirty_lost when last read */
	int dirty_err;
	struct mirrored_map mirrored[NR_MIRRORED];
	char mirror_failed[200]; /* why a map went back to whole reads, once */
	/* tid_vcpus as read at the start of collector_read, sorted by tid. */
	struct tid_vcpu *tids;
	size_t nr_tids, cap_tids;
	/* VMs found gone, and since when (CLOCK_MONOTONIC ns): forgotten after forget_ns. */
	struct dead_vm *dead;
	size_t nr_dead, cap_dead;
	uint64_t forget_ns;
	/* This read's pids to forget (sorted), and the keys of theirs met in the map being read. */
	uint32_t *forget;
	size_t nr_forget;
	uint8_t *del_keys;
	size_t nr_del, cap_del;
	uint64_t forgotten_rows; /* map entries deleted so far */
	/* --watch-msr: the ring buffer of changes, and the snapshot its records go to. */
	struct ring_buffer *changes;
	struct msrtop_snapshot *changes_to;
	int changes_err;
	bool warn_errors;		       /* opts->warn_errors */
	bool errors_told[MSRTOP_MAP_NR]; /* a map's insert errors were reported */
};

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

static int libbpf_stderr(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return vfprintf(stderr, fmt, ap);
}

static struct bpf_program *source_prog(const struct collector *c, enum msrtop_source_id id)
{
	struct msrtop *skel = c->skel;

	switch (id) {
	case MSRTOP_SRC_KVM_EXIT:
		return c->exit_core ? skel->progs.kvm_exit_btf : skel->progs.kvm_exit_tp;
	case MSRTOP_SRC_KVM_ENTRY:
		return skel->progs.kvm_entry_btf;
	case MSRTOP_SRC_KVM_NESTED_VMEXIT:
		return c->exit_core ? skel->progs.kvm_nested_vmexit_btf
				    : skel->progs.kvm_nested_vmexit_tp;
	case MSRTOP_SRC_KVM_MSR:
		return skel->progs.kvm_msr_btf;
	case MSRTOP_SRC_KVM_USERSPACE_EXIT:
		return skel->progs.kvm_userspace_exit_btf;
	case MSRTOP_SRC_KVM_MSR_INTERCEPT:
		return skel->progs.kvm_msr_intercept_btf;
	case MSRTOP_SRC_KVM_MSR_OUTCOME:
		return skel->progs.kvm_msr_outcome_btf;
	case MSRTOP_SRC_KVM_MSR_CANONICAL:
		return skel->progs.kvm_msr_canonical_btf;
	case MSRTOP_SRC_KVM_PIO:
		return skel->progs.kvm_pio_btf;
	case MSRTOP_SRC_KVM_MMIO:
		return skel->progs.kvm_mmio_btf;
	case MSRTOP_SRC_KVM_HYPERCALL:
		return skel->progs.kvm_hypercall_btf;
	case MSRTOP_SRC_KVM_CPUID:
		return skel->progs.kvm_cpuid_btf;
	case MSRTOP_SRC_KVM_INJ_VIRQ:
		return skel->progs.kvm_inj_virq_btf;
	case MSRTOP_SRC_KVM_INJ_EXCEPTION:
		return skel->progs.kvm_inj_exception_btf;
	case MSRTOP_SRC_MSR_SAMPLE:
		return c->sample ? c->sample->progs.msr_sample_btf : NULL;
	case MSRTOP_SRC_KVM_DEBUGFS:
	case MSRTOP_SRC_NR:
		break;
	}
	return NULL;
}

static uint64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * Whether the kernel's BTF describes the vendor structures kvm_exit's reason
 * is read from (msrtop.bpf.c: read_exit_reason()): in vmlinux when KVM is
 * built in, in kvm_amd's or kvm_intel's module BTF otherwise. One of them is
 * enough: the other vendor's code path is left out when the programs load.
 */
static bool exit_types_known(const struct btf *vmlinux)
{
	static const char *const vendors[][2] = {{"kvm_amd", "vcpu_svm"}, {"kvm_intel", "vcpu_vmx"}};
	bool known = false;

	for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]) && !known; i++) {
		struct btf *mod = NULL;

		if (!kc_btf_has_struct(vmlinux, NULL, vendors[i][1]))
			mod = btf__load_module_btf(vendors[i][0], (struct btf *)vmlinux);
		known = kc_btf_has_struct(vmlinux, mod, vendors[i][1]);
		btf__free(mod);
	}
	return known;
}

bool collector_msr_sampleable(uint32_t msr)
{
	/* kvm_bpf_msr_readable() of kernel patch 0006 (v6.1 and v6.12) */
	static const uint32_t allowed[] = {
		0xc0000100, 0xc0000101, 0xc0000102, /* FS_BASE, GS_BASE, KERNEL_GS_BASE */
		0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, /* STAR, LSTAR, CSTAR, SFMASK */
		0x174,	    0x175,	0x176,			/* SYSENTER_CS, _ESP, _EIP */
		0xc0000080, 0x277,	0xc0000103, 0x48,	/* EFER, PAT, TSC_AUX, SPEC_CTRL */
	};

	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (allowed[i] == msr)
			return true;
	return false;
}

bool collector_msr_per_value(uint32_t msr)
{
	return msr == 0xc0000100 || msr == 0xc0000101 || msr == 0xc0000102; /* FS/GS/KERNEL_GS */
}

/* Whether the kernel has the sampler's kfunc: in vmlinux's BTF, or KVM's module BTF. */
static bool have_sample_kfunc(const struct btf *vmlinux, const struct btf *kvm)
{
	if (btf__find_by_name_kind(vmlinux, SAMPLE_KFUNC, BTF_KIND_FUNC) > 0)
		return true;
	return kvm && btf__find_by_name_kind(kvm, SAMPLE_KFUNC, BTF_KIND_FUNC) > 0;
}

/*
 * The sources attached when --sources is not given (or with its "default"):
 * every one the kernel has but the opt-in ones (MSRTOP_SRCS_OPT_IN:
 * kvm_inj_virq), and, where the kernel has kvm_msr_outcome (msrtop's
 * patches), kvm_msr and kvm_msr_intercept. kvm_msr_outcome fires for every access kvm_msr
 * reports and fills the MSR table itself (outcome_msrs in msrtop.bpf.c), so
 * kvm_msr would only cost a second program per access; kvm_msr_intercept
 * would cost a third, for its own table only (exit codes and the accesses
 * that KVM hands to userspace are in the outcome table too).
 */
static uint32_t default_sources(const struct btf *vmlinux, const struct btf *kvm)
{
	uint32_t all = ((1u << MSRTOP_SRC_NR) - 1) & ~MSRTOP_SRCS_OPT_IN;

	if (!kc_btf_has_tracepoint(vmlinux, kvm, msrtop_source_name(MSRTOP_SRC_KVM_MSR_OUTCOME)))
		return all;
	return all & ~(1u << MSRTOP_SRC_KVM_MSR | 1u << MSRTOP_SRC_KVM_MSR_INTERCEPT);
}

/*
 * Decides each source's state from the kernel's BTF (and tracefs for classic
 * tracepoints). Fails when the kernel has none of the stock KVM tracepoints.
 * The msr_sample source is not a tracepoint: it is on when MSRs are to be
 * sampled (sampling) and needs the kfunc, not --sources.
 */
static int detect_sources(struct collector *c, const char *tracefs, uint32_t wanted, bool sampling,
			  char *msg, size_t len)
{
	struct btf *vmlinux, *kvm = NULL;
	int nr_stock = 0, nr_wanted = 0, err = 0;
	const char *reads;

	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		err = -errno;
		snprintf(msg, len,
			 "the kernel's BTF (%s) is not usable (%s): msrtop needs a kernel "
			 "built with CONFIG_DEBUG_INFO_BTF=y",
			 KC_VMLINUX_BTF, strerror(errno));
		return err;
	}
	if (!kc_btf_has_tracepoint(vmlinux, NULL, "kvm_exit") ||
	    (sampling && btf__find_by_name_kind(vmlinux, SAMPLE_KFUNC, BTF_KIND_FUNC) <= 0))
		kvm = btf__load_module_btf("kvm", vmlinux); /* KVM built as a module */
	c->exit_core = exit_types_known(vmlinux);
	/*
	 * MSRTOP_READS=whole: every map read whole, in batches; =ring: the
	 * changed rows found through the dirty_keys ring even where the kernel
	 * has iterators (tests, benchmarks).
	 */
	reads = getenv("MSRTOP_READS");
	c->reads_changes = !reads || strcmp(reads, "whole");
	c->iters = c->reads_changes && !(reads && !strcmp(reads, "ring")) &&
		   map_mirror_probe(vmlinux);
	/* For tests and diagnosis: the classic tracepoint even where CO-RE works. */
	if (getenv("MSRTOP_EXIT_ATTACH") && !strcmp(getenv("MSRTOP_EXIT_ATTACH"), "tracepoint"))
		c->exit_core = false;
	c->default_sources = !wanted || wanted & MSRTOP_SRCS_WITH_DEFAULT;
	if (c->default_sources)
		wanted = (wanted & ~MSRTOP_SRCS_WITH_DEFAULT) | default_sources(vmlinux, kvm);

	for (int i = 0; i < MSRTOP_SRC_NR; i++) {
		const struct source_def *d = &source_defs[i];
		struct msrtop_source *s = &c->sources[i];

		if (!(BPF_SOURCES & 1u << i))
			continue;
		s->name = msrtop_source_name(i);
		s->attach = d->exit_reason && !c->exit_core ? "tracepoint" : "tp_btf";
		s->patched = d->patched;
		s->state = MSRTOP_SRC_MISSING;
		if (i == MSRTOP_SRC_MSR_SAMPLE) {
			if (!sampling)
				s->state = MSRTOP_SRC_OFF;
			else if (kc_btf_has_tracepoint(vmlinux, kvm, "kvm_exit") &&
				 have_sample_kfunc(vmlinux, kvm))
				s->state = MSRTOP_SRC_ATTACHED;
			continue;
		}
		if (!kc_btf_has_tracepoint(vmlinux, kvm, s->name))
			continue;
		if (!d->patched)
			nr_stock++;
		if (wanted && !(wanted & 1u << i)) {
			s->state = MSRTOP_SRC_OFF;
			continue;
		}
		if (d->exit_reason && !c->exit_core && !kc_tracefs_has_event(tracefs, s->name)) {
			s->state = MSRTOP_SRC_FAILED;
			s->error = ENOENT;
			continue;
		}
		s->state = MSRTOP_SRC_ATTACHED; /* for now: wanted */
		nr_wanted++;
	}
	btf__free(kvm);
	btf__free(vmlinux);
	if (nr_stock && (wanted & BPF_SOURCES) && !nr_wanted) {
		snprintf(msg, len,
			 "none of the tracepoints given to --sources is in this kernel (the "
			 "kvm_msr_* ones come with msrtop's kernel patches): run 'msrtop -v "
			 "--once' to see which are");
		return -ENOENT;
	}
	if (!nr_stock) {
		snprintf(msg, len,
			 "this kernel has no KVM tracepoints (kvm:kvm_exit, kvm:kvm_msr...): "
			 "load KVM (modprobe kvm_intel or kvm_amd) or use a kernel built with "
			 "CONFIG_KVM");
		return -ENOENT;
	}
	return 0;
}

/* Kernel memory of one preallocated hash map element besides its key and value
 * (struct htab_elem on 64-bit kernels, rounded up). */
#define HTAB_ELEM_OVERHEAD 48

/* The number after prefix on its line of file path ("MemAvailable:"), or 0. */
static uint64_t file_number(const char *path, const char *prefix)
{
	char line[256];
	unsigned long long v = 0;
	size_t n = strlen(prefix);
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, prefix, n) && sscanf(line + n, "%llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* MemAvailable of proc/meminfo in bytes, or 0 if unknown. */
static uint64_t mem_available(const char *proc)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/meminfo", proc);
	return file_number(path, "MemAvailable:") * 1024;
}

/*
 * Sets each table's capacity before load: rows for the tables of attached
 * sources (a VM-keyed table a share of it), 1 for the others, so that a
 * source that is off costs no memory. Refuses a size whose preallocated
 * maps would take more than a quarter of the memory available.
 */
static int size_maps(struct collector *c, uint32_t rows, char *msg, size_t len)
{
	uint64_t need = 0, avail;
	struct bpf_map *map;

	bpf_object__for_each_map(map, c->skel->obj) {
		const char *name = bpf_map__name(map);
		uint32_t entries = 0;
		bool sized = false;

		for (int i = 0; i < MSRTOP_SRC_NR; i++) {
			const struct source_def *d = &source_defs[i];

			for (size_t m = 0; m < SOURCE_MAPS && d->maps[m]; m++) {
				uint32_t want = rows;

				if (strcmp(d->maps[m], name))
					continue;
				sized = true;
				if (d->share) {
					want = rows / d->share;
					if (want < SHARED_ROWS_MIN)
						want = SHARED_ROWS_MIN;
				}
				if (c->sources[i].state == MSRTOP_SRC_ATTACHED && want > entries)
					entries = want;
			}
		}
		if (!sized)
			continue;
		if (!entries)
			entries = 1;
		if (bpf_map__set_max_entries(map, entries)) {
			snprintf(msg, len, "cannot size the BPF map %s to %u rows", name, entries);
			return -EINVAL;
		}
		need += (uint64_t)entries * ((bpf_map__key_size(map) + 7) / 8 * 8 +
					     (bpf_map__value_size(map) + 7) / 8 * 8 +
					     HTAB_ELEM_OVERHEAD);
	}
	avail = mem_available(c->proc);
	if (avail && need > avail / 4) {
		snprintf(msg, len,
			 "--max-rows %u needs about %llu MiB of kernel memory for its tables, "
			 "more than a quarter of the %llu MiB available: give a smaller "
			 "--max-rows",
			 rows, (unsigned long long)(need >> 20), (unsigned long long)(avail >> 20));
		return -ENOMEM;
	}
	return 0;
}

/* Failure to load the sampler: its source failed, the rest of msrtop runs on. */
static void sampler_failed(struct collector *c, int err)
{
	c->sources[MSRTOP_SRC_MSR_SAMPLE].state = MSRTOP_SRC_FAILED;
	c->sources[MSRTOP_SRC_MSR_SAMPLE].error = err < 0 ? -err : EINVAL;
	msrtop_sample__destroy(c->sample);
	c->sample = NULL;
}

/*
 * Loads the --sample-msr sampler (its own object, msrtop_sample.bpf.c), once
 * the main object is loaded: its MSRs and options, its tables sized by rows,
 * and the maps both objects have taken over from the main one. Only where the
 * kernel has the kfunc (the source is attached, for now). A sampler that does
 * not load is a failed source, not a failed msrtop.
 */
static void load_sampler(struct collector *c, const struct collector_opts *opts, uint32_t rows)
{
	struct msrtop_sample *sk;
	const struct {
		struct bpf_map *mine, *main;
	} shared[] = {{NULL, c->skel->maps.overflow},
		      {NULL, c->skel->maps.errors},
		      {NULL, c->skel->maps.error_codes},
		      {NULL, c->skel->maps.pid_filter},
		      {NULL, c->skel->maps.vm_comms}};
	uint32_t values = 0, n = opts->nr_sample_msrs;
	int err;

	if (c->sources[MSRTOP_SRC_MSR_SAMPLE].state != MSRTOP_SRC_ATTACHED)
		return;
	c->sample = sk = msrtop_sample__open();
	if (!sk) {
		sampler_failed(c, -errno);
		return;
	}
	bpf_program__set_autoload(sk->progs.msr_sample_test, false);
	for (uint32_t i = 0; i < n && i < MSRTOP_SAMPLE_MAX_MSRS; i++) {
		sk->rodata->sample_msrs[i] = opts->sample_msrs[i];
		if (collector_msr_per_value(opts->sample_msrs[i]))
			values |= 1u << i;
	}
	sk->rodata->nr_sample_msrs = n < MSRTOP_SAMPLE_MAX_MSRS ? n : MSRTOP_SAMPLE_MAX_MSRS;
	sk->rodata->sample_watch = opts->sample_watch;
	sk->rodata->sample_values = values;
	sk->rodata->sample_every = opts->sample_every > 1 ? opts->sample_every : 1;
	sk->rodata->filter_pids = opts->nr_pids > 0;
	/* The smallest ring buffer (a page) where nothing is watched. */
	err = bpf_map__set_max_entries(sk->maps.msr_changes,
				       opts->sample_watch ? CHANGES_RING_BYTES : 4096);
	if (!err)
		err = bpf_map__set_max_entries(sk->maps.msr_samples, rows);
	if (!err)
		err = bpf_map__set_max_entries(sk->maps.msr_values, rows);
	for (size_t i = 0; !err && i < sizeof(shared) / sizeof(shared[0]); i++) {
		struct bpf_map *mine =
			bpf_object__find_map_by_name(sk->obj, bpf_map__name(shared[i].main));

		err = mine ? bpf_map__reuse_fd(mine, bpf_map__fd(shared[i].main)) : -ENOENT;
	}
	if (!err)
		err = msrtop_sample__load(sk);
	if (err)
		sampler_failed(c, err);
}

static int load(struct collector *c, const struct collector_opts *opts, char *msg, size_t len)
{
	struct bpf_program *prog;
	uint8_t one = 1;
	int err;

	c->skel = msrtop__open();
	if (!c->skel) {
		err = -errno;
		snprintf(msg, len, "cannot open the BPF object: %s", strerror(errno));
		return err;
	}
	/* Only the programs of the sources the kernel has; never the test entries. */
	bpf_object__for_each_program(prog, c->skel->obj) bpf_program__set_autoload(prog, false);
	for (int i = 0; i < MSRTOP_SRC_NR; i++)
		if (c->sources[i].state == MSRTOP_SRC_ATTACHED && i != MSRTOP_SRC_MSR_SAMPLE &&
		    source_prog(c, i))
			bpf_program__set_autoload(source_prog(c, i), true);
	if (c->reads_changes) {
		struct msrtop *sk = c->skel;
		struct bpf_map *maps[NR_MIRRORED] = {sk->maps.exits, sk->maps.msrs,
						     sk->maps.msr_writes};
		struct bpf_program *progs[NR_MIRRORED] = {sk->progs.changed_exits,
							  sk->progs.changed_msrs,
							  sk->progs.changed_msr_writes};
		static const uint32_t ids[NR_MIRRORED] = {MSRTOP_MAP_EXITS, MSRTOP_MAP_MSRS,
							  MSRTOP_MAP_MSR_WRITES};

		for (int i = 0; i < NR_MIRRORED; i++) {
			c->mirrored[i].map = maps[i];
			c->mirrored[i].map_id = ids[i];
			if (!c->iters)
				continue;
			c->mirrored[i].prog = progs[i];
			bpf_program__set_autoload(progs[i], true);
		}
	}
	/* The ring of changed keys: where there are no iterators (one page otherwise). */
	c->skel->rodata->dirty_ring = c->reads_changes && !c->iters;
	if (!c->skel->rodata->dirty_ring)
		bpf_map__set_max_entries(c->skel->maps.dirty_keys, sysconf(_SC_PAGESIZE));
	err = size_maps(c, opts->max_rows ? opts->max_rows : COLLECTOR_DEFAULT_ROWS, msg, len);
	if (err)
		return err;
	c->skel->rodata->filter_pids = opts->nr_pids > 0;
	c->skel->rodata->latency = c->sources[MSRTOP_SRC_KVM_ENTRY].state == MSRTOP_SRC_ATTACHED;
	c->skel->rodata->outcome_msrs = msrtop_table_source(c->sources, MSRTOP_SRC_KVM_MSR) ==
					  MSRTOP_SRC_KVM_MSR_OUTCOME;
	c->msr_exit_latency_from_outcomes =
		c->skel->rodata->latency &&
		c->sources[MSRTOP_SRC_KVM_MSR_OUTCOME].state == MSRTOP_SRC_ATTACHED;
	c->skel->rodata->outcome_times_msr_exits = c->msr_exit_latency_from_outcomes;

	err = msrtop__load(c->skel);
	if (err) {
		if (err == -EPERM || err == -EACCES)
			/* The privileges were checked before: this is the verifier. */
			snprintf(msg, len,
				 "the kernel's verifier refused msrtop's BPF programs (%s): "
				 "run 'msrtop -v --once' to see which and why, and report it",
				 strerror(-err));
		else
			snprintf(msg, len,
				 "loading the BPF programs failed (%s): run with -v to see "
				 "why",
				 strerror(-err));
		return err;
	}
	for (size_t i = 0; i < opts->nr_pids; i++) {
		err = bpf_map_update_elem(bpf_map__fd(c->skel->maps.pid_filter), &opts->pids[i],
					  &one, BPF_ANY);
		if (err) {
			snprintf(msg, len, "cannot set the pid filter (%s): give at most %d --pid",
				 strerror(-err), MSRTOP_FILTER_MAX_PIDS);
			return err;
		}
	}
	load_sampler(c, opts, opts->max_rows ? opts->max_rows : COLLECTOR_DEFAULT_ROWS);
	return 0;
}

static int attach(struct collector *c, char *msg, size_t len)
{
	int nr_attached = 0, first_err = 0;

	for (int i = 0; i < MSRTOP_SRC_NR; i++) {
		struct msrtop_source *s = &c->sources[i];

		if (s->state != MSRTOP_SRC_ATTACHED || !source_prog(c, i))
			continue;
		c->links[i] = bpf_program__attach(source_prog(c, i));
		if (!c->links[i]) {
			s->state = MSRTOP_SRC_FAILED;
			s->error = errno;
			if (!first_err)
				first_err = errno;
			continue;
		}
		nr_attached++;
	}
	if (!nr_attached) {
		snprintf(msg, len,
			 "attaching to the KVM tracepoints failed (%s): run with -v to see "
			 "why",
			 strerror(first_err ? first_err : ENOENT));
		return -(first_err ? first_err : ENOENT);
	}
	return 0;
}

/* A --watch-msr record: into the snapshot collector_read() is making. */
static int on_change(void *ctx, void *data, size_t size)
{
	struct collector *c = ctx;
	const struct msrtop_msr_change *r = data;
	struct msrtop_snapshot *s = c->changes_to;
	struct msrtop_msr_change_ev *e;

	if (!s || size < sizeof(*r))
		return 0;
	e = snapshot_add_change(s);
	if (!e) {
		c->changes_err = -ENOMEM;
		return -ENOMEM;
	}
	/* bpf_ktime_get_ns() is CLOCK_MONOTONIC: placed on the real clock by the snapshot's. */
	e->time_ns = s->time_ns - (s->mono_ns - r->time_ns);
	e->pid = r->tgid;
	e->tid = r->tid;
	e->vcpu = r->vcpu;
	e->msr = r->msr;
	e->old_value = r->old_value;
	e->new_value = r->new_value;
	return 0;
}

/*
 * The changes-only reads of exits, msrs and msr_writes: each map's "iter"
 * program (chosen in load()) attached to it. A map whose iterator cannot be
 * attached is read whole, as every map is on a kernel without iterators.
 */
static int on_dirty_key(void *ctx, void *data, size_t size);

static void attach_mirrors(struct collector *c)
{
	if (c->skel->rodata->dirty_ring) {
		c->dirty = ring_buffer__new(bpf_map__fd(c->skel->maps.dirty_keys), on_dirty_key, c,
					    NULL);
		for (int i = 0; c->dirty && i < NR_MIRRORED; i++) {
			struct mirrored_map *mm = &c->mirrored[i];

			mm->dirty = !map_mirror_init(&mm->mirror, -1, bpf_map__key_size(mm->map),
						     bpf_map__value_size(mm->map));
		}
		return;
	}
	for (int i = 0; i < NR_MIRRORED; i++) {
		DECLARE_LIBBPF_OPTS(bpf_iter_attach_opts, opts);
		struct mirrored_map *mm = &c->mirrored[i];
		union bpf_iter_link_info info = {};

		if (!mm->prog)
			continue;
		info.map.map_fd = bpf_map__fd(mm->map);
		opts.link_info = &info;
		opts.link_info_len = sizeof(info);
		mm->link = bpf_program__attach_iter(mm->prog, &opts);
		if (!mm->link)
			continue;
		if (map_mirror_init(&mm->mirror, bpf_link__fd(mm->link), bpf_map__key_size(mm->map),
				    bpf_map__value_size(mm->map))) {
			bpf_link__destroy(mm->link);
			mm->link = NULL;
		}
	}
}

/* Privileges, BTF, tracefs, the tracepoints this kernel has; then load and attach. */
static int open_bpf(struct collector *c, const struct collector_opts *opts, char *msg,
		    size_t msg_len)
{
	char tracefs[256];
	int err;

	err = kc_check_privileges(msg, msg_len);
	if (err)
		return err;
	err = kc_check_btf(msg, msg_len);
	if (err)
		return err;
	err = kc_tracefs(tracefs, sizeof(tracefs), msg, msg_len);
	if (err)
		return err;
	err = detect_sources(c, tracefs, opts->sources, opts->nr_sample_msrs > 0, msg, msg_len);
	if (err)
		return err;
	err = load(c, opts, msg, msg_len);
	if (err)
		return err;
	err = attach(c, msg, msg_len);
	if (err)
		return err;
	attach_mirrors(c);
	if (c->sources[MSRTOP_SRC_MSR_SAMPLE].state == MSRTOP_SRC_ATTACHED && opts->sample_watch) {
		c->changes = ring_buffer__new(bpf_map__fd(c->sample->maps.msr_changes), on_change,
					      c, NULL);
		if (!c->changes) {
			err = -errno;
			snprintf(msg, msg_len, "cannot read the BPF ring buffer of MSR changes (%s)",
				 strerror(errno));
			return err;
		}
	}
	return 0;
}

/*
 * Without BPF (no BTF, no KVM tracepoint, a load that failed): the BPF
 * sources are left failed with err, and what is attached is dropped.
 */
static void drop_bpf(struct collector *c, int err, const char *why)
{
	for (int i = 0; i < MSRTOP_SRC_NR; i++) {
		struct msrtop_source *s = &c->sources[i];

		if (!(BPF_SOURCES & 1u << i))
			continue;
		bpf_link__destroy(c->links[i]);
		c->links[i] = NULL;
		if (s->state == MSRTOP_SRC_ATTACHED || s->state == MSRTOP_SRC_MISSING) {
			s->state = MSRTOP_SRC_FAILED;
			s->error = err < 0 ? -err : EINVAL;
		}
	}
	ring_buffer__free(c->changes);
	c->changes = NULL;
	msrtop_sample__destroy(c->sample);
	c->sample = NULL;
	msrtop__destroy(c->skel);
	c->skel = NULL;
	snprintf(c->no_bpf, sizeof(c->no_bpf), "%s", why);
}

int collector_open(const struct collector_opts *opts, struct collector **out, char *msg,
		   size_t msg_len)
{
	struct collector *c = NULL;
	/* No --sources, or --sources default[,...]: this kernel's default set. */
	bool defaults = !opts->sources || (opts->sources & MSRTOP_SRCS_WITH_DEFAULT);
	bool bpf_wanted = defaults || (opts->sources & BPF_SOURCES);
	struct msrtop_source *dbg;
	int err;

	libbpf_set_print(opts->verbose ? libbpf_stderr : libbpf_quiet);
	if (opts->nr_pids > MSRTOP_FILTER_MAX_PIDS) {
		snprintf(msg, msg_len, "too many --pid (%zu): give at most %d", opts->nr_pids,
			 MSRTOP_FILTER_MAX_PIDS);
		return -E2BIG;
	}

	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(msg, msg_len, "out of memory");
		return -ENOMEM;
	}
	for (int i = 0; i < MSRTOP_SRC_NR; i++) {
		c->sources[i].name = msrtop_source_name(i);
		c->sources[i].attach = "tp_btf";
		c->sources[i].patched = source_defs[i].patched;
		c->sources[i].state = !defaults && !(opts->sources & 1u << i)
					      ? MSRTOP_SRC_OFF
					      : MSRTOP_SRC_MISSING;
	}
	memcpy(c->pids, opts->pids, opts->nr_pids * sizeof(*opts->pids));
	c->nr_pids = opts->nr_pids;
	c->default_sources = defaults;
	c->proc = opts->proc ? opts->proc : "/proc";
	c->warn_errors = opts->warn_errors;
	c->cpu_vendor = msr_passthrough_vendor("/proc/cpuinfo");
	c->forget_ns = (uint64_t)((opts->forget_after_s > 0 ? opts->forget_after_s
							    : COLLECTOR_DEFAULT_FORGET_S) * 1e9);
	c->nr_cpus = libbpf_num_possible_cpus();
	map_reader_init(&c->reader, c->nr_cpus > 0 ? c->nr_cpus : 1, true);
	if (c->nr_cpus <= 0) {
		err = c->nr_cpus ? c->nr_cpus : -EINVAL;
		snprintf(msg, msg_len, "cannot count the possible CPUs (%s): is /sys mounted?",
			 strerror(-err));
		goto cleanup;
	}

	/* KVM's statistics in debugfs: whatever its state, never fatal by itself. */
	dbg = &c->sources[MSRTOP_SRC_KVM_DEBUGFS];
	if (dbg->state != MSRTOP_SRC_OFF) {
		/* MSRTOP_DEBUGFS: another debugfs mount point (tests and diagnosis). */
		err = kvm_debugfs_open(getenv("MSRTOP_DEBUGFS"), NULL, dbg, &c->debugfs);
		if (err) {
			snprintf(msg, msg_len, "out of memory");
			goto cleanup;
		}
	}

	err = bpf_wanted ? open_bpf(c, opts, msg, msg_len) : 0;
	if (err) {
		/* Only with the default sources may debugfs stand in for BPF. */
		if (!defaults || dbg->state != MSRTOP_SRC_ATTACHED)
			goto cleanup;
		drop_bpf(c, err, msg);
		err = 0;
	} else if (!bpf_wanted) {
		drop_bpf(c, -ENOENT, "--sources names no tracepoint");
	}
	c->start_time_ns = now_ns(CLOCK_REALTIME);
	c->start_mono_ns = now_ns(CLOCK_MONOTONIC);
	*out = c;
	return 0;

cleanup:
	collector_close(c);
	return err;
}

const char *collector_no_bpf(const struct collector *c)
{
	return c->skel ? NULL : c->no_bpf;
}

void collector_print_debugfs(const struct collector *c, FILE *f)
{
	const struct msrtop_source *src = &c->sources[MSRTOP_SRC_KVM_DEBUGFS];
	const struct kvm_debugfs_skipped *sk;
	char why[256];
	const char *reason;

	if (!c->debugfs) {
		fprintf(f, "msrtop: kvm_debugfs: off\n");
		return;
	}
	sk = kvm_debugfs_skipped(c->debugfs);
	fprintf(f, "msrtop: kvm_debugfs: %s%s%s\n",
		*kvm_debugfs_root(c->debugfs) ? kvm_debugfs_root(c->debugfs) : "(no debugfs)",
		*kvm_debugfs_root(c->debugfs) ? "/kvm, " : ", ",
		msrtop_source_state_name(src->state));
	reason = kvm_debugfs_why(src, why, sizeof(why));
	if (reason)
		fprintf(f, "msrtop: kvm_debugfs: %s\n", reason);
	if (sk->denied || sk->unreadable || sk->not_count || sk->bad_name || sk->over_limit)
		fprintf(f,
			"msrtop: kvm_debugfs: left out at the last read: %llu refused (%s), %llu "
			"unreadable, %llu not counts, %llu bad names, %llu beyond the bounds\n",
			(unsigned long long)sk->denied,
			sk->denied ? strerror(sk->denied_errno) : "-",
			(unsigned long long)sk->unreadable, (unsigned long long)sk->not_count,
			(unsigned long long)sk->bad_name, (unsigned long long)sk->over_limit);
}

void collector_close(struct collector *c)
{
	if (!c)
		return;
	ring_buffer__free(c->changes);
	for (int i = 0; i < MSRTOP_SRC_NR; i++)
		bpf_link__destroy(c->links[i]);
	ring_buffer__free(c->dirty);
	for (int i = 0; i < NR_MIRRORED; i++) {
		bpf_link__destroy(c->mirrored[i].link);
		map_mirror_fini(&c->mirrored[i].mirror);
		free(c->mirrored[i].keys[0]);
		free(c->mirrored[i].keys[1]);
	}
	msrtop_sample__destroy(c->sample);
	msrtop__destroy(c->skel);
	kvm_debugfs_close(c->debugfs);
	snapshot_put(c->prev);
	map_reader_fini(&c->reader);
	free(c->tids);
	free(c->dead);
	free(c->forget);
	free(c->del_keys);
	free(c);
}

/* The kernel's account of a map's memory (fdinfo "memlock"), in bytes; 0 if unknown. */
static uint64_t map_memlock(int fd)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	return file_number(path, "memlock:");
}

void collector_print_maps(const struct collector *c, FILE *f)
{
	struct bpf_object *objs[2] = {c->skel ? c->skel->obj : NULL,
				      c->sample ? c->sample->obj : NULL};
	uint64_t total = 0;
	struct bpf_map *map;

	if (!c->skel)
		return;
	for (int o = 0; o < 2 && objs[o]; o++) {
		bpf_object__for_each_map(map, objs[o]) {
			uint64_t bytes;

			if (bpf_map__type(map) == BPF_MAP_TYPE_ARRAY && bpf_map__is_internal(map))
				continue; /* .rodata */
			if (o && bpf_object__find_map_by_name(objs[0], bpf_map__name(map)))
				continue; /* the sampler's share of a main object's map */
			bytes = map_memlock(bpf_map__fd(map));
			total += bytes;
			if (bpf_map__type(map) == BPF_MAP_TYPE_RINGBUF) /* max_entries: bytes */
				fprintf(f, "msrtop: map %-12s %8u KiB ring %6.1f KiB\n",
					bpf_map__name(map), bpf_map__max_entries(map) / 1024,
					bytes / 1024.0);
			else
				fprintf(f, "msrtop: map %-12s %8u rows %10.1f KiB\n",
					bpf_map__name(map), bpf_map__max_entries(map),
					bytes / 1024.0);
		}
	}
	fprintf(f, "msrtop: maps in all %.1f MiB (the kernel's account, fdinfo memlock)\n",
		total / 1048576.0);
}

const struct msrtop_source *collector_sources(const struct collector *c)
{
	return c->sources;
}

bool collector_default_sources(const struct collector *c)
{
	return c->default_sources;
}

bool collector_msr_exits_timed_by_outcomes(const struct collector *c)
{
	return c->msr_exit_latency_from_outcomes;
}

bool collector_uses_batch(const struct collector *c)
{
	return c->reader.batch;
}

const char *collector_reads_changes(const struct collector *c, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	for (int i = 0; i < NR_MIRRORED && at < len; i++)
		if (c->mirrored[i].link || c->mirrored[i].dirty)
			at += snprintf(buf + at, len - at, "%s%s", at ? " " : "",
				       bpf_map__name(c->mirrored[i].map));
	return buf;
}

const char *collector_changes_how(const struct collector *c)
{
	for (int i = 0; i < NR_MIRRORED; i++)
		if (c->mirrored[i].dirty)
			return "the programs' ring buffer of changed keys: this kernel loads no BPF "
			       "map iterator programs";
	return "BPF map iterators";
}

static struct mirrored_map *mirrored(struct collector *c, const struct bpf_map *map)
{
	for (int i = 0; i < NR_MIRRORED; i++)
		if ((c->mirrored[i].link || c->mirrored[i].dirty) && c->mirrored[i].map == map)
			return &c->mirrored[i];
	return NULL;
}

/* ---- changed keys, where there are no iterators --------------------------------------- */

static int on_dirty_key(void *ctx, void *data, size_t size)
{
	struct collector *c = ctx;
	const struct msrtop_dirty_key *d = data;
	struct mirrored_map *mm = NULL;
	size_t ks;

	if (size < sizeof(*d))
		return 0;
	for (int i = 0; i < NR_MIRRORED; i++)
		if (c->mirrored[i].dirty && c->mirrored[i].map_id == d->map_id)
			mm = &c->mirrored[i];
	if (!mm)
		return 0;
	ks = mm->mirror.key_size;
	if (mm->nr_keys[mm->cur] == mm->cap_keys[mm->cur]) {
		size_t cap = mm->cap_keys[mm->cur] ? 2 * mm->cap_keys[mm->cur] : 256;
		uint8_t *k = realloc(mm->keys[mm->cur], cap * ks);

		if (!k) {
			c->dirty_err = -ENOMEM;
			return -ENOMEM;
		}
		mm->keys[mm->cur] = k;
		mm->cap_keys[mm->cur] = cap;
	}
	memcpy(mm->keys[mm->cur] + mm->nr_keys[mm->cur]++ * ks, d->key, ks);
	return 0;
}

/*
 * The keys the programs changed since the last refresh, into each mirrored
 * map's keys[cur]. The epoch moves first: a program that runs from now on
 * pushes its row again, and is read at the next refresh. A lost key (the
 * ring was full) makes the next read of every map whole.
 */
static int collect_dirty(struct collector *c)
{
	uint64_t lost;
	int err;

	for (int i = 0; i < NR_MIRRORED; i++) {
		struct mirrored_map *mm = &c->mirrored[i];

		mm->cur = !mm->cur;
		mm->nr_keys[mm->cur] = 0;
	}
	__atomic_add_fetch(&c->skel->bss->dirty_epoch, 1, __ATOMIC_SEQ_CST);
	c->dirty_err = 0;
	err = ring_buffer__consume(c->dirty);
	if (err < 0)
		return c->dirty_err ? c->dirty_err : err;
	lost = __atomic_load_n(&c->skel->bss->dirty_lost, __ATOMIC_SEQ_CST);
	if (lost != c->dirty_lost) {
		c->dirty_lost = lost;
		for (int i = 0; i < NR_MIRRORED; i++)
			c->mirrored[i].filled = false;
	}
	return 0;
}

/* A map read for its changed rows through collect_dirty()'s keys (or whole, when unknown). */
static int update_dirty(struct collector *c, struct mirrored_map *mm)
{
	int fd = bpf_map__fd(mm->map), err;
	size_t nr = mm->nr_keys[0] + mm->nr_keys[1];

	/* More changed rows than a quarter of the map: one whole read is cheaper. */
	if (!mm->filled || nr > mm->mirror.nr / 4 + 256) {
		err = map_mirror_fill(&mm->mirror, &c->reader, fd);
		mm->filled = !err;
		return err;
	}
	err = map_mirror_update_keys(&mm->mirror, fd, mm->keys[mm->cur], mm->nr_keys[mm->cur]);
	if (!err)
		err = map_mirror_update_keys(&mm->mirror, fd, mm->keys[!mm->cur],
					     mm->nr_keys[!mm->cur]);
	return err;
}

/* ---- reading maps ------------------------------------------------------------ */

static int read_map(struct collector *c, struct bpf_map *map, map_read_fn emit, void *ctx)
{
	struct mirrored_map *mm = mirrored(c, map);

	if (mm) {
		int err = mm->dirty ? update_dirty(c, mm) : map_mirror_update(&mm->mirror);

		if (!err)
			return map_mirror_each(&mm->mirror, emit, ctx);
		/*
		 * What the failed read took is marked read in the kernel and may
		 * be missing here: from now on the map is read whole, which is
		 * always right. Said once, on stderr (collector_read()).
		 */
		snprintf(c->mirror_failed, sizeof(c->mirror_failed),
			 "reading the changed rows of %s failed (%s): it is read whole from now on",
			 bpf_map__name(map), strerror(-err));
		bpf_link__destroy(mm->link);
		mm->link = NULL;
		mm->dirty = false;
		map_mirror_fini(&mm->mirror);
	}
	return map_reader_read(&c->reader, bpf_map__fd(map),
			       bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_HASH,
			       bpf_map__key_size(map), bpf_map__value_size(map), emit, ctx);
}

static int emit_tid(void *ctx, const void *key, const uint64_t *val)
{
	struct collector *c = ctx;

	if (c->nr_tids == c->cap_tids) {
		size_t cap = c->cap_tids ? 2 * c->cap_tids : 256;
		struct tid_vcpu *t = realloc(c->tids, cap * sizeof(*t));

		if (!t)
			return -ENOMEM;
		c->tids = t;
		c->cap_tids = cap;
	}
	c->tids[c->nr_tids].tid = *(const uint32_t *)key;
	c->tids[c->nr_tids].vcpu = (uint32_t)val[0];
	c->nr_tids++;
	return 0;
}

static int cmp_tid(const void *pa, const void *pb)
{
	const struct tid_vcpu *a = pa, *b = pb;

	return (a->tid > b->tid) - (a->tid < b->tid);
}

/* Reads tid_vcpus: the vcpu_id each vCPU thread was seen running. */
static int read_tids(struct collector *c)
{
	int err;

	c->nr_tids = 0;
	err = read_map(c, c->skel->maps.tid_vcpus, emit_tid, c);
	if (err)
		return err;
	qsort(c->tids, c->nr_tids, sizeof(*c->tids), cmp_tid);
	return 0;
}

/* A row's thread id vCPU, as the vCPU the thread runs where that is known. */
static void learn_vcpu(const struct collector *c, const struct msrtop_kind *k, void *row)
{
	uint8_t *vcpu_src = (uint8_t *)row + k->vcpu_src_off;
	uint32_t *vcpu = (uint32_t *)((char *)row + k->vcpu_off);
	struct tid_vcpu key = {.tid = *vcpu}, *t;

	if (*vcpu_src != MSRTOP_VCPU_TID)
		return;
	t = bsearch(&key, c->tids, c->nr_tids, sizeof(*c->tids), cmp_tid);
	if (t) {
		*vcpu = t->vcpu;
		*vcpu_src = MSRTOP_VCPU_LEARNED;
	}
}

/* What emit_row() needs: one BPF map of one kind. */
struct kind_read_ctx {
	struct collector *c;
	struct msrtop_snapshot *s;
	enum msrtop_kind_id kind;
	msrtop_decode_fn decode;
	size_t key_size;
};

static int cmp_u32(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return (a > b) - (a < b);
}

/* Keeps key (of key_size bytes) to be deleted after the map is read. */
static int forget_key(struct collector *c, const void *key, size_t key_size)
{
	if ((c->nr_del + 1) * key_size > c->cap_del) {
		size_t cap = c->cap_del ? 2 * c->cap_del : 4096;
		uint8_t *p;

		while (cap < (c->nr_del + 1) * key_size)
			cap *= 2;
		p = realloc(c->del_keys, cap);
		if (!p)
			return -ENOMEM;
		c->del_keys = p;
		c->cap_del = cap;
	}
	memcpy(c->del_keys + c->nr_del * key_size, key, key_size);
	c->nr_del++;
	return 0;
}

static int emit_row(void *ctx, const void *key, const uint64_t *val)
{
	struct kind_read_ctx *kc = ctx;
	const struct msrtop_kind *k = &msrtop_kinds[kc->kind];
	uint32_t pid;
	void *r;

	memcpy(&pid, (const char *)key + k->key_pid_off, sizeof(pid));
	if (kc->c->nr_forget &&
	    bsearch(&pid, kc->c->forget, kc->c->nr_forget, sizeof(pid), cmp_u32))
		return forget_key(kc->c, key, kc->key_size);
	r = snapshot_add_row(kc->s, kc->kind);

	if (!r)
		return -ENOMEM;
	kc->decode(r, key, val);
	if (k->learn_vcpu)
		learn_vcpu(kc->c, k, r);
	return 0;
}

/* Deletes the keys forget_key() kept from map: in one batch where the kernel can. */
static int delete_keys(struct collector *c, struct bpf_map *map, size_t key_size)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	struct mirrored_map *mm = mirrored(c, map);
	int fd = bpf_map__fd(map);
	__u32 count = c->nr_del;

	if (!c->nr_del)
		return 0;
	for (size_t i = 0; mm && i < c->nr_del; i++)
		map_mirror_forget(&mm->mirror, c->del_keys + i * key_size);
	if (!bpf_map_delete_batch(fd, c->del_keys, &count, &opts) && count == c->nr_del) {
		c->forgotten_rows += count;
		return 0;
	}
	/* No batch deletes (or one failed part way): key by key; gone already is fine. */
	for (size_t i = 0; i < c->nr_del; i++) {
		int err = bpf_map_delete_elem(fd, c->del_keys + i * key_size);

		if (err && err != -ENOENT)
			return err;
		c->forgotten_rows += !err;
	}
	return 0;
}

/* Reads every map of every kind into s; *what names the map that failed. */
static int read_kinds(struct collector *c, struct msrtop_snapshot *s, const char **what)
{
	for (int kid = 0; kid < MSRTOP_KIND_NR; kid++) {
		const struct msrtop_kind *k = &msrtop_kinds[kid];

		for (int m = 0; m < 2 && k->maps[m]; m++) {
			struct kind_read_ctx kc = {c, s, kid, k->decode[m], 0};
			struct bpf_map *map =
				bpf_object__find_map_by_name(c->skel->obj, k->maps[m]);
			int err;

			*what = k->maps[m];
			if (!map && k->source == MSRTOP_SRC_MSR_SAMPLE) {
				if (!c->sample)
					continue; /* the sampler is not loaded: no rows */
				map = bpf_object__find_map_by_name(c->sample->obj, k->maps[m]);
			}
			if (!map)
				return -ENOENT;
			kc.key_size = bpf_map__key_size(map);
			c->nr_del = 0;
			err = read_map(c, map, emit_row, &kc);
			if (!err)
				err = delete_keys(c, map, kc.key_size);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Sums a per-CPU array of MSRTOP_MAP_NR counters (overflow, errors) into out. */
static int read_lost(struct collector *c, struct bpf_map *map, struct msrtop_counter *out)
{
	uint64_t *vals = calloc(c->nr_cpus, sizeof(*vals));
	int fd = bpf_map__fd(map), err = 0;

	if (!vals)
		return -ENOMEM;
	for (uint32_t m = 0; m < MSRTOP_MAP_NR; m++) {
		err = bpf_map_lookup_elem(fd, &m, vals);
		if (err)
			break;
		out[m].total = 0;
		for (int cpu = 0; cpu < c->nr_cpus; cpu++)
			out[m].total += vals[cpu];
	}
	free(vals);
	return err;
}

/*
 * One line on stderr the first time a map's events go uncounted for another
 * reason than a full map, naming the errno of the failed insert (the BPF
 * programs keep the last one per map): such an error is not expected, and
 * the line says what an operator can report. Later ones are only counted.
 */
static void tell_errors(struct collector *c, const struct msrtop_snapshot *s)
{
	int fd = bpf_map__fd(c->skel->maps.error_codes);
	uint64_t *codes = NULL;

	for (uint32_t m = 0; m < MSRTOP_MAP_NR; m++) {
		uint64_t code = 0;

		if (c->errors_told[m] || !s->errors[m].total)
			continue;
		c->errors_told[m] = true;
		if (!codes) /* only once something is to be told: not at every refresh */
			codes = calloc(c->nr_cpus, sizeof(*codes));
		if (codes && !bpf_map_lookup_elem(fd, &m, codes))
			for (int cpu = 0; cpu < c->nr_cpus; cpu++)
				code = codes[cpu] ? codes[cpu] : code;
		if (code)
			fprintf(stderr,
				"msrtop: %llu event(s) of %s not counted: the kernel refused an "
				"insert (%s: %s); errors.%s counts them (please report this)\n",
				(unsigned long long)s->errors[m].total, msrtop_map_name(m),
				strerrorname_np((int)code) ?: "?", strerror((int)code),
				msrtop_map_name(m));
		else
			fprintf(stderr,
				"msrtop: %llu event(s) of %s not counted: the tracepoint's data "
				"could not be read; errors.%s counts them (please report this)\n",
				(unsigned long long)s->errors[m].total, msrtop_map_name(m),
				msrtop_map_name(m));
	}
	free(codes);
}

/*
 * The comm the BPF programs recorded for a VMM that exited before /proc could
 * be read (a short-lived VM). Leaves vm->comm empty if there is none.
 */
static void vm_comm_from_kernel(struct collector *c, struct msrtop_vm *vm)
{
	char comm[MSRTOP_VM_COMM_LEN];

	if (!c->skel || bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.vm_comms), &vm->pid, comm))
		return;
	comm[sizeof(comm) - 1] = '\0';
	vm_info_sanitize(comm);
	snprintf(vm->comm, sizeof(vm->comm), "%s", comm);
}

/*
 * The guest name from the command line the BPF programs copied when they
 * first saw the process (a VMM gone before /proc could be read). Leaves
 * vm->name as it is if there is none.
 */
static void vm_name_from_kernel(struct collector *c, struct msrtop_vm *vm)
{
	static struct msrtop_vm_cmdline cl; /* 2 KiB: not on the stack */

	if (!c->skel || bpf_map_lookup_elem(bpf_map__fd(c->skel->maps.vm_cmdlines), &vm->pid, &cl))
		return;
	if (cl.len > sizeof(cl.args))
		cl.len = sizeof(cl.args);
	vm_info_guest_name(cl.args, cl.len, vm->name, sizeof(vm->name));
}

/*
 * Fills comm, name and alive of each VM. A process that is gone keeps its last
 * names and is not looked up again (its pid may belong to another process by
 * now).
 */
static void read_vm_info(struct collector *c, struct msrtop_snapshot *s)
{
	for (size_t i = 0; i < s->nr_vms; i++) {
		struct msrtop_vm *vm = &s->vms[i];
		bool seen_alive = vm->alive;

		if (!vm->alive && vm->comm[0])
			continue; /* seen alive before, gone since */
		/* alive, comm and name are the previous snapshot's (derive()). */
		vm->alive = vm_info_read(c->proc, vm->pid, vm->comm, sizeof(vm->comm), vm->name,
					 sizeof(vm->name), vm->alive) == 0;
		if (!vm->alive && !vm->comm[0]) {
			vm_comm_from_kernel(c, vm);
			vm_name_from_kernel(c, vm);
		} else if (!vm->name[0] && !seen_alive) {
			/* First read: an exiting VMM (a zombie) still has a comm
			 * but an empty /proc cmdline, and the copy taken at
			 * first sight has its name. Not at every refresh: a
			 * live VMM without a name has none in the copy either. */
			vm_name_from_kernel(c, vm);
		}
	}
}

/*
 * The VMs whose rows this read deletes: gone for at least forget_ns. They
 * leave the dead list, and their recorded name goes too.
 */
static int plan_forget(struct collector *c, uint64_t now_ns)
{
	size_t keep = 0;

	c->nr_forget = 0;
	if (c->nr_dead) {
		uint32_t *p = realloc(c->forget, c->nr_dead * sizeof(*p));

		if (!p)
			return -ENOMEM;
		c->forget = p;
	}
	for (size_t i = 0; i < c->nr_dead; i++) {
		if (now_ns - c->dead[i].since_ns >= c->forget_ns) {
			c->forget[c->nr_forget++] = c->dead[i].pid;
			if (!c->skel)
				continue;
			bpf_map_delete_elem(bpf_map__fd(c->skel->maps.vm_comms), &c->dead[i].pid);
			bpf_map_delete_elem(bpf_map__fd(c->skel->maps.vm_cmdlines),
					    &c->dead[i].pid);
		} else {
			c->dead[keep++] = c->dead[i];
		}
	}
	c->nr_dead = keep;
	qsort(c->forget, c->nr_forget, sizeof(*c->forget), cmp_u32);
	return 0;
}

/* Starts the clock of every VM s found gone, once; a pid alive again leaves the list. */
static int note_dead(struct collector *c, const struct msrtop_snapshot *s)
{
	for (size_t i = 0; i < s->nr_vms; i++) {
		const struct msrtop_vm *vm = &s->vms[i];
		size_t j;

		for (j = 0; j < c->nr_dead && c->dead[j].pid != vm->pid; j++)
			;
		if (vm->alive) {
			if (j < c->nr_dead)
				c->dead[j] = c->dead[--c->nr_dead];
			continue;
		}
		if (j < c->nr_dead)
			continue;
		if (c->nr_dead == c->cap_dead) {
			size_t cap = c->cap_dead ? 2 * c->cap_dead : 64;
			struct dead_vm *d = realloc(c->dead, cap * sizeof(*d));

			if (!d)
				return -ENOMEM;
			c->dead = d;
			c->cap_dead = cap;
		}
		c->dead[c->nr_dead++] = (struct dead_vm){vm->pid, s->mono_ns};
	}
	return 0;
}

int collector_read(struct collector *c, struct msrtop_snapshot **out, char *msg, size_t msg_len)
{
	struct msrtop_snapshot *s = snapshot_new();
	const char *what = "";
	int err;

	if (!s) {
		snprintf(msg, msg_len, "out of memory");
		return -ENOMEM;
	}
	s->time_ns = now_ns(CLOCK_REALTIME);
	s->mono_ns = now_ns(CLOCK_MONOTONIC);
	s->start_time_ns = c->start_time_ns;
	s->start_mono_ns = c->start_mono_ns;
	s->seq = ++c->seq;
	s->cpu_vendor = c->cpu_vendor;
	s->msr_exit_latency_from_outcomes = c->msr_exit_latency_from_outcomes;
	memcpy(s->sources, c->sources, sizeof(s->sources));
	snapshot_reserve_like(s, c->prev);

	err = plan_forget(c, s->mono_ns);
	if (err)
		goto cleanup;
	if (c->skel) {
		if (c->changes) {
			what = "msr_changes";
			c->changes_to = s;
			c->changes_err = 0;
			err = ring_buffer__consume(c->changes);
			c->changes_to = NULL;
			if (err >= 0)
				err = c->changes_err;
			if (err < 0)
				goto cleanup;
			err = 0;
		}
		if (c->dirty) {
			what = "dirty_keys";
			err = collect_dirty(c);
			if (err < 0)
				goto cleanup;
		}
		what = "tid_vcpus";
		err = read_tids(c); /* before the rows whose thread ids it maps to vCPUs */
		if (err)
			goto cleanup;
		err = read_kinds(c, s, &what);
		if (err)
			goto cleanup;
		what = "overflow";
		err = read_lost(c, c->skel->maps.overflow, s->overflow);
		if (err)
			goto cleanup;
		what = "errors";
		err = read_lost(c, c->skel->maps.errors, s->errors);
		if (err)
			goto cleanup;
		if (c->warn_errors)
			tell_errors(c, s);
		if (c->warn_errors && *c->mirror_failed)
			fprintf(stderr, "msrtop: %s\n", c->mirror_failed);
		*c->mirror_failed = 0;
	}
	what = "";
	if (c->debugfs) {
		const struct kvm_debugfs_skipped *sk;

		err = kvm_debugfs_read(c->debugfs, s, c->pids, c->nr_pids);
		if (err)
			goto cleanup;
		/* Files debugfs refused say why in the source's error. */
		sk = kvm_debugfs_skipped(c->debugfs);
		if (c->sources[MSRTOP_SRC_KVM_DEBUGFS].state == MSRTOP_SRC_ATTACHED)
			c->sources[MSRTOP_SRC_KVM_DEBUGFS].error =
				sk->denied ? sk->denied_errno : 0;
		s->sources[MSRTOP_SRC_KVM_DEBUGFS] = c->sources[MSRTOP_SRC_KVM_DEBUGFS];
	}
	err = snapshot_finish(s, c->prev);
	if (err)
		goto cleanup;
	read_vm_info(c, s);
	err = note_dead(c, s);
	if (err)
		goto cleanup;

	snapshot_put(c->prev);
	c->prev = snapshot_get(s);
	*out = s;
	return 0;

cleanup:
	snprintf(msg, msg_len, "reading the BPF map%s%s failed: %s", *what ? " " : "s", what,
		 strerror(-err));
	snapshot_put(s);
	return err;
}
