//! Putting a program into the guest address space: ELF segments, the
//! interpreter, the stack with argv/envp/auxv, and the kuser helper page.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rsemu_loader::{
    build_initial_stack, parse_elf, standard_auxv, AuxvParams, ElfImage, StackInfo,
};

use crate::memory::{
    page_align_up, GuestSpace, MAPPED, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE,
};

/// Size of the stack mapping. It ends at the top of user space
/// (`GuestSpace::task_size`), as on Linux.
pub const STACK_SIZE: u32 = 8 << 20;
/// The room kept for the stack below the top of user space: the mmap area
/// ends this far below it.
pub const STACK_AREA: u32 = 128 << 20;
/// The largest `-s`: the stack must stay above the mmap area's top.
pub const STACK_SIZE_MAX: u32 = STACK_AREA;
/// Where an `ET_DYN` main program is placed.
const PIE_BASE: u32 = 0x0040_0000;
/// The kuser helper page.
pub const KUSER_PAGE: u32 = 0xffff_0000;

/// What the loader set up.
pub struct Loaded {
    /// Where execution starts (bit 0 set for T32).
    pub entry: u32,
    /// Initial stack pointer.
    pub sp: u32,
    /// The auxiliary vector as placed (for /proc/self/auxv).
    pub auxv: Vec<(u32, u32)>,
    /// Absolute path of the executable (for /proc/self/exe).
    pub exe: PathBuf,
    /// The argument strings on the stack (for /proc/self/cmdline).
    pub args: (u32, u32),
}

/// A file's bytes mapped read-only (unmapped on drop).
struct FileBytes {
    map: *mut libc::c_void,
    len: usize,
}

impl FileBytes {
    fn bytes(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: `map` is a readable mapping of `len` bytes that lives as
        // long as self. (A file truncated under us faults, as it would
        // for the kernel's own loader.)
        unsafe { std::slice::from_raw_parts(self.map as *const u8, self.len) }
    }
}

impl Drop for FileBytes {
    fn drop(&mut self) {
        if self.len != 0 {
            // SAFETY: unmapping the mapping made for this FileBytes, used
            // by no one else.
            unsafe { libc::munmap(self.map, self.len) };
        }
    }
}

/// An ELF file opened for loading: its descriptor (segments are mapped
/// from it) and its bytes, mapped read-only for parsing.
struct ElfFile {
    file: std::fs::File,
    bytes: FileBytes,
    image: ElfImage,
}

impl ElfFile {
    /// Maps `file` and validates it as an ARM ELF executable; `path` names
    /// it in messages.
    fn new(file: std::fs::File, path: &Path) -> Result<ElfFile> {
        use std::os::fd::AsRawFd;
        let len = file
            .metadata()
            .with_context(|| format!("cannot read {}", path.display()))?
            .len();
        let len = usize::try_from(len).with_context(|| format!("{}: too big", path.display()))?;
        let bytes = if len == 0 {
            FileBytes {
                map: std::ptr::null_mut(),
                len: 0,
            }
        } else {
            // SAFETY: a fresh private read-only mapping of the whole file,
            // owned by the FileBytes and unmapped when it drops.
            let map = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE,
                    file.as_raw_fd(),
                    0,
                )
            };
            if map == libc::MAP_FAILED {
                return Err(std::io::Error::last_os_error())
                    .with_context(|| format!("cannot read {}", path.display()));
            }
            FileBytes { map, len }
        };
        let image = parse_elf(bytes.bytes())
            .with_context(|| format!("{}: not a loadable ARM executable", path.display()))?;
        Ok(ElfFile { file, bytes, image })
    }

    /// The file's bytes.
    fn bytes(&self) -> &[u8] {
        self.bytes.bytes()
    }
}

