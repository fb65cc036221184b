//! `rsemu-arm -g PORT` under Debian's gdb-multiarch in batch mode: the
//! program waits for GDB before its first instruction; GDB breaks at a
//! function, reads its arguments, a global and the NEON/VFP registers,
//! single-steps, writes memory, sets a watchpoint that fires, and sees
//! the exit status; a second program's fatal SIGSEGV reaches GDB before it
//! kills the program. The guests are built here with -g.

mod common;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const EMULATOR: &str = env!("CARGO_BIN_EXE_rsemu-arm");

const PROGRAM: &str = r#"
#include <stdio.h>
int counter;
int add(int a, int b) { counter++; return a + b; }
int main(void) {
    int s = 0;
    for (int i = 0; i < 3; i++) s = add(s, i);
    printf("sum %d counter %d\n", s, counter);
    return s;
}
"#;

/// Thread 1 spins in guest code (no system call) until GDB sets
/// `release`; threads 2 and 3, started once it spins, call `hit`: when
/// they hit their breakpoint, only an interrupt of its engine stops the
/// spinning thread.
const THREADS: &str = r#"
#include <pthread.h>
#include <stdio.h>
volatile int total, spinning, release;
void hit(int id) { total += id; }
void *worker(void *arg) {
    int id = (int)arg;
    if (id == 1) {
        spinning = 1;
        while (!release) {}
    } else {
        hit(id);
    }
    return 0;
}
int main(void) {
    pthread_t t[3];
    pthread_create(&t[0], 0, worker, (void *)1);
    while (!spinning) {}
    for (int i = 1; i < 3; i++) pthread_create(&t[i], 0, worker, (void *)(i + 1));
    for (int i = 0; i < 3; i++) pthread_join(t[i], 0);
    printf("total %d\n", total);
    return 0;
}
"#;

/// Two SIGUSR1s for a handler: GDB passes the first and drops the second.
const SIGNALS: &str = r#"
#include <signal.h>
#include <stdio.h>
volatile int got;
void on_usr1(int s) { got++; }
int main(void) {
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);
    raise(SIGUSR1);
    printf("got %d\n", got);
    return 0;
}
"#;

const CRASH: &str = r#"
int main(void) { *(volatile int *)16 = 1; return 0; }
"#;

