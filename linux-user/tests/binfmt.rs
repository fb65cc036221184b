//! rsemu-arm as the kernel's binfmt_misc handler, for real (needs root, as
//! CI has): `--binfmt register` under a test-unique name, then ARM programs
//! exec'd straight from the host with each flag: none (argv[0] is the
//! path), `P` (argv[0] preserved), `O` (an execute-only program, run by an
//! unprivileged user: the kernel opens it), `C` (a setuid-root ARM program
//! run by nobody gets euid 0; with `O` alone it does not), `F` with the
//! static build (`scripts/build-static.sh`) in a chroot of the Debian armhf
//! sysroot where bash runs coreutils and python3 runs a subprocess, and
//! (where Debian's docker.io can run: the test starts its own dockerd and
//! stops it) a container imported from that sysroot; then `unregister`, and nothing of ours is left registered, also when a check
//! fails (the entry is removed on drop). Everything runs in one test: the
//! newest entry for the ARM magic wins, so entries must not overlap.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const EMULATOR: &str = env!("CARGO_BIN_EXE_rsemu-arm");
const BINFMT: &str = "/proc/sys/fs/binfmt_misc";

fn root() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// Our registered entry; removed when dropped.
struct Entry {
    name: String,
}

impl Entry {
    fn register(name: &str, flags: &str, handler: &str) -> Entry {
        let out = Command::new(EMULATOR)
            .args([
                "--binfmt", "register", "--name", name, "--flags", flags, "--path", handler,
            ])
            .output()
            .expect("run rsemu-arm --binfmt register");
        let entry = Entry { name: name.into() };
        assert!(out.status.success(), "register {flags}: {}", text(&out));
        entry
    }

    fn unregister(self) {
        let out = Command::new(EMULATOR)
            .args(["--binfmt", "unregister", "--name", &self.name])
            .output()
            .unwrap();
        assert!(out.status.success(), "unregister: {}", text(&out));
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        let path = Path::new(BINFMT).join(&self.name);
        if path.exists() {
            let _ = std::fs::write(path, "-1");
        }
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}\n{}{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// An ARM program printing its argv and ids.
const IDS: &str = r#"#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
    for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
    printf("uid=%d euid=%d\n", (int)getuid(), (int)geteuid());
    return 0;
}
"#;

fn run_as(prog: &Path, arg0: &str, uid: Option<u32>) -> Output {
    let mut c = Command::new(prog);
    c.arg0(arg0).arg("one");
    if let Some(id) = uid {
        c.uid(id).gid(id); // (std drops the supplementary groups)
    }
    c.output().expect("exec the ARM program")
}

#[test]
fn binfmt_misc_handler() {
    // SAFETY: geteuid cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        panic!("the binfmt_misc test needs root (CI runs as root)");
    }
    let name = format!("rsemu-test-{}", std::process::id());
    let dir = std::env::temp_dir().join(&name);
    std::fs::create_dir_all(&dir).unwrap();
    let _cleanup = RemoveOnDrop(dir.clone());
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let prog = common::build_arm(&dir, "ids", IDS, &["-O2"]);
    let prog_s = prog.to_str().unwrap().to_string();

