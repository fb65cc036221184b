//! Runs every guest program in `build/guest/` (built by `scripts/build-guests.sh`
//! from `tests/guest/*.c` / `*.S`) under `rsemu-arm` and checks its exact
//! stdout against `tests/guest/NAME.expected` and its exit status or
//! terminating signal.
//!
//! Header comments in the first 40 lines of `tests/guest/NAME.c` (or `.S`):
//!
//! * `// args: A B C`      argv after the program (split on whitespace)
//! * `// env: NAME=VALUE`  environment variable (may repeat); the guest gets
//!   only `PATH=/usr/bin:/bin` plus these
//! * `// stdin: FILE`      file in `tests/guest/` fed as stdin (default: empty)
//! * `// exit: N`          expected exit status (default 0)
//! * `// signal: N`        the guest must be killed by signal N
//!
//! Each case runs in its own fresh temporary working directory, with a 20 s
//! timeout, once per backend: the interpreter, and the JIT compiling every
//! block at its first run (`RSEMU_JIT_THRESHOLD=1`, so the compiled code,
//! not the interpreter, runs nearly all of the program).
//! `RSEMU_GUEST_FILTER=substring` selects cases by `NAME.VARIANT/ACCEL`;
//! `RSEMU_ACCELS=interp,jit` the backends; `RSEMU_GUEST_JOBS=N` sets the
//! number of worker threads.

use std::collections::VecDeque;
use std::fs;
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const GUEST_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../build/guest");
const SRC_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/guest");
const EMULATOR: &str = env!("CARGO_BIN_EXE_rsemu-arm");
const TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, Clone, PartialEq)]
enum Want {
    Exit(i32),
    Signal(i32),
}

#[derive(Debug, Clone)]
struct Case {
    /// `NAME.VARIANT/ACCEL`
    file: String,
    /// The `-accel` backend.
    accel: String,
    name: String,
    variant: String,
    binary: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<PathBuf>,
    want: Want,
    expected: PathBuf,
}

fn headers(src: &str, key: &str) -> Vec<String> {
    let prefix = format!("{key}:");
    src.lines()
        .take(40)
        .filter_map(|l| {
            let l = l.trim_start().strip_prefix("//")?.trim_start();
            l.strip_prefix(&prefix).map(|v| v.trim().to_string())
        })
        .collect()
}

