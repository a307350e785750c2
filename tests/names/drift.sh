#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Drift test for the generated name tables (docs/names.md), against Debian's
# linux-source-6.12 as installed on this machine:
#  (a) scripts/gen-names.py must reproduce userspace/msr_names_table.c and
#      userspace/exit_reasons_table.c exactly;
#  (b) tests/names/check_headers.c, compiled against the kernel headers, checks
#      the committed tables macro by macro, without the generator's parsing:
#      values come from the compiler, names from the macro names.
# TAP on stdout. LINUX_SOURCE_TARBALL overrides the tarball, CC the compiler.
set -u
cd "$(dirname "$0")/../.." || exit 1
source tests/lib/tap.sh

tarball=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
cc=${CC:-cc}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/names-drift.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

if [ ! -r "$tarball" ]; then
	tap_skip "name tables match Linux 6.12" \
		"$tarball not found: install Debian's linux-source-6.12 (make deps)"
	tap_done
fi

top=$(basename "$tarball")
top=${top%%.tar*}

# (a) Regenerate and compare.
if out=$(scripts/gen-names.py --tarball "$tarball" --outdir "$tmp/gen" 2>&1); then
	for f in msr_names_table.c exit_reasons_table.c; do
		if d=$(diff -u "userspace/$f" "$tmp/gen/$f"); then
			tap_ok "userspace/$f is what scripts/gen-names.py makes of $top"
		else
			tap_fail "userspace/$f has drifted from linux-source-6.12" \
				"run scripts/gen-names.py (make names-regen), review, commit"
			printf '%s\n' "$d" | head -n 40 | sed 's/^/#   /'
		fi
	done
else
	tap_fail "scripts/gen-names.py runs on $tarball"
	printf '%s\n' "$out" | tail -n 20 | sed 's/^/#   /'
fi

# (b) Check the committed tables against the headers themselves.
headers=(
	arch/x86/include/uapi/asm/vmx.h
	arch/x86/include/uapi/asm/svm.h
	arch/x86/include/uapi/asm/kvm.h
	arch/x86/include/uapi/asm/kvm_para.h
	arch/x86/include/asm/msr-index.h
	arch/x86/include/asm/apicdef.h
	arch/x86/include/asm/hyperv-tlfs.h
)
mkdir -p "$tmp/k" "$tmp/lists"
if ! out=$(tar -xJf "$tarball" -C "$tmp/k" --strip-components=1 --occurrence=1 \
	"${headers[@]/#/$top/}" 2>&1); then
	tap_fail "extract the headers from $tarball" "$out"
	tap_done
fi

# ITEM(MACRO, "NAME") for every "#define MACRO VALUE" in FILE whose name
# matches NAME_RE and whose value matches VALUE_RE; NAME is MACRO with the
# prefix STRIP removed and ADD put in front.
list() {
	local file=$1 name_re=$2 value_re=$3 strip=$4 add=$5 m
	local sp='[[:space:]]'
	sed -nE "s/^$sp*#$sp*define$sp+(${name_re})$sp+(${value_re})($sp.*)?\$/\1/p" \
		"$tmp/k/$file" | while read -r m; do
		printf 'ITEM(%s, "%s%s")\n' "$m" "$add" "${m#"$strip"}"
	done
}
hex='0x[0-9a-fA-F]+'
uapi=arch/x86/include/uapi/asm
asm=arch/x86/include/asm
list $uapi/vmx.h 'EXIT_REASON_[A-Z0-9_]+' '[0-9]+' EXIT_REASON_ '' >"$tmp/lists/vmx_codes.list"
list $uapi/vmx.h 'VMX_EXIT_REASONS_[A-Z0-9_]+' "$hex" VMX_EXIT_REASONS_ '' \
	>"$tmp/lists/vmx_flags.list"
list $uapi/svm.h 'SVM_EXIT_[A-Z0-9_]+' "$hex|-1" SVM_EXIT_ '' >"$tmp/lists/svm_codes.list"
list $uapi/svm.h 'SVM_VMGEXIT_[A-Z0-9_]+' "$hex|[0-9]+" SVM_VMGEXIT_ VMGEXIT_ \
	>"$tmp/lists/svm_vmgexit.list"
list $uapi/kvm.h '[A-Z]{2}_VECTOR' '[0-9]+' '' '' | sed 's/_VECTOR")$/")/' \
	>"$tmp/lists/vectors.list"
# MSR_IA32_BNDCFGS_RSVD is the one hex-valued mask (checked in msr-sample).
list $asm/msr-index.h 'MSR_[A-Za-z0-9_]+' "$hex" MSR_ '' | grep -v '^ITEM(MSR_IA32_BNDCFGS_RSVD,' \
	>"$tmp/lists/msr_hex.list"
list $uapi/kvm_para.h 'MSR_KVM_[A-Z0-9_]+' "$hex" MSR_ '' >"$tmp/lists/kvm_msrs.list"
list $asm/hyperv-tlfs.h 'HV_X64_MSR_[A-Z0-9_]+' "$hex" '' '' >"$tmp/lists/hv_msrs.list"

srcs=(tests/names/check_headers.c userspace/msr_names.c userspace/msr_names_table.c
	userspace/exit_reasons.c userspace/exit_reasons_table.c)
if ! out=$("$cc" -std=gnu11 -O1 -Wall -Wextra -Werror -Itests/names/shim \
	-I"$tmp/k/arch/x86/include/uapi" -I"$tmp/k/arch/x86/include" -I"$tmp/lists" -Iuserspace -Ibpf \
	-o "$tmp/check_headers" "${srcs[@]}" 2>&1); then
	tap_fail "check_headers.c compiles against the 6.12 headers"
	printf '%s\n' "$out" | head -n 30 | sed 's/^/#   /'
	tap_done
fi

check() {
	local group=$1 what=$2 out
	if out=$("$tmp/check_headers" "$group" 2>&1); then
		tap_ok "$what ($out)"
	else
		tap_fail "$what"
		printf '%s\n' "$out" | head -n 30 | sed 's/^/#   /'
	fi
}
check vmx "vmx.h: every EXIT_REASON_* has its name"
check vmx-strings "vmx.h: VMX_EXIT_REASONS strings are the names and parse back"
check vmx-flags "vmx.h: VMX_EXIT_REASONS_* flags are formatted by name"
check svm "svm.h: every SVM_EXIT_*/SVM_VMGEXIT_* code, CR/DR range and vector is named"
check svm-strings "svm.h: every SVM_EXIT_REASONS code is named and its string parses back"
check msr-index "msr-index.h: every hex-valued MSR_* is named and parses back"
check msr-sample "msr-index.h: sample of names, aliases, arrays and non-MSRs"
check kvm "kvm_para.h: every MSR_KVM_* has its name"
check hyperv "hyperv-tlfs.h: every HV_X64_MSR_* in the hypervisor range has its name"
check x2apic "apicdef.h: x2APIC registers are named 0x800 + (offset >> 4)"
tap_done
