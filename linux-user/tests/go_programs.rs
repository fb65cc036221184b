//! Real Go programs under `rsemu-arm`: each `tests/go/NAME/` is cross-built
//! by `scripts/build-go.sh` into a static ARMv7 binary `build/go/NAME`
//! (Debian's golang-go), run under `rsemu-arm`, and its stdout must equal
//! `tests/go/NAME.expected` byte for byte (the program's output on the
//! host, where it is portable Go) with exit status 0. The Go runtime is
//! signal-heavy: asynchronous preemption by SIGURG, signal-based timers
//! and os/signal, a thread per P, its own futex-based scheduling.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

const EMULATOR: &str = env!("CARGO_BIN_EXE_rsemu-arm");

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn run_go(name: &str) {
    let bin = root().join("build/go").join(name);
    assert!(
        bin.exists(),
        "{} is missing: run scripts/build-go.sh",
        bin.display()
    );
    let expected = std::fs::read_to_string(root().join(format!("tests/go/{name}.expected")))
        .expect("read the expected output");
    let start = Instant::now();
    let out = Command::new("timeout")
        .args(["-s", "KILL", "120"])
        .arg(EMULATOR)
        .arg(&bin)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("spawn rsemu-arm");
    let took = start.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{name}: {} after {took:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    assert_eq!(
        stdout, expected,
        "{name}: stdout differs\nstderr:\n{stderr}"
    );
    assert!(took < Duration::from_secs(120));
}

/// Goroutines, channels, asynchronous preemption of a goroutine spinning
/// without calls on the only P, tickers, sync/atomic, mutexes, maps, the
/// GC with finalizers, timers, os/signal and os/exec of itself.
#[test]
fn gostress() {
    run_go("gostress");
}
