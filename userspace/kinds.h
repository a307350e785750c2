/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event kinds: one descriptor per kind of row (kind_rows.h: exits, MSR
 * accesses, userspace exits, MSR intercepts, MSR outcomes, canonical
 * checks), in the one order every output lists them. The snapshot
 * arithmetic (snapshot.c), the collector (collector.c) and the outputs
 * (json_out.c, text_out.c, prom.c, the terminal view's tui_views.c) iterate
 * over msrtop_kinds[] instead of naming the kinds.
 *
 * A descriptor says how the kind's rows are keyed, sorted and merged, which
 * of their fields are counters and histograms (deltas and rates are computed
 * for each), which filter dimensions apply, how they add to the totals and
 * the VM table, which BPF maps hold them and how a map entry becomes a row,
 * and how the outputs show them: their fields (JSON members and Prometheus
 * labels, in order), their metric families, their text table and their
 * table in the terminal view. docs/architecture.md has the recipe for adding
 * a kind.
 */
#ifndef MSRTOP_KINDS_H
#define MSRTOP_KINDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"

/* What a row field is, which decides how each output shows it (see struct msrtop_field). */
enum msrtop_field_type {
	MSRTOP_F_PID,	      /* uint32_t pid */
	MSRTOP_F_VCPU,	      /* uint32_t pid, then vcpu (off) and vcpu_src (aux) */
	MSRTOP_F_ISA,	      /* uint8_t isa */
	MSRTOP_F_EXIT_REASON, /* exit reason of size bytes; aux: its isa */
	MSRTOP_F_VMX_FLAGS,   /* JSON only: the VMX modifier bits of the reason at off; aux: isa */
	MSRTOP_F_BOOL,	      /* JSON only: bool */
	MSRTOP_F_MSR,	      /* uint32_t MSR index */
	MSRTOP_F_ACCESS,      /* bool write */
	MSRTOP_F_UEXIT,	      /* uint32_t KVM_EXIT_* reason or errno; aux: bool error */
	MSRTOP_F_OUTCOME,     /* uint8_t MSRTOP_OUTCOME_* */
	MSRTOP_F_OUTCOME_REASON, /* uint8_t reason of the outcome at aux */
	MSRTOP_F_COUNTER,	 /* JSON only: struct msrtop_counter */
	MSRTOP_F_HIST,		 /* JSON only: struct msrtop_hist */
	MSRTOP_F_LAST_VALUE,	 /* JSON only: uint64_t value; aux: bool has_value */
	MSRTOP_F_VALUE,		 /* a uint64_t key field: its number and "0x..." text */
	/* A KVM statistic's place: uint32_t vm_fd at off, then uint32_t vcpu
	 * (MSRTOP_KVM_STAT_VM: JSON null, no label), then its name (char[]) */
	MSRTOP_F_KVM_STAT,
	MSRTOP_F_U64, /* JSON only: uint64_t */
	/* An unsigned key field of size bytes shown through the code table at aux (enum
	 * kvm_code_table, kvm_names.h). JSON: json[0] its number (BOOL: true/false; a name
	 * table's name when json[1] is NULL) and, if given, json[1] its name or null (HEX: its
	 * "0x.." text). Labels: json[0] as kvm_code_format() writes it (BOOL: "true"/"false");
	 * a name table with json[1]: json[0] the number, json[1] its name (or number). */
	MSRTOP_F_CODE,
};

/* JSON null in place of a field when... */
enum msrtop_field_null {
	MSRTOP_NULL_NEVER,
	MSRTOP_NULL_IF,	    /* the bool at null_off is set */
	MSRTOP_NULL_UNLESS, /* the bool at null_off is not set */
};

/*
 * One field of a row, in the order of the kind's JSON object. The key fields
 * (all but MSRTOP_F_BOOL/COUNTER/HIST/LAST_VALUE/VMX_FLAGS) are also, in
 * this order, the labels of the kind's Prometheus series.
 */
struct msrtop_field {
	enum msrtop_field_type type;
	/* Its JSON members: "reason", "reason_name", "reason_text" (as many as the type has). */
	const char *json[3];
	uint16_t off; /* of the field in the row */
	uint16_t aux; /* of the other field it needs (see the types) */
	uint8_t size; /* bytes of an integer field whose size varies (EXIT_REASON) */
	enum msrtop_field_null null;
	uint16_t null_off;
};

/* Which rows of a kind a metric family has a series for. */
enum msrtop_rows {
	MSRTOP_ROWS_ALL,
	MSRTOP_ROWS_IF,	    /* the bool at rows_off is set */
	MSRTOP_ROWS_UNLESS, /* the bool at rows_off is not set */
};

/* What a metric family shows of the field at its off. */
enum msrtop_family_type {
	MSRTOP_FAM_COUNTER,   /* a struct msrtop_counter's total */
	MSRTOP_FAM_HISTOGRAM, /* a struct msrtop_hist, as a Prometheus histogram in seconds */
	MSRTOP_FAM_MIN,	      /* a struct msrtop_hist's min_ns, a gauge in seconds */
	MSRTOP_FAM_MAX,	      /* its max_ns; MIN and MAX have no series for an empty one */
	MSRTOP_FAM_GAUGE,     /* a uint64_t, as it is */
};

/* A Prometheus metric family of one kind: one series (or histogram) per row. */
struct msrtop_family {
	const char *name; /* "msrtop_exits_total" */
	const char *help;
	enum msrtop_family_type type;
	enum msrtop_rows rows;
	uint16_t rows_off;
	uint16_t off;
	bool needs_latency; /* only while kvm_entry is attached (exit latencies) */
};

/* What a column of a kind's text table shows. */
enum msrtop_text_col_type {
	MSRTOP_T_PID,	      /* "%8u" */
	MSRTOP_T_VCPU,	      /* vCPU with its source marker (format.h) */
	MSRTOP_T_ISA,	      /* "vmx", "svm", "isa3" (format.h) */
	MSRTOP_T_EXIT_REASON, /* formatted exit reason; aux: isa; size bytes */
	MSRTOP_T_YES,	      /* "yes" or "" for a bool */
	MSRTOP_T_MSR_INDEX,   /* "0x%-8x" */
	MSRTOP_T_MSR_NAME,    /* the MSR's name, or "-" */
	MSRTOP_T_MSR,	      /* the MSR's name, or its index */
	MSRTOP_T_ACCESS,      /* "read" / "write" */
	MSRTOP_T_UEXIT,	      /* the KVM_EXIT_* or errno name; aux: error */
	MSRTOP_T_OUTCOME,     /* "outcome/reason"; aux: reason */
	MSRTOP_T_TOTAL,	      /* a counter's total */
	MSRTOP_T_RATE,	      /* a counter's rate, "%.1f" */
	MSRTOP_T_MEAN_NS,     /* a histogram's mean, or "-" */
	MSRTOP_T_MIN_NS,      /* a histogram's smallest value, or "-" */
	MSRTOP_T_MAX_NS,      /* a histogram's largest value, or "-" */
	MSRTOP_T_VALUE_HEX, /* "0x%llx" of the value at off when the bool at aux is set, else "-" */
	MSRTOP_T_TOTAL_IF,  /* a counter's total when the bool at aux is set, else "-" */
	MSRTOP_T_HEX,	    /* "0x%llx" of the uint64_t at off */
	MSRTOP_T_KVM_STAT,  /* uint32_t vcpu at off, then the name: "name" or "vcpuN/name" */
	MSRTOP_T_U64,	    /* a uint64_t */
	MSRTOP_T_RATE_IF,   /* a counter's rate when the bool at aux is set, else "-" */
	MSRTOP_T_CODE,	    /* kvm_code_format() of the size-byte field at off; aux: its table */
};

struct msrtop_text_col {
	const char *title;
	int width; /* printf width; negative: left-aligned */
	enum msrtop_text_col_type type;
	uint16_t off;
	uint16_t aux;
	uint8_t size;
};

/* What a column of the kind's table in the terminal view shows (tui_views.c). */
enum msrtop_view_col_type {
	MSRTOP_V_VM,	      /* the row's pid and its VM's comm */
	MSRTOP_V_VCPU,	      /* vCPU with its source marker (format.h); aux: vcpu_src */
	MSRTOP_V_ISA,	      /* "vmx", "svm", "isa3" */
	MSRTOP_V_EXIT_REASON, /* exit reason of size bytes; aux: isa; " (L2)" if the bool at flag
			       * (flag 0: none, offset 0 is the pid) */
	MSRTOP_V_MSR,	      /* the MSR's name and index */
	MSRTOP_V_RW,	      /* "R" / "W" of a bool write */
	MSRTOP_V_RATE,	      /* a counter's rate */
	MSRTOP_V_TOTAL,	      /* a counter's total */
	MSRTOP_V_TOTAL_IF,    /* a counter's total when the bool at aux is set, else "-" */
	MSRTOP_V_P50,	      /* a histogram's 50th percentile (log2 bucket bound) */
	MSRTOP_V_P99,	      /* its 99th */
	MSRTOP_V_MIN,	      /* its smallest value, exact */
	MSRTOP_V_MEAN,	      /* its mean */
	MSRTOP_V_MAX,	      /* its largest value, exact */
	MSRTOP_V_HEX_IF, /* the uint64_t at off as 0x%016 when the bool at aux is set, else "-" */
	MSRTOP_V_HEX,	 /* the uint64_t at off as 0x%016 */
	MSRTOP_V_KVM_STAT, /* as MSRTOP_T_KVM_STAT */
	MSRTOP_V_U64,	   /* a uint64_t */
	MSRTOP_V_RATE_IF,  /* a counter's rate when the bool at aux is set, else "-" */
	MSRTOP_V_CODE,	 /* kvm_code_format() of the size-byte field at off; aux: its table */
};

struct msrtop_view_col {
	const char *title;
	uint8_t min, max; /* width bounds; text longer than max is cut (0: no bound) */
	bool left;
	enum msrtop_view_col_type type;
	uint16_t off, aux, flag;
	uint8_t size;
};

/* A sort key of the kind's table in the terminal view. */
enum msrtop_view_sort_type {
	MSRTOP_S_RATE,	/* the counter at off: rate, then total, busiest first */
	MSRTOP_S_TOTAL, /* the counter at off: total, busiest first */
	MSRTOP_S_P99,	/* the histogram at off: its 99th percentile, slowest first */
	MSRTOP_S_FIELD, /* the unsigned field at off (size bytes), then at off2 (size2), ascending
			 */
	MSRTOP_S_KEY,	/* the table's key order */
};

struct msrtop_view_sort {
	const char *name; /* on the tab line: "rate" */
	enum msrtop_view_sort_type type;
	uint16_t off, off2;
	uint8_t size, size2; /* size2 0: no second field */
};

#define MSRTOP_KIND_MAX_VIEW_COLS 12
#define MSRTOP_KIND_MAX_VIEW_SORTS 6

/*
 * The kind's table in the terminal view: one row per row of the kind. The
 * view's tab follows the views of the kinds listed before it (tui_views.c).
 */
struct msrtop_view {
	const char *tab; /* its name on the tab line, "exits"; NULL: the kind has no view */
	char key;	 /* the letter that shows it: not one of the view's command keys (tui.md) */
	const char *help; /* its line on the help page, after "exits: " */
	const char *what; /* what its rows are, in "no exits yet": "exits" */
	const char *yet;  /* said after "no <what> yet" (with its leading space), or "" */
	/* Said instead when the kind's source is attached but silent while others count. */
	const char *silent;
	struct msrtop_view_col cols[MSRTOP_KIND_MAX_VIEW_COLS];
	unsigned int nr_cols;
	struct msrtop_view_sort sorts[MSRTOP_KIND_MAX_VIEW_SORTS];
	unsigned int nr_sorts;
};

#define MSRTOP_KIND_MAX_FIELDS 12
#define MSRTOP_KIND_MAX_COUNTERS 3
#define MSRTOP_KIND_MAX_FAMILIES 5
#define MSRTOP_KIND_MAX_TEXT_COLS 12

/* Fills a new (zeroed) row from a BPF map entry: key, and value as u64s summed over CPUs. */
typedef void (*msrtop_decode_fn)(void *row, const void *key, const uint64_t *val);

struct msrtop_kind {
	const char *name; /* also the JSON array of its rows: "exits", "msr_intercepts" */

	/* ---- rows: the kind's row struct (kind_rows.h) ---- */
	size_t row_size;

	/* ---- key: sorting, merging, deltas ---- */
	int (*cmp)(const void *a, const void *b); /* the key order (the row struct's field order) */
	/* Three words ordering rows as cmp does (radix sort), or NULL: qsort with cmp. */
	void (*sort_key)(const void *row, uint64_t k[3]);
	/* Folds src into dst, rows of equal key (after sorting); NULL: keys are unique. */
	void (*merge)(void *dst, const void *src);
	uint16_t counters[MSRTOP_KIND_MAX_COUNTERS]; /* struct msrtop_counter fields */
	unsigned int nr_counters;
	/* A cumulative histogram and the part of it added since the previous snapshot. */
	bool has_hist_delta;
	uint16_t hist, hist_delta;

	/* ---- dimensions (filters, VM table) ---- */
	bool has_vcpu; /* vcpu_src and vcpu at the offsets below */
	uint16_t vcpu_src_off, vcpu_off;
	bool has_msr;
	uint16_t msr_off;
	bool has_reason; /* exit reason: isa at isa_off, code of code_size bytes at code_off */
	uint16_t isa_off, code_off;
	uint8_t code_size;
	/* Adds a row to the totals, and to its VM's counters (vm is never NULL). */
	void (*account)(struct msrtop_totals *t, struct msrtop_vm *vm, const void *row);

	/* ---- the collector: BPF maps of msrtop.h and their entries as rows ---- */
	const char *maps[2]; /* map names in the skeleton; NULL when fewer */
	msrtop_decode_fn decode[2];
	uint16_t key_pid_off; /* where the VMM's pid (tgid, u32) is in the maps' key */
	bool learn_vcpu; /* map a thread id vCPU (MSRTOP_VCPU_TID) to the vcpu_id learned for it */

	/* ---- outputs ---- */
	struct msrtop_field fields[MSRTOP_KIND_MAX_FIELDS];
	unsigned int nr_fields;
	struct msrtop_family families[MSRTOP_KIND_MAX_FAMILIES];
	unsigned int nr_families;
	enum msrtop_source_id source; /* the tracepoint its rows come from */
	const char *text_title;	      /* "MSR INTERCEPTS" */
	/* An empty table says why, by the state of source; while attached: "none yet: SOURCE is
	 * attached but <text_none_yet>". NULL: an empty table prints nothing. */
	const char *text_none_yet;
	/* Rows of MSR accesses: an empty table also names the host's pass-through MSRs. */
	bool passthrough_note;
	struct msrtop_text_col text_cols[MSRTOP_KIND_MAX_TEXT_COLS];
	unsigned int nr_text_cols;
	uint16_t text_sort;	 /* the counter rows are sorted by (busiest first) */
	struct msrtop_view view; /* the terminal view */
};

extern const struct msrtop_kind msrtop_kinds[MSRTOP_KIND_NR];

/* In a cmp function: returns when field f of a and b differs (a key order, field by field). */
#define CMP_FIELD(a, b, f)                                                                         \
	do {                                                                                       \
		if ((a)->f != (b)->f)                                                              \
			return (a)->f < (b)->f ? -1 : 1;                                           \
	} while (0)

/* The rows of kind k in s, and their number. */
static inline void *kind_rows(const struct msrtop_snapshot *s, const struct msrtop_kind *k)
{
	return s->tables[k - msrtop_kinds].rows;
}

static inline size_t kind_nr(const struct msrtop_snapshot *s, const struct msrtop_kind *k)
{
	return s->tables[k - msrtop_kinds].nr;
}

static inline void *kind_row(const struct msrtop_snapshot *s, const struct msrtop_kind *k, size_t i)
{
	return (char *)kind_rows(s, k) + i * k->row_size;
}

/* Fields of a row by offset. */
static inline const void *kind_at(const void *row, uint16_t off)
{
	return (const char *)row + off;
}

static inline uint32_t kind_u32(const void *row, uint16_t off)
{
	return *(const uint32_t *)kind_at(row, off);
}

static inline uint8_t kind_u8(const void *row, uint16_t off)
{
	return *(const uint8_t *)kind_at(row, off);
}

static inline bool kind_bool(const void *row, uint16_t off)
{
	return *(const bool *)kind_at(row, off);
}

/* An unsigned integer field of size 1, 4 or 8 bytes. */
static inline uint64_t kind_uint(const void *row, uint16_t off, uint8_t size)
{
	switch (size) {
	case 1:
		return kind_u8(row, off);
	case 4:
		return kind_u32(row, off);
	}
	return *(const uint64_t *)kind_at(row, off);
}

static inline const struct msrtop_counter *kind_counter(const void *row, uint16_t off)
{
	return kind_at(row, off);
}

static inline const struct msrtop_hist *kind_hist(const void *row, uint16_t off)
{
	return kind_at(row, off);
}

#endif /* MSRTOP_KINDS_H */
