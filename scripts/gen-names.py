#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Generate msrtop's name tables from the Linux 6.12 sources.

    scripts/gen-names.py [--tarball PATH | --tree DIR] [--outdir DIR] [--explain]

Reads a handful of headers from Debian's linux-source-6.12 tarball (only those
files are extracted, with tar) and writes two C files:

    userspace/msr_names_table.c     MSR index -> name
    userspace/exit_reasons_table.c  VMX/SVM exit reason -> name, VMX exit flags

Both are committed; tests/names/drift.sh fails when they no longer match what
this script produces. docs/names.md explains every rule applied here.
Python 3 standard library only.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

KERNEL = '6.12'
DEFAULT_TARBALL = '/usr/src/linux-source-6.12.tar.xz'

# The kernel files read, relative to the top of the source tree.
SOURCES = {
    'msr_index': 'arch/x86/include/asm/msr-index.h',
    'kvm_para': 'arch/x86/include/uapi/asm/kvm_para.h',
    'hyperv': 'arch/x86/include/asm/hyperv-tlfs.h',
    'apicdef': 'arch/x86/include/asm/apicdef.h',
    'vmx': 'arch/x86/include/uapi/asm/vmx.h',
    'vmx_kvm': 'arch/x86/kvm/vmx/vmx.h',
    'svm': 'arch/x86/include/uapi/asm/svm.h',
    'kvm_uapi': 'arch/x86/include/uapi/asm/kvm.h',
    'trapnr': 'arch/x86/include/asm/trapnr.h',
}

# ---------------------------------------------------------------------------
# Hand-written knowledge. Everything the headers do not say is here, with why.
# ---------------------------------------------------------------------------

# msr-index.h writes MSR indexes as hex literals and bit numbers, counts and
# shifts in decimal or through BIT()/GENMASK()/shifts. The one hex-literal
# MSR_ macro in 6.12 that is not an index is listed here.
MSR_NOT_INDEX = {
    'MSR_IA32_BNDCFGS_RSVD': 'reserved-bits mask of IA32_BNDCFGS (0xd90)',
}

# When several macros name the same index, names starting with one of these
# (after the MSR_ prefix) lose: they belong to old or single-family CPUs whose
# index was later reused by an architectural or current MSR. IA32_MCG_E* and
# IA32_MCG_RESERVED are the Pentium 4 extended machine-check state registers
# (0x180-0x18a), which overlap the architectural IA32_PERFEVTSEL0-4 (kernel
# name MSR_P6_EVNTSELn) at 0x186-0x18a.
MSR_DEMOTED_PREFIXES = ('P4_', 'K6_', 'IDT_', 'GEODE_', 'ATOM_', 'IA32_MCG_E',
                        'IA32_MCG_RESERVED')

# Arrays of MSRs. msr-index.h gives the machine-check banks as function-like
# macros, MSR_IA32_MCx_CTL(x) = (MSR_IA32_MC0_CTL + 4*(x)) etc.: they are
# expanded for 32 banks (0x400-0x47f, KVM's KVM_MAX_MCE_BANKS), the "x" in the
# name replaced by the bank number.
MSR_FUNCTION_ARRAYS = {
    'MSR_IA32_MCx_CTL': 32,
    'MSR_IA32_MCx_STATUS': 32,
    'MSR_IA32_MCx_ADDR': 32,
    'MSR_IA32_MCx_MISC': 32,
    'MSR_IA32_MCx_CTL2': 32,
}
# Of the architectural performance counters the SDM numbers eight per array
# (IA32_PMC0-7 at 0xc1, IA32_PERFEVTSEL0-7 at 0x186, IA32_A_PMC0-7 at 0x4c1);
# msr-index.h defines the first one or two. The others are named like the
# first, the trailing 0 replaced by the counter number.
MSR_COUNTER_ARRAYS = {
    'MSR_IA32_PERFCTR0': 8,
    'MSR_P6_EVNTSEL0': 8,
    'MSR_IA32_PMC0': 8,
}

# Hyper-V's MSRs are in the hypervisor range; its header also has hex-valued
# HV_X64_MSR_* bits such as HV_X64_MSR_HYPERCALL_ENABLE (0x1).
HYPERV_MIN, HYPERV_MAX = 0x40000000, 0x4fffffff

