//! qemu-arm's options and their environment variables: `-cpu`/QEMU_CPU
//! (`-cpu help`; HWCAPs, /proc/cpuinfo and UNDEFINED instructions follow
//! the model), `-seed`/QEMU_RAND_SEED (AT_RANDOM and getrandom repeat),
//! `-r`/QEMU_UNAME, `-s`/QEMU_STACK_SIZE, `-B`/QEMU_GUEST_BASE, `-R`, `-E`/`-U`/QEMU_SET_ENV/QEMU_UNSET_ENV, `-0`/QEMU_ARGV0,
//! `-one-insn-per-tb`, `-version`, QEMU_GDB's port checked. The guest is
//! built here from the source below.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const EMULATOR: &str = env!("CARGO_BIN_EXE_rsemu-arm");

const SOURCE: &str = r#"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <sys/utsname.h>
int main(int argc, char **argv) {
    struct utsname u;
    uname(&u);
    printf("release %s\n", u.release);
    unsigned char *r = (unsigned char *)getauxval(AT_RANDOM), g[8];
    printf("AT_RANDOM %02x%02x%02x%02x%02x%02x%02x%02x\n", r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
    if (getrandom(g, 8, 0) != 8) return 1;
    printf("getrandom %02x%02x%02x%02x%02x%02x%02x%02x\n", g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]);
    printf("FOO=%s BAR=%s argv0=%s\n", getenv("FOO") ? getenv("FOO") : "-",
           getenv("BAR") ? getenv("BAR") : "-", argv[0]);
    unsigned long hw = getauxval(AT_HWCAP);
    printf("hwcap idiva %d vfpv4 %d neon %d\n", !!(hw & (1 << 17)), !!(hw & (1 << 16)), !!(hw & (1 << 12)));
    char line[256];
    FILE *f = fopen("/proc/cpuinfo", "r");
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "Features", 8) || !strncmp(line, "CPU part", 8)) fputs(line, stdout);
    if (f) fclose(f);
    fflush(stdout);
    if (argc > 1) {
        volatile int a = 84, b = 2;
        int q;
        __asm__ volatile("sdiv %0, %1, %2" : "=r"(q) : "r"(a), "r"(b));
        printf("sdiv %d\n", q);
    }
    return 0;
}
"#;

/// Checks that user space ends at argv[1] (hex): the stack just below it,
/// every mmap below it until ENOMEM, MAP_FIXED at it refused with ENOMEM
/// as Linux refuses one past TASK_SIZE; then execs itself to check the
/// same in the new program.
const RESERVED_VA: &str = r#"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
int main(int argc, char **argv) {
    unsigned long limit = strtoul(argv[1], 0, 16), hi = 0;
    int local, n = 0;
    if ((unsigned long)&local >= limit || (unsigned long)&local < limit - (128 << 20)) {
        printf("stack at %p\n", (void *)&local);
        return 1;
    }
    for (;;) {
        void *p = mmap(0, 16 << 20, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) {
            if (errno != ENOMEM) return 2;
            break;
        }
        if ((unsigned long)p + (16 << 20) > hi) hi = (unsigned long)p + (16 << 20);
        if (++n > 1000) return 3;
    }
    if (n == 0 || hi > limit) {
        printf("%d mappings, the highest ending at 0x%lx\n", n, hi);
        return 4;
    }
    void *f = mmap((void *)limit, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (f != MAP_FAILED || errno != ENOMEM) return 5;
    printf("%s: user space ends at 0x%lx\n", argc > 2 ? "exec'd" : "first", limit);
    fflush(stdout);
    if (argc == 2) {
        execl(argv[0], argv[0], argv[1], "again", (char *)0);
        return 6;
    }
    return 0;
}
"#;

/// `-R SIZE` / QEMU_RESERVED_VA below 4 GiB: the guest's user space ends
/// there (passed on to programs it execs); 4G or more is the default.
#[test]
fn reserved_va_limits_user_space() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let prog = common::build_arm(&dir, "reserved_va.arm", RESERVED_VA, &["-O2"]);
    for (args, env, limit) in [
        (vec![], vec![], "bf000000"),
        (vec!["-R", "4G"], vec![], "bf000000"),
        (vec!["-R", "256M"], vec![], "10000000"),
        (vec!["-R", "0x30000000"], vec![], "30000000"),
        (vec![], vec![("QEMU_RESERVED_VA", "512M")], "20000000"),
    ] {
        for accel in ["interp", "jit"] {
            let mut a = args.clone();
            a.extend(["-accel", accel]);
            let o = run(&a, &env, &prog, &[limit]);
            assert_eq!(
                stdout(&o),
                format!(
                    "first: user space ends at 0x{limit}\nexec'd: user space ends at 0x{limit}\n"
                ),
                "{a:?} {env:?}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            assert_eq!(o.status.code(), Some(0), "{a:?} {env:?}");
        }
    }
}

fn guest() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    common::build_arm(&dir, "options.arm", SOURCE, &["-O2", "-mcpu=cortex-a15"])
}

