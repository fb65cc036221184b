//! The persistent translation cache (`-tcache`, RSEMU_TCACHE): a second
//! run of a program uses the code the first compiled and prints exactly
//! what the program prints natively; guest threads place the code another
//! thread compiled instead of compiling it again; a program file that
//! changed never gets the old code; concurrent runs share one directory
//! safely; `off` writes nothing. The guest is built here (static and dynamic), and its
//! expected output comes from the same source built for the host.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const EMULATOR: &str = env!("CARGO_BIN_EXE_rsemu-arm");
const SYSROOT: &str = "/usr/arm-linux-gnueabihf";

/// Hot loops (integer, double, a libc sort), a second thread, and
/// output that depends on all of them; `-DALT` changes both the code and
/// the output.
const SOURCE: &str = r#"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#ifdef ALT
#define SALT 5
#else
#define SALT 3
#endif
static unsigned crc(const unsigned char *p, int n) {
    unsigned c = ~0u;
    for (int i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & -(c & 1));
    }
    return ~c;
}
static int cmp(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}
static double work(int seed) {
    double s = 0;
    for (int i = 1; i < 20000; i++) s += 1.0 / (i * (double)seed);
    return s;
}
static void *thread(void *arg) {
    unsigned n = (unsigned)(unsigned long)arg, sum = 0;
    for (unsigned i = 0; i < n; i++) sum += i * i % (SALT + 4);
    return (void *)(unsigned long)sum;
}
int main(int argc, char **argv) {
    // (A relative -tcache directory must not follow the guest.)
    if (chdir("/")) return 2;
    static unsigned char buf[65536];
    for (unsigned i = 0; i < sizeof buf; i++) buf[i] = i * 7 + SALT;
    static int a[1000];
    unsigned x = SALT;
    for (int i = 0; i < 1000; i++) { x = x * 1103515245u + 12345u; a[i] = (int)(x >> 8); }
    qsort(a, 1000, sizeof a[0], cmp);
    pthread_t t;
    void *r;
    if (pthread_create(&t, 0, thread, (void *)100000L) || pthread_join(t, &r)) return 1;
    printf("crc %08x min %d max %d work %.9f thread %u %s\n", crc(buf, sizeof buf), a[0], a[999],
           work(SALT), (unsigned)(unsigned long)r, argc > 1 ? argv[1] : "-");
    // The same loops in four more threads, one after the other: each
    // finds the code the earlier ones compiled.
    for (int k = 0; k < 4; k++) {
        if (pthread_create(&t, 0, thread, (void *)(unsigned long)(50000 + k)) || pthread_join(t, &r))
            return 1;
        printf("thread %d: %u\n", k, (unsigned)(unsigned long)r);
    }
    return 0;
}
"#;

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rsemu-tcache-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The guest built static (and, with `dynamic`, against the cross
/// sysroot's shared libc), and the host's output for it.
fn build(dir: &Path, name: &str, flags: &[&str], dynamic: bool) -> (PathBuf, String) {
    let bin = if dynamic {
        let src = dir.join(format!("{name}.c"));
        std::fs::write(&src, SOURCE).unwrap();
        let out = dir.join(name);
        let st = Command::new("arm-linux-gnueabihf-gcc")
            .args(["-O2", "-pthread"])
            .args(flags)
            .arg("-o")
            .arg(&out)
            .arg(&src)
            .status()
            .expect("arm-linux-gnueabihf-gcc");
        assert!(st.success());
        out
    } else {
        let mut f = vec!["-O2", "-pthread"];
        f.extend_from_slice(flags);
        common::build_arm(dir, name, SOURCE, &f)
    };
    let host_src = dir.join(format!("{name}-host.c"));
    std::fs::write(&host_src, SOURCE).unwrap();
    let host = dir.join(format!("{name}-host"));
    let st = Command::new("gcc")
        .args(["-O2", "-pthread"])
        .args(flags)
        .arg("-o")
        .arg(&host)
        .arg(&host_src)
        .status()
        .expect("gcc");
    assert!(st.success());
    let out = Command::new(&host).arg("x").output().unwrap();
    assert!(out.status.success());
    (bin, String::from_utf8(out.stdout).unwrap())
}

/// Runs the guest with the cache in `cache` (`-d tcache` logged to a
/// file); returns its output and the cache's numbers (read, used,
/// rejected, kept, written).
fn run(guest: &Path, cache: &Path, threshold: &str) -> (Output, [u64; 5]) {
    let log = cache.with_extension(format!("log{}", std::process::id()));
    let out = Command::new(EMULATOR)
        .args(["-L", SYSROOT, "-tcache"])
        .arg(cache)
        .args(["-d", "tcache", "-D"])
        .arg(&log)
        .arg(guest)
        .arg("x")
        .env("RSEMU_JIT_THRESHOLD", threshold)
        .output()
        .unwrap();
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let _ = std::fs::remove_file(&log);
    let line = text
        .lines()
        .find(|l| l.starts_with("tcache: "))
        .unwrap_or_else(|| panic!("no tcache line in the log: {text:?}"));
    let nums: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .take(5)
        .map(|w| w.parse().unwrap())
        .collect();
    (out, nums.try_into().unwrap())
}

fn check_output(out: &Output, expected: &str) {
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
}

#[test]
fn a_second_run_uses_the_saved_code_and_prints_the_same() {
    let d = dir("second");
    for dynamic in [false, true] {
        let (guest, expected) = build(&d, &format!("prog{}", dynamic as u8), &[], dynamic);
        let cache = d.join(format!("cache{}", dynamic as u8));
        // First run: everything compiled at first use, all of it kept.
        // (What is used then comes from the other threads.)
        let (out, [read, _, _, kept, written]) = run(&guest, &cache, "1");
        check_output(&out, &expected);
        assert_eq!(read, 0);
        assert!(
            kept > 100 && written >= kept / 2,
            "kept {kept}, written {written}"
        );
        // Then runs that find it all: the hot code never waits for the
        // JIT, and nothing is rejected.
        for threshold in ["128", "1"] {
            let (out, [read, used, rejected, _, _]) = run(&guest, &cache, threshold);
            check_output(&out, &expected);
            assert!(read >= written, "read {read} of {written}");
            assert!(used > 100, "used {used}");
            assert_eq!(rejected, 0);
        }
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn threads_use_the_code_another_thread_compiled() {
    let d = dir("threads");
    let (guest, expected) = build(&d, "prog", &[], true);
    let cache = d.join("cache");
    // An empty cache: whatever is used was compiled in this run, by
    // another thread (the main thread compiled `thread`'s loop only if it
    // ran it, and it does not).
    let (out, [read, used, rejected, _, _]) = run(&guest, &cache, "128");
    check_output(&out, &expected);
    assert_eq!((read, rejected), (0, 0));
    assert!(used >= 3, "used {used}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_changed_program_never_gets_the_old_code() {
    let d = dir("changed");
    let (one, one_expected) = build(&d, "one", &[], false);
    let (two, two_expected) = build(&d, "two", &["-DALT"], false);
    assert_ne!(one_expected, two_expected);
    let prog = d.join("prog");
    let cache = d.join("cache");
    std::fs::copy(&one, &prog).unwrap();
    let (out, _) = run(&prog, &cache, "1");
    check_output(&out, &one_expected);
    let (out, [_, used, _, _, _]) = run(&prog, &cache, "1");
    check_output(&out, &one_expected);
    assert!(used > 100);
    // The same path, another program: nothing of the old one is read.
    std::fs::copy(&two, &prog).unwrap();
    let (out, [read, _, rejected, _, _]) = run(&prog, &cache, "1");
    check_output(&out, &two_expected);
    assert_eq!((read, rejected), (0, 0));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn concurrent_runs_share_one_cache() {
    let d = dir("concurrent");
    let (guest, expected) = build(&d, "prog", &[], true);
    let cache = d.join("cache");
    for round in 0..2 {
        let children: Vec<_> = (0..6)
            .map(|_| {
                Command::new(EMULATOR)
                    .args(["-L", SYSROOT, "-tcache"])
                    .arg(&cache)
                    .arg(&guest)
                    .arg("x")
                    .env("RSEMU_JIT_THRESHOLD", "1")
                    .stdout(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for c in children {
            let out = c.wait_with_output().unwrap();
            check_output(&out, &expected);
        }
        let names: Vec<String> = std::fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(
            names.iter().all(|n| n.ends_with(".tc")),
            "round {round}: {names:?}"
        );
    }
    let (out, [read, used, rejected, _, _]) = run(&guest, &cache, "1");
    check_output(&out, &expected);
    assert!(read > 100 && used > 100, "read {read}, used {used}");
    assert_eq!(rejected, 0);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_relative_directory_is_taken_from_where_the_emulator_started() {
    let d = dir("relative");
    let (guest, expected) = build(&d, "prog", &[], false);
    let out = Command::new(EMULATOR)
        .args(["-tcache", "rel"])
        .arg(&guest)
        .arg("x")
        .current_dir(&d)
        .env("RSEMU_JIT_THRESHOLD", "1")
        .output()
        .unwrap();
    check_output(&out, &expected);
    assert!(std::fs::read_dir(d.join("rel")).unwrap().count() > 0);
    assert!(!Path::new("/rel").exists());
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_directory_that_cannot_be_made_is_reported_and_costs_nothing() {
    let d = dir("unwritable");
    let (guest, expected) = build(&d, "prog", &[], false);
    // A path under a regular file: no directory can be made there.
    let file = d.join("file");
    std::fs::write(&file, b"x").unwrap();
    let log = d.join("log");
    let out = Command::new(EMULATOR)
        .arg("-tcache")
        .arg(file.join("cache"))
        .args(["-d", "tcache", "-D"])
        .arg(&log)
        .arg(&guest)
        .arg("x")
        .env("RSEMU_JIT_THRESHOLD", "1")
        .output()
        .unwrap();
    check_output(&out, &expected);
    let text = std::fs::read_to_string(&log).unwrap();
    let line = text.lines().find(|l| l.starts_with("tcache: ")).unwrap();
    assert!(line.contains(" 0 written,"), "{line}");
    assert!(!line.contains(", 0 files not written"), "{line}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn off_writes_nothing() {
    let d = dir("off");
    let (guest, expected) = build(&d, "prog", &[], false);
    let home = d.join("home");
    std::fs::create_dir_all(&home).unwrap();
    for how in [&["-tcache", "off"][..], &[]] {
        let out = Command::new(EMULATOR)
            .args(how)
            .arg(&guest)
            .arg("x")
            .env("HOME", &home)
            .env_remove("XDG_CACHE_HOME")
            .env("RSEMU_TCACHE", "off")
            .output()
            .unwrap();
        check_output(&out, &expected);
    }
    assert_eq!(std::fs::read_dir(&home).unwrap().count(), 0);
    // On by default, under $HOME/.cache/rsemu.
    let out = Command::new(EMULATOR)
        .arg(&guest)
        .arg("x")
        .env("HOME", &home)
        .env_remove("XDG_CACHE_HOME")
        .env_remove("RSEMU_TCACHE")
        .output()
        .unwrap();
    check_output(&out, &expected);
    assert!(
        std::fs::read_dir(home.join(".cache/rsemu"))
            .unwrap()
            .count()
            > 0
    );
    let _ = std::fs::remove_dir_all(&d);
}
