# help_opts PROG: the options PROG --help lists, one line each, "-x --long"
# or "--long", sorted. --help writes an option as "  -x, --long ..." or
# "      --long ..."; other indented lines (msrload's default script) have
# neither form.
help_opts() {
	"$1" --help | sed -n -E \
		-e 's/^  (-[[:alnum:]]), (--[[:alnum:]-]+).*/\1 \2/p' \
		-e 's/^      (--[[:alnum:]-]+).*/\1/p' | sort
}
