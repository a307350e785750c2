# bash completion for msrtop(8) and msrload(1). Installed as
# .../bash-completion/completions/msrtop, with msrload a link to it.
# The option lists are those of --help (tests/unit/test_completion.sh checks).

_msrtop_sources="kvm_exit kvm_entry kvm_nested_vmexit kvm_msr kvm_userspace_exit
	kvm_msr_intercept kvm_msr_outcome kvm_msr_canonical kvm_debugfs kvm_pio kvm_mmio
	kvm_hypercall kvm_cpuid kvm_inj_virq kvm_inj_exception default all"

# _msrtop_vmm_pids: the processes that hold /dev/kvm open (the VMMs).
_msrtop_vmm_pids()
{
	local fd pid
	for fd in /proc/[0-9]*/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = /dev/kvm ] || continue
		pid=${fd#/proc/}
		echo "${pid%%/*}"
	done 2>/dev/null | sort -u
}

_msrtop()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	case $prev in
	--output | --record | --replay)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	--sources)
		# A comma-separated list: complete the last element.
		local done=${cur%"${cur##*,}"}
		COMPREPLY=($(compgen -P "$done" -W "$_msrtop_sources" -- "${cur##*,}"))
		compopt -o nospace 2>/dev/null
		return
		;;
	-p | --pid)
		COMPREPLY=($(compgen -W "$(_msrtop_vmm_pids)" -- "$cur"))
		return
		;;
	-i | --interval | -d | --duration | --vcpu | -m | --msr | -r | --reason | \
		--listen | --max-rows | --forget-after | -g | --guest | --sample-msr | \
		--sample-every | --watch-msr)
		return
		;;
	esac
	COMPREPLY=($(compgen -W "-i --interval --once -d --duration -j --json --csv -p --pid
		-g --guest --vcpu -m --msr -r --reason --listen --output --record --replay
		--sources --max-rows --forget-after --sample-msr --sample-every --watch-msr
		-v --verbose -h --help" -- "$cur"))
}

_msrload()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	case $prev in
	-O | --output)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	-w | --wrmsr | -r | --rdmsr | -c | --cpuid | -o | --outb | -i | --inb | -H | --hlt | \
		-W | --wbinvd | -d | --deny | -n | --vcpus | -R | --reps | -t | --duration | --rate | \
		--name | --linger | --hypercall | --mmio-read | --mmio-write | --irq)
		return
		;;
	esac
	COMPREPLY=($(compgen -W "-w --wrmsr -r --rdmsr -c --cpuid -o --outb -i --inb -H --hlt
		-W --wbinvd --hypercall --mmio-read --mmio-write --irq -d --deny --name --linger -n --vcpus -R --reps -t --duration --rate -O --output
		-h --help -V --version" -- "$cur"))
}

complete -F _msrtop msrtop
complete -F _msrload msrload