    // Without root: a clear refusal, nothing registered.
    let out = Command::new(EMULATOR)
        .args(["--binfmt", "register", "--name", &name])
        .uid(65534)
        .gid(65534)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("root is needed"), "{}", text(&out));
    assert!(!Path::new(BINFMT).join(&name).exists());

    // No flags: the kernel passes the program's path as argv[0].
    let e = Entry::register(&name, "", EMULATOR);
    let status = Command::new(EMULATOR)
        .args(["--binfmt", "status", "--name", &name])
        .output()
        .unwrap();
    assert!(
        text(&status).contains(&format!(
            "interpreter {}",
            std::fs::canonicalize(EMULATOR).unwrap().display()
        )),
        "{}",
        text(&status)
    );
    let out = run_as(&prog, "custom", None);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("argv[0]={prog_s}\nargv[1]=one\nuid=0 euid=0\n"),
        "{}",
        text(&out)
    );

    // P: argv[0] as the caller gave it.
    let e2 = Entry::register(&name, "P", EMULATOR);
    std::mem::forget(e); // same name: e2 owns it now
    let out = run_as(&prog, "custom", None);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "argv[0]=custom\nargv[1]=one\nuid=0 euid=0\n",
        "{}",
        text(&out)
    );

    // O: an execute-only program for an unprivileged user, who could not
    // read it to emulate it without the kernel's descriptor.
    std::fs::set_permissions(&prog, std::fs::Permissions::from_mode(0o711)).unwrap();
    let out = run_as(&prog, "custom", Some(65534));
    assert!(!out.status.success(), "without O: {}", text(&out));
    let e3 = Entry::register(&name, "O", EMULATOR);
    std::mem::forget(e2);
    let out = run_as(&prog, "custom", Some(65534));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("argv[0]={prog_s}\nargv[1]=one\nuid=65534 euid=65534\n"),
        "{}",
        text(&out)
    );

    // C: a setuid-root ARM program; with O alone the ids stay nobody's.
    std::fs::set_permissions(&prog, std::fs::Permissions::from_mode(0o4755)).unwrap();
    let out = run_as(&prog, "custom", Some(65534));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("uid=65534 euid=65534\n"),
        "{}",
        text(&out)
    );
    let e4 = Entry::register(&name, "PC", EMULATOR);
    std::mem::forget(e3);
    let out = run_as(&prog, "custom", Some(65534));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "argv[0]=custom\nargv[1]=one\nuid=65534 euid=0\n",
        "{}",
        text(&out)
    );

    // F with the static build: a chroot into the armhf sysroot, where
    // nothing of the host is (no /proc either).
    let stat = root().join("target/static/rsemu-arm");
    assert!(
        stat.exists(),
        "{} is missing: run scripts/build-static.sh",
        stat.display()
    );
    let sysroot = root().join("build/sysroot");
    assert!(
        sysroot.join("bin/bash").exists(),
        "run scripts/fetch-sysroot.sh"
    );
    let e5 = Entry::register(&name, "F", stat.to_str().unwrap());
    std::mem::forget(e4);
    let script = "echo $((6 * 7)); uname -m; ls /usr/bin/python3.11; \
                  /usr/bin/python3.11 -c 'import subprocess; \
                  print(subprocess.run([\"/bin/echo\", \"from a subprocess\"], \
                  capture_output=True).stdout.decode().strip())'";
    let out = Command::new("/usr/sbin/chroot")
        .arg(&sysroot)
        .args(["/bin/bash", "-c", script])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "42\narmv7l\n/usr/bin/python3.11\nfrom a subprocess\n",
        "{}",
        text(&out)
    );

    docker_run(&sysroot, &name);

    e5.unregister();
    let left: Vec<String> = std::fs::read_dir(BINFMT)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with(&name))
        .collect();
    assert!(left.is_empty(), "left registered: {left:?}");
}

/// A directory removed when dropped (also when a check fails).
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A private dockerd (own socket, data and exec roots, no networking),
/// stopped and cleaned up when dropped.
struct Dockerd {
    child: std::process::Child,
    sock: String,
    root: PathBuf,
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        // SAFETY: kill(2) of our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn docker(d: &Dockerd) -> Command {
    let client = if Path::new("/usr/bin/docker").exists() {
        "/usr/bin/docker"
    } else {
        "docker"
    };
    let mut c = Command::new(client);
    c.arg("-H").arg(&d.sock);
    c
}

