// SPDX-License-Identifier: GPL-2.0
/* msrload: the ground truth as a JSON document (json-c writes it; docs/msrload.md has the fields). */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "truth_json.h"

static void add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static void add_hex(json_object *o, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	json_object_object_add(o, key, json_object_new_string(buf));
}

static json_object *script_json(const struct script *s)
{
	json_object *o = json_object_new_object(), *ops = json_object_new_array();
	json_object *deny = json_object_new_array();

	for (uint64_t i = 0; i < s->gs.nops; i++) {
		const struct guest_op *op = &s->gs.ops[i];
		json_object *j = json_object_new_object();

		json_object_object_add(j, "op", json_object_new_string(script_op_name(op->kind)));
		switch (op->kind) {
		case GOP_WRMSR:
			add_u64(j, "msr", op->arg);
			add_hex(j, "msr_hex", op->arg);
			add_u64(j, "value", op->value);
			add_hex(j, "value_hex", op->value);
			break;
		case GOP_RDMSR:
			add_u64(j, "msr", op->arg);
			add_hex(j, "msr_hex", op->arg);
			break;
		case GOP_CPUID:
			add_u64(j, "leaf", op->arg);
			break;
		case GOP_OUTB:
			add_u64(j, "port", op->arg);
			add_u64(j, "value", op->value);
			break;
		case GOP_INB:
			add_u64(j, "port", op->arg);
			break;
		case GOP_HYPERCALL:
			add_u64(j, "nr", op->arg);
			json_object_object_add(j, "insn",
					       json_object_new_string(op->flags & GOP_FLAG_VMCALL
									      ? "vmcall"
									      : "vmmcall"));
			break;
		case GOP_MMIO_READ:
			add_u64(j, "addr", op->arg);
			add_hex(j, "addr_hex", op->arg);
			break;
		case GOP_MMIO_WRITE:
			add_u64(j, "addr", op->arg);
			add_hex(j, "addr_hex", op->arg);
			add_u64(j, "value", op->value);
			break;
		case GOP_IRQ:
			add_u64(j, "vector", op->arg);
			break;
		}
		add_u64(j, "count", op->count);
		if (op->kind == GOP_WRMSR || op->kind == GOP_RDMSR)
			json_object_object_add(j, "fep",
					       json_object_new_boolean(op->flags & GOP_FLAG_FEP));
		json_object_array_add(ops, j);
	}
	for (unsigned int i = 0; i < s->ndeny; i++) {
		const struct deny_rule *r = &s->deny[i];
		json_object *j = json_object_new_object();

		add_u64(j, "msr", r->msr);
		add_hex(j, "msr_hex", r->msr);
		json_object_object_add(j, "reads", json_object_new_boolean(r->dirs & DENY_READ));
		json_object_object_add(j, "writes", json_object_new_boolean(r->dirs & DENY_WRITE));
		json_object_object_add(j, "answer", json_object_new_string(r->inject_gp ? "gp" : "ok"));
		json_object_array_add(deny, j);
	}
	add_u64(o, "reps", s->gs.reps);
	json_object_object_add(o, "duration", json_object_new_double(s->duration));
	json_object_object_add(o, "rate", json_object_new_double(s->rate));
	json_object_object_add(o, "ops", ops);
	json_object_object_add(o, "deny", deny);
	return o;
}

static json_object *truth_json(const struct truth *t)
{
	json_object *o = json_object_new_object(), *msrs = json_object_new_array();
	json_object *exits = json_object_new_object(), *kstats = json_object_new_object();

	add_u64(o, "reps", t->reps);
	for (unsigned int i = 0; i < t->nmsrs; i++) {
		const struct msr_truth *m = &t->msrs[i];
		json_object *j = json_object_new_object();

		add_u64(j, "msr", m->msr);
		add_hex(j, "msr_hex", m->msr);
		add_u64(j, "writes", m->writes);
		add_u64(j, "reads", m->reads);
		add_u64(j, "write_faults", m->write_faults);
		add_u64(j, "read_faults", m->read_faults);
		add_u64(j, "write_fep", m->write_fep);
		add_u64(j, "read_fep", m->read_fep);
		add_u64(j, "write_userspace", m->write_user);
		add_u64(j, "read_userspace", m->read_user);
		add_u64(j, "write_userspace_gp", m->write_user_gp);
		add_u64(j, "read_userspace_gp", m->read_user_gp);
		json_object_array_add(msrs, j);
	}
	json_object_object_add(o, "msrs", msrs);
	add_u64(exits, "cpuid", t->cpuid);
	add_u64(exits, "pio_out", t->pio_out);
	add_u64(exits, "pio_in", t->pio_in);
	add_u64(exits, "hlt", t->hlt);
	add_u64(exits, "wbinvd", t->wbinvd);
	add_u64(exits, "control_pio", t->control_pio);
	add_u64(exits, "userspace_msr", t->user_msr_exits);
	add_u64(exits, "hypercall", t->hypercall);
	add_u64(exits, "mmio_read", t->mmio_read);
	add_u64(exits, "mmio_write", t->mmio_write);
	add_u64(exits, "irq", t->irq);
	add_u64(exits, "irq_taken", t->irq_taken);
	json_object_object_add(o, "exits", exits);
	for (unsigned int i = 0; i < t->nkstats; i++)
		add_u64(kstats, t->kstats[i].name, t->kstats[i].value);
	json_object_object_add(o, "kvm_stats", kstats);
	return o;
}

json_object *result_json(const struct script *s, const struct vmm_result *r)
{
	json_object *o = json_object_new_object(), *per = json_object_new_array();

	json_object_object_add(o, "tool", json_object_new_string("msrload"));
	json_object_object_add(o, "version", json_object_new_int(1));
	json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
	json_object_object_add(o, "name", s->name ? json_object_new_string(s->name) : NULL);
	json_object_object_add(o, "vcpus", json_object_new_int((int)r->nvcpus));
	json_object_object_add(o, "seconds", json_object_new_double(r->seconds));
	json_object_object_add(o, "script", script_json(s));
	json_object_object_add(o, "total", truth_json(&r->total));
	for (unsigned int i = 0; i < r->nvcpus; i++) {
		json_object *v = truth_json(&r->vcpu[i]);

		json_object_object_add(v, "vcpu", json_object_new_int((int)r->vcpu[i].vcpu));
		json_object_object_add(v, "tid", json_object_new_int((int)r->vcpu[i].tid));
		json_object_array_add(per, v);
	}
	json_object_object_add(o, "per_vcpu", per);
	return o;
}
