// SPDX-License-Identifier: GPL-2.0
/* Unit tests: msrload's script parser and ground-truth accounting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "script.h"

static char err[256];

static void test_numbers(void **state)
{
	uint64_t v;
	uint32_t u;

	(void)state;
	assert_int_equal(parse_u64("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u64("0x8000000000000000", &v), 0);
	assert_true(v == 0x8000000000000000ULL);
	assert_int_equal(parse_u64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_u64("18446744073709551616", &v), -1); /* overflow */
	assert_int_equal(parse_u64("0x10000000000000000", &v), -1);
	assert_int_equal(parse_u64("", &v), -1);
	assert_int_equal(parse_u64("0x", &v), -1);
	assert_int_equal(parse_u64("-1", &v), -1);
	assert_int_equal(parse_u64(" 1", &v), -1);
	assert_int_equal(parse_u64("1 ", &v), -1);
	assert_int_equal(parse_u64("12abc", &v), -1);
	assert_int_equal(parse_u64("0x1g", &v), -1);
	assert_int_equal(parse_u32("0xffffffff", &u), 0);
	assert_true(u == 0xffffffffU);
	assert_int_equal(parse_u32("0x100000000", &u), -1);
}

static void test_seconds(void **state)
{
	double d;

	(void)state;
	assert_int_equal(parse_seconds("1.5", &d), 0);
	assert_true(d == 1.5);
	assert_int_equal(parse_seconds("0", &d), -1);
	assert_int_equal(parse_seconds("-2", &d), -1);
	assert_int_equal(parse_seconds("nan", &d), -1);
	assert_int_equal(parse_seconds("inf", &d), -1);
	assert_int_equal(parse_seconds("1s", &d), -1);
	assert_int_equal(parse_seconds("", &d), -1);
}

static void test_wrmsr(void **state)
{
	struct script s;

	(void)state;
	script_init(&s);
	assert_int_equal(script_add_op(&s, GOP_WRMSR, "0x277:0x0007040600070406", err,
				       sizeof(err)), 0);
	assert_int_equal(script_add_op(&s, GOP_WRMSR, "0xc0000082:0x8000000000000000:16:fep", err,
				       sizeof(err)), 0);
	assert_int_equal(s.gs.nops, 2);
	assert_int_equal(s.gs.ops[0].kind, GOP_WRMSR);
	assert_int_equal(s.gs.ops[0].arg, 0x277);
	assert_true(s.gs.ops[0].value == 0x0007040600070406ULL);
	assert_int_equal(s.gs.ops[0].count, 1);
	assert_int_equal(s.gs.ops[0].flags, 0);
	assert_int_equal(s.gs.ops[1].arg, 0xc0000082);
	assert_int_equal(s.gs.ops[1].count, 16);
	assert_int_equal(s.gs.ops[1].flags, GOP_FLAG_FEP);

	/* Malformed: each is refused with a reason and leaves the script alone. */
	const char *bad[] = { "", "0x277", "0x277:", ":1", "0x1ffffffff:1", "0x277:1:0",
			      "0x277:1:-1", "0x277:1:2:fop", "0x277:1:2:fep:x", "zz:1",
			      "0x277:1:1000000000001" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(script_add_op(&s, GOP_WRMSR, bad[i], err, sizeof(err)), -1);
		assert_true(strlen(err) > 0);
		assert_non_null(strstr(err, "wrmsr"));
	}
	assert_int_equal(s.gs.nops, 2);
}