fn parse_case(binary: PathBuf) -> Result<Case, String> {
    let file = binary.file_name().unwrap().to_string_lossy().into_owned();
    let (name, variant) = file
        .split_once('.')
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .ok_or_else(|| format!("{file}: guest file name is not NAME.VARIANT"))?;
    let src_dir = Path::new(SRC_DIR);
    let src_path = ["c", "S"]
        .iter()
        .map(|ext| src_dir.join(format!("{name}.{ext}")))
        .find(|p| p.exists())
        .ok_or_else(|| format!("{file}: no source tests/guest/{name}.c or .S"))?;
    let src = fs::read_to_string(&src_path).map_err(|e| format!("{}: {e}", src_path.display()))?;
    let args = headers(&src, "args")
        .first()
        .map(|a| a.split_whitespace().map(String::from).collect())
        .unwrap_or_default();
    let env = headers(&src, "env")
        .into_iter()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => Ok((k.to_string(), v.to_string())),
            None => Err(format!("{file}: bad env header '{kv}'")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let stdin = headers(&src, "stdin").first().map(|f| src_dir.join(f));
    let num = |key: &str| -> Result<Option<i32>, String> {
        headers(&src, key)
            .first()
            .map(|v| {
                v.parse::<i32>()
                    .map_err(|e| format!("{file}: bad {key} header '{v}': {e}"))
            })
            .transpose()
    };
    let want = match (num("signal")?, num("exit")?) {
        (Some(sig), _) => Want::Signal(sig),
        (None, code) => Want::Exit(code.unwrap_or(0)),
    };
    Ok(Case {
        expected: src_dir.join(format!("{name}.expected")),
        file,
        accel: String::new(),
        name,
        variant,
        binary,
        args,
        env,
        stdin,
        want,
    })
}

struct Outcome {
    status: Option<ExitStatus>,
    timed_out: bool,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    elapsed: Duration,
}

fn run_case(case: &Case, scratch: &Path) -> Result<Outcome, String> {
    let cwd = scratch.join(case.file.replace('/', "."));
    fs::create_dir_all(&cwd).map_err(|e| format!("mkdir {}: {e}", cwd.display()))?;
    let mut cmd = Command::new(EMULATOR);
    cmd.arg("-accel").arg(&case.accel);
    if case.variant.starts_with("dyn") {
        // Dynamically linked: the ELF interpreter and libraries come from
        // Debian's cross sysroot.
        cmd.arg("-L").arg("/usr/arm-linux-gnueabihf");
    }
    cmd.arg(&case.binary)
        .args(&case.args)
        .current_dir(&cwd)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("RSEMU_JIT_THRESHOLD", "1")
        .envs(case.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match &case.stdin {
        Some(f) => {
            let file = fs::File::open(f).map_err(|e| format!("stdin {}: {e}", f.display()))?;
            cmd.stdin(file);
        }
        None => {
            cmd.stdin(Stdio::null());
        }
    }
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("spawn {EMULATOR}: {e}"))?;
    // Drain the pipes on helper threads so a chatty guest cannot block.
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_t = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_t = thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let mut timed_out = false;
    let status = loop {
        match child.try_wait() {
            Ok(Some(st)) => break Some(st),
            Ok(None) if start.elapsed() > TIMEOUT => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().ok();
            }
            Ok(None) => thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("wait: {e}")),
        }
    };
    let elapsed = start.elapsed();
    let stdout = out_t.join().unwrap_or_default();
    let stderr = err_t.join().unwrap_or_default();
    let _ = fs::remove_dir_all(&cwd);
    Ok(Outcome {
        status,
        timed_out,
        stdout,
        stderr,
        elapsed,
    })
}

fn describe(st: Option<ExitStatus>) -> String {
    match st {
        None => "unknown status".into(),
        Some(st) => match (st.code(), st.signal()) {
            (Some(c), _) => format!("exit {c}"),
            (None, Some(s)) => format!("signal {s}"),
            _ => format!("{st:?}"),
        },
    }
}

/// The first differing lines of expected vs actual output, with context.
fn first_diff(want: &str, got: &str) -> String {
    let w: Vec<&str> = want.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    let i = w.iter().zip(&g).take_while(|(a, b)| a == b).count();
    let mut s = format!(
        "    first difference at line {} (expected {} lines, got {}):\n",
        i + 1,
        w.len(),
        g.len()
    );
    for k in i..(i + 5) {
        if k < w.len() {
            s += &format!("    - {}\n", w[k]);
        }
        if k < g.len() {
            s += &format!("    + {}\n", g[k]);
        }
    }
    if w.len() == g.len() && i == w.len() {
        s += "    (lines equal: difference in trailing newline or line endings)\n";
    }
    s
}

fn tail(bytes: &[u8], lines: usize) -> String {
    let s = String::from_utf8_lossy(bytes);
    let v: Vec<&str> = s.lines().collect();
    v[v.len().saturating_sub(lines)..]
        .iter()
        .map(|l| format!("    | {l}\n"))
        .collect()
}

