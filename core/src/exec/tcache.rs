//! The persistent translation cache: compiled blocks of file-backed code
//! kept on disk, so that the next run of the same program (or library at
//! the same place) starts with its hot code already compiled.
//!
//! One cache file per *region*: an executable mapping of a file, named by
//! the file's identity (device, inode, size, modification and change
//! times), the mapping's guest address and file offset, and the options
//! that change generated code (the emulator's own build among them). A
//! file that changes gets a new change time, so a new name: old entries
//! are never looked up for it. Each entry also carries the guest bytes it
//! was translated from, compared with guest memory before the code is
//! used, so code is only ever run for exactly the instructions it was
//! compiled from (whatever happened to the file or the mapping).
//!
//! Files are written whole to a temporary name and renamed into place, so
//! concurrent runs never see a partial file (the last writer's entries
//! win; each writer merges what is on disk first). A checksum covers the
//! whole file; a file that fails any check is ignored and rewritten. The
//! directory is bounded: past [`TranslationCache::max_total`] bytes the
//! least recently written files go.
//!
//! The code itself is [`crate::jit::persist::PortableCode`].

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use rustc_hash::FxHashMap;

use crate::jit::persist::{PortableCode, Reloc, Target};
use crate::jit::StubImage;

/// The first bytes of a cache file; the number changes with the format.
const MAGIC: &[u8; 8] = b"RSEMUTC1";
/// The first bytes of the stubs' file.
const STUBS_MAGIC: &[u8; 8] = b"RSEMUST1";

/// The largest entry taken from a file (code, guest bytes and tables).
const MAX_ENTRY: usize = 1 << 20;

/// What identifies a file's contents without reading them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct FileIdentity {
    /// `st_dev`.
    pub dev: u64,
    /// `st_ino`.
    pub ino: u64,
    /// `st_size`.
    pub size: u64,
    /// `st_mtime` in nanoseconds.
    pub mtime_ns: i64,
    /// `st_ctime` in nanoseconds (changes with any write, and cannot be
    /// set back by a program).
    pub ctime_ns: i64,
}

/// A compiled block as saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedBlock {
    /// Guest address of the block.
    pub pc: u32,
    /// The engine's state key it was compiled for.
    pub key: u32,
    /// Translated with side exits (see `arm::Limits::side_exits`).
    pub extended: bool,
    /// The guest bytes of its instructions, in order (they need not be
    /// contiguous: a translation follows unconditional branches).
    pub guest: Vec<u8>,
    /// The host code.
    pub code: PortableCode,
}

/// Counters for `-d` and the tests.
#[derive(Debug, Default)]
pub struct CacheStats {
    /// Entries found in cache files when regions were added.
    pub entries_read: AtomicU64,
    /// Blocks whose saved code was used.
    pub used: AtomicU64,
    /// Saved blocks not used: the guest bytes differ, or the code did not
    /// fit the block.
    pub rejected: AtomicU64,
    /// Blocks compiled this run and kept for saving.
    pub recorded: AtomicU64,
    /// Entries written by [`TranslationCache::save`].
    pub written: AtomicU64,
    /// Files [`TranslationCache::save`] could not write (no space, no
    /// permission, not a directory): the run goes on without them.
    pub write_errors: AtomicU64,
    /// Blocks compiled this run not written because they were too few
    /// for their file (see [`FEW_NEW_BLOCKS`]).
    pub skipped: AtomicU64,
}

/// A file is rewritten for new blocks only if they are more than one in
/// this many of the entries it had: rewriting a big file (python's
/// libpython region is about 4 MiB) costs more than compiling a few
/// blocks again in the next run.
const FEW_NEW_BLOCKS: usize = 64;

/// A 64-bit hash that is the same in every build and run (file names and
/// checksums must not change between processes).
pub fn stable_hash(data: &[u8], seed: u64) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = seed ^ K ^ (data.len() as u64).wrapping_mul(K);
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = (h ^ w).wrapping_mul(K).rotate_left(29);
    }
    let mut last = [0u8; 8];
    last[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h ^ u64::from_le_bytes(last)).wrapping_mul(K);
    h ^= h >> 32;
    h.wrapping_mul(K) ^ (h >> 29)
}

/// The header fields that must match for a file to be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Header {
    options: u64,
    file: FileIdentity,
    start: u32,
    offset: u64,
}

