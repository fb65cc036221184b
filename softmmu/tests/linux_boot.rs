//! Boots Debian bookworm's armhf `armmp` kernel with the test initramfs
//! (`tests/system/init.sh` as /init) under `rsemu-system-arm`, with QEMU's
//! command line, under both backends: the console must show userspace, the
//! workload's answers must equal what the host computes, the guest must
//! read the files the host put on a raw and a qcow2 disk and write its
//! own, a second boot must read those back, the machine must power off
//! with status 0, and the host must find both images consistent
//! (`e2fsck`, `qemu-img check`) with the guest's files in them.
//!
//! The kernel, initramfs and disks come from `scripts/fetch-kernel.sh`,
//! `scripts/build-initramfs.sh` and `scripts/make-disks.sh`, which
//! `scripts/test.sh` runs first.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn need(path: &Path, how: &str) {
    assert!(
        path.exists(),
        "{} is missing: run {how} (scripts/test.sh does)",
        path.display()
    );
}

/// The RESULT lines the host computes for the workload and the guest's
/// files.
fn expected() -> Vec<String> {
    let out = Command::new("sh")
        .arg(root().join("tests/system/init.sh"))
        .arg("--expected")
        .output()
        .expect("running tests/system/init.sh --expected");
    assert!(out.status.success(), "init.sh --expected failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("RESULT "))
        .map(str::to_string)
        .collect()
}

/// Runs the machine with `args` and `-accel accel`, killing it after
/// `limit`; its exit status (None: timed out) and console output.
fn run_machine(args: &[String], limit: Duration) -> (Option<i32>, String) {
    let log = tempfile("console");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rsemu-system-arm"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting rsemu-system-arm");
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st.code();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut console = std::fs::read_to_string(&log).unwrap_or_default();
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        use std::io::Read;
        let _ = e.read_to_string(&mut err);
    }
    console.push_str(&err);
    let _ = std::fs::remove_file(&log);
    (status, console)
}

