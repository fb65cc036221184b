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
}
