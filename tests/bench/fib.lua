-- Benchmark for scripts/bench.sh: naive recursive Fibonacci in Lua 5.4
-- (function calls, integer adds, comparisons in the Lua VM).
local function fib(n)
    if n < 2 then return n end
    return fib(n - 1) + fib(n - 2)
end
print("fib(33) = " .. fib(33))