impl Header {
    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(60);
        out.extend_from_slice(&self.options.to_le_bytes());
        out.extend_from_slice(&self.file.dev.to_le_bytes());
        out.extend_from_slice(&self.file.ino.to_le_bytes());
        out.extend_from_slice(&self.file.size.to_le_bytes());
        out.extend_from_slice(&self.file.mtime_ns.to_le_bytes());
        out.extend_from_slice(&self.file.ctime_ns.to_le_bytes());
        out.extend_from_slice(&self.start.to_le_bytes());
        out.extend_from_slice(&self.offset.to_le_bytes());
        out
    }
}

/// One executable file mapping whose blocks are cached.
struct Region {
    start: u32,
    end: u32,
    header: Header,
    path: PathBuf,
    /// The cache file as read (checked whole), and where each entry of it
    /// starts, by (pc, key): an entry is decoded (and checked) only when
    /// looked up.
    file: Vec<u8>,
    index: FxHashMap<(u32, u32), usize>,
    /// Blocks compiled by this process (any thread): looked up first, so
    /// that a block one guest thread compiled is placed by the others
    /// without compiling it again.
    compiled: FxHashMap<(u32, u32), SavedBlock>,
    /// Keys of `compiled` not written yet.
    unsaved: Vec<(u32, u32)>,
    /// Still mapped: new blocks are looked up and recorded here.
    live: bool,
}

/// The cache of one process: its regions and where their files go.
pub struct TranslationCache {
    dir: PathBuf,
    options: u64,
    /// Bytes the directory may hold; older files go past it.
    pub max_total: u64,
    regions: Mutex<Vec<Region>>,
    /// The JIT's stubs as this build assembles them: read from the
    /// directory at first use, or made by this run (`true`: to write).
    stubs: Mutex<Option<(Option<StubImage>, bool)>>,
    /// Counters.
    pub stats: CacheStats,
}

/// A little-endian reader over a byte slice that fails on overrun.
struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let s = self.data.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(s)
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
}

