//! Real Debian armhf programs, dynamically linked, run under
//! `rsemu-arm -L build/sysroot` (made by scripts/fetch-sysroot.sh): Python,
//! Perl, Lua, SQLite, bash and coreutils, each checked for exact output
//! (values from the languages' semantics and published hashes).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const EMULATOR: &str = env!("CARGO_BIN_EXE_rsemu-arm");

fn sysroot() -> PathBuf {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../build/sysroot"));
    assert!(
        root.join("usr/bin/python3.11").exists(),
        "{} is missing: run scripts/fetch-sysroot.sh",
        root.display()
    );
    root
}

fn run(prog: &str, args: &[&str], stdin: &str) -> (String, i32) {
    let root = sysroot();
    let mut child = Command::new(EMULATOR)
        .arg("-L")
        .arg(&root)
        .arg(root.join(prog.trim_start_matches('/')))
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LC_ALL", "C")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rsemu-arm");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{prog} {args:?} failed: {}\n{stderr}",
        out.status
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn python() {
    let script = r#"
import sys, os, json, hashlib, zlib, struct, threading, math
print(sys.version_info[:2], os.uname().machine)
print(json.dumps({"a": [1, 2.5, None]}, sort_keys=True))
print(hashlib.sha256(b"abc").hexdigest())
print(len(zlib.decompress(zlib.compress(b"x" * 1000))))
print(struct.pack("<I", 0x01020304).hex(), math.isclose(math.pi, 3.14159265, rel_tol=1e-8))
total = []
lock = threading.Lock()
def work(n):
    with lock:
        total.append(sum(range(n)))
ts = [threading.Thread(target=work, args=(k * 100,)) for k in range(1, 9)]
[t.start() for t in ts]
[t.join() for t in ts]
print(sorted(total)[-1], len(total))
"#;
    let (out, _) = run("usr/bin/python3.11", &["-c", script], "");
    assert_eq!(
        out,
        "(3, 11) armv7l\n{\"a\": [1, 2.5, null]}\n\
         ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n1000\n04030201 True\n319600 8\n"
    );
}

#[test]
fn perl() {
    let (out, _) = run(
        "usr/bin/perl",
        &[
            "-e",
            r#"my %h=(b=>2,a=>1); print join(",", map {"$_=$h{$_}"} sort keys %h), "\n"; printf("%.3f\n", atan2(1,1)*4);"#,
        ],
        "",
    );
    assert_eq!(out, "a=1,b=2\n3.142\n");
}

#[test]
fn lua() {
    let (out, _) = run(
        "usr/bin/lua5.4",
        &[
            "-e",
            "local t={} for i=1,10 do t[#t+1]=i*i end print(table.concat(t, ','), 7 // 2, 2^10)",
        ],
        "",
    );
    assert_eq!(out, "1,4,9,16,25,36,49,64,81,100\t3\t1024.0\n");
}

#[test]
fn sqlite() {
    let (out, _) = run(
        "usr/bin/sqlite3",
        &[":memory:", "create table t(a, b); insert into t values (1, 'x'), (2, 'y'); select group_concat(b, '-'), sum(a) from t;"],
        "",
    );
    assert_eq!(out, "x-y|3\n");
}

#[test]
fn bash_and_coreutils() {
    let (out, _) = run(
        "bin/bash",
        &[
            "-c",
            "declare -A m=([k]=v); arr=(3 1 2); echo ${m[k]} ${#arr[@]} $((2**10))",
        ],
        "",
    );
    assert_eq!(out, "v 3 1024\n");
    let (out, _) = run("usr/bin/sort", &["-n"], "10\n9\n100\n");
    assert_eq!(out, "9\n10\n100\n");
    let (out, _) = run("usr/bin/sha256sum", &[], "abc");
    assert_eq!(
        out,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -\n"
    );
}