fn tempfile(what: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    std::env::temp_dir().join(format!(
        "rsemu-linux-{}-{}-{what}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ))
}

fn tail(s: &str) -> &str {
    &s[s.len().saturating_sub(4000)..]
}

/// A kernel flavour and its initramfs (in build/system).
#[derive(Clone, Copy)]
struct Flavour {
    kernel: &'static str,
    initrd: &'static str,
}

/// Debian's `armmp`: short-descriptor page tables.
const ARMMP: Flavour = Flavour {
    kernel: "vmlinuz",
    initrd: "initrd.gz",
};

/// Debian's `armmp-lpae`: long-descriptor (LPAE) page tables.
const ARMMP_LPAE: Flavour = Flavour {
    kernel: "vmlinuz-lpae",
    initrd: "initrd-lpae.gz",
};

/// One boot with the user's command line plus the test disks, in
/// `phase` (write or verify); returns the RESULT lines.
fn boot(flavour: Flavour, accel: &str, phase: &str, disks: &Path) -> Vec<String> {
    let sys = root().join("build/system");
    let args: Vec<String> = [
        "-M",
        "virt",
        "-m",
        "256",
        "-kernel",
        sys.join(flavour.kernel).to_str().unwrap(),
        "-initrd",
        sys.join(flavour.initrd).to_str().unwrap(),
        "-append",
        &format!("console=ttyAMA0 rsemu.phase={phase}"),
        "-nographic",
        "-no-reboot",
        "-accel",
        accel,
        "-drive",
        &format!(
            "file={},format=raw,if=virtio",
            disks.join("disk-raw.img").display()
        ),
        "-drive",
        &format!(
            "file={},format=qcow2,if=virtio",
            disks.join("disk.qcow2").display()
        ),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let limit = Duration::from_secs(if accel == "interp" { 600 } else { 300 });
    let (status, console) = run_machine(&args, limit);
    let status = status.unwrap_or_else(|| {
        panic!(
            "{accel} {phase}: no power-off within {limit:?}; console:\n{}",
            tail(&console)
        )
    });
    assert_eq!(
        status,
        0,
        "{accel} {phase}: exit status; console:\n{}",
        tail(&console)
    );
    for marker in [
        "Run /init as init process",
        "RSEMU-USERSPACE-UP",
        "RSEMU-DONE",
        "reboot: Power down",
    ] {
        assert!(
            console.contains(marker),
            "{accel} {phase}: no '{marker}' on the console:\n{}",
            tail(&console)
        );
    }
    for bad in ["Kernel panic", "Oops", "Internal error", "RESULT error"] {
        assert!(
            !console.contains(bad),
            "{accel} {phase}: '{bad}' on the console:\n{}",
            tail(&console)
        );
    }
    console
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| l.starts_with("RESULT "))
        .map(str::to_string)
        .collect()
}

fn boot_and_disks(flavour: Flavour, accel: &str) {
    let sys = root().join("build/system");
    need(&sys.join(flavour.kernel), "scripts/fetch-kernel.sh --lpae");
    need(
        &sys.join(flavour.initrd),
        "scripts/build-initramfs.sh --lpae",
    );
    let disks = tempfile(&format!("disks-{accel}"));
    std::fs::create_dir_all(&disks).unwrap();
    let make = |check: bool| {
        let mut c = Command::new(root().join("scripts/make-disks.sh"));
        if check {
            c.arg("--check");
        }
        let out = c
            .env("RSEMU_DISK_DIR", &disks)
            .output()
            .expect("running scripts/make-disks.sh");
        let text = String::from_utf8_lossy(&out.stdout).to_string()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "make-disks.sh (check {check}):\n{text}"
        );
        text
    };
    make(false);
    let host_files: Vec<String> = std::fs::read_to_string(disks.join("disks.expected"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(host_files.len(), 2, "disks.expected: {host_files:?}");
    let expected = expected();
    let workload: Vec<&String> = expected
        .iter()
        .filter(|l| !l.starts_with("RESULT guestfile"))
        .collect();
    let guest_files: Vec<&String> = expected
        .iter()
        .filter(|l| l.starts_with("RESULT guestfile"))
        .collect();
    assert_eq!(workload.len(), 3, "expected workload results: {expected:?}");
    assert_eq!(guest_files.len(), 2, "expected guest files: {expected:?}");

    // Boot 1: the workload, the host's files read, the guest's written.
    let got = boot(flavour, accel, "write", &disks);
    for want in workload.iter().copied().chain(&host_files) {
        assert!(
            got.contains(want),
            "{accel} write: missing {want}; got {got:?}"
        );
    }
    // The host sees consistent images with the guest's files.
    let check = make(true);
    assert!(check.contains("check passed"), "{check}");
    // Boot 2: the guest's files are still there.
    let got = boot(flavour, accel, "verify", &disks);
    for want in &guest_files {
        assert!(
            got.contains(want),
            "{accel} verify: missing {want}; got {got:?}"
        );
    }
    let _ = std::fs::remove_dir_all(&disks);
}

#[test]
fn debian_kernel_boots_runs_and_keeps_its_disks_jit() {
    boot_and_disks(ARMMP, "jit");
}

#[test]
fn debian_kernel_boots_runs_and_keeps_its_disks_interp() {
    boot_and_disks(ARMMP, "interp");
}

/// The LPAE flavour runs on long-descriptor page tables throughout.
#[test]
fn debian_lpae_kernel_boots_runs_and_keeps_its_disks_jit() {
    boot_and_disks(ARMMP_LPAE, "jit");
}

/// The kernel's own view of the board: the devices the device tree
/// describes are found and work (UART, RTC date, timer, PSCI, a
/// virtio-rng given with QEMU's `-device`), as QEMU's virt presents them.
#[test]
fn kernel_finds_the_virt_board() {
    let sys = root().join("build/system");
    need(&sys.join("vmlinuz"), "scripts/fetch-kernel.sh");
    need(&sys.join("initrd.gz"), "scripts/build-initramfs.sh");
    let args: Vec<String> = [
        "-M",
        "virt",
        "-m",
        "256",
        "-kernel",
        sys.join("vmlinuz").to_str().unwrap(),
        "-initrd",
        sys.join("initrd.gz").to_str().unwrap(),
        "-append",
        "console=ttyAMA0 rsemu.phase=none rsemu.verbose=1",
        "-nographic",
        "-no-reboot",
        "-device",
        "virtio-rng-device",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (status, console) = run_machine(&args, Duration::from_secs(300));
    assert_eq!(status, Some(0), "console:\n{}", tail(&console));
    for want in [
        "Machine model: linux,dummy-virt",
        "psci: PSCIv1.0 detected in firmware.",
        "arch_timer: cp15 timer(s) running at 62.50MHz (virt).",
        "9000000.pl011: ttyAMA0 at MMIO 0x9000000 (irq = ",
        "rtc-pl031 9010000.pl031: registered as rtc0",
        "rtc-pl031 9010000.pl031: setting system clock to",
        "RSEMU-USERSPACE-UP",
        "INFO hwrng virtio_rng.0",
    ] {
        assert!(
            console.contains(want),
            "missing '{want}' in:\n{}",
            tail(&console)
        );
    }
}

/// SIGTERM mid-boot, as a user's `kill` or a test runner's timeout sends
/// it: the machine stops at once with QEMU's message and status 0, and
/// the qcow2 image the guest was using is left consistent.
#[test]
fn sigterm_closes_the_disks_cleanly() {
    let sys = root().join("build/system");
    need(&sys.join("vmlinuz"), "scripts/fetch-kernel.sh");
    need(&sys.join("initrd.gz"), "scripts/build-initramfs.sh");
    let disks = tempfile("disks-sigterm");
    std::fs::create_dir_all(&disks).unwrap();
    let out = Command::new(root().join("scripts/make-disks.sh"))
        .env("RSEMU_DISK_DIR", &disks)
        .output()
        .unwrap();
    assert!(out.status.success());
    let qcow = disks.join("disk.qcow2");
    let mut child = Command::new(env!("CARGO_BIN_EXE_rsemu-system-arm"))
        .args(["-M", "virt", "-m", "256", "-kernel"])
        .arg(sys.join("vmlinuz"))
        .arg("-initrd")
        .arg(sys.join("initrd.gz"))
        .args(["-append", "console=ttyAMA0 rsemu.phase=write", "-nographic"])
        .arg("-drive")
        .arg(format!("file={},format=qcow2,if=virtio", qcow.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(4));
    // SAFETY: sends SIGTERM to the child this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {err}");
    assert!(err.contains("terminating on signal 15"), "stderr: {err}");
    let check = Command::new("qemu-img")
        .args(["check", "-q"])
        .arg(&qcow)
        .output()
        .expect("qemu-img");
    assert!(
        check.status.success(),
        "qemu-img check: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let _ = std::fs::remove_dir_all(&disks);
}
