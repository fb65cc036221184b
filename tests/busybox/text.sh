# Text tools: sort, uniq, wc, sed, awk, grep, cut, tr, seq, printf, head, tail.
export LC_ALL=C
T=${TMPDIR:-/tmp}/rsemu-bb-text-$$
mkdir -p "$T"
seq 1 20 > "$T/nums"
printf '%s\n' banana apple cherry apple date banana apple elderberry fig > "$T/fruit"
echo "== sort"; sort "$T/fruit"
echo "== sort -r -u"; sort -r -u "$T/fruit"
echo "== sort -n -r"; printf '10\n9\n100\n-3\n0\n' | sort -n -r
echo "== sort -t -k"; printf 'b:2\na:10\nc:1\n' | sort -t: -k2,2n
echo "== uniq -c"; sort "$T/fruit" | uniq -c | sed 's/^ *//'
echo "== uniq -d"; sort "$T/fruit" | uniq -d
echo "== wc"; wc -l < "$T/nums"; wc -w < "$T/fruit"; wc -c < "$T/fruit"
echo "== head/tail"; head -n 3 "$T/nums"; tail -n 2 "$T/nums"
echo "== sed"; sed -n '3,5p' "$T/nums"; sed 's/a/A/g' "$T/fruit" | head -n 2; sed -e '/^1/d' -e 's/$/!/' "$T/nums" | tr '\n' ' '; echo
echo "== awk"; awk '{ s += $1 } END { print s, NR }' "$T/nums"
awk -F, '{ print $2 "-" $1; n++ } END { printf "%d rows\n", n }' <<'CSV'
a,1
b,2
c,3
CSV
awk 'length($0) > 5 { print toupper($0) }' "$T/fruit"
echo "== grep"; grep -c apple "$T/fruit"; grep -n '^[bc]' "$T/fruit"; grep -v a "$T/fruit"; grep -E '^(fig|date)$' "$T/fruit"
echo "== cut"; echo 'one:two:three:four' | cut -d: -f2,4; echo 'abcdefgh' | cut -c3-5
echo "== tr"; echo 'Hello World' | tr 'a-z' 'A-Z'; echo 'aabbccdd' | tr -d 'b'; echo 'a   b    c' | tr -s ' '
echo "== seq"; seq 5 -2 -3 | tr '\n' ' '; echo; seq -s, 1 5
echo "== printf"; printf '%5s|%-5s|%05d|%x|%o|%c|%%\n' ab cd 42 255 8 Z; printf '%s-%s\n' 1 2 3 4
rm -rf "$T"