# x2APIC: MSR 0x800 + (xAPIC register offset >> 4). apicdef.h defines register
# offsets with at most one tab after "#define" ("#define<TAB>APIC_ICR 0x300",
# "#define <TAB>APIC_LVTCMCI 0x2f0") and their fields with two or more
# ("#define<TAB><TAB>APIC_DM_NMI 0x00400"). Offsets are multiples of 0x10 below
# 0x800; APIC_BASE_MSR (0x800) and the physical base addresses are not offsets.
X2APIC_BASE = 0x800
X2APIC_MAX_OFFSET = 0x7f0
# The 256-bit ISR, TMR and IRR take APIC_ISR_NR consecutive 16-byte slots.
X2APIC_VECTOR_REGS = ('APIC_ISR', 'APIC_TMR', 'APIC_IRR')
# The SDM's short names for the three priority registers; the kernel's
# spellings stay as aliases.
X2APIC_RENAME = {'TASKPRI': 'TPR', 'ARBPRI': 'APR', 'PROCPRI': 'PPR'}

# Exit codes defined after Linux 6.12. If a later kernel's header defines one
# of these, the header's entry is used and the names must agree.
VMX_LATER = {
    76: 'SEAMCALL',  # TDX: SEAMCALL in VMX non-root operation
    77: 'TDCALL',  # TDX: TDCALL
    84: 'MSR_READ_IMM',  # RDMSR with an immediate MSR index
    85: 'MSR_WRITE_IMM',  # WRMSRNS with an immediate MSR index
}
SVM_LATER = {
    0xa5: 'BUS_LOCK',  # bus lock threshold reached
    0xa6: 'IDLE_HLT',  # HLT with no pending interrupt (idle-HLT intercept)
}

# The APM gives 16 codes to each CR/DR access kind; svm.h names only some of
# them (e.g. READ_CR0, READ_CR2..4, READ_CR8). The others get the same shape.
SVM_CR_DR_RANGES = ('READ_CR', 'WRITE_CR', 'READ_DR', 'WRITE_DR')

# ---------------------------------------------------------------------------
# Reading macros
# ---------------------------------------------------------------------------

HEX = re.compile(r'0[xX][0-9a-fA-F]+')
DEC = re.compile(r'[0-9]+')
TOKENS = re.compile(r'"(?:\\.|[^"\\\n])*"|/\*.*?\*/|//[^\n]*', re.S)
DEFINE = re.compile(r'^(\s*#\s*define\s+)([A-Za-z_]\w*)(\([^)]*\))?(.*)$')


class Macro:
    def __init__(self, name, params, body, line, indent, order):
        self.name = name
        self.params = params  # None for object-like macros
        self.body = body.strip()
        self.line = line
        self.indent = indent  # tabs between "#define" and the name
        self.order = order


def strip_comments(text):
    """Blank out comments, keeping newlines so line numbers stay right."""
    def blank(m):
        s = m.group(0)
        if s.startswith('"'):
            return s
        return ''.join('\n' if c == '\n' else ' ' for c in s)
    return TOKENS.sub(blank, text)


def read_macros(path):
    """All #define lines of a file, in order, continuation lines joined."""
    with open(path, encoding='utf-8') as f:
        lines = strip_comments(f.read()).split('\n')
    macros = {}
    i = 0
    while i < len(lines):
        start = i
        line = lines[i]
        while line.endswith('\\') and i + 1 < len(lines):
            i += 1
            line = line[:-1] + ' ' + lines[i]
        i += 1
        m = DEFINE.match(line)
        if not m:
            continue
        indent = m.group(1).split('define', 1)[1].count('\t')
        macros[m.group(2)] = Macro(m.group(2), m.group(3), m.group(4), start + 1, indent,
                                   len(macros))
    return macros


def unparen(s):
    s = s.strip()
    while s.startswith('(') and s.endswith(')'):
        inner = s[1:-1]
        depth = 0
        for c in inner:
            depth += {'(': 1, ')': -1}.get(c, 0)
            if depth < 0:
                return s
        s = inner.strip()
    return s


def literal(s):
    """Value of a plain integer literal (no suffix), else None."""
    s = unparen(s)
    if HEX.fullmatch(s):
        return int(s, 16)
    if DEC.fullmatch(s):
        return int(s, 10)
    return None


def fail(msg):
    sys.exit('gen-names.py: ' + msg)


# ---------------------------------------------------------------------------
# MSRs
# ---------------------------------------------------------------------------

