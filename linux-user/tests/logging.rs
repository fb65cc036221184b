//! The emulator's notes stay out of the guest's stderr: without `-d` a
//! guest that makes a system call rsemu does not implement sees only its
//! own output on stderr; `-d unimp` (or QEMU_LOG=unimp) adds the note, and
//! `-D FILE` (or QEMU_LOG_FILENAME) moves every note to FILE, as qemu-arm
//! does. Runs `tests/guest/unimp.c` (built by scripts/build-guests.sh).

use std::path::PathBuf;
use std::process::{Command, Output};

const EMULATOR: &str = env!("CARGO_BIN_EXE_rsemu-arm");
const GUEST_OUT: &str = "syscall 1000: -1 Function not implemented\n";
const GUEST_ERR: &str = "the guest's own line\n";
const NOTE: &str = "rsemu-arm: unsupported syscall 1000 (unknown) at pc 0x";

fn guest() -> PathBuf {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../build/guest/unimp.arm-O2"
    ));
    assert!(
        p.exists(),
        "{} missing: run scripts/build-guests.sh",
        p.display()
    );
    p
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(EMULATOR);
    cmd.env_remove("QEMU_LOG")
        .env_remove("QEMU_LOG_FILENAME")
        .env_remove("QEMU_STRACE");
    cmd.envs(env.iter().copied()).args(args).arg(guest());
    let out = cmd.output().expect("running rsemu-arm");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), GUEST_OUT);
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("rsemu-logging-{}-{name}", std::process::id()))
}

#[test]
fn without_d_the_guest_stderr_is_the_guests_alone() {
    for accel in ["interp", "jit"] {
        assert_eq!(stderr(&run(&["-accel", accel], &[])), GUEST_ERR);
    }
}

#[test]
fn d_unimp_notes_on_stderr() {
    let err = stderr(&run(&["-d", "unimp"], &[]));
    assert!(err.contains(GUEST_ERR) && err.contains(NOTE), "{err}");
    let err = stderr(&run(&[], &[("QEMU_LOG", "unimp")]));
    assert!(err.contains(GUEST_ERR) && err.contains(NOTE), "{err}");
}

#[test]
fn d_big_d_sends_notes_to_the_file() {
    let log = scratch("d.log");
    let out = run(&["-d", "unimp,strace", "-D", log.to_str().unwrap()], &[]);
    assert_eq!(stderr(&out), GUEST_ERR);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains(NOTE), "{text}");
    // -d strace: the system calls, the unknown one with its errno.
    assert!(text.contains(" write(2, "), "{text}");
    assert!(
        text.contains(" syscall_0x3e8(0x1, 0x2, 0x3, ")
            && text.contains("= -1 ENOSYS (Function not implemented)"),
        "{text}"
    );
    let _ = std::fs::remove_file(&log);

    let log = scratch("env.log");
    let out = run(
        &[],
        &[
            ("QEMU_LOG", "unimp"),
            ("QEMU_LOG_FILENAME", log.to_str().unwrap()),
        ],
    );
    assert_eq!(stderr(&out), GUEST_ERR);
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains(NOTE), "{text}");
    let _ = std::fs::remove_file(&log);
}

#[test]
fn d_help_and_unknown_items() {
    let out = Command::new(EMULATOR)
        .args(["-d", "help"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for item in ["exec", "out_asm", "unimp", "strace"] {
        assert!(
            text.lines().any(|l| l.starts_with(item)),
            "{item} missing:\n{text}"
        );
    }
    let out = Command::new(EMULATOR)
        .args(["-d", "nonsense"])
        .arg(guest())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("unknown -d item 'nonsense'"));
    let out = Command::new(EMULATOR)
        .args(["-D", "/nonexistent-dir/x.log"])
        .arg(guest())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("-D /nonexistent-dir/x.log"));
}

/// The other -d items, to a file, on a guest with a signal, a thread and
/// a bad pointer (tests/guest/strace_me.c).
#[test]
fn d_items() {
    let guest = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../build/guest/strace_me.arm-O2"
    ));
    let dir = scratch("items");
    std::fs::create_dir_all(&dir).unwrap();
    for accel in ["interp", "jit"] {
        let log = dir.join(format!("{accel}.log"));
        let out = Command::new(EMULATOR)
            .current_dir(&dir)
            .args([
                "-accel",
                accel,
                "-d",
                "in_asm,op,cpu,int,guest_errors,page,nochain",
                "-D",
            ])
            .arg(&log)
            .arg(&guest)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\n");
        assert_eq!(stderr(&out), "");
        let text = std::fs::read_to_string(&log).unwrap();
        for want in [
            "guest memory map:\n",
            "[stack]\n",
            "IN: 0x",
            // in_asm: the entry point of a Thumb-2 glibc: `mov.w fp, #0`.
            ":  f04f 0b00  mov.w fp, #0\n",
            // op: the IR under it.
            "Al Alu { op: Mov",
            "CPU at 0x",
            " R15=",
            "int: signal SIGUSR1 (si_code -6) at pc 0x",
            "guest_errors: clock_gettime at pc 0x",
        ] {
            assert!(text.contains(want), "{accel}: no {want:?} in the log");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