/// Maps the segments of `elf` at `bias`; returns the end of the highest
/// segment.
fn map_image(
    space: &GuestSpace,
    elf: &ElfFile,
    bias: u32,
    what: &Path,
    tcache: Option<&rsemu_core::exec::tcache::TranslationCache>,
) -> Result<u32> {
    let image = &elf.image;
    let bytes = elf.bytes();
    for seg in &image.segments {
        let start = (seg.vaddr.wrapping_add(bias)) & !(PAGE_SIZE - 1);
        let end = page_align_up(seg.vaddr.wrapping_add(bias) as u64 + seg.memsz as u64);
        if end > u64::from(space.task_size) - u64::from(STACK_AREA) {
            anyhow::bail!(
                "{}: a segment at 0x{start:08x}-0x{end:08x} does not fit below the stack area (user space ends at 0x{:08x}; see -R)",
                what.display(),
                space.task_size
            );
        }
    }
    // Segments on pages of their own (the usual layout) are mapped from
    // the file, as the kernel does: nothing is read or copied, and the
    // pages are shared with every other process using the file.
    let own_pages = image.segments.windows(2).all(|w| {
        let end = w[0].vaddr.wrapping_add(bias) as u64 + w[0].memsz as u64;
        page_align_up(end) <= (w[1].vaddr.wrapping_add(bias) & !(PAGE_SIZE - 1)) as u64
    });
    if own_pages {
        return map_segments_from_file(space, elf, bias, what, tcache);
    }
    // Every page a segment touches, with the union of the protections of
    // the segments on it (segments may share a page).
    let mut pages: std::collections::BTreeMap<u32, u8> = Default::default();
    for seg in &image.segments {
        let start = (seg.vaddr.wrapping_add(bias)) & !(PAGE_SIZE - 1);
        let end = page_align_up(seg.vaddr.wrapping_add(bias) as u64 + seg.memsz as u64);
        let flags = segment_flags(seg);
        for page in (start as u64..end).step_by(PAGE_SIZE as usize) {
            *pages.entry(page as u32).or_insert(MAPPED) |= flags;
        }
    }
    // Map them writable (one call per run of unmapped pages: a page at a
    // time made start-up of a 1 MiB program a few hundred system calls),
    // copy the file's bytes, then set the final protections per run of
    // pages with the same ones.
    let runs = |keep: &dyn Fn(u32, u8) -> Option<u8>| -> Vec<(u32, u64, u8)> {
        let mut runs: Vec<(u32, u64, u8)> = Vec::new();
        for (&page, &flags) in &pages {
            let Some(v) = keep(page, flags) else { continue };
            match runs.last_mut() {
                Some((start, len, f)) if *start as u64 + *len == page as u64 && *f == v => {
                    *len += PAGE_SIZE as u64
                }
                _ => runs.push((page, PAGE_SIZE as u64, v)),
            }
        }
        runs
    };
    let unmapped = runs(&|page, _| (space.flags(page) & MAPPED == 0).then_some(0));
    for (page, len, _) in unmapped {
        space
            .map(page, len, MAPPED | PROT_READ | PROT_WRITE, false, None)
            .map_err(|e| {
                anyhow::anyhow!(
                    "{}: cannot map segment at 0x{page:08x}: errno {e}",
                    what.display()
                )
            })?;
    }
    let mut hi = 0u32;
    for seg in &image.segments {
        let off = seg.file_offset as usize;
        let data = &bytes[off..off + seg.filesz as usize];
        let addr = seg.vaddr.wrapping_add(bias);
        space.poke(addr, data).map_err(|e| {
            anyhow::anyhow!(
                "{}: cannot load segment at 0x{addr:08x}: errno {e}",
                what.display()
            )
        })?;
        hi = hi.max(addr + seg.memsz);
    }
    for (page, len, flags) in runs(&|_, flags| Some(flags)) {
        space
            .protect(page, len, flags)
            .map_err(|e| anyhow::anyhow!("{}: mprotect failed: errno {e}", what.display()))?;
    }
    Ok(hi)
}

/// Page flags of a segment's protection.
fn segment_flags(seg: &rsemu_loader::LoadSegment) -> u8 {
    MAPPED
        | if seg.prot.read { PROT_READ } else { 0 }
        | if seg.prot.write { PROT_WRITE } else { 0 }
        | if seg.prot.exec { PROT_EXEC } else { 0 }
}