class MsrName:
    def __init__(self, index, name, source, order, alias_of=None):
        self.index = index
        self.name = name  # display name: the macro name without "MSR_"
        self.source = source
        self.order = order  # (source rank, position in the file)
        self.alias_of = alias_of  # macro this one is defined as, if any


def msr_indexes(macros, prefix, source, rank, explain):
    """MSR_* macros of one header whose value is an MSR index.

    Accepted: object-like macros named PREFIX..., whose value is a hex literal,
    the name of another accepted macro (an alias), or "accepted + literal".
    Everything else (BIT(), shifts, masks, decimal bit numbers and counts,
    function-like macros) is a field definition, not an index.
    """
    values = {}
    aliases = {}
    todo = []
    arrays = []
    for m in macros.values():
        if not m.name.startswith(prefix):
            continue
        if m.params is not None:
            if m.name in MSR_FUNCTION_ARRAYS:
                arrays.append(m)
            else:
                explain('skip %s: function-like' % m.name)
            continue
        if m.name in MSR_NOT_INDEX:
            explain('skip %s: %s' % (m.name, MSR_NOT_INDEX[m.name]))
            continue
        body = unparen(m.body)
        if HEX.fullmatch(body):
            values[m.name] = int(body, 16)
        else:
            todo.append(m)
    # References may point forward (MSR_IA32_FRED_SSP0 -> MSR_IA32_PL0_SSP).
    changed = True
    while changed:
        changed = False
        for m in list(todo):
            body = unparen(m.body)
            ref = re.fullmatch(r'([A-Za-z_]\w*)(?:\s*\+\s*(\w+))?', body)
            if not ref or ref.group(1) not in values:
                continue
            if ref.group(2) is None:
                values[m.name] = values[ref.group(1)]
                aliases[m.name] = ref.group(1)
            else:
                off = literal(ref.group(2))
                if off is None:
                    continue
                values[m.name] = values[ref.group(1)] + off
            todo.remove(m)
            changed = True
    for m in todo:
        explain('skip %s: value "%s" is not an index' % (m.name, m.body))
    out = []
    for name, v in values.items():
        if v > 0xffffffff:
            explain('skip %s: 0x%x does not fit 32 bits' % (name, v))
            continue
        display = name[4:] if name.startswith('MSR_') else name
        alias_of = aliases.get(name)
        if alias_of is not None and alias_of.startswith('MSR_'):
            alias_of = alias_of[4:]
        out.append(MsrName(v, display, source, (rank, macros[name].order), alias_of))
        if name in MSR_COUNTER_ARRAYS:
            for n in range(1, MSR_COUNTER_ARRAYS[name]):
                out.append(MsrName(v + n, display[:-1] + str(n), source,
                                   (rank, macros[name].order, n)))
    for m in arrays:
        # (MSR_BASE + K*(x)) or (MSR_BASE + (x))
        f = re.fullmatch(r'\(\s*x\s*\)', m.params)
        e = re.fullmatch(r'(\w+)\s*\+\s*(?:(\d+)\s*\*\s*)?\(\s*x\s*\)', unparen(m.body))
        if not f or not e or e.group(1) not in values:
            fail('%s: cannot expand "%s"' % (m.name, m.body))
        base, step = values[e.group(1)], int(e.group(2) or 1)
        display = m.name[4:]
        for n in range(MSR_FUNCTION_ARRAYS[m.name]):
            name = re.sub(r'(?<=[A-Z])x(?=_|$)', str(n), display, count=1)
            out.append(MsrName(base + step * n, name, source, (rank, m.order, n)))
    missing = set(MSR_FUNCTION_ARRAYS) - {m.name for m in arrays}
    if prefix == 'MSR_' and missing:
        fail('msr-index.h: %s not found' % ', '.join(sorted(missing)))
    return out


