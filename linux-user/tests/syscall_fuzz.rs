//! The system call fuzzer (`tests/fuzz/sysfuzz.c`, an ARM guest built here
//! with Debian's cross compiler) under `rsemu-arm`: a fixed seed of random
//! calls with edge-value and bad-pointer arguments, each in a forked child,
//! must neither crash the emulator (a panic, an internal error, or a death
//! by a fault signal without the emulator's report of a guest fault) nor
//! leave a child unable to take its alarm; and every pointer argument
//! Linux must touch, when bad, must give EFAULT. `scripts/fuzz-syscalls.sh`
//! runs many more calls (10^6 with `-n 1000000`).

use std::path::PathBuf;
use std::process::Command;

const EMULATOR: &str = env!("CARGO_BIN_EXE_rsemu-arm");

/// The fuzzer, built once for all the tests here (they run in parallel:
/// one must not run the file while another links it).
fn fuzzer() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let src = PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../tests/fuzz/sysfuzz.c"
            ));
            let out = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sysfuzz");
            let st = Command::new("arm-linux-gnueabihf-gcc")
                .args(["-O2", "-static", "-Wall", "-Werror", "-o"])
                .arg(&out)
                .arg(&src)
                .status()
                .expect("arm-linux-gnueabihf-gcc (scripts/install-deps.sh installs it)");
            assert!(st.success(), "building {}", src.display());
            out
        })
        .clone()
}

/// Runs the fuzzer in a fresh directory, which is removed afterwards.
fn run(accel: &str, args: &[&str]) -> String {
    let prog = fuzzer();
    let dir = std::env::temp_dir().join(format!(
        "rsemu-sysfuzz-{}-{accel}-{}",
        std::process::id(),
        args.join("-")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let out = Command::new("timeout")
        .args(["-s", "KILL", "600"])
        .arg(EMULATOR)
        .args(["-accel", accel])
        .arg(&prog)
        .args(args)
        .current_dir(&dir)
        .output()
        .expect("running rsemu-arm");
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "sysfuzz {args:?} under -accel {accel}: {}\n{text}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn random_calls_do_not_crash_or_hang_the_emulator() {
    let text = run("jit", &["random", "1", "4000"]);
    assert!(
        text.contains("4000 calls from seed 1, 0 problems"),
        "{text}"
    );
    let text = run("interp", &["random", "2", "1000"]);
    assert!(
        text.contains("1000 calls from seed 2, 0 problems"),
        "{text}"
    );
}

#[test]
fn bad_pointers_are_efault() {
    for accel in ["jit", "interp"] {
        let text = run(accel, &["efault"]);
        assert!(text.contains("125 checks, 0 problems"), "{text}");
    }
}
