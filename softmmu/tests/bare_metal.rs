//! The bare-metal system-mode guests of `tests/guest/system/` (built by
//! `scripts/build-system-guests.sh`) under `rsemu-system-arm`: each
//! switches modes, takes and returns from exceptions, programs the MMU in
//! both formats and checks every fault's status and address, drives the
//! GIC, timer and UART, and reports over the UART. The output must equal
//! `NAME.expected` byte for byte (values from the ARM ARM and the GIC and
//! PL011 specs, confirmed on qemu-system-arm; see the directory's README),
//! under the interpreter and under the JIT compiling every block at once.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run_guest(name: &str, accel: &str) {
    let elf = root().join(format!("build/system-guests/{name}.elf"));
    assert!(
        elf.exists(),
        "{} missing: run scripts/build-system-guests.sh (scripts/test.sh does)",
        elf.display()
    );
    let expected =
        std::fs::read_to_string(root().join(format!("tests/guest/system/{name}.expected")))
            .expect("expected output");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rsemu-system-arm"))
        .args(["-M", "virt", "-cpu", "cortex-a15", "-m", "256"])
        .args(["-nographic", "-no-reboot", "-accel", accel, "-kernel"])
        .arg(&elf)
        .env("RSEMU_JIT_THRESHOLD", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting rsemu-system-arm");
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let got = String::from_utf8_lossy(&out.stdout);
    if got != expected {
        let diff: Vec<String> = expected
            .lines()
            .zip(got.lines().chain(std::iter::repeat("<missing>")))
            .filter(|(e, g)| e != g)
            .take(10)
            .map(|(e, g)| format!("  want: {e}\n  got:  {g}"))
            .collect();
        panic!(
            "{name} under {accel}: output differs from {name}.expected (status {:?}, stderr {}):\n{}\nfull output:\n{got}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr),
            diff.join("\n")
        );
    }
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name} under {accel}: exit status"
    );
}

macro_rules! guests {
    ($($name:ident),*) => {
        mod interp {
            $(#[test] fn $name() { super::run_guest(stringify!($name), "interp"); })*
        }
        mod jit {
            $(#[test] fn $name() { super::run_guest(stringify!($name), "jit"); })*
        }
    };
}

guests!(modes, exceptions, mmu_short, mmu_lpae, gic_timer, vfp, uart);

/// Every guest in the directory is in the list above.
#[test]
fn every_guest_is_run() {
    let listed = [
        "modes",
        "exceptions",
        "mmu_short",
        "mmu_lpae",
        "gic_timer",
        "vfp",
        "uart",
    ];
    for entry in std::fs::read_dir(root().join("tests/guest/system")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "expected") {
            let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
            assert!(
                listed.contains(&stem.as_str()),
                "{stem} is not run by this test"
            );
        }
    }
}
