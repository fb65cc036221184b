//! Disk image backends for the block devices: raw files and qcow2 images.
//!
//! A [`BlockBackend`] is a byte-addressed disk: the virtio-blk device
//! (`crate::devices::virtio_blk`) turns guest sector requests into
//! [`BlockBackend::read_at`] and [`BlockBackend::write_at`] calls and guest
//! flushes into [`BlockBackend::flush`], which makes everything written so
//! far durable (data and metadata, `fsync`).
//!
//! [`open_image`] opens a file as QEMU's `-drive file=...,format=...` does:
//! with no format given it probes for the qcow2 magic (`QFI\xfb`) and falls
//! back to raw. qcow2 goes through the imago crate (its synchronous API);
//! backing files and external data files named in the image header are
//! opened too, read-only for backing files, as QEMU does.
//!
//! Dropping a backend flushes and syncs it, so an image that the guest
//! wrote is consistent (`qemu-img check` clean) once the machine is gone.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use imago::file::File as ImagoFile;
use imago::qcow2::Qcow2;
use imago::{FormatAccess, FormatDriverBuilder, PermissiveImplicitOpenGate};

/// The first four bytes of every qcow2 image.
pub const QCOW2_MAGIC: [u8; 4] = *b"QFI\xfb";

/// Size of the qcow2 version 2 header (the fields every version has).
const QCOW2_V2_HEADER_LEN: usize = 72;
/// Size of the qcow2 version 3 header up to and including `header_length`.
const QCOW2_V3_HEADER_LEN: usize = 104;
/// Byte offsets of the qcow2 header fields we look at before handing the
/// image to imago (all big-endian).
const QCOW2_OFF_VERSION: usize = 4;
const QCOW2_OFF_CLUSTER_BITS: usize = 20;
const QCOW2_OFF_CRYPT_METHOD: usize = 32;
const QCOW2_OFF_L1_SIZE: usize = 36;
const QCOW2_OFF_L1_TABLE_OFFSET: usize = 40;
const QCOW2_OFF_REFCOUNT_TABLE_OFFSET: usize = 48;
const QCOW2_OFF_REFCOUNT_TABLE_CLUSTERS: usize = 56;
const QCOW2_OFF_INCOMPATIBLE_FEATURES: usize = 72;
/// qcow2 cluster sizes are 2^9 (512 bytes) to 2^21 (2 MiB).
const QCOW2_MIN_CLUSTER_BITS: u32 = 9;
const QCOW2_MAX_CLUSTER_BITS: u32 = 21;
/// qcow2 incompatible feature bits (header offset 72).
const QCOW2_INCOMPAT_DIRTY: u64 = 1 << 0;
const QCOW2_INCOMPAT_CORRUPT: u64 = 1 << 1;
const QCOW2_INCOMPAT_DATA_FILE: u64 = 1 << 2;
const QCOW2_INCOMPAT_COMPRESSION: u64 = 1 << 3;
const QCOW2_INCOMPAT_EXTL2: u64 = 1 << 4;

/// A disk: a flat array of bytes the guest reads and writes.
pub trait BlockBackend: Send {
    /// The disk's size in bytes.
    fn size(&self) -> u64;
    /// Whether writes are refused.
    fn read_only(&self) -> bool;
    /// Fills `buf` from the disk at byte `offset`. The whole range must lie
    /// within [`BlockBackend::size`].
    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<()>;
    /// Writes `buf` to the disk at byte `offset`. The whole range must lie
    /// within [`BlockBackend::size`].
    fn write_at(&mut self, buf: &[u8], offset: u64) -> io::Result<()>;
    /// Makes everything written so far durable: data and metadata reach the
    /// host file and the file is `fsync`ed.
    fn flush(&mut self) -> io::Result<()>;
}

/// The format of a disk image file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    /// The file is the disk, byte for byte.
    Raw,
    /// QEMU's copy-on-write format (versions 2 and 3).
    Qcow2,
}

impl ImageFormat {
    /// The format named as QEMU's `format=` option names it.
    pub fn from_name(name: &str) -> Option<ImageFormat> {
        match name {
            "raw" => Some(ImageFormat::Raw),
            "qcow2" => Some(ImageFormat::Qcow2),
            _ => None,
        }
    }

    /// The format's name as QEMU spells it.
    pub fn name(self) -> &'static str {
        match self {
            ImageFormat::Raw => "raw",
            ImageFormat::Qcow2 => "qcow2",
        }
    }
}