/// [`map_image`] for segments that share no page: each one's file part
/// mapped privately from the file, the rest of its last file page zeroed
/// and anonymous zero pages after it (the bss).
fn map_segments_from_file(
    space: &GuestSpace,
    elf: &ElfFile,
    bias: u32,
    what: &Path,
    tcache: Option<&rsemu_core::exec::tcache::TranslationCache>,
) -> Result<u32> {
    use std::os::fd::AsRawFd;
    let fd = elf.file.as_raw_fd();
    let fail = |at: u32, e: i32| {
        anyhow::anyhow!(
            "{}: cannot map segment at 0x{at:08x}: errno {e}",
            what.display()
        )
    };
    let mut hi = 0u32;
    for seg in &elf.image.segments {
        let addr = seg.vaddr.wrapping_add(bias);
        let start = addr & !(PAGE_SIZE - 1);
        let file_end = addr as u64 + seg.filesz as u64;
        let mem_end = page_align_up(addr as u64 + seg.memsz as u64);
        let flags = segment_flags(seg);
        // Zero-filled tail of the last file page (bss starting mid-page):
        // written, so mapped writable until then.
        let tail = seg.memsz > seg.filesz && !file_end.is_multiple_of(PAGE_SIZE as u64);
        let mut anon_from = start as u64;
        if seg.filesz > 0 {
            let file_pages = page_align_up(file_end) - start as u64;
            let first_flags = if tail { flags | PROT_WRITE } else { flags };
            let offset = seg.file_offset & !(PAGE_SIZE as u64 - 1);
            space
                .map(start, file_pages, first_flags, false, Some((fd, offset)))
                .map_err(|e| fail(addr, e))?;
            if seg.prot.exec {
                crate::tcache::file_mapped(tcache, start, file_pages, fd, offset);
            }
            if tail {
                let zeros = vec![0u8; (page_align_up(file_end) - file_end) as usize];
                space
                    .poke(file_end as u32, &zeros)
                    .map_err(|e| fail(addr, e))?;
                if first_flags != flags {
                    space
                        .protect(start, file_pages, flags)
                        .map_err(|e| fail(addr, e))?;
                }
            }
            anon_from = page_align_up(file_end);
        }
        if mem_end > anon_from {
            space
                .map(anon_from as u32, mem_end - anon_from, flags, false, None)
                .map_err(|e| fail(anon_from as u32, e))?;
        }
        hi = hi.max(addr + seg.memsz);
    }
    Ok(hi)
}

/// Opens and validates an ARM ELF file from descriptor `fd` (binfmt_misc's
/// AT_EXECFD, closed when done); `path` names it in messages.
fn read_elf_fd(fd: i32, path: &Path) -> Result<ElfFile> {
    use std::os::fd::FromRawFd;
    // SAFETY: the kernel handed this descriptor to us alone (AT_EXECFD);
    // the File owns and closes it.
    let file = unsafe { std::fs::File::from_raw_fd(fd) };
    ElfFile::new(file, path)
}

/// Opens and validates the ARM ELF file at `path`.
fn read_elf(path: &Path) -> Result<ElfFile> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    ElfFile::new(file, path)
}

/// Resolves an absolute guest path inside the sysroot first, then on the host.
/// Paths are bytes: a guest file name need not be valid UTF-8.
pub fn resolve_in_sysroot(sysroot: Option<&Path>, path: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    let as_path = Path::new(std::ffi::OsStr::from_bytes(path));
    if let (Some(root), true) = (sysroot, path.starts_with(b"/")) {
        let rel: &[u8] = &path[path.iter().take_while(|&&b| b == b'/').count()..];
        // "/" itself stays the host's root (as with qemu-arm): a guest that
        // changes to it expects getcwd to say "/".
        if rel.is_empty() {
            return as_path.to_path_buf();
        }
        let inside = root.join(std::ffi::OsStr::from_bytes(rel));
        if inside.exists() {
            return inside;
        }
    }
    as_path.to_path_buf()
}

