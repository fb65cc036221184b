//! rsemu-arm's side of the persistent translation cache
//! ([`rsemu_core::exec::tcache`]): where it lives, what the code in it
//! depends on, which mappings are its regions (the program, its
//! interpreter and every file mapped executable), and when it is written
//! (at exit_group, at the last thread's exit, before execve).
//!
//! `-tcache on|off|DIR` (or `RSEMU_TCACHE`) chooses it: on by default,
//! in `$XDG_CACHE_HOME/rsemu` (`~/.cache/rsemu`), only with the JIT.

use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::sync::Arc;

use rsemu_core::exec::tcache::{stable_hash, FileIdentity, TranslationCache};

/// Where the cache goes for the setting `setting` (`-tcache` or
/// RSEMU_TCACHE): `None` when off, or when there is no home to put it in.
pub fn location(setting: Option<&str>) -> Option<PathBuf> {
    match setting {
        Some("off") | Some("0") | Some("no") => None,
        // Made absolute now: the guest may change directory.
        Some(dir) if !dir.is_empty() && dir != "on" => std::path::absolute(dir).ok(),
        _ => {
            let xdg = std::env::var_os("XDG_CACHE_HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute());
            let home = || {
                std::env::var_os("HOME")
                    .map(PathBuf::from)
                    .filter(|p| p.is_absolute())
                    .map(|h| h.join(".cache"))
            };
            Some(xdg.or_else(home)?.join("rsemu"))
        }
    }
}

/// What the generated code depends on besides the guest's bytes: this
/// emulator's build (its file), the CPU model's features, whether guest
/// memory faults are taken on the host, the host's SSSE3, and the host
/// address of the guest space where code has it as a constant
/// (`rsemu_core::jit::MAX_DISPLACEMENT_BASE`).
fn code_options(missing_features: u32, host_faults: bool, guest_base: usize) -> u64 {
    let mut key = Vec::new();
    key.extend_from_slice(b"rsemu-arm ");
    key.extend_from_slice(env!("CARGO_PKG_VERSION").as_bytes());
    if let Ok(m) = std::fs::metadata("/proc/self/exe") {
        for v in [m.dev(), m.ino(), m.size()] {
            key.extend_from_slice(&v.to_le_bytes());
        }
        for v in [m.mtime(), m.mtime_nsec(), m.ctime(), m.ctime_nsec()] {
            key.extend_from_slice(&v.to_le_bytes());
        }
    }
    key.extend_from_slice(&missing_features.to_le_bytes());
    key.push(host_faults as u8);
    key.push(rsemu_core::jit::host_has_ssse3() as u8);
    if guest_base <= rsemu_core::jit::MAX_DISPLACEMENT_BASE {
        key.extend_from_slice(&guest_base.to_le_bytes());
    }
    stable_hash(&key, 0)
}

/// The cache for this process, if `setting` asks for one.
pub fn open(
    setting: Option<&str>,
    missing_features: u32,
    host_faults: bool,
    guest_base: usize,
) -> Option<Arc<TranslationCache>> {
    let dir = location(setting)?;
    Some(Arc::new(TranslationCache::new(
        dir,
        code_options(missing_features, host_faults, guest_base),
    )))
}

/// The identity of the file open as `fd`, if it is a regular file.
pub fn identity(fd: i32) -> Option<FileIdentity> {
    // SAFETY: fstat writes into the zeroed struct; any descriptor value is
    // safe to pass (a bad one fails).
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    if unsafe { libc::fstat(fd, &mut st) } != 0 || st.st_mode & libc::S_IFMT != libc::S_IFREG {
        return None;
    }
    Some(FileIdentity {
        dev: st.st_dev,
        ino: st.st_ino,
        size: st.st_size as u64,
        mtime_ns: st.st_mtime * 1_000_000_000 + st.st_mtime_nsec,
        ctime_ns: st.st_ctime * 1_000_000_000 + st.st_ctime_nsec,
    })
}

/// Guest `[start, start + len)` now maps file `fd` from `offset`,
/// executable: its blocks are cached.
pub fn file_mapped(cache: Option<&TranslationCache>, start: u32, len: u64, fd: i32, offset: u64) {
    let Some(cache) = cache else {
        return;
    };
    if let (Some(id), Ok(len)) = (identity(fd), u32::try_from(len)) {
        cache.add_region(start, len, offset, id);
    }
}

/// Writes what this run compiled (and, with `-d tcache`, says what the
/// cache did).
pub fn finish(cache: Option<&TranslationCache>, log: bool) {
    let Some(cache) = cache else {
        return;
    };
    cache.save();
    if log {
        use std::sync::atomic::Ordering::Relaxed;
        let s = &cache.stats;
        rsemu_core::log!(
            "tcache: {} blocks read, {} used, {} rejected; {} compiled blocks kept, {} written, {} too few to write, {} files not written ({})",
            s.entries_read.load(Relaxed),
            s.used.load(Relaxed),
            s.rejected.load(Relaxed),
            s.recorded.load(Relaxed),
            s.written.load(Relaxed),
            s.skipped.load(Relaxed),
            s.write_errors.load(Relaxed),
            cache.dir().display()
        );
    }
}