/// Why a disk image could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    /// The file does not exist.
    #[error("disk image {}: no such file", .path.display())]
    NotFound {
        /// The image file.
        path: PathBuf,
    },
    /// The file exists but may not be opened as asked.
    #[error(
        "disk image {}: permission denied opening it {}",
        .path.display(),
        if *.read_only { "read-only" } else { "read-write (a read-only drive may be opened with readonly=on)" }
    )]
    PermissionDenied {
        /// The image file.
        path: PathBuf,
        /// Whether it was opened read-only.
        read_only: bool,
    },
    /// The path names a directory.
    #[error("disk image {}: is a directory", .path.display())]
    IsDirectory {
        /// The image file.
        path: PathBuf,
    },
    /// `format=qcow2` was asked for but the file has no qcow2 magic.
    #[error("disk image {}: not a qcow2 image (no QFI\\xfb magic at its start)", .path.display())]
    NotQcow2 {
        /// The image file.
        path: PathBuf,
    },
    /// The qcow2 header (or the metadata it points to) is inconsistent.
    #[error("disk image {}: corrupt qcow2 image: {reason}", .path.display())]
    CorruptHeader {
        /// The image file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The image uses a qcow2 feature this emulator cannot handle.
    #[error("disk image {}: unsupported qcow2 feature: {feature}", .path.display())]
    Unsupported {
        /// The image file.
        path: PathBuf,
        /// The feature, and what to do about it where something can be done.
        feature: String,
    },
    /// The backing file (or external data file) named in the header could
    /// not be opened.
    #[error("disk image {}: cannot open its backing or data file: {reason}", .path.display())]
    Backing {
        /// The image file.
        path: PathBuf,
        /// What went wrong, with the other file's name.
        reason: String,
    },
    /// Any other I/O error while opening.
    #[error("disk image {}: {source}", .path.display())]
    Io {
        /// The image file.
        path: PathBuf,
        /// The error.
        #[source]
        source: io::Error,
    },
}

/// Opens the disk image at `path`. `format: None` probes the file's first
/// bytes for the qcow2 magic, as QEMU does without `format=`; a probed raw
/// image then refuses guest writes that would put the qcow2 magic in its
/// first sector (QEMU's protection against a guest turning its disk into an
/// image that names a host file as backing file on the next start).
pub fn open_image(
    path: &Path,
    format: Option<ImageFormat>,
    read_only: bool,
) -> Result<Box<dyn BlockBackend>, BlockError> {
    let mut file = open_file(path, read_only)?;
    let io_err = |source| BlockError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut start = [0u8; QCOW2_V3_HEADER_LEN];
    let start_len = read_prefix(&mut file, &mut start).map_err(io_err)?;
    let file_len = file.seek(SeekFrom::End(0)).map_err(io_err)?;
    let start = &start[..start_len];
    let has_magic = start.starts_with(&QCOW2_MAGIC);
    match format {
        Some(ImageFormat::Raw) => Ok(Box::new(
            RawBackend::new(file, read_only, false).map_err(io_err)?,
        )),
        None if !has_magic => Ok(Box::new(
            RawBackend::new(file, read_only, true).map_err(io_err)?,
        )),
        Some(ImageFormat::Qcow2) if !has_magic => Err(BlockError::NotQcow2 {
            path: path.to_path_buf(),
        }),
        Some(ImageFormat::Qcow2) | None => {
            // imago opens the file itself (it needs the path to resolve a
            // relative backing file name); ours was only for the checks.
            drop(file);
            check_qcow2_header(path, start, file_len)?;
            Ok(Box::new(Qcow2Backend::open(path, read_only)?))
        }
    }
}

