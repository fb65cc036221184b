# Shell language: arithmetic, loops, functions, here-docs, case, pipes,
# redirects, subshells, command substitution, exit statuses.
export LC_ALL=C
T=${TMPDIR:-/tmp}/rsemu-bb-shell-$$
mkdir -p "$T"
echo "== arithmetic"
i=0; s=0
while [ $i -lt 100 ]; do s=$((s + i * i)); i=$((i + 1)); done
echo "sum of squares $s"
echo "$(( (7 + 3) * 4 / 3 )) $(( 17 % 5 )) $(( -17 / 5 )) $(( 1 << 20 )) $(( 0xff & 0x0f )) $(( 3 > 2 ? 10 : 20 ))"
echo "== functions"
fact() { if [ "$1" -le 1 ]; then echo 1; else echo $(( $1 * $(fact $(( $1 - 1 ))) )); fi; }
echo "10! = $(fact 10)"
greet() { local who="$1"; shift; echo "hello $who ($# more: $*)"; return 3; }
greet world a b c; echo "status $?"
echo "== loops"
for w in alpha beta gamma; do printf '%s ' "$w"; done; echo
for n in $(seq 1 10); do [ $((n % 3)) -eq 0 ] && continue; [ $n -gt 8 ] && break; printf '%d ' $n; done; echo
n=5; until [ $n -eq 0 ]; do printf '%d' $n; n=$((n - 1)); done; echo
echo "== case"
for x in foo.c bar.h baz qux.txt; do case $x in *.c) echo "$x: C";; *.h) echo "$x: header";; *.*) echo "$x: other";; *) echo "$x: none";; esac; done
echo "== here-doc"
v=expanded
cat <<END
line with $v and $((6 * 7))
END
cat <<'END'
literal $v $((1+1))
END
echo "== pipes and redirects"
seq 1 5 | while read l; do echo "got $l"; done | tail -n 2
echo first > "$T/f"; echo second >> "$T/f"; cat "$T/f"
ls "$T/missing" 2>/dev/null || echo "ls failed as expected"
{ echo out; echo err >&2; } 2>"$T/e" >"$T/o"; echo "o=$(cat "$T/o") e=$(cat "$T/e")"
exec 3>"$T/fd3"; echo via-fd3 >&3; exec 3>&-; cat "$T/fd3"
read a b <<EOF2
one two three
EOF2
echo "a=$a b=$b"
echo "== subshells and status"
x=outer; (x=inner; echo "in $x"); echo "out $x"
false; echo "false -> $?"; true && echo "and"; false || echo "or"
set -- p q r; echo "args $# $2"; shift 2; echo "after shift $1"
str="hello-world.tar.gz"; echo "${str%%.*} ${str#*-} ${#str} ${str%.gz}"
unset maybe; echo "${maybe:-default} ${maybe-unset}"
rm -rf "$T"