def x2apic_names(macros, explain):
    nr = literal(macros['APIC_ISR_NR'].body) if 'APIC_ISR_NR' in macros else None
    if not nr:
        fail('apicdef.h: APIC_ISR_NR not found')
    out = []
    for m in macros.values():
        if not m.name.startswith('APIC_') or m.params is not None:
            continue
        body = unparen(m.body)
        if not HEX.fullmatch(body):
            continue
        off = int(body, 16)
        if m.indent > 1:
            continue  # a field of the register above, not a register
        if off % 0x10 or not 0x10 <= off <= X2APIC_MAX_OFFSET:
            explain('skip %s: 0x%x is not a register offset' % (m.name, off))
            continue
        reg = m.name[len('APIC_'):]
        count = nr if m.name in X2APIC_VECTOR_REGS else 1
        for i in range(count):
            suffix = str(i) if count > 1 else ''
            index = X2APIC_BASE + (off >> 4) + i
            order = (9, m.order, i)
            name = 'X2APIC_' + X2APIC_RENAME.get(reg, reg) + suffix
            out.append(MsrName(index, name, 'x2apic', order))
            if reg in X2APIC_RENAME:
                out.append(MsrName(index, 'X2APIC_' + reg + suffix, 'x2apic', order + (1,),
                                   alias_of=name))
    if len(out) < 30:
        fail('apicdef.h: only %d x2APIC registers found; has the layout changed?' % len(out))
    return out


def msr_rank(n):
    """Sort key: the smallest one is the canonical name for its index.

    In order: a macro defined as another macro's name (MSR_IA32_FRED_SSP0 is
    MSR_IA32_PL0_SSP) loses to that macro; a name with a demoted prefix loses;
    an architectural IA32_ name wins; then the earliest definition wins
    (msr-index.h, kvm_para.h, hyperv-tlfs.h, x2APIC; top to bottom).
    """
    demoted = n.name.startswith(MSR_DEMOTED_PREFIXES)
    return (n.alias_of is not None, demoted, not n.name.startswith('IA32_'), n.order)


def build_msrs(tree, explain):
    names = []
    m = read_macros(os.path.join(tree, SOURCES['msr_index']))
    names += msr_indexes(m, 'MSR_', 'msr-index.h', 0, explain)
    m = read_macros(os.path.join(tree, SOURCES['kvm_para']))
    names += msr_indexes(m, 'MSR_KVM_', 'kvm_para.h', 1, explain)
    m = read_macros(os.path.join(tree, SOURCES['hyperv']))
    for n in msr_indexes(m, 'HV_X64_MSR_', 'hyperv-tlfs.h', 2, explain):
        if HYPERV_MIN <= n.index <= HYPERV_MAX:
            names.append(n)
        else:
            explain('skip %s: 0x%x is below the hypervisor MSR range' % (n.name, n.index))
    names += x2apic_names(read_macros(os.path.join(tree, SOURCES['apicdef'])), explain)

    by_index = {}
    for n in names:
        by_index.setdefault(n.index, []).append(n)
    canonical, aliases = [], []
    for index in sorted(by_index):
        group = sorted(by_index[index], key=msr_rank)
        canonical.append(group[0])
        seen = {group[0].name.upper()}
        for n in group[1:]:
            if n.name.upper() not in seen:
                seen.add(n.name.upper())
                aliases.append(n)
        if len(seen) > 1:
            explain('0x%08x: %s, aliases %s' % (index, group[0].name, ', '.join(
                n.name for n in aliases if n.index == index)))
    all_names = {}
    for n in canonical + aliases:
        key = n.name.upper()
        if key in all_names and all_names[key] != n.index:
            fail('name %s used for 0x%x and 0x%x' % (n.name, all_names[key], n.index))
        all_names[key] = n.index
    aliases.sort(key=lambda n: (n.index, n.name))
    return canonical, aliases


# ---------------------------------------------------------------------------
# Exit reasons
# ---------------------------------------------------------------------------

def kernel_string_list(macros, name):
    """The { CODE, "string" } pairs of a *_EXIT_REASONS macro."""
    if name not in macros:
        fail('%s not found' % name)
    pairs = re.findall(r'\{\s*([^,{}]+?)\s*,\s*"([^"]*)"\s*\}', macros[name].body)
    if not pairs:
        fail('%s has no entries' % name)
    return pairs


def eval_code(expr, env):
    """Evaluate NAME, literal, -1, or NAME + NAME as found in the exit lists."""
    total = 0
    for term in expr.split('+'):
        term = unparen(term)
        v = literal(term)
        if v is None and term == '-1':
            v = -1
        if v is None:
            if term not in env:
                fail('cannot evaluate "%s"' % expr)
            v = env[term]
        total += v
    return total