fn run(args: &[&str], env: &[(&str, &str)], prog: &Path, prog_args: &[&str]) -> Output {
    let mut c = Command::new(EMULATOR);
    for v in [
        "QEMU_CPU",
        "QEMU_RAND_SEED",
        "QEMU_UNAME",
        "QEMU_SET_ENV",
        "QEMU_UNSET_ENV",
        "QEMU_ARGV0",
        "QEMU_GDB",
        "QEMU_RESERVED_VA",
        "FOO",
        "BAR",
    ] {
        c.env_remove(v);
    }
    c.envs(env.iter().copied())
        .args(args)
        .arg(prog)
        .args(prog_args);
    c.output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn line<'a>(text: &'a str, prefix: &str) -> &'a str {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} in {text}"))
}

#[test]
fn qemu_options_and_variables() {
    let prog = guest();

    let help = run(&["-cpu", "help"], &[], &prog, &[]);
    assert_eq!(
        stdout(&help),
        "Available CPUs:\n  cortex-a15\n  cortex-a7\n  cortex-a9\n  cortex-a8\n  max\n"
    );
    let bad = run(&["-cpu", "pentium"], &[], &prog, &[]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown CPU model 'pentium'"));
    assert!(stdout(&run(&["-version"], &[], &prog, &[])).starts_with("rsemu-arm "));
    // (-g itself: tests/gdb.rs.) A bad port is refused, from QEMU_GDB too.
    let g = run(&[], &[("QEMU_GDB", "notaport")], &prog, &[]);
    assert_eq!(g.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&g.stderr).contains("not a TCP port"));

    // The default model: an A15, with divide and VFPv4.
    let a15 = run(&[], &[], &prog, &["div"]);
    let t = stdout(&a15);
    assert!(a15.status.success(), "{t}");
    assert!(t.contains("hwcap idiva 1 vfpv4 1 neon 1\n"), "{t}");
    assert!(t.contains("CPU part\t: 0xc0f\n"), "{t}");
    assert!(t.contains("Features\t: swp half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt vfpd32 lpae\n"), "{t}");
    assert!(t.ends_with("sdiv 42\n"), "{t}");

    // A Cortex-A9 has neither: SDIV is UNDEFINED (SIGILL), under both
    // backends; -cpu and QEMU_CPU alike.
    for (args, env) in [
        (vec!["-cpu", "cortex-a9", "-accel", "interp"], vec![]),
        (vec!["-accel", "jit"], vec![("QEMU_CPU", "cortex-a9")]),
    ] {
        let a9 = run(&args, &env, &prog, &["div"]);
        let t = stdout(&a9);
        assert!(t.contains("hwcap idiva 0 vfpv4 0 neon 1\n"), "{t}");
        assert!(t.contains("CPU part\t: 0xc09\n"), "{t}");
        assert!(
            t.contains("Features\t: swp half thumb fastmult vfp edsp neon vfpv3 tls vfpd32\n"),
            "{t}"
        );
        assert!(!t.contains("sdiv"), "{t}");
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(a9.status.signal(), Some(libc::SIGILL), "{t}");
    }

    // -seed: the same random bytes each run (and QEMU_RAND_SEED is the same
    // seed); another seed, other bytes.
    let rand = |o: &Output| {
        let t = stdout(o);
        (
            line(&t, "AT_RANDOM").to_string(),
            line(&t, "getrandom").to_string(),
        )
    };
    let s7 = rand(&run(&["-seed", "7"], &[], &prog, &[]));
    assert_eq!(s7, rand(&run(&["-seed", "7"], &[], &prog, &[])));
    assert_eq!(s7, rand(&run(&[], &[("QEMU_RAND_SEED", "7")], &prog, &[])));
    assert_ne!(s7, rand(&run(&["-seed", "8"], &[], &prog, &[])));
    assert_ne!(s7.0, rand(&run(&[], &[], &prog, &[])).0);

    // -r / QEMU_UNAME, -E/-U and their lists, -0 / QEMU_ARGV0.
    let t = stdout(&run(
        &[
            "-r",
            "9.9.9-test",
            "-E",
            "FOO=1",
            "-U",
            "BAR",
            "-0",
            "custom",
        ],
        &[("BAR", "x")],
        &prog,
        &[],
    ));
    assert!(t.starts_with("release 9.9.9-test\n"), "{t}");
    assert!(t.contains("FOO=1 BAR=- argv0=custom\n"), "{t}");
    let t = stdout(&run(
        &[],
        &[
            ("QEMU_UNAME", "1.2.3"),
            ("QEMU_SET_ENV", "FOO=2,OTHER=3"),
            ("QEMU_UNSET_ENV", "BAR"),
            ("BAR", "x"),
            ("QEMU_ARGV0", "fromenv"),
        ],
        &prog,
        &[],
    ));
    assert!(t.starts_with("release 1.2.3\n"), "{t}");
    assert!(t.contains("FOO=2 BAR=- argv0=fromenv\n"), "{t}");

    // -s / QEMU_STACK_SIZE: the main stack's size ([stack] in -d page).
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let page_log = dir.join("page.log");
    for (args, env, range) in [
        (vec!["-s", "1M"], vec![], "bef00000-bf000000"),
        (
            vec![],
            vec![("QEMU_STACK_SIZE", "64M")],
            "bb000000-bf000000",
        ),
        (vec![], vec![], "be800000-bf000000"),
    ] {
        let mut a = args.clone();
        a.extend(["-d", "page", "-D", page_log.to_str().unwrap()]);
        assert!(run(&a, &env, &prog, &[]).status.success());
        let text = std::fs::read_to_string(&page_log).unwrap();
        let stack = text.lines().find(|l| l.ends_with("[stack]")).unwrap_or("");
        assert!(stack.starts_with(range), "{args:?} {env:?}: {text}");
    }
    let bad = run(&["-s", "1G"], &[], &prog, &[]);
    assert_eq!(bad.status.code(), Some(1));

    // -B / QEMU_GUEST_BASE place the guest's 4 GiB; -R takes only 4 GiB.
    for (args, env) in [
        (vec!["-B", "0x200000000", "-R", "4G"], vec![]),
        (vec![], vec![("QEMU_GUEST_BASE", "0x200000000")]),
    ] {
        let mut a = args.clone();
        a.extend([
            "-accel",
            "jit",
            "-d",
            "page",
            "-D",
            page_log.to_str().unwrap(),
        ]);
        let o = run(&a, &env, &prog, &["div"]);
        assert!(stdout(&o).ends_with("sdiv 42\n"), "{}", stdout(&o));
        let text = std::fs::read_to_string(&page_log).unwrap();
        assert!(text.starts_with("guest base 0x200000000;"), "{text}");
    }
    let bad = run(&["-R", "1M"], &[], &prog, &[]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("at least 256 MiB"));

    // -one-insn-per-tb: blocks of one instruction, same results.
    let log = dir.join("one-insn.log");
    for accel in ["interp", "jit"] {
        let o = run(
            &[
                "-one-insn-per-tb",
                "-accel",
                accel,
                "-d",
                "in_asm",
                "-D",
                log.to_str().unwrap(),
                "-seed",
                "7",
            ],
            &[],
            &prog,
            &["div"],
        );
        assert!(o.status.success());
        assert_eq!(rand(&o), s7);
        let text = std::fs::read_to_string(&log).unwrap();
        let blocks: Vec<&str> = text.split("IN: ").skip(1).collect();
        assert!(blocks.len() > 100);
        for b in blocks {
            let insns = b
                .lines()
                .filter(|l| l.starts_with("0x") && l.contains(":  "))
                .count();
            assert_eq!(insns, 1, "{b}");
        }
    }
}