/// Opens the image file itself, turning the usual failures into errors that
/// say what is wrong.
fn open_file(path: &Path, read_only: bool) -> Result<File, BlockError> {
    let file = OpenOptions::new()
        .read(true)
        .write(!read_only)
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => BlockError::NotFound {
                path: path.to_path_buf(),
            },
            io::ErrorKind::PermissionDenied => BlockError::PermissionDenied {
                path: path.to_path_buf(),
                read_only,
            },
            io::ErrorKind::IsADirectory => BlockError::IsDirectory {
                path: path.to_path_buf(),
            },
            _ => BlockError::Io {
                path: path.to_path_buf(),
                source: e,
            },
        })?;
    // Opening a directory read-only succeeds; reading it would not.
    let is_dir = file.metadata().map(|m| m.is_dir()).unwrap_or(false);
    if is_dir {
        return Err(BlockError::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    Ok(file)
}

/// Reads as much of `buf` as the file has from its start; returns the count.
fn read_prefix(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut done = 0;
    while done < buf.len() {
        match file.read(&mut buf[done..]) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

fn be_u32(bytes: &[u8], offset: usize) -> u32 {
    let mut b = [0u8; 4];
    if let Some(s) = bytes.get(offset..offset + 4) {
        b.copy_from_slice(s);
    }
    u32::from_be_bytes(b)
}

fn be_u64(bytes: &[u8], offset: usize) -> u64 {
    let mut b = [0u8; 8];
    if let Some(s) = bytes.get(offset..offset + 8) {
        b.copy_from_slice(s);
    }
    u64::from_be_bytes(b)
}

/// Looks at the qcow2 header fields whose problems deserve a better message
/// than a generic open failure: truncation, the version, encryption and the
/// incompatible feature bits, and whether the tables the header points to
/// lie within the file (a truncated copy would otherwise read as zeros,
/// i.e. as an empty disk whose refcounts say every cluster is free).
/// `start` is the file's first bytes (up to the v3 header length).
fn check_qcow2_header(path: &Path, start: &[u8], file_len: u64) -> Result<(), BlockError> {
    let corrupt = |reason: String| BlockError::CorruptHeader {
        path: path.to_path_buf(),
        reason,
    };
    let unsupported = |feature: String| BlockError::Unsupported {
        path: path.to_path_buf(),
        feature,
    };
    if start.len() < QCOW2_V2_HEADER_LEN {
        return Err(corrupt(format!(
            "truncated header: the file has {} bytes, a qcow2 header needs at least {}",
            start.len(),
            QCOW2_V2_HEADER_LEN
        )));
    }
    let version = be_u32(start, QCOW2_OFF_VERSION);
    match version {
        2 => {}
        3 if start.len() < QCOW2_V3_HEADER_LEN => {
            return Err(corrupt(format!(
                "truncated header: the file has {} bytes, a qcow2 v3 header needs {}",
                start.len(),
                QCOW2_V3_HEADER_LEN
            )))
        }
        3 => {}
        v => {
            return Err(unsupported(format!(
                "qcow2 version {v} (only 2 and 3 exist)"
            )))
        }
    }
    let cluster_bits = be_u32(start, QCOW2_OFF_CLUSTER_BITS);
    if !(QCOW2_MIN_CLUSTER_BITS..=QCOW2_MAX_CLUSTER_BITS).contains(&cluster_bits) {
        return Err(corrupt(format!(
            "cluster_bits is {cluster_bits}, must be {QCOW2_MIN_CLUSTER_BITS} to {QCOW2_MAX_CLUSTER_BITS}"
        )));
    }
    if be_u32(start, QCOW2_OFF_CRYPT_METHOD) != 0 {
        return Err(unsupported(
            "encryption (convert it with qemu-img convert to an unencrypted image)".into(),
        ));
    }
    if version == 3 {
        let incompat = be_u64(start, QCOW2_OFF_INCOMPATIBLE_FEATURES);
        if incompat & QCOW2_INCOMPAT_CORRUPT != 0 {
            return Err(corrupt(
                "the image is marked corrupt; `qemu-img check -r all` may repair it".into(),
            ));
        }
        if incompat & QCOW2_INCOMPAT_DIRTY != 0 {
            return Err(unsupported(
                "the image is marked dirty (lazy refcounts, not closed cleanly); \
                 `qemu-img check -r all` repairs it"
                    .into(),
            ));
        }
        if incompat & QCOW2_INCOMPAT_COMPRESSION != 0 {
            return Err(unsupported(
                "a compression type other than zlib (e.g. zstd)".into(),
            ));
        }
        if incompat & QCOW2_INCOMPAT_EXTL2 != 0 {
            return Err(unsupported(
                "extended L2 entries (subclusters, extended_l2=on)".into(),
            ));
        }
        let unknown = incompat
            & !(QCOW2_INCOMPAT_DIRTY
                | QCOW2_INCOMPAT_CORRUPT
                | QCOW2_INCOMPAT_DATA_FILE
                | QCOW2_INCOMPAT_COMPRESSION
                | QCOW2_INCOMPAT_EXTL2);
        if unknown != 0 {
            return Err(unsupported(format!(
                "unknown incompatible feature bits {unknown:#x}"
            )));
        }
    }
    let cluster_size = 1u64 << cluster_bits;
    let l1_bytes = u64::from(be_u32(start, QCOW2_OFF_L1_SIZE)) * 8;
    let rt_bytes = u64::from(be_u32(start, QCOW2_OFF_REFCOUNT_TABLE_CLUSTERS)) * cluster_size;
    let tables = [
        (
            "L1 table",
            be_u64(start, QCOW2_OFF_L1_TABLE_OFFSET),
            l1_bytes,
        ),
        (
            "refcount table",
            be_u64(start, QCOW2_OFF_REFCOUNT_TABLE_OFFSET),
            rt_bytes,
        ),
    ];
    for (name, offset, len) in tables {
        if len == 0 {
            continue;
        }
        match offset.checked_add(len) {
            Some(end) if end <= file_len => {}
            _ => {
                return Err(corrupt(format!(
                    "the {name} ({len} bytes at {offset:#x}) lies beyond the end of the \
                     file ({file_len:#x} bytes): the file is truncated or its header corrupt"
                )))
            }
        }
    }
    Ok(())
}

/// Checks that `len` bytes at `offset` lie within a disk of `size` bytes.
fn check_range(offset: u64, len: usize, size: u64) -> io::Result<()> {
    match offset.checked_add(len as u64) {
        Some(end) if end <= size => Ok(()),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("access of {len} bytes at {offset:#x} beyond the disk's end ({size:#x})"),
        )),
    }
}

fn read_only_error() -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, "the disk is read-only")
}

