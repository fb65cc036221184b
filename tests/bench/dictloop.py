# Benchmark for scripts/bench.sh: a CPython loop mixing string building,
# dict lookups and updates, and integer arithmetic; prints a checksum.
words = ["alpha", "beta", "gamma", "delta", "epsilon"]
d = {}
s = 0
for i in range(200000):
    k = words[i % 5] + str(i % 1000)
    d[k] = d.get(k, 0) + (i * 7) % 13
    s = (s * 31 + len(k) + i) & 0xFFFFFFFF
print(len(d), sum(d.values()), s)