def build_vmx(tree, explain):
    m = read_macros(os.path.join(tree, SOURCES['vmx']))
    codes = {}
    for mac in m.values():
        if mac.name.startswith('EXIT_REASON_') and mac.params is None:
            v = literal(mac.body)
            if v is None:
                fail('vmx.h: %s = "%s"' % (mac.name, mac.body))
            if v in codes:
                fail('vmx.h: %s and %s share %d' % (codes[v][0], mac.name, v))
            codes[v] = (mac.name[len('EXIT_REASON_'):], False)
    env = {mac.name: literal(mac.body) for mac in m.values() if mac.params is None}
    aliases = []
    for expr, s in kernel_string_list(m, 'VMX_EXIT_REASONS'):
        v = eval_code(expr, env)
        if v not in codes:
            fail('vmx.h: VMX_EXIT_REASONS has %s but no EXIT_REASON_ macro' % expr)
        if s.upper() != codes[v][0]:
            aliases.append((v, s))
    for v, name in sorted(VMX_LATER.items()):
        if v in codes:
            if codes[v][0] != name:
                fail('vmx.h now names %d %s, the table here says %s' % (v, codes[v][0], name))
            explain('VMX %d %s is in the header now; drop it from VMX_LATER' % (v, name))
            continue
        codes[v] = (name, True)

    flags = {}
    for mac in m.values():
        if mac.name.startswith('VMX_EXIT_REASONS_') and mac.params is None:
            v = literal(mac.body)
            if v is None or v & (v - 1) or not v & 0xffff0000:
                fail('vmx.h: %s = "%s" is not a bit in 31:16' % (mac.name, mac.body))
            flags[v] = mac.name[len('VMX_EXIT_REASONS_'):]
    # The other modifier bits: the named 1-bit fields of union vmx_exit_reason.
    with open(os.path.join(tree, SOURCES['vmx_kvm']), encoding='utf-8') as f:
        text = strip_comments(f.read())
    u = re.search(r'union\s+vmx_exit_reason\s*\{\s*struct\s*\{(.*?)\}\s*;', text, re.S)
    if not u:
        fail('kvm/vmx/vmx.h: union vmx_exit_reason not found')
    bit = 0
    for field, width in re.findall(r'u32\s+(\w+)\s*:\s*(\d+)\s*;', u.group(1)):
        width = int(width)
        if field != 'basic' and not field.startswith('reserved'):
            if width != 1 or bit < 16:
                fail('kvm/vmx/vmx.h: unexpected exit reason field %s' % field)
            flags.setdefault(1 << bit, field.upper())
        bit += width
    if bit != 32:
        fail('kvm/vmx/vmx.h: union vmx_exit_reason fields add up to %d bits' % bit)
    return codes, aliases, flags


def build_svm(tree, explain):
    m = read_macros(os.path.join(tree, SOURCES['svm']))
    env = {}
    for mac in m.values():
        if mac.params is None:
            v = literal(mac.body)
            if v is None and unparen(mac.body) == '-1':
                v = -1
            if v is not None:
                env[mac.name] = v
    kvm = read_macros(os.path.join(tree, SOURCES['kvm_uapi']))
    for mac in kvm.values():
        if mac.name.endswith('_VECTOR') and mac.params is None:
            v = literal(mac.body)
            if v is not None:
                env[mac.name] = v
    trap = read_macros(os.path.join(tree, SOURCES['trapnr']))
    vectors = {}
    for mac in trap.values():
        if mac.name.startswith('X86_TRAP_') and mac.params is None:
            v = literal(mac.body)
            # SPURIOUS is Linux's own use of the reserved vector 15.
            if v is not None and v < 32 and mac.name != 'X86_TRAP_SPURIOUS':
                vectors[v] = mac.name[len('X86_TRAP_'):]

    codes = {}

    def add(v, name, later=False):
        v &= 0xffffffffffffffff
        if v in codes and codes[v][0] != name:
            fail('svm: code 0x%x named both %s and %s' % (v, codes[v][0], name))
        codes[v] = (name, later)

    base, last = env.get('SVM_EXIT_EXCP_BASE'), env.get('SVM_EXIT_LAST_EXCP')
    if base is None or last is None:
        fail('svm.h: SVM_EXIT_EXCP_BASE/SVM_EXIT_LAST_EXCP not found')
    for vec in range(last - base + 1):
        add(base + vec, 'EXCP_' + vectors.get(vec, str(vec)))
    for kind in SVM_CR_DR_RANGES:
        first = env.get('SVM_EXIT_%s0' % kind)
        if first is None:
            fail('svm.h: SVM_EXIT_%s0 not found' % kind)
        for n in range(16):
            add(first + n, '%s%d' % (kind, n))
    for mac in m.values():
        if mac.name not in env or mac.name in ('SVM_EXIT_EXCP_BASE', 'SVM_EXIT_LAST_EXCP'):
            continue
        v = env[mac.name]
        if mac.name.startswith('SVM_EXIT_'):
            add(v, mac.name[len('SVM_EXIT_'):])
        elif mac.name.startswith('SVM_VMGEXIT_'):
            # Codes are 0x8000xxxx; the small values are SW_EXITINFO1 sub-functions.
            if v >= 0x80000000:
                add(v, 'VMGEXIT_' + mac.name[len('SVM_VMGEXIT_'):])
            else:
                explain('skip %s: sub-function %d, not an exit code' % (mac.name, v))
    for v, name in sorted(SVM_LATER.items()):
        if v in codes:
            if codes[v][0] != name:
                fail('svm.h now names 0x%x %s, the table here says %s' % (v, codes[v][0], name))
            explain('SVM 0x%x %s is in the header now; drop it from SVM_LATER' % (v, name))
            continue
        add(v, name, later=True)
    aliases = []
    for expr, s in kernel_string_list(m, 'SVM_EXIT_REASONS'):
        v = eval_code(expr, env) & 0xffffffffffffffff
        if v not in codes:
            fail('svm.h: SVM_EXIT_REASONS has %s (0x%x) that is not in the table' % (expr, v))
        if s.upper() != codes[v][0]:
            aliases.append((v, s))
    return codes, aliases


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