/// A raw image: the file is the disk.
struct RawBackend {
    file: File,
    size: u64,
    read_only: bool,
    /// The format was probed, not given: refuse writes that would make the
    /// file probe as qcow2 next time.
    probed: bool,
    /// Written since the last flush (so a drop needs an fsync).
    dirty: bool,
}

impl RawBackend {
    fn new(mut file: File, read_only: bool, probed: bool) -> io::Result<RawBackend> {
        // Seeking to the end also sizes block devices, whose metadata says 0.
        let size = file.seek(SeekFrom::End(0))?;
        Ok(RawBackend {
            file,
            size,
            read_only,
            probed,
            dirty: false,
        })
    }

    /// Whether writing `buf` at `offset` would leave the qcow2 magic in the
    /// file's first four bytes.
    fn would_write_magic(&self, buf: &[u8], offset: u64) -> io::Result<bool> {
        let magic_len = QCOW2_MAGIC.len() as u64;
        if offset >= magic_len || buf.is_empty() {
            return Ok(false);
        }
        // The first bytes as they would be after the write: the write's
        // bytes where it covers them, the file's where it does not.
        let mut first = [0u8; 4];
        let have = (self.size.min(magic_len)) as usize;
        self.file.read_exact_at(&mut first[..have], 0)?;
        for (i, b) in buf.iter().enumerate() {
            match usize::try_from(offset + i as u64) {
                Ok(pos) if pos < first.len() => first[pos] = *b,
                _ => break,
            }
        }
        Ok(first == QCOW2_MAGIC)
    }
}

impl BlockBackend for RawBackend {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_only(&self) -> bool {
        self.read_only
    }

    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        check_range(offset, buf.len(), self.size)?;
        self.file.read_exact_at(buf, offset)
    }

    fn write_at(&mut self, buf: &[u8], offset: u64) -> io::Result<()> {
        if self.read_only {
            return Err(read_only_error());
        }
        check_range(offset, buf.len(), self.size)?;
        if self.probed && self.would_write_magic(buf, offset)? {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                "refusing to write a qcow2 header into a raw image whose format was probed \
                 (give format=raw to allow it)",
            ));
        }
        self.dirty = true;
        self.file.write_all_at(buf, offset)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.read_only {
            return Ok(());
        }
        self.file.sync_all()?;
        self.dirty = false;
        Ok(())
    }
}

impl Drop for RawBackend {
    fn drop(&mut self) {
        // Power-off is a clean shutdown: make the guest's writes durable
        // as QEMU does when it closes a drive.
        if self.dirty {
            if let Err(e) = self.file.sync_all() {
                eprintln!("rsemu: warning: syncing a raw disk image failed: {e}");
            }
        }
    }
}

/// A qcow2 image through imago.
struct Qcow2Backend {
    image: FormatAccess<ImagoFile>,
    path: PathBuf,
    size: u64,
    read_only: bool,
}

impl Qcow2Backend {
    fn open(path: &Path, read_only: bool) -> Result<Qcow2Backend, BlockError> {
        let driver = Qcow2::<ImagoFile>::builder_path(path)
            .write(!read_only)
            .open(PermissiveImplicitOpenGate::default())
            .map_err(|e| classify_open_error(path, e))?;
        let image = FormatAccess::new(driver);
        let size = image.size();
        Ok(Qcow2Backend {
            image,
            path: path.to_path_buf(),
            size,
            read_only,
        })
    }
}