/// Starts a dockerd, or says in one line why docker cannot run here.
fn start_dockerd(name: &str) -> Result<Dockerd, String> {
    let exe = ["/usr/sbin/dockerd", "/usr/bin/dockerd"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .ok_or("dockerd is not installed (Debian's docker.io)")?;
    let root = std::env::temp_dir().join(format!("{name}-docker"));
    std::fs::create_dir_all(&root).map_err(|e| e.to_string())?;
    let sock = format!("unix://{}/docker.sock", root.display());
    let log = std::fs::File::create(root.join("dockerd.log")).map_err(|e| e.to_string())?;
    let child = Command::new(exe)
        .arg("--host")
        .arg(&sock)
        .arg("--data-root")
        .arg(root.join("data"))
        .arg("--exec-root")
        .arg(root.join("exec"))
        .arg("--pidfile")
        .arg(root.join("dockerd.pid"))
        .args(["--bridge=none", "--iptables=false", "--ip6tables=false"])
        .stdout(log.try_clone().map_err(|e| e.to_string())?)
        .stderr(log)
        .spawn()
        .map_err(|e| format!("cannot start {exe}: {e}"))?;
    let d = Dockerd { child, sock, root };
    for _ in 0..60 {
        if docker(&d)
            .arg("info")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return Ok(d);
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let log = std::fs::read_to_string(d.root.join("dockerd.log")).unwrap_or_default();
    Err(format!(
        "dockerd did not come up in 30 s: {}",
        log.lines().last().unwrap_or("(no log)")
    ))
}

/// An image imported from the armhf sysroot runs under the F entry.
fn docker_run(sysroot: &Path, name: &str) {
    let d = match start_dockerd(name) {
        Ok(d) => d,
        Err(why) => {
            println!("binfmt test: the docker part is skipped: {why}");
            return;
        }
    };
    // Can this machine run a container at all? A native one first (the
    // static rsemu-arm alone in an image, asked for its version): if that
    // fails, docker cannot run here, which is a reason to skip, not a
    // failure of rsemu.
    let stat = root().join("target/static/rsemu-arm");
    let native = format!("{name}:native");
    let mut tar = Command::new("tar")
        .arg("-C")
        .arg(stat.parent().unwrap())
        .args(["-c", "rsemu-arm"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let imported = docker(&d)
        .args(["import", "-", &native])
        .stdin(tar.stdout.take().unwrap())
        .output()
        .unwrap();
    let _ = tar.wait();
    let sanity = docker(&d)
        .args([
            "run",
            "--rm",
            "--pull=never",
            "--network",
            "none",
            &native,
            "/rsemu-arm",
            "--version",
        ])
        .output()
        .unwrap();
    let _ = docker(&d).args(["rmi", "-f", &native]).output();
    if !imported.status.success()
        || !String::from_utf8_lossy(&sanity.stdout).starts_with("rsemu-arm ")
    {
        let why = String::from_utf8_lossy(&sanity.stderr)
            .lines()
            .last()
            .unwrap_or("")
            .to_string();
        println!(
            "binfmt test: the docker part is skipped: no container runs on this machine ({why})"
        );
        return;
    }
    let image = format!("{name}:armhf");
    let mut tar = Command::new("tar")
        .arg("-C")
        .arg(sysroot)
        .args(["-c", "."])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = docker(&d)
        .args(["import", "-", &image])
        .stdin(tar.stdout.take().unwrap())
        .output()
        .unwrap();
    assert!(tar.wait().unwrap().success(), "tar of the sysroot failed");
    assert!(out.status.success(), "docker import: {}", text(&out));
    // Docker 20.10 tags an imported image with the host's platform:
    // --pull=never, not --platform, keeps it off the registry.
    let out = docker(&d)
        .args(["run", "--rm", "--pull=never", "--network", "none", &image])
        .args(["/bin/bash", "-c", "uname -m; echo $((6 * 7))"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "armv7l\n42\n",
        "{}",
        text(&out)
    );
    let _ = docker(&d).args(["rmi", "-f", &image]).output();
}