/// Options for [`load_program`].
pub struct LoadOptions<'a> {
    /// The program file on the host.
    pub path: &'a Path,
    /// A descriptor of the program to read instead of opening `path`
    /// (binfmt_misc's AT_EXECFD); closed once read.
    pub exec_fd: Option<i32>,
    /// Guest argv (argv[0] included).
    pub argv: Vec<Vec<u8>>,
    /// Guest environment.
    pub envp: Vec<Vec<u8>>,
    /// Sysroot for the interpreter (`-L`).
    pub sysroot: Option<&'a Path>,
    /// AT_HWCAP (the CPU model's).
    pub hwcap: u32,
    /// AT_RANDOM's 16 bytes when `-seed` fixes them.
    pub random: Option<[u8; 16]>,
    /// The persistent translation cache: the program's and interpreter's
    /// executable segments are regions of it.
    pub tcache: Option<&'a rsemu_core::exec::tcache::TranslationCache>,
}

/// Loads the program (and its interpreter) and builds the initial stack.
pub fn load_program(space: &mut GuestSpace, opts: &LoadOptions) -> Result<Loaded> {
    let elf = match opts.exec_fd {
        Some(fd) => read_elf_fd(fd, opts.path)?,
        None => read_elf(opts.path)?,
    };
    let image = &elf.image;
    let bias = if image.is_dyn() {
        let align = image.max_align().max(PAGE_SIZE);
        let (lo, _) = image.span();
        PIE_BASE.next_multiple_of(align).wrapping_sub(lo)
    } else {
        0
    };
    let end = map_image(space, &elf, bias, opts.path, opts.tcache)?;
    space.brk_start = page_align_up(end as u64) as u32;
    *space.brk.lock().unwrap() = space.brk_start;
    // Leave room for the heap to grow before mmap allocations.
    space.mmap_floor = space.brk_start.saturating_add(64 << 20).max(0x0100_0000);

    let mut entry = image.entry.wrapping_add(bias);
    let mut interp_base = None;
    if let Some(interp) = &image.interp {
        let ipath = resolve_in_sysroot(opts.sysroot, interp.as_bytes());
        if !ipath.exists() {
            bail!(
                "{}: interpreter {} not found (use -L or QEMU_LD_PREFIX to point at an ARM sysroot)",
                opts.path.display(),
                interp
            );
        }
        let ielf = read_elf(&ipath)?;
        let (lo, hi) = ielf.image.span();
        let base = space
            .find_free((hi - lo) as u64)
            .context("no room in the guest address space for the interpreter")?;
        let ibias = base.wrapping_sub(lo);
        map_image(space, &ielf, ibias, &ipath, opts.tcache)?;
        interp_base = Some(ibias);
        entry = ielf.image.entry.wrapping_add(ibias);
    }

    // The stack.
    let stack_flags = MAPPED
        | PROT_READ
        | PROT_WRITE
        | if image.has_gnu_stack_exec() {
            PROT_EXEC
        } else {
            0
        };
    space
        .map(
            space.task_size - space.stack_size,
            u64::from(space.stack_size),
            stack_flags,
            false,
            None,
        )
        .map_err(|e| anyhow::anyhow!("cannot map the stack: errno {e}"))?;
    // SAFETY: getuid and friends cannot fail.
    let (uid, euid, gid, egid) = unsafe {
        (
            libc::getuid(),
            libc::geteuid(),
            libc::getgid(),
            libc::getegid(),
        )
    };
    let params = AuxvParams {
        load_bias: bias,
        interp_base,
        uid,
        euid,
        gid,
        egid,
        hwcap: opts.hwcap,
        ..AuxvParams::default()
    };
    let auxv = standard_auxv(image, &params);
    let random = opts.random.unwrap_or_else(|| {
        let mut random = [0u8; 16];
        // SAFETY: getrandom writes at most 16 bytes into the buffer.
        unsafe { libc::getrandom(random.as_mut_ptr() as *mut libc::c_void, 16, 0) };
        random
    });
    let execfn = opts.argv.first().cloned().unwrap_or_default();
    let info = StackInfo {
        argv: &opts.argv,
        envp: &opts.envp,
        execfn: &execfn,
        platform: b"v7l",
        random,
        auxv,
    };
    let stack =
        build_initial_stack(space.task_size, &info).context("cannot build the initial stack")?;
    space
        .poke(stack.sp, &stack.bytes)
        .map_err(|e| anyhow::anyhow!("cannot write the initial stack: errno {e}"))?;

    map_kuser_page(space)?;

    let exe = std::fs::canonicalize(opts.path).unwrap_or_else(|_| opts.path.to_path_buf());
    Ok(Loaded {
        entry,
        sp: stack.sp,
        auxv: stack.auxv,
        exe,
        args: (stack.arg_start, stack.arg_end),
    })
}

