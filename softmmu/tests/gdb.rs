//! `rsemu-system-arm -gdb`/`-S` driven by Debian's gdb-multiarch in batch
//! mode, as a developer debugging a kernel would: the machine waits for
//! GDB before its first instruction, GDB reads the target description,
//! sets a breakpoint at a symbol, continues to it, single-steps, reads and
//! writes core, VFP and NEON registers and memory, removes the breakpoint
//! and lets the guest run to its power-off. The guest's own output must
//! be unchanged by all that (a bare-metal test guest with its expected
//! output).

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether something listens on 127.0.0.1:`port`, read from
/// /proc/net/tcp so that looking does not itself make a connection the
/// machine would take for a debugger (state 0A is LISTEN).
fn listening(port: u16) -> bool {
    let table = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    let want = format!("0100007F:{port:04X}");
    table.lines().skip(1).any(|line| {
        let mut cols = line.split_whitespace().skip(1);
        cols.next() == Some(want.as_str()) && cols.nth(1) == Some("0A")
    })
}

/// Starts rsemu-system-arm with a GDB server on a free port of
/// 127.0.0.1 and `args`, and returns once the server listens. A port
/// taken between our probe and the machine's bind (the tests run in
/// parallel, and every connection takes an ephemeral port) is retried
/// with another; a machine that dies for another reason fails the test
/// with its own message.
fn start_machine(args: &[&str], kernel: &Path, stdout: Stdio) -> (Child, u16) {
    let mut stdout = Some(stdout);
    for _attempt in 0..5 {
        let port = free_port();
        let mut machine = Command::new(env!("CARGO_BIN_EXE_rsemu-system-arm"))
            .args(["-M", "virt", "-nographic"])
            .args(args)
            .arg("-gdb")
            .arg(format!("tcp:127.0.0.1:{port}"))
            .arg("-kernel")
            .arg(kernel)
            .stdin(Stdio::null())
            .stdout(stdout.take().unwrap_or_else(Stdio::piped))
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting rsemu-system-arm");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if listening(port) {
                return (machine, port);
            }
            if let Some(status) = machine.try_wait().unwrap() {
                let mut err = String::new();
                machine
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                if err.contains("cannot listen") {
                    break; // the port went to someone else: another one
                }
                panic!("rsemu-system-arm ended before its GDB server listened ({status}): {err}");
            }
            assert!(
                Instant::now() < deadline,
                "rsemu-system-arm's GDB server did not listen on port {port} within 60 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    panic!("no free port for the GDB server in five tries");
}

#[test]
fn gdb_multiarch_debugs_a_bare_metal_guest() {
    let elf = root().join("build/system-guests/uart.elf");
    assert!(
        elf.exists(),
        "{} missing: run scripts/build-system-guests.sh",
        elf.display()
    );
    let (mut machine, port) = start_machine(&["-S"], &elf, Stdio::piped());
    let script = [
        format!("file {}", elf.display()),
        format!("target remote 127.0.0.1:{port}"),
        "p/x $pc".into(),
        "break main".into(),
        "continue".into(),
        "p/x $pc".into(),
        "stepi".into(),
        "stepi".into(),
        "p/x $pc".into(),
        "p/x $r5".into(),
        "x/2xw 0x401000dc".into(),
        "set var $d2.f64 = 1.5".into(),
        "p/x $q1.u64".into(),
        "set var $s6 = 2.0".into(),
        "p/x $d3.u32".into(),
        "set var *(unsigned int *)0x40300000 = 0xcafef00d".into(),
        "p/x *(unsigned int *)0x40300000".into(),
        "p/x $cpsr & 0x1f".into(),
        "delete".into(),
        "continue".into(),
    ];
    let mut gdb = Command::new("gdb-multiarch");
    gdb.args(["-batch", "-nx"]);
    for cmd in &script {
        gdb.arg("-ex").arg(cmd);
    }
    let out = match gdb.output() {
        Ok(out) => out,
        Err(e) => panic!(
            "gdb-multiarch is needed for this test (scripts/install-deps.sh installs it): {e}"
        ),
    };
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    if !text.contains("exited normally") {
        let _ = machine.kill(); // GDB failed: do not wait for a guest it left stopped
    }
    let machine = machine.wait_with_output().unwrap();
    for want in [
        "$1 = 0x40100000",            // stopped before _start
        "Breakpoint 1 at 0x401000dc", // main
        "Breakpoint 1, main () at",   // reached
        "$2 = 0x401000dc",
        "$3 = 0x401000e4", // two instructions on:
        "$4 = 0x2000",     // push, movw r5 ran
        "0x401000dc <main>:\t0xe92d4880\t0xe3025000",
        "$5 = {0x3ff8000000000000, 0x0}", // d2 seen through q1
        "$6 = {0x40000000, 0x0}",         // s6 is d3's low half
        "$7 = 0xcafef00d",
        "$8 = 0x13", // SVC mode
        "exited normally",
    ] {
        assert!(
            text.contains(want),
            "missing {want:?} in gdb's output:\n{text}"
        );
    }
    assert_eq!(
        machine.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&machine.stderr)
    );
    let expected =
        std::fs::read_to_string(root().join("tests/guest/system/uart.expected")).unwrap();
    assert_eq!(String::from_utf8_lossy(&machine.stdout), expected);
}

/// Without -S the machine runs at once; GDB attaching later stops it
/// where it is (here a guest spinning in `b .`), and a `kill` ends it.
#[test]
fn gdb_attaches_to_a_running_machine() {
    let image = std::env::temp_dir().join(format!("rsemu-gdb-spin-{}.bin", std::process::id()));
    // mov r4, #0x2a; b .
    let words: [u32; 2] = [0xe3a0_402a, 0xeaff_fffe];
    std::fs::write(
        &image,
        words
            .iter()
            .flat_map(|w| w.to_le_bytes())
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let (mut machine, port) = start_machine(&[], &image, Stdio::null());
    // Let the guest run first, so GDB stops a machine that is running.
    std::thread::sleep(Duration::from_millis(300));
    let out = Command::new("gdb-multiarch")
        .args(["-batch", "-nx", "-ex"])
        .arg(format!("target remote 127.0.0.1:{port}"))
        .args(["-ex", "p/x $pc", "-ex", "p $r4", "-ex", "kill"])
        .output()
        .expect("gdb-multiarch");
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    if !text.contains("$2 = 42") {
        let _ = machine.kill(); // GDB failed: the guest would spin forever
    }
    let machine_out = {
        let status = machine.wait().unwrap();
        let mut err = String::new();
        machine
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        format!("rsemu-system-arm: {status}, stderr: {err}")
    };
    assert!(text.contains("$1 = 0x40008004"), "{text}\n{machine_out}");
    assert!(text.contains("$2 = 42"), "{text}\n{machine_out}");
    assert!(machine_out.contains("exit status: 0"), "{machine_out}");
    let _ = std::fs::remove_file(&image);
}