fn build(name: &str, source: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    common::build_arm(&dir, name, source, &["-O0", "-g"])
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether something listens on `port` (any address), from
/// /proc/net/tcp: looking must not itself connect (state 0A is LISTEN).
fn listening(port: u16) -> bool {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let suffix = format!(":{port:04X}");
    table.lines().skip(1).any(|line| {
        let mut cols = line.split_whitespace().skip(1);
        cols.next().is_some_and(|local| local.ends_with(&suffix)) && cols.nth(1) == Some("0A")
    })
}

fn start(prog: &Path) -> (Child, u16) {
    for _ in 0..5 {
        let port = free_port();
        let mut child = Command::new(EMULATOR)
            .arg("-g")
            .arg(port.to_string())
            .arg(prog)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let t0 = Instant::now();
        while t0.elapsed() < Duration::from_secs(10) {
            if listening(port) {
                return (child, port);
            }
            if child.try_wait().unwrap().is_some() {
                break; // the port was taken meanwhile: another
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("rsemu-arm -g never listened");
}

fn gdb(prog: &Path, port: u16, cmds: &[&str]) -> String {
    let mut c = Command::new("timeout");
    c.args([
        "120",
        "gdb-multiarch",
        "-batch",
        "-nx",
        "-ex",
        "set architecture arm",
    ]);
    c.arg("-ex").arg(format!("target remote 127.0.0.1:{port}"));
    for cmd in cmds {
        c.arg("-ex").arg(cmd);
    }
    let out = c.arg(prog).output().expect("run gdb-multiarch");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn gdb_session() {
    let prog = build("gdb-prog", PROGRAM);
    let (child, port) = start(&prog);
    let log = gdb(
        &prog,
        port,
        &[
            "break add",
            "continue",
            "info registers r0 r1",
            "print counter",
            "print $d0",
            "print $fpscr",
            "info auxv",
            "info proc mappings",
            "stepi",
            "set var counter = 100",
            "delete",
            "watch counter",
            "continue",
            "delete",
            "rwatch counter",
            "continue",
            "delete",
            "awatch counter",
            "continue",
            "delete",
            "continue",
        ],
    );
    let out = child.wait_with_output().unwrap();
    for want in [
        "Breakpoint 1, add (a=0, b=0) at ",
        "r0             0x0",
        "$1 = 0\n",
        "$2 = {u8 = {",
        "$3 = 0",
        "AT_PAGESZ            System page size               4096",
        "AT_PLATFORM          String identifying platform    ",
        "[stack]",
        "Hardware watchpoint 2: counter",
        "Old value = 100\nNew value = 101\n",
        // The second call of add reads counter (the read watchpoint),
        // then writes it (the access watchpoint).
        "Hardware read watchpoint 3: counter\n\nValue = 101\n0x",
        " in add (a=0, b=1) at ",
        "Hardware access (read/write) watchpoint 4: counter\n\nOld value = 101\nNew value = 102\n",
        "exited with code 03",
    ] {
        assert!(log.contains(want), "no {want:?} in the GDB session:\n{log}");
    }
    // The program's own output: GDB's write reached its memory.
    assert_eq!(String::from_utf8_lossy(&out.stdout), "sum 3 counter 103\n");
    assert_eq!(out.status.code(), Some(3));

    // A fatal signal stops the program under GDB first.
    let crash = build("gdb-crash", CRASH);
    let (child, port) = start(&crash);
    let log = gdb(&crash, port, &["continue", "print $pc", "continue"]);
    let out = child.wait_with_output().unwrap();
    assert!(
        log.contains("Program received signal SIGSEGV, Segmentation fault."),
        "{log}"
    );
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(out.status.signal(), Some(libc::SIGSEGV));

    // Another signal in place of the fatal one: SIGUSR1 is delivered (its
    // default action kills), and no segmentation fault is reported.
    let (child, port) = start(&crash);
    let log = gdb(&crash, port, &["continue", "signal SIGUSR1", "continue"]);
    let out = child.wait_with_output().unwrap();
    assert!(log.contains("received signal SIGUSR1"), "{log}");
    assert_eq!(out.status.signal(), Some(libc::SIGUSR1), "{log}");
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("segmentation fault"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Every signal stops the program before it is delivered; GDB passes
    // it (continue) or drops it (signal 0).
    let sigs = build("gdb-signals", SIGNALS);
    let (child, port) = start(&sigs);
    let log = gdb(&sigs, port, &["continue", "continue", "signal 0"]);
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        log.matches("received signal SIGUSR1, User defined signal 1.")
            .count(),
        2,
        "{log}"
    );
    assert!(log.contains("exited normally"), "{log}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "got 1\n");
}

/// Every guest thread is a GDB thread, all-stop: each thread's breakpoint
/// hit stops the others (the spinning one included, whose registers GDB
/// then reads), a thread single-steps, and the program runs on to its
/// exit.
#[test]
fn gdb_threads() {
    let prog = build_threaded("gdb-threads", THREADS);
    let (child, port) = start(&prog);
    let log = gdb(
        &prog,
        port,
        &[
            "break hit",
            "continue",
            "stepi",
            "continue",
            "info threads",
            "thread apply all print $pc",
            "delete",
            "set var release = 1",
            "continue",
        ],
    );
    let out = child.wait_with_output().unwrap();
    let hits: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("hit Breakpoint 1, hit (id="))
        .collect();
    assert_eq!(hits.len(), 2, "two breakpoint hits:\n{log}");
    let mut ids: Vec<&str> = hits
        .iter()
        .map(|l| &l[l.find("(id=").unwrap() + 4..][..1])
        .collect();
    ids.sort();
    assert_eq!(ids, ["2", "3"], "each thread once:\n{log}");
    // Main, the spinning thread and the thread that hit last: each
    // one's registers read, the spinning one stopped in worker.
    let pcs: Vec<&str> = log.lines().filter(|l| l.starts_with('$')).collect();
    assert!(pcs.len() >= 3, "every thread's pc:\n{log}");
    assert!(pcs.iter().any(|l| l.contains("<worker+")), "{log}");
    assert!(!log.contains("Cannot"), "{log}");
    assert!(log.contains("exited normally"), "{log}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "total 5\n");
    assert_eq!(out.status.code(), Some(0));
}

fn build_threaded(name: &str, source: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    common::build_arm(&dir, name, source, &["-O0", "-g", "-pthread"])
}

/// A Thumb function with an IT block that calls an ARM function.
const INTERWORK: &str = r#"
__attribute__((naked, target("arm"))) int arm_part(int x) {
    __asm__("add r0, r0, #1\n\tbx lr");
}
__attribute__((naked, target("thumb"))) int thumb_it(int x) {
    __asm__("cmp r0, #5\n\t"
            "ite eq\n\t"
            "moveq r0, #10\n\t"
            "movne r0, #20\n\t"
            "push {r4, lr}\n\t"
            "blx arm_part\n\t"
            "pop {r4, pc}");
}
int main(void) { return thumb_it(5); }
"#;

/// Single steps go one instruction at a time through an IT block (the
/// instruction whose condition fails included), into ARM code and back
/// to Thumb; registers GDB writes (core and NEON) stay written.
#[test]
fn gdb_steps_through_it_blocks_and_interworking() {
    let prog = build("gdb-interwork", INTERWORK);
    let (child, port) = start(&prog);
    let mut cmds = vec![
        "break *thumb_it",
        "continue",
        "set $r10 = 0x1234",
        "set $d7.u64 = 0x1122334455667788",
    ];
    for _ in 0..9 {
        cmds.push("stepi");
        cmds.push("printf \"at %#x thumb %d r0 %d\\n\", $pc, ($cpsr >> 5) & 1, $r0");
    }
    cmds.extend(["printf \"r10 %#x d7 %#llx\\n\", $r10, $d7.u64", "continue"]);
    let log = gdb(&prog, port, &cmds);
    let out = child.wait_with_output().unwrap();
    let steps: Vec<&str> = log.lines().filter(|l| l.starts_with("at 0x")).collect();
    let addr = |sym: &str| -> u32 {
        let nm = Command::new("arm-linux-gnueabihf-nm")
            .arg(&prog)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&nm.stdout).into_owned();
        let line = text
            .lines()
            .find(|l| l.ends_with(&format!(" {sym}")))
            .unwrap();
        u32::from_str_radix(&line[..8], 16).unwrap() & !1
    };
    let (t, a) = (addr("thumb_it"), addr("arm_part"));
    let want = [
        (t + 2, 1, 5),  // after cmp
        (t + 4, 1, 5),  // after ite eq
        (t + 6, 1, 10), // moveq ran
        (t + 8, 1, 10), // movne did not
        (t + 10, 1, 10),
        (a, 0, 10), // blx: in ARM code
        (a + 4, 0, 11),
        (t + 14, 1, 11), // bx lr: back in Thumb
    ];
    for (i, (pc, thumb, r0)) in want.iter().enumerate() {
        assert_eq!(
            steps.get(i).copied(),
            Some(format!("at {pc:#x} thumb {thumb} r0 {r0}").as_str()),
            "step {}:\n{log}",
            i + 1
        );
    }
    assert!(log.contains("r10 0x1234 d7 0x1122334455667788"), "{log}");
    assert!(log.contains("exited with code 013"), "{log}");
    assert_eq!(out.status.code(), Some(11));
}