fn check(case: &Case, scratch: &Path) -> Result<Duration, String> {
    let expected = fs::read(&case.expected)
        .map_err(|e| format!("missing expected output {}: {e}", case.expected.display()))?;
    let out = run_case(case, scratch)?;
    let mut problems = Vec::new();
    if out.timed_out {
        problems.push(format!("timed out after {TIMEOUT:?} (killed)"));
    }
    let st = out.status;
    let status_ok = match (&case.want, st) {
        (Want::Exit(c), Some(st)) => st.code() == Some(*c),
        (Want::Signal(s), Some(st)) => st.signal() == Some(*s),
        (_, None) => false,
    };
    if !status_ok && !out.timed_out {
        let want = match &case.want {
            Want::Exit(c) => format!("exit {c}"),
            Want::Signal(s) => format!("signal {s}"),
        };
        problems.push(format!("status: got {}, want {want}", describe(st)));
    }
    if out.stdout != expected {
        problems.push(format!(
            "stdout differs\n{}",
            first_diff(
                &String::from_utf8_lossy(&expected),
                &String::from_utf8_lossy(&out.stdout)
            )
        ));
    }
    if problems.is_empty() {
        Ok(out.elapsed)
    } else {
        let mut msg = format!(
            "{} [{} {}] ({} {:?}, args {:?}):\n  {}",
            case.name,
            case.variant,
            case.accel,
            case.binary.display(),
            out.elapsed,
            case.args,
            problems.join("\n  ")
        );
        if !out.stderr.is_empty() {
            msg += &format!("\n  stderr (tail):\n{}", tail(&out.stderr, 10));
        }
        Err(msg)
    }
}

#[test]
fn guest_programs() {
    let dir = Path::new(GUEST_DIR);
    let mut bins: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.is_file() && !p.to_string_lossy().ends_with(".tmp"))
            .collect(),
        Err(_) => Vec::new(),
    };
    assert!(
        !bins.is_empty(),
        "no guest programs in {}: run scripts/build-guests.sh first \
         (needs arm-linux-gnueabihf-gcc: scripts/install-deps.sh)",
        dir.display()
    );
    bins.sort();
    let filter = std::env::var("RSEMU_GUEST_FILTER").unwrap_or_default();
    let accels = std::env::var("RSEMU_ACCELS").unwrap_or_else(|_| "interp,jit".into());
    let mut failures = Vec::new();
    let mut cases = VecDeque::new();
    for b in bins {
        match parse_case(b) {
            Ok(c) => {
                for accel in accels.split(',') {
                    let mut c = c.clone();
                    c.file = format!("{}/{accel}", c.file);
                    c.accel = accel.to_string();
                    if filter.is_empty() || c.file.contains(&filter) {
                        cases.push_back(c);
                    }
                }
            }
            Err(e) => failures.push(e),
        }
    }
    assert!(
        !cases.is_empty() || !failures.is_empty(),
        "RSEMU_GUEST_FILTER={filter:?} matches no guest program in {}",
        dir.display()
    );
    let total = cases.len();
    let scratch = std::env::temp_dir().join(format!("rsemu-guest-tests-{}", std::process::id()));
    fs::create_dir_all(&scratch).expect("create scratch directory");
    let jobs = std::env::var("RSEMU_GUEST_JOBS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or_else(|| {
            thread::available_parallelism()
                .map_or(2, |n| n.get())
                .clamp(2, 4)
        });
    let queue = Arc::new(Mutex::new(cases));
    let results = Arc::new(Mutex::new(Vec::new()));
    let workers: Vec<_> = (0..jobs)
        .map(|_| {
            let queue = Arc::clone(&queue);
            let results = Arc::clone(&results);
            let scratch = scratch.clone();
            thread::spawn(move || loop {
                let next = queue.lock().unwrap().pop_front();
                let Some(case) = next else { break };
                let r = check(&case, &scratch);
                match &r {
                    Ok(t) => eprintln!("ok   {} ({t:.2?})", case.file),
                    Err(_) => eprintln!("FAIL {}", case.file),
                }
                results.lock().unwrap().push((case.file.clone(), r));
            })
        })
        .collect();
    for w in workers {
        w.join().expect("worker thread panicked");
    }
    let _ = fs::remove_dir_all(&scratch);
    let mut results = std::mem::take(&mut *results.lock().unwrap());
    results.sort_by(|a, b| a.0.cmp(&b.0));
    failures.extend(results.into_iter().filter_map(|(_, r)| r.err()));
    if !failures.is_empty() {
        panic!(
            "{} of {} guest program runs failed:\n\n{}\n",
            failures.len(),
            total,
            failures.join("\n\n")
        );
    }
    eprintln!("{total} guest program runs passed");
}