static void test_other_ops(void **state)
{
	struct script s;

	(void)state;
	script_init(&s);
	assert_int_equal(script_add_op(&s, GOP_RDMSR, "0x1b:100", err, sizeof(err)), 0);
	assert_int_equal(script_add_op(&s, GOP_CPUID, "0x80000001:3", err, sizeof(err)), 0);
	assert_int_equal(script_add_op(&s, GOP_OUTB, "0x80:5:0xaa", err, sizeof(err)), 0);
	assert_int_equal(script_add_op(&s, GOP_INB, "0x71", err, sizeof(err)), 0);
	assert_int_equal(script_add_op(&s, GOP_HLT, "7", err, sizeof(err)), 0);
	assert_int_equal(script_add_op(&s, GOP_WBINVD, "3", err, sizeof(err)), 0);
	assert_int_equal(s.gs.nops, 6);
	assert_int_equal(s.gs.ops[0].count, 100);
	assert_int_equal(s.gs.ops[1].arg, 0x80000001);
	assert_int_equal(s.gs.ops[2].value, 0xaa);
	assert_int_equal(s.gs.ops[3].count, 1);
	assert_int_equal(s.gs.ops[4].count, 7);
	assert_int_equal(s.gs.ops[5].kind, GOP_WBINVD);
	assert_int_equal(s.gs.ops[5].count, 3);

	assert_int_equal(script_add_op(&s, GOP_OUTB, "0x10000", err, sizeof(err)), -1);
	assert_int_equal(script_add_op(&s, GOP_OUTB, "0x80:1:0x100", err, sizeof(err)), -1);
	/* msrload's own control ports are not scriptable. */
	assert_int_equal(script_add_op(&s, GOP_OUTB, "0xf1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "reserved"));
	assert_int_equal(script_add_op(&s, GOP_INB, "0xf4", err, sizeof(err)), -1);
	assert_int_equal(script_add_op(&s, GOP_HLT, "0", err, sizeof(err)), -1);
	assert_int_equal(script_add_op(&s, GOP_HLT, "1:2", err, sizeof(err)), -1);
	assert_int_equal(script_add_op(&s, GOP_RDMSR, "0x1b:1:fep:x", err, sizeof(err)), -1);
	assert_int_equal(script_add_op(&s, GOP_WBINVD, "0x80:1", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "wbinvd"));
	assert_int_equal(script_add_op(&s, GOP_WBINVD, "0", err, sizeof(err)), -1);
	assert_int_equal(s.gs.nops, 6);
}

/* --hypercall, --mmio-read, --mmio-write, --irq: their forms, and what they refuse. */
static void test_event_ops(void **state)
{
	static struct script s;

	(void)state;
	script_init(&s);
	assert_int_equal(script_add_op(&s, GOP_HYPERCALL, "1:5", err, sizeof(err)), 0);
	assert_int_equal(script_add_op(&s, GOP_HYPERCALL, "0x4d53", err, sizeof(err)), 0);
	assert_int_equal(script_add_op(&s, GOP_MMIO_READ, "0x10000000:4", err, sizeof(err)), 0);
	assert_int_equal(script_add_op(&s, GOP_MMIO_WRITE, "0x800000:3:0xdeadbeef", err,
				       sizeof(err)),
			 0);
	assert_int_equal(script_add_op(&s, GOP_IRQ, "0x40:6", err, sizeof(err)), 0);
	assert_int_equal(s.gs.nops, 5);
	assert_int_equal(s.gs.ops[0].arg, 1);
	assert_int_equal(s.gs.ops[0].count, 5);
	assert_int_equal(s.gs.ops[1].arg, 0x4d53);
	assert_int_equal(s.gs.ops[1].count, 1);
	assert_int_equal(s.gs.ops[2].arg, 0x10000000);
	assert_int_equal(s.gs.ops[3].value, 0xdeadbeef);
	assert_int_equal(s.gs.ops[4].arg, 0x40);
	assert_int_equal(s.gs.ops[4].count, 6);

	/* Guest memory is not MMIO; 1 GiB and up is not mapped; accesses are 4-byte aligned. */
	assert_int_equal(script_add_op(&s, GOP_MMIO_READ, "0x7ffffc", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "above guest memory"));
	assert_int_equal(script_add_op(&s, GOP_MMIO_READ, "0x40000000", err, sizeof(err)), -1);
	assert_int_equal(script_add_op(&s, GOP_MMIO_WRITE, "0x10000002", err, sizeof(err)), -1);
	assert_int_equal(script_add_op(&s, GOP_MMIO_WRITE, "0x10000000:1:0x100000000", err,
				       sizeof(err)),
			 -1);
	assert_int_equal(script_add_op(&s, GOP_MMIO_READ, "0x10000000:1:2", err, sizeof(err)), -1);
	/* Exceptions are not interrupts msrload injects. */
	assert_int_equal(script_add_op(&s, GOP_IRQ, "13", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "32..255"));
	assert_int_equal(script_add_op(&s, GOP_IRQ, "256", err, sizeof(err)), -1);
	assert_int_equal(script_add_op(&s, GOP_IRQ, "0x40:0", err, sizeof(err)), -1);
	assert_int_equal(script_add_op(&s, GOP_HYPERCALL, "x", err, sizeof(err)), -1);
	assert_int_equal(script_add_op(&s, GOP_HYPERCALL, "1:2:3", err, sizeof(err)), -1);
	assert_int_equal(s.gs.nops, 5);
}

static void test_op_limit(void **state)
{
	struct script s;

	(void)state;
	script_init(&s);
	for (int i = 0; i < GUEST_MAX_OPS; i++)
		assert_int_equal(script_add_op(&s, GOP_CPUID, "0", err, sizeof(err)), 0);
	assert_int_equal(script_add_op(&s, GOP_CPUID, "0", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too many"));
}

static void test_deny(void **state)
{
	struct script s;
	const struct deny_rule *r;

	(void)state;
	script_init(&s);
	assert_int_equal(script_add_deny(&s, "0x3b", err, sizeof(err)), 0);
	assert_int_equal(script_add_deny(&s, "0x3a:w:gp", err, sizeof(err)), 0);
	assert_int_equal(script_add_deny(&s, "0x10:r:ok:0x1234", err, sizeof(err)), 0);
	assert_int_equal(s.ndeny, 3);
	r = script_find_deny(&s, 0x3b, 0);
	assert_non_null(r);
	assert_int_equal(r->inject_gp, 0);
	assert_non_null(script_find_deny(&s, 0x3b, 1));
	assert_null(script_find_deny(&s, 0x3a, 0)); /* writes only */
	r = script_find_deny(&s, 0x3a, 1);
	assert_non_null(r);
	assert_int_equal(r->inject_gp, 1);
	r = script_find_deny(&s, 0x10, 0);
	assert_non_null(r);
	assert_true(r->read_value == 0x1234);
	assert_null(script_find_deny(&s, 0x277, 1));

	assert_int_equal(script_add_deny(&s, "0x3b", err, sizeof(err)), -1); /* twice */
	assert_int_equal(script_add_deny(&s, "0x3c:x", err, sizeof(err)), -1);
	assert_int_equal(script_add_deny(&s, "0x3c:w:maybe", err, sizeof(err)), -1);
	assert_int_equal(script_add_deny(&s, "0x3c:r:gp:5", err, sizeof(err)), -1);
	assert_int_equal(script_add_deny(&s, "0x3c:r:ok:5:6", err, sizeof(err)), -1);
	assert_int_equal(s.ndeny, 3);
	for (int i = 3; i < SCRIPT_MAX_DENY; i++) {
		char spec[16];

		snprintf(spec, sizeof(spec), "0x%x", 0x100 + i);
		assert_int_equal(script_add_deny(&s, spec, err, sizeof(err)), 0);
	}
	assert_int_equal(script_add_deny(&s, "0x999", err, sizeof(err)), -1);
}

static void test_validate(void **state)
{
	struct script s;

	(void)state;
	script_init(&s);
	assert_int_equal(script_validate(&s, err, sizeof(err)), -1); /* no operation */
	script_set_default(&s);
	assert_int_equal(script_validate(&s, err, sizeof(err)), 0);
	s.vcpus = 0;
	assert_int_equal(script_validate(&s, err, sizeof(err)), -1);
	s.vcpus = GUEST_MAX_VCPUS + 1;
	assert_int_equal(script_validate(&s, err, sizeof(err)), -1);
}

/* The default script parses completely (script_set_default ignores errors). */
static void test_default_script(void **state)
{
	struct script s;
	unsigned int wr = 0, rd = 0;

	(void)state;
	script_init(&s);
	script_set_default(&s);
	assert_int_equal(s.gs.nops, 10);
	assert_int_equal(s.ndeny, 2);
	for (unsigned int i = 0; i < s.gs.nops; i++) {
		wr += s.gs.ops[i].kind == GOP_WRMSR;
		rd += s.gs.ops[i].kind == GOP_RDMSR;
	}
	assert_int_equal(wr, 5);
	assert_int_equal(rd, 2);
}

/* Ground truth: script x repetitions + the guest's own #GP counts + msrload's exits. */
static void test_truth(void **state)
{
	static struct script s;
	static struct guest_area area;
	static struct truth t, total;
	struct msr_truth *m;

	(void)state;
	script_init(&s);
	script_add_op(&s, GOP_WRMSR, "0x277:6:100", err, sizeof(err));
	script_add_op(&s, GOP_WRMSR, "0x277:0x0202020202020202:10", err, sizeof(err));
	script_add_op(&s, GOP_RDMSR, "0x277:3:fep", err, sizeof(err));
	script_add_op(&s, GOP_WRMSR, "0x3a:1:4", err, sizeof(err));
	script_add_op(&s, GOP_CPUID, "0:2", err, sizeof(err));
	script_add_op(&s, GOP_OUTB, "0x80:9", err, sizeof(err));
	script_add_op(&s, GOP_WBINVD, "4", err, sizeof(err));
	script_add_op(&s, GOP_HYPERCALL, "1:3", err, sizeof(err));
	script_add_op(&s, GOP_IRQ, "0x40:2", err, sizeof(err));
	script_add_deny(&s, "0x3a:w:gp", err, sizeof(err));
	memset(&area, 0, sizeof(area));
	area.reps_done = 5;
	area.irqs = 10; /* the guest's handler count */
	area.op_faults[1] = 50; /* every reserved-PAT write faulted */
	area.op_faults[3] = 20; /* msrload answered #GP */
	memset(&t, 0, sizeof(t));
	truth_from_guest(&t, &s, &area);
	for (int i = 0; i < 20; i++)
		truth_user_msr(&t, 0x3a, 1, 1);

	assert_int_equal(t.reps, 5);
	assert_int_equal(t.nmsrs, 2);
	m = truth_msr(&t, 0x277);
	assert_int_equal(m->writes, 550);
	assert_int_equal(m->write_faults, 50);
	assert_int_equal(m->reads, 15);
	assert_int_equal(m->read_fep, 15);
	assert_int_equal(m->write_fep, 0);
	m = truth_msr(&t, 0x3a);
	assert_int_equal(m->writes, 20);
	assert_int_equal(m->write_faults, 20);
	assert_int_equal(m->write_user, 20);
	assert_int_equal(m->write_user_gp, 20);
	assert_int_equal(t.cpuid, 10);
	assert_int_equal(t.wbinvd, 20);
	assert_int_equal(t.user_msr_exits, 20);
	assert_int_equal(t.pio_out, 0); /* counted by the exit loop, not the script */
	assert_int_equal(t.hypercall, 15);
	assert_int_equal(t.irq_taken, 10);
	assert_int_equal(t.irq, 0); /* counted by the exit loop, at each injection */

	memset(&total, 0, sizeof(total));
	truth_merge(&total, &t);
	truth_merge(&total, &t);
	assert_int_equal(total.reps, 10);
	assert_int_equal(total.hypercall, 30);
	assert_int_equal(total.irq_taken, 20);
	assert_int_equal(truth_msr(&total, 0x277)->writes, 1100);
	assert_int_equal(truth_msr(&total, 0x3a)->write_user_gp, 40);
	assert_int_equal(total.cpuid, 20);
	assert_int_equal(total.wbinvd, 40);
	assert_int_equal(total.nmsrs, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),	    cmocka_unit_test(test_seconds),
		cmocka_unit_test(test_wrmsr),	    cmocka_unit_test(test_other_ops),
		cmocka_unit_test(test_event_ops),
		cmocka_unit_test(test_op_limit),    cmocka_unit_test(test_deny),
		cmocka_unit_test(test_validate),    cmocka_unit_test(test_default_script),
		cmocka_unit_test(test_truth),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests_name("msrload_script", tests, NULL, NULL);
}
