//! stress-ng under `rsemu-arm`: Debian's armhf stress-ng (in `build/sysroot`,
//! from `scripts/fetch-sysroot.sh`) runs a short selection of stressors that
//! check their own results (`--verify`), one instance each for one second.
//! Each must exit 0 reporting "successful run completed", and its metrics
//! line must show bogo ops > 0: the stressor ran and every verification
//! passed. `scripts/stress-ng.sh` runs a longer list side by side with
//! qemu-arm (docs/stress-ng.md); these are ones that pass under both.

use std::path::PathBuf;
use std::process::Command;

const EMULATOR: &str = env!("CARGO_BIN_EXE_rsemu-arm");

fn stress(stressor: &str, extra: &[&str]) {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../build/sysroot"));
    let prog = root.join("usr/bin/stress-ng");
    assert!(
        prog.exists(),
        "{} is missing: run scripts/fetch-sysroot.sh",
        prog.display()
    );
    let tmp =
        std::env::temp_dir().join(format!("rsemu-stress-ng-{stressor}-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let out = Command::new("timeout")
        .args(["-s", "KILL", "60"])
        .arg(EMULATOR)
        .arg("-L")
        .arg(&root)
        .arg(&prog)
        .arg(format!("--{stressor}"))
        .arg("1")
        .args(extra)
        .args(["--verify", "-t", "1", "--metrics", "--temp-path"])
        .arg(&tmp)
        .current_dir(&tmp)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("spawn rsemu-arm");
    let _ = std::fs::remove_dir_all(&tmp);
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "stress-ng --{stressor}: {}\n{log}",
        out.status
    );
    assert!(
        log.contains("successful run completed"),
        "stress-ng --{stressor}: no success report\n{log}"
    );
    // "stress-ng: metrc: [PID] NAME  BOGO-OPS REAL USR SYS ..."
    let ops = log
        .lines()
        .filter_map(|l| l.strip_prefix("stress-ng: metrc: ["))
        .filter_map(|l| l.split_once("] ").map(|(_, rest)| rest))
        .find_map(|rest| {
            let mut f = rest.split_whitespace();
            (f.next() == Some(stressor)).then(|| f.next()?.parse::<u64>().ok())?
        });
    assert!(
        ops.is_some_and(|n| n > 0),
        "stress-ng --{stressor}: no bogo ops reported ({ops:?})\n{log}"
    );
}

#[test]
fn cpu_all_methods() {
    stress("cpu", &["--cpu-method", "all"]);
}

#[test]
fn hash() {
    stress("hash", &[]);
}

#[test]
fn crypt() {
    stress("crypt", &[]);
}

#[test]
fn matrix() {
    stress("matrix", &[]);
}

#[test]
fn str() {
    stress("str", &[]);
}

#[test]
fn atomic() {
    stress("atomic", &[]);
}

#[test]
fn vm() {
    // 16 MiB: one bogo op (a pass over all of it) fits in the second even
    // when the machine is busy with the other stressors.
    stress("vm", &["--vm-bytes", "16M"]);
}

#[test]
fn futex() {
    stress("futex", &[]);
}

#[test]
fn pipe() {
    stress("pipe", &[]);
}

#[test]
fn sem() {
    stress("sem", &[]);
}

#[test]
fn fork() {
    stress("fork", &[]);
}

#[test]
fn signal() {
    stress("signal", &[]);
}

/// A 1 MHz POSIX timer: the host signal must not starve the guest.
#[test]
fn timer() {
    stress("timer", &[]);
}

/// Short-lived threads created and joined in a loop.
#[test]
fn fstat() {
    stress("fstat", &[]);
}

/// Many get* calls, adjtimex among them.
#[test]
fn get() {
    stress("get", &[]);
}

/// System V message queues between processes.
#[test]
fn msg() {
    stress("msg", &[]);
}

/// A child interrupted in sleep() by a stream of SIGALRM from its parent
/// (a fork right after a caught signal must not leave it blocked).
#[test]
fn alarm() {
    stress("alarm", &[]);
}

/// sync, fsync and syncfs on a file being written.
#[test]
fn io() {
    stress("io", &[]);
}

/// mmap over live mappings, MAP_FIXED, mprotect and munmap page by page,
/// every page verified (16 MiB per round so a one-second run does several).
#[test]
fn mmap() {
    stress("mmap", &["--mmap-bytes", "16M"]);
}

/// mremap shrinking, growing, moving and MREMAP_DONTUNMAP, verified.
#[test]
fn mremap() {
    stress("mremap", &["--mremap-bytes", "16M"]);
}

// A child made by clone(CLONE_VM) without CLONE_THREAD: it shares the
// parent's memory, which the parent reads and writes with
// process_vm_readv/writev (qemu-arm refuses the clone: EINVAL).
#[test]
fn vm_rw() {
    stress("vm-rw", &[]);
}

// Chains of vforked children, each vforking the next.
#[test]
fn vforkmany() {
    stress("vforkmany", &[]);
}
