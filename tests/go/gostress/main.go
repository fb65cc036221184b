// Command gostress exercises the parts of the Go runtime that lean on the
// kernel and on signals: goroutines and channels, asynchronous preemption
// of a goroutine spinning without function calls (the runtime's sysmon
// sends SIGURG to its thread), timers and time.Sleep, sync/atomic,
// mutexes, maps, the garbage collector with finalizers, os/signal, and
// os/exec of a child process (this program again, in child mode).
// It prints only results that are exact by the language's semantics.
package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Child mode: upper-cases stdin, exits with status 3.
func child() {
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		fmt.Println(strings.ToUpper(in.Text()))
	}
	os.Exit(3)
}

func pipeline() {
	src := make(chan int64)
	out := make(chan int64, 8)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := range src {
				out <- v * v
			}
		}()
	}
	go func() {
		for i := int64(1); i <= 10000; i++ {
			src <- i
		}
		close(src)
	}()
	go func() { wg.Wait(); close(out) }()
	var sum int64
	for v := range out {
		sum += v
	}
	fmt.Println("pipeline: sum of squares 1..10000 =", sum)
}

var stop uint32

// spin loops without calls the scheduler could stop it at (sync/atomic
// loads are assembly functions without a preemption check on arm).
func spin(n *uint64) {
	for atomic.LoadUint32(&stop) == 0 {
		*n++
	}
}

func preemption() {
	prev := runtime.GOMAXPROCS(1)
	var n uint64
	done := make(chan bool)
	go func() { spin(&n); done <- true }()
	runtime.Gosched() // let the spinner take the only P
	// Without asynchronous preemption the spinner keeps the P and this
	// goroutine never wakes up from the sleep.
	time.Sleep(20 * time.Millisecond)
	atomic.StoreUint32(&stop, 1)
	<-done
	fmt.Println("preemption: main ran while a goroutine spun on the only P:", n > 0)
	runtime.GOMAXPROCS(prev)

	// Four spinners on two Ps; a ticker goroutine must still tick.
	runtime.GOMAXPROCS(2)
	atomic.StoreUint32(&stop, 0)
	counts := make([]uint64, 4)
	var wg sync.WaitGroup
	for i := range counts {
		wg.Add(1)
		go func(i int) { defer wg.Done(); spin(&counts[i]) }(i)
	}
	ticks := 0
	t := time.NewTicker(2 * time.Millisecond)
	for ticks < 10 {
		<-t.C
		ticks++
	}
	t.Stop()
	atomic.StoreUint32(&stop, 1)
	wg.Wait()
	all := true
	for _, c := range counts {
		all = all && c > 0
	}
	fmt.Println("preemption: 10 ticks with 4 spinners on 2 Ps, every spinner ran:", all)
	runtime.GOMAXPROCS(prev)
}

func atomics() {
	var n int64
	var m int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				atomic.AddInt64(&n, int64(g))
				if i%10 == 0 {
					mu.Lock()
					m++
					mu.Unlock()
				}
				if i%500 == 0 {
					runtime.Gosched()
				}
			}
		}(g)
	}
	wg.Wait()
	var cas int32
	for !atomic.CompareAndSwapInt32(&cas, 0, 42) {
	}
	fmt.Println("atomics:", n, "mutex:", m, "cas:", atomic.LoadInt32(&cas))
}

func maps() {
	m := make(map[int]string)
	for i := 0; i < 50000; i++ {
		m[i*7] = fmt.Sprint(i)
	}
	for i := 0; i < 50000; i += 2 {
		delete(m, i*7)
	}
	var sum int64
	for k, v := range m {
		if v != fmt.Sprint(k/7) {
			sum = -1 << 40
		}
		sum += int64(k)
	}
	words := map[string]int{}
	for _, w := range strings.Fields("the quick brown fox jumps over the lazy dog the end") {
		words[w]++
	}
	keys := make([]string, 0, len(words))
	for k := range words {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Println("maps:", len(m), sum, keys[0], words["the"])
}

type node struct {
	next *node
	data [64]byte
}

var finalized int32

func gc() {
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var keep *node
	for round := 0; round < 40; round++ {
		var list *node
		for i := 0; i < 2000; i++ {
			list = &node{next: list}
			list.data[0] = byte(i)
		}
		if round%10 == 0 {
			keep = &node{next: keep}
		}
		_ = list
	}
	for i := 0; i < 100; i++ {
		x := new([128]byte)
		runtime.SetFinalizer(x, func(*[128]byte) { atomic.AddInt32(&finalized, 1) })
	}
	for i := 0; i < 3; i++ {
		runtime.GC()
	}
	deadline := time.Now().Add(10 * time.Second)
	for atomic.LoadInt32(&finalized) < 100 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	kept := 0
	for p := keep; p != nil; p = p.next {
		kept++
	}
	fmt.Println("gc: at least 3 cycles:", after.NumGC-before.NumGC >= 3, "finalizers:", atomic.LoadInt32(&finalized), "kept:", kept)
}

func timers() {
	start := time.Now()
	time.Sleep(30 * time.Millisecond)
	slept := time.Since(start) >= 30*time.Millisecond
	timeout := false
	select {
	case <-make(chan int):
	case <-time.After(10 * time.Millisecond):
		timeout = true
	}
	fired := make(chan int, 3)
	for _, d := range []int{30, 10, 20} {
		d := d
		time.AfterFunc(time.Duration(d)*time.Millisecond, func() { fired <- d })
	}
	sum := 0
	for i := 0; i < 3; i++ {
		sum += <-fired
	}
	never := time.AfterFunc(time.Hour, func() { fired <- -1 })
	stopped := never.Stop()
	t := time.NewTimer(5 * time.Millisecond)
	<-t.C
	t.Reset(5 * time.Millisecond)
	<-t.C
	time.Sleep(5 * time.Millisecond)
	fmt.Println("timers: slept", slept, "timeout", timeout, "fired", sum, "stopped", stopped, "pending", len(fired))
}

func signals() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	syscall.Kill(os.Getpid(), syscall.SIGUSR1)
	select {
	case s := <-c:
		fmt.Println("signal: received", s)
	case <-time.After(10 * time.Second):
		fmt.Println("signal: not received")
	}
	signal.Stop(c)
}

func execChild() {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "GOSTRESS_CHILD=1")
	cmd.Stdin = strings.NewReader("hello\nfrom the parent\n")
	out, err := cmd.Output()
	code := -1
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	fmt.Printf("exec: %q exit %d\n", out, code)
}

func main() {
	if os.Getenv("GOSTRESS_CHILD") == "1" {
		child()
	}
	pipeline()
	preemption()
	atomics()
	maps()
	gc()
	timers()
	signals()
	execChild()
	// Goroutines that os/exec and the timers started end soon after;
	// os/signal's watcher stays.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	fmt.Println("goroutines left:", runtime.NumGoroutine() <= 2)
}
