# Checksums and archives: md5sum, sha256sum, gzip/gunzip round trip, tar
# create + extract. Compressed bytes differ between implementations, so
# only checksums of decompressed data and file lists are printed.
export LC_ALL=C
T=${TMPDIR:-/tmp}/rsemu-bb-archive-$$
mkdir -p "$T/src/sub"
cd "$T" || exit 1
seq 1 5000 > src/nums
printf 'hello\n' > src/hello
i=0; while [ $i -lt 200 ]; do echo "line $i of some repetitive text text text"; i=$((i + 1)); done > src/sub/text
echo "== md5sum"; md5sum src/nums src/hello
echo "== sha256sum"; sha256sum src/hello; sha256sum < src/sub/text
echo "== sha1sum"; printf 'abc' | sha1sum
echo "== gzip round trip"
gzip -c src/sub/text > text.gz
gunzip -c text.gz | sha256sum
[ "$(wc -c < text.gz)" -lt "$(wc -c < src/sub/text)" ] && echo "gzip compressed"
gzip -9 -c src/nums | gzip -d -c | md5sum
cp src/hello h; gzip h; ls h* ; gunzip h.gz; cat h
echo "== tar"
tar cf a.tar src
tar tf a.tar | sort
mkdir out; (cd out && tar xf ../a.tar)
md5sum out/src/nums out/src/sub/text | sed 's| out/| |'
tar czf b.tgz -C src .
mkdir out2; tar xzf b.tgz -C out2; cat out2/hello; ls out2 | sort
cd / && rm -rf "$T"