def header(what, files):
    lines = ['// SPDX-License-Identifier: GPL-2.0',
             '/*',
             ' * %s' % what,
             ' *',
             ' * GENERATED by scripts/gen-names.py from Linux %s (Debian linux-source-%s):'
             % (KERNEL, KERNEL)]
    lines += [' *   %s' % f for f in files]
    lines += [' * Do not edit. Regenerate with: scripts/gen-names.py (or make names-regen);',
              ' * the rules are in docs/names.md. tests/names/drift.sh fails if this file',
              ' * no longer matches the kernel sources.',
              ' */']
    return '\n'.join(lines) + '\n'


def c_str(s):
    return '"' + s.replace('\\', '\\\\').replace('"', '\\"') + '"'


def write_msrs(canonical, aliases):
    out = [header('MSR index -> name.', [SOURCES[k] for k in
                                          ('msr_index', 'kvm_para', 'hyperv', 'apicdef')])]
    out.append('#include "msr_names.h"\n')
    counts = {}
    for n in canonical:
        counts[n.source] = counts.get(n.source, 0) + 1
    out.append('/*\n * One canonical name per index, sorted by index.\n * %s\n */' %
               ', '.join('%s: %d' % (k, counts[k]) for k in sorted(counts)))
    out.append('const struct msr_name_entry msr_name_table[] = {')
    out += ['\t{ 0x%08x, %s },' % (n.index, c_str(n.name)) for n in canonical]
    out.append('};\n')
    out.append('const size_t msr_name_count = sizeof(msr_name_table) / sizeof(msr_name_table[0]);'
               '\n')
    out.append('/* Other names of the same indexes, accepted by msr_parse(). */')
    out.append('const struct msr_name_entry msr_alias_table[] = {')
    out += ['\t{ 0x%08x, %s },' % (n.index, c_str(n.name)) for n in aliases]
    out.append('};\n')
    out.append('const size_t msr_alias_count = '
               'sizeof(msr_alias_table) / sizeof(msr_alias_table[0]);')
    return '\n'.join(out) + '\n'