/// Sorts an error from imago's open into the [`BlockError`] that says best
/// what is wrong (imago's own message is kept as the reason).
fn classify_open_error(path: &Path, e: io::Error) -> BlockError {
    let reason = e.to_string();
    let path = path.to_path_buf();
    // imago prefixes failures of the files it opens for the image with
    // their role and quoted name (`Backing file "/x/base.raw": ...`); a
    // header problem about the backing file's name has no quoted name.
    let other_file = ["Backing file \"", "External data file \"", "Cannot resolve"]
        .iter()
        .any(|p| reason.contains(p));
    if other_file {
        return BlockError::Backing { path, reason };
    }
    match e.kind() {
        io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof => {
            BlockError::CorruptHeader { path, reason }
        }
        io::ErrorKind::Unsupported => BlockError::Unsupported {
            path,
            feature: reason,
        },
        _ if reason.contains("ncompatible feature") => BlockError::Unsupported {
            path,
            feature: reason,
        },
        _ => BlockError::Io { path, source: e },
    }
}

impl BlockBackend for Qcow2Backend {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_only(&self) -> bool {
        self.read_only
    }

    fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        // imago would zero-fill past the end; a disk access there is an error.
        check_range(offset, buf.len(), self.size)?;
        self.image.read(buf, offset)
    }

    fn write_at(&mut self, buf: &[u8], offset: u64) -> io::Result<()> {
        if self.read_only {
            return Err(read_only_error());
        }
        check_range(offset, buf.len(), self.size)?;
        self.image.write(buf, offset)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.read_only {
            return Ok(());
        }
        // flush writes imago's cached metadata (L2 tables, refcounts) to the
        // file; sync makes the file durable.
        self.image.flush()?;
        self.image.sync()
    }
}

impl Drop for Qcow2Backend {
    fn drop(&mut self) {
        // imago's own drop flushes its caches but does not fsync and can
        // only log a failure; do both here so the message names the file.
        if let Err(e) = self.flush() {
            eprintln!(
                "rsemu: warning: flushing disk image {} failed, it may be inconsistent: {e}",
                self.path.display()
            );
        }
    }
}

/// Helpers for tests that need image files (also used by virtio-blk's).
#[cfg(test)]
pub(crate) mod test_util {
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A directory removed when the test ends.
    pub(crate) struct TempDir(pub(crate) PathBuf);

    impl TempDir {
        pub(crate) fn new(tag: &str) -> TempDir {
            static COUNT: AtomicUsize = AtomicUsize::new(0);
            let n = COUNT.fetch_add(1, Ordering::SeqCst);
            let dir =
                std::env::temp_dir().join(format!("rsemu-block-{tag}-{}-{n}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("create temp dir");
            TempDir(dir)
        }

        pub(crate) fn path(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Compares byte strings, reporting the first difference rather than
    /// printing megabytes.
    #[track_caller]
    pub(crate) fn assert_bytes_eq(got: &[u8], want: &[u8]) {
        if let Some(i) = got.iter().zip(want).position(|(a, b)| a != b) {
            panic!(
                "bytes differ at offset {i:#x}: got {:#04x}, want {:#04x}",
                got[i], want[i]
            );
        }
        assert_eq!(got.len(), want.len(), "lengths differ");
    }

    /// Whether qemu-img can be run (the qcow2 tests need it to create and
    /// check images).
    pub(crate) fn have_qemu_img() -> bool {
        let ok = Command::new("qemu-img")
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !ok {
            eprintln!("skipped: qemu-img is not installed (apt-get install qemu-utils)");
        }
        ok
    }

    pub(crate) fn qemu_img(args: &[&str]) -> String {
        let out = Command::new("qemu-img")
            .args(args)
            .output()
            .expect("run qemu-img");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "qemu-img {args:?} failed: {text}");
        text
    }

    /// Creates a qcow2 image of `size` bytes with `extra` options.
    pub(crate) fn create_qcow2(path: &Path, size: &str, extra: &[&str]) {
        let p = path.to_str().expect("utf-8 temp path");
        let mut args = vec!["create", "-q", "-f", "qcow2"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&[p, size]);
        qemu_img(&args);
    }

    /// `qemu-img check` must find no errors and no leaks.
    pub(crate) fn assert_qcow2_clean(path: &Path) {
        let text = qemu_img(&["check", path.to_str().expect("utf-8")]);
        assert!(
            text.contains("No errors were found"),
            "qemu-img check: {text}"
        );
        assert!(!text.contains("leaked"), "qemu-img check: {text}");
    }

    /// The image's guest-visible contents, converted by qemu-img.
    pub(crate) fn qcow2_contents(path: &Path, dir: &TempDir) -> Vec<u8> {
        let out = dir.path("converted.raw");
        qemu_img(&[
            "convert",
            "-O",
            "raw",
            path.to_str().expect("utf-8"),
            out.to_str().expect("utf-8"),
        ]);
        std::fs::read(&out).expect("read converted image")
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;

    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 8) as u8)
            .collect()
    }

