//! The guest's view of /proc/self: files whose host contents would
//! describe the emulator rather than the guest program (exe, auxv,
//! cmdline, maps, cpuinfo) are synthesised here.

use crate::memory::{MAPPED, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE};
use crate::syscall::Process;

/// What a /proc path names, after `/proc/self`, `/proc/thread-self` and
/// `/proc/<own pid>` are recognised.
fn own_proc_file(path: &[u8]) -> Option<&[u8]> {
    let rest = path.strip_prefix(b"/proc/")?;
    // SAFETY: getpid cannot fail.
    let pid = unsafe { libc::getpid() }.to_string();
    for prefix in [&b"self/"[..], b"thread-self/", format!("{pid}/").as_bytes()] {
        if let Some(file) = rest.strip_prefix(prefix) {
            return Some(file);
        }
    }
    None
}

/// Whether `path` is the guest's own /proc/self/exe.
pub fn is_own_exe(path: &[u8]) -> bool {
    own_proc_file(path) == Some(b"exe")
}

/// The contents of a synthesised /proc file, if `path` is one.
pub fn synthesize(p: &Process, path: &[u8]) -> Option<Vec<u8>> {
    if path == b"/proc/cpuinfo" {
        // SAFETY: sysconf has no memory-safety preconditions.
        let cpus = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }.max(1) as usize;
        return Some(p.cpu_model.cpuinfo(cpus).into_bytes());
    }
    match own_proc_file(path)? {
        b"auxv" => Some(
            p.auxv
                .iter()
                .flat_map(|(k, v)| k.to_le_bytes().into_iter().chain(v.to_le_bytes()))
                .collect(),
        ),
        b"cmdline" => {
            let (start, end) = p.args;
            p.space
                .slice(start, end.saturating_sub(start))
                .ok()
                .map(|s| s.to_vec())
        }
        b"maps" => Some(maps(p).into_bytes()),
        _ => None,
    }
}

/// /proc/self/maps in guest addresses: runs of pages with the same
/// protection, the heap and stack labelled.
pub fn maps(p: &Process) -> String {
    maps_of(&p.space)
}

/// The memory map of an address space, as /proc/PID/maps shows it.
pub fn maps_of(space: &crate::memory::GuestSpace) -> String {
    let brk = *space.brk.lock().unwrap_or_else(|e| e.into_inner());
    let heap = (space.brk_start, brk.max(space.brk_start));
    let stack = (space.task_size - space.stack_size, space.task_size);
    let mut out = String::new();
    let mut page: u64 = 0;
    while page < 1 << 20 {
        let addr = (page as u32) << 12;
        let f = space.flags(addr);
        if f & MAPPED == 0 {
            page += 1;
            continue;
        }
        let start = page;
        while page < 1 << 20 && space.flags((page as u32) << 12) == f {
            page += 1;
        }
        let (lo, hi) = ((start as u32) << 12, page << 12);
        let perms = format!(
            "{}{}{}p",
            if f & PROT_READ != 0 { 'r' } else { '-' },
            if f & PROT_WRITE != 0 { 'w' } else { '-' },
            if f & PROT_EXEC != 0 { 'x' } else { '-' }
        );
        let name =
            if lo >= heap.0 && (hi as u32) <= heap.1.next_multiple_of(PAGE_SIZE) && heap.1 > heap.0
            {
                "[heap]"
            } else if lo >= stack.0 && hi <= stack.1 as u64 {
                "[stack]"
            } else if lo == crate::load::KUSER_PAGE {
                "[vectors]"
            } else {
                ""
            };
        out.push_str(&format!(
            "{lo:08x}-{hi:08x} {perms} 00000000 00:00 0          {name}\n"
        ));
    }
    out
}