def write_exits(vmx, vmx_aliases, flags, svm, svm_aliases):
    out = [header('VM exit reason -> name, for VMX and SVM.', [SOURCES[k] for k in
                  ('vmx', 'vmx_kvm', 'svm', 'kvm_uapi', 'trapnr')])]
    out.append('#include "exit_reasons.h"\n')
    out.append('/* Basic exit reasons (bits 15:0), sorted. */')
    out.append('const struct exit_reason_entry vmx_exit_reason_table[] = {')
    for v in sorted(vmx):
        name, later = vmx[v]
        note = ' /* after Linux %s */' % KERNEL if later else ''
        out.append('\t{ %d, %s },%s' % (v, c_str(name), note))
    out.append('};\n')
    out.append('const size_t vmx_exit_reason_count =\n'
               '\tsizeof(vmx_exit_reason_table) / sizeof(vmx_exit_reason_table[0]);\n')
    out.append('/* Modifier bits 31:16 of the VMX exit reason, by bit. */')
    out.append('const struct vmx_exit_flag_entry vmx_exit_flag_table[] = {')
    out += ['\t{ 0x%08x, %s },' % (b, c_str(flags[b])) for b in sorted(flags)]
    out.append('};\n')
    out.append('const size_t vmx_exit_flag_count =\n'
               '\tsizeof(vmx_exit_flag_table) / sizeof(vmx_exit_flag_table[0]);\n')
    out.append('/* Full SVM exit codes, sorted (ERR, -1, last). */')
    out.append('const struct exit_reason_entry svm_exit_reason_table[] = {')
    for v in sorted(svm):
        name, later = svm[v]
        note = ' /* after Linux %s */' % KERNEL if later else ''
        out.append('\t{ 0x%x, %s },%s' % (v, c_str(name), note))
    out.append('};\n')
    out.append('const size_t svm_exit_reason_count =\n'
               '\tsizeof(svm_exit_reason_table) / sizeof(svm_exit_reason_table[0]);\n')
    out.append('/* The kernel\'s own trace strings where they differ, accepted by'
               ' exit_reason_parse(). */')
    out.append('const struct exit_reason_alias exit_reason_alias_table[] = {')
    out += ['\t{ MSRTOP_ISA_VMX, %d, %s },' % (v, c_str(s)) for v, s in vmx_aliases]
    out += ['\t{ MSRTOP_ISA_SVM, 0x%x, %s },' % (v, c_str(s)) for v, s in svm_aliases]
    out.append('};\n')
    out.append('const size_t exit_reason_alias_count =\n'
               '\tsizeof(exit_reason_alias_table) / sizeof(exit_reason_alias_table[0]);')
    return '\n'.join(out) + '\n'


def extract(tarball, dest):
    top = os.path.basename(tarball)
    top = top[:top.index('.tar')] if '.tar' in top else top
    members = ['%s/%s' % (top, p) for p in SOURCES.values()]
    # --occurrence=1 lets tar stop reading once every member was found.
    r = subprocess.run(['tar', '-xJf', tarball, '-C', dest, '--strip-components=1',
                        '--occurrence=1'] + members, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        fail('extracting from %s failed (is linux-source-%s installed? run make deps):\n%s'
             % (tarball, KERNEL, r.stderr.strip()))


def main():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    p = argparse.ArgumentParser(description='Generate msrtop name tables from kernel sources.')
    src = p.add_mutually_exclusive_group()
    src.add_argument('--tarball', default=DEFAULT_TARBALL,
                     help='kernel source tarball (default %(default)s)')
    src.add_argument('--tree', help='use an extracted kernel tree instead of the tarball')
    p.add_argument('--outdir', default=os.path.join(top, 'userspace'),
                   help='where to write the tables (default: userspace/ of this checkout)')
    p.add_argument('--explain', action='store_true',
                   help='print every skipped macro and every shared index to stderr')
    args = p.parse_args()

    def explain(msg):
        if args.explain:
            print(msg, file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix='gen-names.') as tmp:
        tree = args.tree
        if tree is None:
            if not os.path.exists(args.tarball):
                fail('%s not found: install Debian\'s linux-source-%s (make deps)'
                     % (args.tarball, KERNEL))
            extract(args.tarball, tmp)
            tree = tmp
        canonical, aliases = build_msrs(tree, explain)
        vmx, vmx_aliases, flags = build_vmx(tree, explain)
        svm, svm_aliases = build_svm(tree, explain)

    os.makedirs(args.outdir, exist_ok=True)
    files = {
        'msr_names_table.c': write_msrs(canonical, aliases),
        'exit_reasons_table.c': write_exits(vmx, vmx_aliases, flags, svm, svm_aliases),
    }
    for name, text in files.items():
        path = os.path.join(args.outdir, name)
        with open(path + '.tmp', 'w', encoding='utf-8') as f:
            f.write(text)
        os.replace(path + '.tmp', path)
    print('gen-names.py: %d MSR names (+%d aliases), %d VMX and %d SVM exit reasons, '
          '%d VMX flags -> %s' % (len(canonical), len(aliases), len(vmx), len(svm), len(flags),
                                  args.outdir), file=sys.stderr)


if __name__ == '__main__':
    main()