    #[test]
    fn raw_read_write_flush() {
        let dir = TempDir::new("raw");
        let path = dir.path("disk.raw");
        std::fs::write(&path, vec![0u8; 64 * 1024]).unwrap();
        {
            let mut disk = open_image(&path, None, false).unwrap();
            assert_eq!(disk.size(), 64 * 1024);
            assert!(!disk.read_only());
            let data = pattern(1000, 7);
            disk.write_at(&data, 4097).unwrap();
            let mut back = vec![0u8; 1000];
            disk.read_at(&mut back, 4097).unwrap();
            assert_eq!(back, data);
            disk.flush().unwrap();
            // Past the end: an error, not a short read or a grown file.
            let mut buf = [0u8; 16];
            assert!(disk.read_at(&mut buf, 64 * 1024 - 8).is_err());
            assert!(disk.write_at(&buf, 64 * 1024 - 8).is_err());
            assert!(disk.read_at(&mut buf, u64::MAX - 4).is_err());
        }
        let file = std::fs::read(&path).unwrap();
        assert_eq!(file.len(), 64 * 1024);
        assert_eq!(&file[4097..5097], &pattern(1000, 7)[..]);
        assert!(file[..4097].iter().all(|&b| b == 0));
    }

    #[test]
    fn raw_read_only_refuses_writes() {
        let dir = TempDir::new("rawro");
        let path = dir.path("disk.raw");
        std::fs::write(&path, pattern(8192, 1)).unwrap();
        let mut disk = open_image(&path, Some(ImageFormat::Raw), true).unwrap();
        assert!(disk.read_only());
        let mut buf = [0u8; 512];
        disk.read_at(&mut buf, 512).unwrap();
        assert_eq!(&buf[..], &pattern(8192, 1)[512..1024]);
        let err = disk.write_at(&buf, 0).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
        disk.flush().unwrap();
    }

    #[test]
    fn probed_raw_refuses_qcow2_magic_in_sector_0() {
        let dir = TempDir::new("magic");
        let path = dir.path("disk.raw");
        std::fs::write(&path, vec![0u8; 4096]).unwrap();
        let mut sector = vec![0u8; 512];
        sector[..4].copy_from_slice(&QCOW2_MAGIC);
        {
            let mut probed = open_image(&path, None, false).unwrap();
            assert!(probed.write_at(&sector, 0).is_err());
            // Two writes that together would build the magic are caught too.
            probed.write_at(b"QF", 0).unwrap();
            assert!(probed.write_at(b"I\xfb", 2).is_err());
            // Elsewhere the same bytes are fine.
            probed.write_at(&sector, 512).unwrap();
        }
        {
            let mut explicit = open_image(&path, Some(ImageFormat::Raw), false).unwrap();
            explicit.write_at(&sector, 0).unwrap();
        }
        assert_eq!(&std::fs::read(&path).unwrap()[..4], &QCOW2_MAGIC);
    }