fn encode_entry(b: &SavedBlock, out: &mut Vec<u8>) {
    out.extend_from_slice(&b.pc.to_le_bytes());
    out.extend_from_slice(&b.key.to_le_bytes());
    out.push(b.extended as u8);
    out.extend_from_slice(&(b.guest.len() as u16).to_le_bytes());
    out.extend_from_slice(&(b.code.bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(&(b.code.relocs.len() as u16).to_le_bytes());
    out.extend_from_slice(&(b.code.sites.len() as u16).to_le_bytes());
    out.extend_from_slice(&b.guest);
    out.extend_from_slice(&b.code.bytes);
    for r in &b.code.relocs {
        let (kind, arg) = match r.target {
            Target::Stub(s) => (0u8, s as u16),
            Target::Helper(h) => (1, h as u16),
            Target::Insn(i) => (2, i),
            Target::InsnOp(i) => (3, i),
        };
        out.push(kind);
        out.extend_from_slice(&arg.to_le_bytes());
        out.extend_from_slice(&r.at.to_le_bytes());
    }
    for &(s, r) in &b.code.sites {
        out.extend_from_slice(&s.to_le_bytes());
        out.extend_from_slice(&r.to_le_bytes());
    }
}

fn decode_entry(r: &mut Reader) -> Option<SavedBlock> {
    let pc = r.u32()?;
    let key = r.u32()?;
    let extended = match r.u8()? {
        0 => false,
        1 => true,
        _ => return None,
    };
    let guest_len = r.u16()? as usize;
    let code_len = r.u32()? as usize;
    let nrelocs = r.u16()? as usize;
    let nsites = r.u16()? as usize;
    if guest_len == 0 || code_len + guest_len + 7 * nrelocs + 8 * nsites > MAX_ENTRY {
        return None;
    }
    let guest = r.take(guest_len)?.to_vec();
    let bytes = r.take(code_len)?.to_vec();
    let mut relocs = Vec::with_capacity(nrelocs);
    for _ in 0..nrelocs {
        let kind = r.u8()?;
        let arg = r.u16()?;
        let at = r.u32()?;
        let target = match kind {
            0 => Target::Stub(u8::try_from(arg).ok()?),
            1 => Target::Helper(u8::try_from(arg).ok()?),
            2 => Target::Insn(arg),
            3 => Target::InsnOp(arg),
            _ => return None,
        };
        let width = if kind == 0 { 4 } else { 8 };
        if at as usize + width > code_len {
            return None;
        }
        relocs.push(Reloc { at, target });
    }
    let mut sites = Vec::with_capacity(nsites);
    for _ in 0..nsites {
        let (s, res) = (r.u32()?, r.u32()?);
        if s as usize >= code_len || res as usize >= code_len {
            return None;
        }
        sites.push((s, res));
    }
    // Fault sites must stay in address order (the fault handler searches).
    if sites.windows(2).any(|w| w[0].0 >= w[1].0) {
        return None;
    }
    Some(SavedBlock {
        pc,
        key,
        extended,
        guest,
        code: PortableCode {
            bytes,
            relocs,
            sites,
        },
    })
}

/// The entries of cache file `data`, as offsets by (pc, key), if its
/// header is `header` and it is whole (checksum, and every entry's
/// lengths); `None` otherwise.
fn index_file(data: &[u8], header: &Header) -> Option<FxHashMap<(u32, u32), usize>> {
    let body_len = data.len().checked_sub(8)?;
    let (body, sum) = data.split_at(body_len);
    if stable_hash(body, 0) != u64::from_le_bytes(sum.try_into().ok()?) {
        return None;
    }
    let mut r = Reader { data: body, at: 0 };
    let want = header.bytes();
    if r.take(MAGIC.len())? != MAGIC || r.take(want.len())? != want {
        return None;
    }
    let count = r.u32()? as usize;
    let mut index = FxHashMap::default();
    index.reserve(count.min(1 << 20));
    for _ in 0..count {
        let at = r.at;
        let pc = r.u32()?;
        let key = r.u32()?;
        r.take(1)?;
        let guest_len = r.u16()? as usize;
        let code_len = r.u32()? as usize;
        let nrelocs = r.u16()? as usize;
        let nsites = r.u16()? as usize;
        r.take(guest_len + code_len + 7 * nrelocs + 8 * nsites)?;
        index.insert((pc, key), at);
    }
    (r.at == body.len()).then_some(index)
}

/// Every entry of cache file `data` (see [`index_file`]).
fn parse_file(data: &[u8], header: &Header) -> Option<Vec<SavedBlock>> {
    let index = index_file(data, header)?;
    let mut out: Vec<SavedBlock> = index
        .values()
        .map(|&at| decode_entry(&mut Reader { data, at }))
        .collect::<Option<_>>()?;
    out.sort_by_key(|e| (e.pc, e.key));
    Some(out)
}

fn file_bytes(header: &Header, entries: &[&SavedBlock]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&header.bytes());
    out.extend_from_slice(&(entries.len() as u32).to_le_bytes());
    for e in entries {
        encode_entry(e, &mut out);
    }
    let sum = stable_hash(&out, 0);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

fn read_entries(path: &Path, header: &Header) -> Vec<SavedBlock> {
    std::fs::read(path)
        .ok()
        .and_then(|data| parse_file(&data, header))
        .unwrap_or_default()
}

impl TranslationCache {
    /// A cache keeping its files in `dir` (created when first written),
    /// for code generated with options summed up by `options`.
    pub fn new(dir: PathBuf, options: u64) -> TranslationCache {
        TranslationCache {
            dir,
            options,
            max_total: 512 << 20,
            regions: Mutex::new(Vec::new()),
            stubs: Mutex::new(None),
            stats: CacheStats::default(),
        }
    }

    fn stubs_path(&self) -> PathBuf {
        // (".tc": trimmed with the rest.)
        self.dir.join(format!("stubs-{:016x}.tc", self.options))
    }

    /// The JIT's stubs saved by an earlier run of this build, if any.
    pub fn stub_image(&self) -> Option<StubImage> {
        let mut stubs = self.stubs.lock().unwrap_or_else(|e| e.into_inner());
        let (image, _) = stubs.get_or_insert_with(|| {
            let image = std::fs::read(self.stubs_path())
                .ok()
                .and_then(|data| parse_stubs(&data, self.options));
            (image, false)
        });
        image.clone()
    }

    /// Keeps the stubs this run assembled, for [`TranslationCache::save`].
    pub fn keep_stub_image(&self, image: StubImage) {
        *self.stubs.lock().unwrap_or_else(|e| e.into_inner()) = Some((Some(image), true));
    }

    /// The directory the files go to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Region>> {
        self.regions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// An executable mapping of a file: guest `[start, start + len)` holds
    /// the file `file` from byte `offset`. Reads its cache file, if any.
    pub fn add_region(&self, start: u32, len: u32, offset: u64, file: FileIdentity) {
        if len == 0 {
            return;
        }
        let header = Header {
            options: self.options,
            file,
            start,
            offset,
        };
        let name = format!("{:016x}.tc", stable_hash(&header.bytes(), 1));
        let path = self.dir.join(name);
        let (file, index) = std::fs::read(&path)
            .ok()
            .and_then(|data| index_file(&data, &header).map(|index| (data, index)))
            .unwrap_or_default();
        self.stats
            .entries_read
            .fetch_add(index.len() as u64, Ordering::Relaxed);
        let end = start.saturating_add(len);
        let mut regions = self.lock();
        for r in regions.iter_mut() {
            if r.live && r.start < end && start < r.end {
                r.live = false;
            }
        }
        regions.push(Region {
            start,
            end,
            header,
            path,
            file,
            index,
            compiled: FxHashMap::default(),
            unsaved: Vec::new(),
            live: true,
        });
    }

    /// Guest `[start, start + len)` was unmapped or remapped: the regions
    /// there take no more lookups or blocks in it (what they have is still
    /// saved). A region keeps the part below the range, or else the part
    /// above it: ld.so maps a library's whole extent from its text and
    /// then maps the data segment over the tail, and the text must stay
    /// cached. (A saved block is used only if the guest bytes it was
    /// compiled from are still there, so a region's bounds are a filter,
    /// not what makes reuse safe.)
    pub fn remove_range(&self, start: u32, len: u32) {
        let end = start as u64 + len as u64;
        for r in self.lock().iter_mut() {
            if !r.live || end <= r.start as u64 || r.end <= start {
                continue;
            }
            if r.start < start {
                r.end = start;
            } else if end < r.end as u64 {
                r.start = end as u32;
            } else {
                r.live = false;
            }
        }
    }

    /// Whether a block over guest `[start, end)` lies in a live region
    /// (and so is worth compiling in portable form).
    pub fn covers(&self, start: u32, end: u32) -> bool {
        self.lock()
            .iter()
            .any(|r| r.live && r.start <= start && end <= r.end && start < end)
    }

    /// The saved block at (pc, key) of the live region holding pc.
    pub fn lookup(&self, pc: u32, key: u32) -> Option<SavedBlock> {
        let regions = self.lock();
        let r = regions
            .iter()
            .rev()
            .find(|r| r.live && r.start <= pc && pc < r.end)?;
        if let Some(b) = r.compiled.get(&(pc, key)) {
            return Some(b.clone());
        }
        let &at = r.index.get(&(pc, key))?;
        decode_entry(&mut Reader { data: &r.file, at }).filter(|b| (b.pc, b.key) == (pc, key))
    }

    /// Keeps a block compiled this run for the other threads and for
    /// saving, in the live region holding its pc (the caller asked
    /// [`TranslationCache::covers`] of all its instructions).
    pub fn record(&self, block: SavedBlock) {
        let mut regions = self.lock();
        if let Some(r) = regions
            .iter_mut()
            .rev()
            .find(|r| r.live && r.start <= block.pc && block.pc < r.end)
        {
            self.stats.recorded.fetch_add(1, Ordering::Relaxed);
            r.unsaved.push((block.pc, block.key));
            r.compiled.insert((block.pc, block.key), block);
        }
    }

    /// Writes every region that has new blocks: what is on disk now
    /// (another run may have written since), plus this run's blocks.
    /// Errors (no space, no permission) leave the cache as it was.
    pub fn save(&self) {
        let mut wrote = false;
        if let Some((Some(image), unsaved @ true)) =
            &mut *self.stubs.lock().unwrap_or_else(|e| e.into_inner())
        {
            let bytes = stubs_bytes(image, self.options);
            match write_atomically(&self.dir, &self.stubs_path(), &bytes) {
                Ok(()) => wrote = true,
                Err(_) => {
                    self.stats.write_errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            *unsaved = false;
        }
        let mut regions = self.lock();
        for r in regions.iter_mut() {
            if r.unsaved.is_empty() {
                continue;
            }
            if r.unsaved.len() * FEW_NEW_BLOCKS <= r.index.len() {
                // A few new blocks against a big file (a program whose
                // paths vary from run to run, as python's do with hash
                // randomisation): compiling them again next time costs
                // less than rewriting the whole file now.
                self.stats
                    .skipped
                    .fetch_add(r.unsaved.len() as u64, Ordering::Relaxed);
                r.unsaved.clear();
                continue;
            }
            let on_disk = read_entries(&r.path, &r.header);
            let mut merged: FxHashMap<(u32, u32), &SavedBlock> = FxHashMap::default();
            for e in on_disk.iter().chain(r.compiled.values()) {
                merged.insert((e.pc, e.key), e);
            }
            let mut entries: Vec<&SavedBlock> = merged.into_values().collect();
            entries.sort_by_key(|e| (e.pc, e.key));
            let bytes = file_bytes(&r.header, &entries);
            if write_atomically(&self.dir, &r.path, &bytes).is_ok() {
                self.stats
                    .written
                    .fetch_add(entries.len() as u64, Ordering::Relaxed);
                wrote = true;
            } else {
                self.stats.write_errors.fetch_add(1, Ordering::Relaxed);
            }
            // Saved: a later save (execve after threads...) writes only
            // if more were compiled meanwhile.
            r.unsaved.clear();
        }
        drop(regions);
        if wrote {
            trim_dir(&self.dir, self.max_total);
        }
    }
}

/// The stubs' file: magic, options, the stub offsets, the code, a
/// checksum.
fn stubs_bytes(image: &StubImage, options: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(image.bytes.len() + 64);
    out.extend_from_slice(STUBS_MAGIC);
    out.extend_from_slice(&options.to_le_bytes());
    for o in image.offsets {
        out.extend_from_slice(&o.to_le_bytes());
    }
    out.extend_from_slice(&(image.bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(&image.bytes);
    let sum = stable_hash(&out, 0);
    out.extend_from_slice(&sum.to_le_bytes());
    out
}

/// The stubs in `data` if it is a whole stubs' file for `options`.
fn parse_stubs(data: &[u8], options: u64) -> Option<StubImage> {
    let body_len = data.len().checked_sub(8)?;
    let (body, sum) = data.split_at(body_len);
    if stable_hash(body, 0) != u64::from_le_bytes(sum.try_into().ok()?) {
        return None;
    }
    let mut r = Reader { data: body, at: 0 };
    if r.take(8)? != STUBS_MAGIC || r.take(8)? != options.to_le_bytes() {
        return None;
    }
    let mut offsets = [0u32; 9];
    for o in &mut offsets {
        *o = r.u32()?;
    }
    let len = r.u32()? as usize;
    let bytes = r.take(len)?.to_vec();
    (r.at == body.len() && offsets.iter().all(|&o| (o as usize) < len))
        .then_some(StubImage { bytes, offsets })
}

/// Writes `bytes` to `path` through a temporary file in `dir` and a
/// rename, so readers see the old file or the new one, never a part.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    // SAFETY: gettid has no preconditions.
    let tid = unsafe { libc::syscall(libc::SYS_gettid) };
    let tmp = dir.join(format!(".tmp.{}.{tid}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Removes the least recently written cache files until the directory
/// holds at most three quarters of `max_total` bytes (if it holds more
/// than `max_total`), and temporary files an hour old (left by a run
/// killed while writing).
fn trim_dir(dir: &Path, max_total: u64) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let mut files: Vec<(std::time::SystemTime, u64, PathBuf)> = rd
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let m = e.metadata().ok()?;
            let name = e.file_name().to_string_lossy().into_owned();
            let modified = m.modified().ok()?;
            if name.starts_with(".tmp.") && modified < hour_ago {
                let _ = std::fs::remove_file(e.path());
                return None;
            }
            name.ends_with(".tc").then(|| (modified, m.len(), e.path()))
        })
        .collect();
    let mut total: u64 = files.iter().map(|f| f.1).sum();
    if total <= max_total {
        return;
    }
    files.sort();
    for (_, len, path) in files {
        if total <= max_total / 4 * 3 {
            break;
        }
        if std::fs::remove_file(&path).is_ok() {
            total -= len;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(pc: u32, n: u8) -> SavedBlock {
        SavedBlock {
            pc,
            key: 1,
            extended: n.is_multiple_of(2),
            guest: vec![n; 8],
            code: PortableCode {
                bytes: vec![0x90; 40 + n as usize],
                relocs: vec![
                    Reloc {
                        at: 3,
                        target: Target::Stub(2),
                    },
                    Reloc {
                        at: 10,
                        target: Target::InsnOp(1),
                    },
                ],
                sites: vec![(1, 30), (20, 31)],
            },
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("rsemu-tc-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    const ID: FileIdentity = FileIdentity {
        dev: 1,
        ino: 2,
        size: 3,
        mtime_ns: 4,
        ctime_ns: 5,
    };

    #[test]
    fn blocks_saved_by_one_run_are_found_by_the_next() {
        let dir = temp_dir("roundtrip");
        let a = TranslationCache::new(dir.clone(), 7);
        a.add_region(0x1000, 0x2000, 0, ID);
        assert!(a.covers(0x1000, 0x1008));
        assert!(!a.covers(0x2ffc, 0x3004));
        a.record(block(0x1000, 1));
        a.record(block(0x1100, 2));
        a.record(block(0x8000, 3)); // outside every region: not kept
        a.save();
        assert_eq!(a.stats.written.load(Ordering::Relaxed), 2);

        let b = TranslationCache::new(dir.clone(), 7);
        b.add_region(0x1000, 0x2000, 0, ID);
        assert_eq!(b.lookup(0x1000, 1), Some(block(0x1000, 1)));
        assert_eq!(b.lookup(0x1100, 1), Some(block(0x1100, 2)));
        assert_eq!(b.lookup(0x1100, 0), None);
        // A second run adds to the file instead of replacing it.
        b.record(block(0x1200, 4));
        b.save();
        let c = TranslationCache::new(dir.clone(), 7);
        c.add_region(0x1000, 0x2000, 0, ID);
        assert_eq!(c.stats.entries_read.load(Ordering::Relaxed), 3);
        // The tail remapped (as ld.so maps a data segment over the end
        // of a library's extent): the text below stays cached, the tail
        // is not looked up.
        c.remove_range(0x1800, 0x1000);
        assert_eq!(c.lookup(0x1000, 1), Some(block(0x1000, 1)));
        assert_eq!(c.lookup(0x1200, 1), Some(block(0x1200, 4)));
        assert!(!c.covers(0x17f0, 0x1810));
        c.record(block(0x1900, 5));
        assert_eq!(c.lookup(0x1900, 1), None);
        // The head unmapped: only what lies above stays.
        c.remove_range(0x0800, 0x0a00);
        assert_eq!(c.lookup(0x1000, 1), None);
        assert_eq!(c.lookup(0x1200, 1), Some(block(0x1200, 4)));
        // All of it unmapped: no more lookups.
        c.remove_range(0x1000, 0x1000);
        assert_eq!(c.lookup(0x1200, 1), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_few_new_blocks_do_not_rewrite_a_big_file() {
        let dir = temp_dir("few");
        let a = TranslationCache::new(dir.clone(), 7);
        a.add_region(0x1000, 0x9000, 0, ID);
        for i in 0..FEW_NEW_BLOCKS as u32 {
            a.record(block(0x1000 + 16 * i, 1));
        }
        a.save();
        // One new block against 64 on disk: not written, counted.
        let b = TranslationCache::new(dir.clone(), 7);
        b.add_region(0x1000, 0x9000, 0, ID);
        b.record(block(0x8000, 2));
        b.save();
        assert_eq!(b.stats.written.load(Ordering::Relaxed), 0);
        assert_eq!(b.stats.skipped.load(Ordering::Relaxed), 1);
        // Two are more than one in 64 of them: the file is rewritten
        // with them.
        let c = TranslationCache::new(dir.clone(), 7);
        c.add_region(0x1000, 0x9000, 0, ID);
        c.record(block(0x8000, 2));
        c.record(block(0x8010, 2));
        c.save();
        assert_eq!(c.stats.written.load(Ordering::Relaxed), 66);
        let d = TranslationCache::new(dir.clone(), 7);
        d.add_region(0x1000, 0x9000, 0, ID);
        assert_eq!(d.lookup(0x8010, 1), Some(block(0x8010, 2)));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn another_file_identity_place_or_option_finds_nothing() {
        let dir = temp_dir("keys");
        let a = TranslationCache::new(dir.clone(), 7);
        a.add_region(0x1000, 0x2000, 0, ID);
        a.record(block(0x1000, 1));
        a.save();
        let changed = FileIdentity { ctime_ns: 6, ..ID };
        for (options, start, offset, id) in [
            (8, 0x1000, 0, ID),
            (7, 0x1000, 0, changed),
            (7, 0x1000, 0x1000, ID),
        ] {
            let b = TranslationCache::new(dir.clone(), options);
            b.add_region(start, 0x2000, offset, id);
            assert_eq!(b.lookup(0x1000, 1), None);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn damaged_files_are_ignored() {
        let dir = temp_dir("damaged");
        let a = TranslationCache::new(dir.clone(), 7);
        a.add_region(0x1000, 0x2000, 0, ID);
        a.record(block(0x1000, 1));
        a.save();
        let file = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "tc"))
            .unwrap();
        let good = std::fs::read(&file).unwrap();
        let mut cases = vec![Vec::new(), good[..good.len() / 2].to_vec()];
        for at in [0, 9, 70, good.len() / 2, good.len() - 1] {
            let mut bad = good.clone();
            bad[at] ^= 0x40;
            cases.push(bad);
        }
        for bad in cases {
            std::fs::write(&file, &bad).unwrap();
            let b = TranslationCache::new(dir.clone(), 7);
            b.add_region(0x1000, 0x2000, 0, ID);
            assert_eq!(b.lookup(0x1000, 1), None);
        }
        // Entries that pass the checksum but overrun their code are
        // refused too.
        let mut bogus = block(0x1000, 1);
        bogus.code.relocs[0].at = 1000;
        let header = Header {
            options: 7,
            file: ID,
            start: 0x1000,
            offset: 0,
        };
        std::fs::write(&file, file_bytes(&header, &[&bogus])).unwrap();
        let b = TranslationCache::new(dir.clone(), 7);
        b.add_region(0x1000, 0x2000, 0, ID);
        assert_eq!(b.lookup(0x1000, 1), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_directory_is_trimmed_to_its_bound() {
        let dir = temp_dir("trim");
        for i in 0..8u32 {
            let mut a = TranslationCache::new(dir.clone(), 7);
            a.max_total = 1500;
            a.add_region(0x1000 * (i + 1), 0x1000, 0, ID);
            a.record(block(0x1000 * (i + 1), 100));
            a.save();
        }
        let total: u64 = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().metadata().unwrap().len())
            .sum();
        assert!(total <= 1500, "{total}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn stubs_saved_by_one_run_are_found_by_the_next_of_the_same_build() {
        let dir = temp_dir("stubs");
        let image = StubImage {
            bytes: (0..200u8).collect(),
            offsets: [0, 10, 20, 30, 40, 50, 60, 70, 199],
        };
        let a = TranslationCache::new(dir.clone(), 7);
        assert_eq!(a.stub_image(), None);
        a.keep_stub_image(image.clone());
        a.save();
        assert_eq!(
            TranslationCache::new(dir.clone(), 7).stub_image(),
            Some(image)
        );
        assert_eq!(TranslationCache::new(dir.clone(), 8).stub_image(), None);
        // Damaged: ignored.
        let path = TranslationCache::new(dir.clone(), 7).stubs_path();
        let mut data = std::fs::read(&path).unwrap();
        data[40] ^= 1;
        std::fs::write(&path, &data).unwrap();
        assert_eq!(TranslationCache::new(dir.clone(), 7).stub_image(), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_hash_tells_inputs_apart() {
        assert_eq!(stable_hash(b"", 0), stable_hash(b"", 0));
        assert_ne!(stable_hash(b"a", 0), stable_hash(b"b", 0));
        assert_ne!(stable_hash(b"a", 0), stable_hash(b"a", 1));
        assert_ne!(stable_hash(b"abcdefgh", 0), stable_hash(b"abcdefgh\0", 0));
    }
}
