//! `rsemu-system-arm`'s command line as QEMU users type it: the help and
//! listing options, the device tree dump, the serial backends, and clear
//! one-line errors (exit status 1, no panic) for bad input: unknown
//! options, missing or malformed files, corrupt disk images, machine
//! properties that ask for something not emulated.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rsemu-system-arm"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("running rsemu-system-arm")
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rsemu-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Exit status 1 and one line on stderr containing each of `want`, and no
/// panic.
fn fails_with(args: &[&str], want: &[&str]) {
    let out = run(args);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{args:?}: stderr {err}");
    assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
    assert_eq!(err.lines().count(), 1, "{args:?}: one line expected: {err}");
    for w in want {
        assert!(err.contains(w), "{args:?}: {w:?} not in {err}");
    }
}

#[test]
fn listings_and_version() {
    let out = run(&["-M", "help"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("virt "));
    let out = run(&["-cpu", "help"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("cortex-a15"));
    let out = run(&["-version"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("rsemu-system-arm version "));
    let out = run(&["-h"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("-kernel FILE"));
}

#[test]
fn bad_input_gives_one_clear_line() {
    let kernel = tmp("kernel.bin");
    std::fs::write(&kernel, [0u8; 64]).unwrap();
    let k = kernel.to_str().unwrap();
    fails_with(&["-kernel"], &["option -kernel needs an argument"]);
    fails_with(&["-frobnicate"], &["unknown option '-frobnicate'"]);
    fails_with(&[], &["no kernel given"]);
    fails_with(
        &["-kernel", "/nonexistent/vmlinuz"],
        &["cannot read kernel", "/nonexistent/vmlinuz"],
    );
    fails_with(
        &["-M", "raspi2b", "-kernel", k],
        &["unsupported machine type 'raspi2b'"],
    );
    fails_with(
        &["-M", "virt,secure=on", "-kernel", k],
        &["secure=on is not supported"],
    );
    fails_with(
        &["-M", "virt,gic-version=3", "-kernel", k],
        &["only a GICv2"],
    );
    fails_with(
        &["-cpu", "cortex-a9", "-kernel", k],
        &["unsupported CPU 'cortex-a9'"],
    );
    fails_with(&["-smp", "2", "-kernel", k], &["only one CPU"]);
    fails_with(
        &["-m", "lots", "-kernel", k],
        &["invalid memory size 'lots'"],
    );
    fails_with(&["-m", "8G", "-kernel", k], &["RAM must be between"]);
    fails_with(&["-S", "-kernel", k], &["no -s or -gdb gives it a port"]);
    fails_with(&["-gdb", "udp::1", "-kernel", k], &["tcp::PORT"]);
    fails_with(
        &["-drive", "file=/nonexistent.img,format=raw", "-kernel", k],
        &["/nonexistent.img"],
    );
    fails_with(&["-drive", "format=raw", "-kernel", k], &["no file= given"]);
    fails_with(
        &["-drive", "file=x,if=ide", "-kernel", k],
        &["only virtio disks"],
    );
    fails_with(
        &["-drive", "file=x,if=none,id=d0", "-kernel", k],
        &["if=none but no -device uses it"],
    );
    // A file claiming to be qcow2 with a truncated header.
    let bad = tmp("bad.qcow2");
    std::fs::write(&bad, b"QFI\xfb\x00\x00\x00\x03").unwrap();
    let drive = format!("file={},format=qcow2", bad.display());
    fails_with(&["-drive", &drive, "-kernel", k], &["bad.qcow2"]);
    // A device tree that is not one.
    fails_with(
        &["-dtb", k, "-kernel", k],
        &["-dtb", "not a valid flattened device tree"],
    );
    // An ELF that is not ARM.
    fails_with(&["-kernel", "/bin/true"], &["not a 32-bit ARM ELF"]);
}

#[test]
fn dumpdtb_writes_the_board_and_exits() {
    let path = tmp("virt.dtb");
    let arg = format!("virt,dumpdtb={}", path.display());
    let out = run(&["-M", &arg, "-m", "512", "-append", "hello"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let blob = std::fs::read(&path).unwrap();
    assert_eq!(&blob[..4], &[0xd0, 0x0d, 0xfe, 0xed]);
    // 512 MiB at 0x40000000 and the command line, big-endian in the blob.
    let reg = [0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0];
    assert!(blob.windows(16).any(|w| w == reg));
    assert!(blob.windows(6).any(|w| w == b"hello\0"));
}

/// A bare-metal guest's UART output goes where `-serial` says.
#[test]
fn serial_file_and_null() {
    let elf = root().join("build/system-guests/uart.elf");
    assert!(
        elf.exists(),
        "{} missing: run scripts/build-system-guests.sh",
        elf.display()
    );
    let log = tmp("serial.log");
    let serial = format!("file:{}", log.display());
    let out = run(&[
        "-M",
        "virt",
        "-kernel",
        elf.to_str().unwrap(),
        "-serial",
        &serial,
    ]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty(), "nothing on stdout with -serial file");
    let expected =
        std::fs::read_to_string(root().join("tests/guest/system/uart.expected")).unwrap();
    assert_eq!(std::fs::read_to_string(&log).unwrap(), expected);
    let out = run(&[
        "-M",
        "virt",
        "-kernel",
        elf.to_str().unwrap(),
        "-serial",
        "null",
    ]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
}

/// A raw kernel image (neither zImage nor ELF) is loaded at RAM + 0x8000
/// and entered there in SVC mode: this one writes 'R' to the UART and
/// powers off through PSCI.
#[test]
fn raw_image_boots() {
    let words: [u32; 7] = [
        0xe3a0_0409, // mov r0, #0x09000000 (PL011 data register)
        0xe3a0_1052, // mov r1, #'R'
        0xe580_1000, // str r1, [r0]
        0xe300_0008, // movw r0, #0x0008
        0xe348_0400, // movt r0, #0x8400 (PSCI SYSTEM_OFF)
        0xe140_0070, // hvc #0
        0xeaff_fffe, // b .
    ];
    let image = tmp("raw.bin");
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    std::fs::write(&image, bytes).unwrap();
    for accel in ["jit", "interp"] {
        let out = run(&[
            "-M",
            "virt",
            "-kernel",
            image.to_str().unwrap(),
            "-accel",
            accel,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, b"R");
    }
}

/// QEMU's generic loader: `-device loader,file=F,addr=A` puts the file's
/// bytes at A. The guest here prints the byte it finds there.
#[test]
fn generic_loader_places_a_file() {
    let words: [u32; 8] = [
        0xe3a0_0409, // mov r0, #0x09000000
        0xe3a0_2311, // mov r2, #0x44000000
        0xe5d2_1000, // ldrb r1, [r2]
        0xe580_1000, // str r1, [r0]
        0xe300_0008, // movw r0, #0x0008
        0xe348_0400, // movt r0, #0x8400
        0xe140_0070, // hvc #0
        0xeaff_fffe, // b .
    ];
    let image = tmp("loader-guest.bin");
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    std::fs::write(&image, bytes).unwrap();
    let blob = tmp("blob.bin");
    std::fs::write(&blob, b"Z").unwrap();
    let dev = format!("loader,file={},addr=0x44000000", blob.display());
    let out = run(&[
        "-M",
        "virt",
        "-kernel",
        image.to_str().unwrap(),
        "-device",
        &dev,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, b"Z");
    let outside = format!("loader,file={},addr=0x10", blob.display());
    fails_with(
        &["-kernel", image.to_str().unwrap(), "-device", &outside],
        &["do not fit in guest RAM"],
    );
}

/// PSCI SYSTEM_RESET reboots the machine (the guest starts over), or with
/// `-no-reboot` ends it with status 0, as in QEMU.
#[test]
fn system_reset_reboots_unless_no_reboot() {
    let words: [u32; 7] = [
        0xe3a0_0409, // mov r0, #0x09000000
        0xe3a0_1042, // mov r1, #'B'
        0xe580_1000, // str r1, [r0]
        0xe300_0009, // movw r0, #0x0009
        0xe348_0400, // movt r0, #0x8400 (PSCI SYSTEM_RESET)
        0xe140_0070, // hvc #0
        0xeaff_fffe, // b .
    ];
    let image = tmp("reset.bin");
    let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
    std::fs::write(&image, bytes).unwrap();
    let out = run(&[
        "-M",
        "virt",
        "-kernel",
        image.to_str().unwrap(),
        "-no-reboot",
    ]);
    assert!(out.status.success());
    assert_eq!(out.stdout, b"B", "one boot with -no-reboot");
    // Without it the machine keeps rebooting: stop it after a while.
    let child = Command::new(env!("CARGO_BIN_EXE_rsemu-system-arm"))
        .args(["-M", "virt", "-kernel", image.to_str().unwrap()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    // SAFETY: signals the child this test started.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    assert!(
        out.stdout.len() >= 3 && out.stdout.iter().all(|&b| b == b'B'),
        "several boots expected: {:?}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// `-hda FILE` attaches a disk (format probed): the device tree then
/// describes one virtio-mmio transport.
#[test]
fn hda_attaches_a_disk() {
    let disk = tmp("hda.img");
    std::fs::write(&disk, vec![0u8; 1 << 20]).unwrap();
    let dtb = tmp("hda.dtb");
    let arg = format!("virt,dumpdtb={}", dtb.display());
    let out = run(&["-M", &arg, "-hda", disk.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let blob = std::fs::read(&dtb).unwrap();
    assert!(blob.windows(20).any(|w| w == b"virtio_mmio@a000000\0"));
    assert!(!blob.windows(20).any(|w| w == b"virtio_mmio@a000200\0"));
}

/// On a terminal with `-nographic`, Ctrl-A x quits as in QEMU: status 0
/// and "QEMU: Terminated".
#[test]
fn ctrl_a_x_quits() {
    let mut master: libc::c_int = -1;
    let mut slave: libc::c_int = -1;
    // SAFETY: openpty with out-pointers to local fds; no name or termios.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(r, 0, "openpty");
    // A guest that spins forever.
    let image = tmp("spin.bin");
    std::fs::write(&image, 0xeaff_fffeu32.to_le_bytes()).unwrap();
    use std::os::fd::FromRawFd;
    // SAFETY: `slave` is a fresh descriptor from openpty, owned here.
    let stdin = unsafe { Stdio::from_raw_fd(slave) };
    let mut child = Command::new(env!("CARGO_BIN_EXE_rsemu-system-arm"))
        .args([
            "-M",
            "virt",
            "-nographic",
            "-kernel",
            image.to_str().unwrap(),
        ])
        .stdin(stdin)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    // SAFETY: writes two bytes from a local buffer to the pty master.
    let n = unsafe { libc::write(master, b"\x01x".as_ptr() as *const libc::c_void, 2) };
    assert_eq!(n, 2);
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > std::time::Duration::from_secs(10) {
            let _ = child.kill();
            panic!("Ctrl-A x did not quit");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    // SAFETY: closes the master this test opened.
    unsafe { libc::close(master) };
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("QEMU: Terminated"));
}
