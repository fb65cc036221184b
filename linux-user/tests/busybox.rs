//! Runs each `tests/busybox/NAME.sh` as `rsemu-arm BUSYBOX sh NAME.sh`, with
//! Debian's static armhf busybox (`scripts/fetch-busybox.sh` puts it in
//! `build/busybox/bin/busybox`), and compares stdout and exit status with
//! `tests/busybox/NAME.expected` when that file exists, else with the same
//! script run by the host's `/bin/sh` and host tools.
//! `RSEMU_BUSYBOX_FILTER=substring` selects scripts by name.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
const EMULATOR: &str = env!("CARGO_BIN_EXE_rsemu-arm");
const TIMEOUT: Duration = Duration::from_secs(60);

fn run(mut cmd: Command, cwd: &Path) -> Result<(Output, bool), String> {
    cmd.current_dir(cwd)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("LC_ALL", "C")
        .env("TMPDIR", cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("spawn {cmd:?}: {e}"))?;
    let mut o = child.stdout.take().unwrap();
    let mut e = child.stderr.take().unwrap();
    let ot = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = o.read_to_end(&mut v);
        v
    });
    let et = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = e.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
            break st;
        }
        if start.elapsed() > TIMEOUT {
            timed_out = true;
            let _ = child.kill();
            break child.wait().map_err(|e| e.to_string())?;
        }
        thread::sleep(Duration::from_millis(10));
    };
    let stdout = ot.join().unwrap_or_default();
    let stderr = et.join().unwrap_or_default();
    Ok((
        Output {
            status,
            stdout,
            stderr,
        },
        timed_out,
    ))
}

fn first_diff(want: &str, got: &str) -> String {
    let w: Vec<&str> = want.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    let i = w.iter().zip(&g).take_while(|(a, b)| a == b).count();
    let mut s = format!("    first difference at line {}:\n", i + 1);
    for k in i..(i + 5) {
        if let Some(l) = w.get(k) {
            s += &format!("    - {l}\n");
        }
        if let Some(l) = g.get(k) {
            s += &format!("    + {l}\n");
        }
    }
    s
}

#[test]
fn busybox_scripts() {
    let root = Path::new(ROOT);
    let busybox = root.join("build/busybox/bin/busybox");
    assert!(
        busybox.is_file(),
        "{} is missing: run scripts/fetch-busybox.sh (after scripts/install-deps.sh)",
        busybox.display()
    );
    let filter = std::env::var("RSEMU_BUSYBOX_FILTER").unwrap_or_default();
    let mut scripts: Vec<PathBuf> = fs::read_dir(root.join("tests/busybox"))
        .expect("tests/busybox exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "sh"))
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains(&filter))
        .collect();
    scripts.sort();
    assert!(
        !scripts.is_empty(),
        "no tests/busybox/*.sh scripts match {filter:?}"
    );
    let scratch = std::env::temp_dir().join(format!("rsemu-busybox-tests-{}", std::process::id()));
    let mut failures = Vec::new();
    for script in &scripts {
        let name = script.file_stem().unwrap().to_string_lossy().into_owned();
        let cwd = scratch.join(&name);
        fs::create_dir_all(&cwd).unwrap();
        let expected_file = script.with_extension("expected");
        let (want, want_code) = if expected_file.exists() {
            (fs::read(&expected_file).unwrap(), Some(0))
        } else {
            let mut host = Command::new("/bin/sh");
            host.arg(script);
            match run(host, &cwd) {
                Ok((o, _)) => (o.stdout, o.status.code()),
                Err(e) => {
                    failures.push(format!("{name}: host /bin/sh: {e}"));
                    continue;
                }
            }
        };
        let mut emu = Command::new(EMULATOR);
        emu.arg(&busybox).arg("sh").arg(script);
        let start = Instant::now();
        match run(emu, &cwd) {
            Err(e) => failures.push(format!("{name}: {e}")),
            Ok((out, timed_out)) => {
                let mut problems = Vec::new();
                if timed_out {
                    problems.push(format!("timed out after {TIMEOUT:?}"));
                }
                if out.status.code() != want_code {
                    problems.push(format!("status {:?}, want exit {want_code:?}", out.status));
                }
                if out.stdout != want {
                    problems.push(format!(
                        "stdout differs\n{}",
                        first_diff(
                            &String::from_utf8_lossy(&want),
                            &String::from_utf8_lossy(&out.stdout)
                        )
                    ));
                }
                if problems.is_empty() {
                    eprintln!("ok   {name} ({:.2?})", start.elapsed());
                } else {
                    let err = String::from_utf8_lossy(&out.stderr);
                    let tail: Vec<&str> = err.lines().rev().take(10).collect();
                    let tail: String = tail.iter().rev().map(|l| format!("    | {l}\n")).collect();
                    failures.push(format!(
                        "{name}:\n  {}\n  stderr (tail):\n{tail}",
                        problems.join("\n  ")
                    ));
                }
            }
        }
    }
    let _ = fs::remove_dir_all(&scratch);
    assert!(
        failures.is_empty(),
        "{} of {} busybox scripts failed:\n\n{}",
        failures.len(),
        scripts.len(),
        failures.join("\n\n")
    );
}