    #[test]
    fn open_errors_name_the_file_and_the_problem() {
        let dir = TempDir::new("errors");
        let missing = dir.path("missing.img");
        let err = open_image(&missing, None, false).err().unwrap();
        assert!(matches!(err, BlockError::NotFound { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains("missing.img") && msg.contains("no such file"),
            "{msg}"
        );

        let err = open_image(&dir.0, None, true).err().unwrap();
        assert!(matches!(err, BlockError::IsDirectory { .. }), "{err}");

        let raw = dir.path("plain.raw");
        std::fs::write(&raw, vec![0u8; 4096]).unwrap();
        let err = open_image(&raw, Some(ImageFormat::Qcow2), false)
            .err()
            .unwrap();
        assert!(matches!(err, BlockError::NotQcow2 { .. }), "{err}");
        assert!(err.to_string().contains("plain.raw"), "{err}");

        // Permission checks do not apply to root, which the tests may be.
        let ro = dir.path("ro.raw");
        std::fs::write(&ro, vec![0u8; 512]).unwrap();
        let mut perms = std::fs::metadata(&ro).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o444);
        std::fs::set_permissions(&ro, perms).unwrap();
        if let Err(err) = open_image(&ro, None, false) {
            assert!(matches!(err, BlockError::PermissionDenied { .. }), "{err}");
            assert!(err.to_string().contains("readonly=on"), "{err}");
        }
        assert!(open_image(&ro, None, true).is_ok());
    }

    #[test]
    fn truncated_and_corrupt_qcow2_headers_are_errors() {
        let dir = TempDir::new("corrupt");
        // Only the magic: truncated.
        let p = dir.path("short.qcow2");
        std::fs::write(&p, b"QFI\xfb\0\0\0\x03").unwrap();
        let err = open_image(&p, None, false).err().unwrap();
        assert!(matches!(err, BlockError::CorruptHeader { .. }), "{err}");
        assert!(err.to_string().contains("truncated"), "{err}");
        assert!(err.to_string().contains("short.qcow2"), "{err}");

        // A v3 header cut after the v2 part.
        let mut hdr = vec![0u8; 80];
        hdr[..4].copy_from_slice(&QCOW2_MAGIC);
        hdr[4..8].copy_from_slice(&3u32.to_be_bytes());
        hdr[20..24].copy_from_slice(&16u32.to_be_bytes());
        let p = dir.path("v3short.qcow2");
        std::fs::write(&p, &hdr).unwrap();
        let err = open_image(&p, Some(ImageFormat::Qcow2), true)
            .err()
            .unwrap();
        assert!(matches!(err, BlockError::CorruptHeader { .. }), "{err}");

        // Version 4 does not exist.
        let mut v4 = vec![0u8; 512];
        v4[..4].copy_from_slice(&QCOW2_MAGIC);
        v4[4..8].copy_from_slice(&4u32.to_be_bytes());
        let p = dir.path("v4.qcow2");
        std::fs::write(&p, &v4).unwrap();
        let err = open_image(&p, None, false).err().unwrap();
        assert!(matches!(err, BlockError::Unsupported { .. }), "{err}");

        // A bad cluster size.
        let mut bad = vec![0u8; 512];
        bad[..4].copy_from_slice(&QCOW2_MAGIC);
        bad[4..8].copy_from_slice(&2u32.to_be_bytes());
        bad[20..24].copy_from_slice(&40u32.to_be_bytes());
        let p = dir.path("cluster.qcow2");
        std::fs::write(&p, &bad).unwrap();
        let err = open_image(&p, None, false).err().unwrap();
        assert!(matches!(err, BlockError::CorruptHeader { .. }), "{err}");
        assert!(err.to_string().contains("cluster_bits"), "{err}");

        // Random garbage after a plausible v2 header start: imago's checks.
        let mut garbage = pattern(4096, 3);
        garbage[..4].copy_from_slice(&QCOW2_MAGIC);
        garbage[4..8].copy_from_slice(&2u32.to_be_bytes());
        garbage[20..24].copy_from_slice(&12u32.to_be_bytes());
        garbage[32..36].copy_from_slice(&0u32.to_be_bytes());
        let p = dir.path("garbage.qcow2");
        std::fs::write(&p, &garbage).unwrap();
        let err = open_image(&p, None, true).err().unwrap();
        assert!(err.to_string().contains("garbage.qcow2"), "{err}");
    }

    #[test]
    fn qcow2_header_flags_give_clear_errors() {
        if !have_qemu_img() {
            return;
        }
        let dir = TempDir::new("flags");
        let p = dir.path("d.qcow2");
        create_qcow2(&p, "1M", &[]);
        let good = std::fs::read(&p).unwrap();
        let set_incompat = |bits: u64| {
            let mut img = good.clone();
            img[72..80].copy_from_slice(&bits.to_be_bytes());
            std::fs::write(&p, &img).unwrap();
        };
        set_incompat(QCOW2_INCOMPAT_CORRUPT);
        let err = open_image(&p, None, false).err().unwrap();
        assert!(matches!(err, BlockError::CorruptHeader { .. }), "{err}");
        assert!(err.to_string().contains("marked corrupt"), "{err}");
        set_incompat(QCOW2_INCOMPAT_DIRTY);
        let err = open_image(&p, None, false).err().unwrap();
        assert!(matches!(err, BlockError::Unsupported { .. }), "{err}");
        assert!(err.to_string().contains("dirty"), "{err}");
        set_incompat(1 << 40);
        let err = open_image(&p, None, false).err().unwrap();
        assert!(matches!(err, BlockError::Unsupported { .. }), "{err}");
        // A copy cut after its header: the tables are missing.
        std::fs::write(&p, &good[..4096]).unwrap();
        let err = open_image(&p, None, false).err().unwrap();
        assert!(matches!(err, BlockError::CorruptHeader { .. }), "{err}");
        assert!(err.to_string().contains("truncated"), "{err}");
        let mut enc = good.clone();
        enc[32..36].copy_from_slice(&1u32.to_be_bytes());
        std::fs::write(&p, &enc).unwrap();
        let err = open_image(&p, None, false).err().unwrap();
        assert!(err.to_string().contains("encryption"), "{err}");
    }

    #[test]
    fn qcow2_write_read_drop_check_convert() {
        if !have_qemu_img() {
            return;
        }
        let dir = TempDir::new("qcow2");
        let path = dir.path("disk.qcow2");
        // 4 KiB clusters so that writes cross many cluster boundaries.
        create_qcow2(&path, "1M", &["-o", "cluster_size=4096"]);
        let mut expect = vec![0u8; 1 << 20];
        let writes: [(u64, usize, u8); 5] = [
            (0, 512, 1),
            (4096 - 3, 10, 2),         // straddles the first cluster boundary
            (10_000, 20_000, 3),       // unaligned, several clusters
            (1_048_576 - 700, 700, 4), // the disk's last bytes
            (12_288, 4096, 5),         // overwrite part of an allocated range
        ];
        {
            let mut disk = open_image(&path, None, false).unwrap();
            assert_eq!(disk.size(), 1 << 20);
            for &(off, len, seed) in &writes {
                let data = pattern(len, seed);
                disk.write_at(&data, off).unwrap();
                expect[off as usize..off as usize + len].copy_from_slice(&data);
            }
            // Read back through the backend, unaligned and across clusters.
            let mut buf = vec![0u8; 30_001];
            disk.read_at(&mut buf, 4000).unwrap();
            assert_bytes_eq(&buf, &expect[4000..34_001]);
            let mut end = vec![0u8; 1000];
            disk.read_at(&mut end, (1 << 20) - 1000).unwrap();
            assert_eq!(&end[..], &expect[(1 << 20) - 1000..]);
            let mut past = [0u8; 2];
            assert!(disk.read_at(&mut past, (1 << 20) - 1).is_err());
            assert!(disk.write_at(&past, 1 << 20).is_err());
            // Dropped without an explicit flush.
        }
        assert_qcow2_clean(&path);
        assert_bytes_eq(&qcow2_contents(&path, &dir), &expect);

        // Reopen read-only: the data is there and writes are refused.
        let mut disk = open_image(&path, Some(ImageFormat::Qcow2), true).unwrap();
        assert!(disk.read_only());
        let mut buf = vec![0u8; 20_000];
        disk.read_at(&mut buf, 10_000).unwrap();
        assert_bytes_eq(&buf, &expect[10_000..30_000]);
        assert!(disk.write_at(&buf[..512], 0).is_err());
        drop(disk);
        assert_qcow2_clean(&path);
    }

    #[test]
    fn qcow2_flush_makes_the_image_consistent_while_open() {
        if !have_qemu_img() {
            return;
        }
        let dir = TempDir::new("flush");
        let path = dir.path("disk.qcow2");
        create_qcow2(&path, "256K", &[]);
        let mut disk = open_image(&path, None, false).unwrap();
        let data = pattern(70_000, 9);
        disk.write_at(&data, 60_000).unwrap();
        disk.flush().unwrap();
        // Checked while the backend is still open: the flush alone must
        // have written all metadata.
        assert_qcow2_clean(&path);
        let contents = qcow2_contents(&path, &dir);
        assert_bytes_eq(&contents[60_000..130_000], &data);
        drop(disk);
    }

    #[test]
    fn qcow2_with_backing_file() {
        if !have_qemu_img() {
            return;
        }
        let dir = TempDir::new("backing");
        let base = dir.path("base.raw");
        let base_data = pattern(128 * 1024, 11);
        std::fs::write(&base, &base_data).unwrap();
        let overlay = dir.path("overlay.qcow2");
        // A relative backing file name, resolved next to the overlay.
        create_qcow2(&overlay, "128K", &["-b", "base.raw", "-F", "raw"]);
        let mut expect = base_data.clone();
        {
            let mut disk = open_image(&overlay, None, false).unwrap();
            let mut buf = vec![0u8; 5000];
            disk.read_at(&mut buf, 1000).unwrap();
            assert_eq!(&buf[..], &base_data[1000..6000]);
            let data = pattern(3000, 12);
            disk.write_at(&data, 70_001).unwrap();
            expect[70_001..73_001].copy_from_slice(&data);
            let mut back = vec![0u8; 8000];
            disk.read_at(&mut back, 68_000).unwrap();
            assert_eq!(&back[..], &expect[68_000..76_000]);
        }
        // The backing file is untouched; the overlay holds the write.
        assert_eq!(std::fs::read(&base).unwrap(), base_data);
        assert_qcow2_clean(&overlay);
        assert_bytes_eq(&qcow2_contents(&overlay, &dir), &expect);

        // A missing backing file is a clear error.
        std::fs::remove_file(&base).unwrap();
        let err = open_image(&overlay, None, false).err().unwrap();
        assert!(matches!(err, BlockError::Backing { .. }), "{err}");
        assert!(err.to_string().contains("base.raw"), "{err}");
    }
}