/// The kuser helpers Linux maps at 0xffff0000 for old ARM code, as real A32
/// code (the kernel's own sequences, re-encoded here).
fn map_kuser_page(space: &GuestSpace) -> Result<()> {
    let mut page = vec![0u8; PAGE_SIZE as usize];
    let mut put = |addr: u32, words: &[u32]| {
        let off = (addr - KUSER_PAGE) as usize;
        for (i, w) in words.iter().enumerate() {
            page[off + 4 * i..off + 4 * i + 4].copy_from_slice(&w.to_le_bytes());
        }
    };
    // __kuser_cmpxchg64 (0xffff0f60): r0 = &old, r1 = &new, r2 = ptr;
    // returns r0 = 0 and C set on success.
    put(
        0xffff_0f60,
        &[
            0xe92d_00f0, // push {r4-r7}
            0xe890_0030, // ldm r0, {r4, r5}
            0xe891_00c0, // ldm r1, {r6, r7}
            0xe1b2_0f9f, // 1: ldrexd r0, r1, [r2]
            0xe030_3004, // eors r3, r0, r4
            0x0031_3005, // eorseq r3, r1, r5
            0x01a2_3f96, // strexdeq r3, r6, r7, [r2]
            0x0333_0001, // teqeq r3, #1
            0x0aff_fff9, // beq 1b
            0xe273_0000, // rsbs r0, r3, #0
            0xe8bd_00f0, // pop {r4-r7}
            0xe12f_ff1e, // bx lr
        ],
    );
    // __kuser_memory_barrier (0xffff0fa0)
    put(0xffff_0fa0, &[0xf57f_f05b, 0xe12f_ff1e]);
    // __kuser_cmpxchg (0xffff0fc0): r0 = old, r1 = new, r2 = ptr.
    put(
        0xffff_0fc0,
        &[
            0xe192_3f9f, // 1: ldrex r3, [r2]
            0xe053_3000, // subs r3, r3, r0
            0x0182_3f91, // strexeq r3, r1, [r2]
            0x0333_0001, // teqeq r3, #1
            0x0aff_fffa, // beq 1b
            0xe273_0000, // rsbs r0, r3, #0
            0xe12f_ff1e, // bx lr
        ],
    );
    // __kuser_get_tls (0xffff0fe0)
    put(0xffff_0fe0, &[0xee1d_0f70, 0xe12f_ff1e]);
    // __kuser_helper_version (0xffff0ffc): number of helpers.
    put(0xffff_0ffc, &[5]);
    // Signal return trampolines, for handlers installed without SA_RESTORER.
    for (addr, code) in crate::signal::trampolines() {
        let off = (addr - KUSER_PAGE) as usize;
        page[off..off + code.len()].copy_from_slice(&code);
    }
    space
        .map(
            KUSER_PAGE,
            PAGE_SIZE as u64,
            MAPPED | PROT_READ | PROT_WRITE,
            false,
            None,
        )
        .map_err(|e| anyhow::anyhow!("cannot map the kuser page: errno {e}"))?;
    space
        .poke(KUSER_PAGE, &page)
        .map_err(|e| anyhow::anyhow!("kuser page: errno {e}"))?;
    space
        .protect(KUSER_PAGE, PAGE_SIZE as u64, MAPPED | PROT_READ | PROT_EXEC)
        .map_err(|e| anyhow::anyhow!("kuser page: errno {e}"))?;
    Ok(())
}
