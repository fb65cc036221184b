//! `-strace` shows calls as strace does: names, quoted strings, flags and
//! signals by name, errors as `-1 ENAME (message)`, `PID/TID` for a
//! second thread, a delivered signal, `exit_group(..) = ?`. Runs
//! `tests/guest/strace_me.c` (built by scripts/build-guests.sh) under both
//! backends and QEMU_STRACE, and finds the expected lines in order, with
//! numbers that vary (pids, addresses) made `N` and `0xH`.

use std::path::PathBuf;
use std::process::Command;

const EMULATOR: &str = env!("CARGO_BIN_EXE_rsemu-arm");

/// Stand-alone numbers become `N`, hex numbers `0xH` (digits inside
/// names such as SIGUSR1 stay).
fn normalize(line: &str) -> String {
    let mut out = String::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let prev_word = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        if b[i].is_ascii_digit() && !prev_word {
            if b[i] == b'0' && b.get(i + 1) == Some(&b'x') {
                i += 2;
                while i < b.len() && b[i].is_ascii_hexdigit() {
                    i += 1;
                }
                out.push_str("0xH");
            } else {
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
                out.push('N');
            }
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

const EXPECTED: &[&str] = &[
    "N rt_sigaction(SIGUSR1, 0xH, 0xH, N) = N",
    "N openat(AT_FDCWD, \"/nonexistent/x\", O_RDONLY) = -N ENOENT (No such file or directory)",
    "N write(N, 0xH, N) = N",
    "N --- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=N} ---",
    "N/N getppid() = N",
    "N openat(AT_FDCWD, \"strace-file\", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, N) = N",
    "N unlink(\"strace-file\") = N",
    "N clock_gettime(CLOCK_REALTIME, 0xH) = -N EFAULT (Bad address)",
    "N exit_group(N) = ?",
];

#[test]
fn strace_lines() {
    let guest = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../build/guest/strace_me.arm-O2"
    ));
    assert!(
        guest.exists(),
        "{} missing: run scripts/build-guests.sh",
        guest.display()
    );
    let dir = std::env::temp_dir().join(format!("rsemu-strace-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (accel, flag, env) in [
        ("interp", Some("-strace"), None),
        ("jit", Some("-strace"), None),
        ("jit", None, Some(("QEMU_STRACE", "1"))),
    ] {
        let mut cmd = Command::new(EMULATOR);
        cmd.current_dir(&dir).args(["-accel", accel]);
        if let Some(f) = flag {
            cmd.arg(f);
        }
        if let Some((k, v)) = env {
            cmd.env(k, v);
        }
        let out = cmd.arg(&guest).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\n");
        let log = String::from_utf8_lossy(&out.stderr);
        // The mode in octal, as strace writes it.
        assert!(log.contains("O_CLOEXEC, 0640) = "), "{log}");
        let lines: Vec<String> = log.lines().map(normalize).collect();
        let mut at = 0;
        for want in EXPECTED {
            match lines[at..].iter().position(|l| l == want) {
                Some(k) => at += k + 1,
                None => panic!(
                    "{accel}: no line {want:?} after line {at} in:\n{}",
                    lines.join("\n")
                ),
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
