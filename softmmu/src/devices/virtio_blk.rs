//! virtio-blk (virtio device ID 2, spec 5.2): a disk over a [`BlockBackend`].
//!
//! One request queue. A request is a 16-byte header the device reads
//! (type, reserved, sector), data buffers, and one status byte the device
//! writes last. Requests: IN (read), OUT (write), FLUSH (reaches the
//! backend's `flush`, i.e. `fsync`, so a guest `sync` makes data durable)
//! and GET_ID (the serial string). Others are answered UNSUPP.
//!
//! Offered features: SEG_MAX, BLK_SIZE (512), FLUSH, and RO for read-only
//! images. Not offered: DISCARD, WRITE_ZEROES (Linux falls back to
//! writing zeroes), CONFIG_WCE (the cache is always write-back with
//! flushes honoured), MQ (one vCPU), GEOMETRY/TOPOLOGY (nothing to say).
//!
//! Requests are served synchronously from the queue notification, through
//! a bounce buffer of bounded size, so a guest's descriptor lengths never
//! size a host allocation. Any malformed chain or guest address gets an
//! error status (or, when there is no status byte to write, the buffer is
//! returned unused); nothing the guest writes can panic the device.

use virtio_queue::{Queue, QueueT};
use vm_memory::GuestMemoryMmap;

use crate::block::BlockBackend;
use crate::devices::virtio_mmio::{read_guest, write_guest, ChainBuffers, VirtioDevice};
use crate::devices::DmaObserver;

/// The virtio device ID of a block device.
pub const VIRTIO_ID_BLOCK: u32 = 2;

/// Feature bits (spec 5.2.3).
pub const VIRTIO_BLK_F_SIZE_MAX: u64 = 1 << 1;
pub const VIRTIO_BLK_F_SEG_MAX: u64 = 1 << 2;
pub const VIRTIO_BLK_F_GEOMETRY: u64 = 1 << 4;
pub const VIRTIO_BLK_F_RO: u64 = 1 << 5;
pub const VIRTIO_BLK_F_BLK_SIZE: u64 = 1 << 6;
pub const VIRTIO_BLK_F_FLUSH: u64 = 1 << 9;
pub const VIRTIO_BLK_F_TOPOLOGY: u64 = 1 << 10;
pub const VIRTIO_BLK_F_CONFIG_WCE: u64 = 1 << 11;
pub const VIRTIO_BLK_F_MQ: u64 = 1 << 12;
pub const VIRTIO_BLK_F_DISCARD: u64 = 1 << 13;
pub const VIRTIO_BLK_F_WRITE_ZEROES: u64 = 1 << 14;

/// Request types (spec 5.2.6).
pub const VIRTIO_BLK_T_IN: u32 = 0;
pub const VIRTIO_BLK_T_OUT: u32 = 1;
pub const VIRTIO_BLK_T_FLUSH: u32 = 4;
pub const VIRTIO_BLK_T_GET_ID: u32 = 8;
pub const VIRTIO_BLK_T_DISCARD: u32 = 11;
pub const VIRTIO_BLK_T_WRITE_ZEROES: u32 = 13;

/// Request status values, the last byte the device writes.
pub const VIRTIO_BLK_S_OK: u8 = 0;
pub const VIRTIO_BLK_S_IOERR: u8 = 1;
pub const VIRTIO_BLK_S_UNSUPP: u8 = 2;

/// Sectors are always 512 bytes in the protocol, whatever blk_size says.
pub const SECTOR_SIZE: u64 = 512;
/// The size of the request header: le32 type, le32 reserved, le64 sector.
pub const REQUEST_HEADER_LEN: usize = 16;
/// GET_ID answers with at most this many bytes.
pub const VIRTIO_BLK_ID_BYTES: usize = 20;
/// The request queue's size (QEMU's default).
pub const QUEUE_SIZE: u16 = 256;
/// Data segments per request: the queue less the header and status
/// descriptors, as QEMU computes it.
pub const SEG_MAX: u32 = QUEUE_SIZE as u32 - 2;

/// Configuration space layout (struct virtio_blk_config, spec 5.2.4).
pub const CONFIG_CAPACITY: usize = 0; // le64, in 512-byte sectors
pub const CONFIG_SIZE_MAX: usize = 8; // le32
pub const CONFIG_SEG_MAX: usize = 12; // le32
pub const CONFIG_GEOMETRY: usize = 16; // le16 cylinders, u8 heads, u8 sectors
pub const CONFIG_BLK_SIZE: usize = 20; // le32
pub const CONFIG_TOPOLOGY: usize = 24; // u8, u8, le16, le32
pub const CONFIG_WRITEBACK: usize = 32; // u8
pub const CONFIG_NUM_QUEUES: usize = 34; // le16
/// Through the write-zeroes fields; the fields after them belong to
/// features this device does not offer and read as 0.
pub const CONFIG_LEN: usize = 60;

/// The bounce buffer's size: the most a request moves per backend call.
const BOUNCE_LEN: usize = 128 * 1024;

/// A virtio block device.
pub struct VirtioBlk {
    backend: Box<dyn BlockBackend>,
    config: [u8; CONFIG_LEN],
    serial: Vec<u8>,
    bounce: Vec<u8>,
    queue_sizes: [u16; 1],
}

/// Why a request failed: its status byte.
struct Failed(u8);

impl VirtioBlk {
    /// A device for `backend`, with an empty serial.
    pub fn new(backend: Box<dyn BlockBackend>) -> VirtioBlk {
        let mut config = [0u8; CONFIG_LEN];
        let capacity = backend.size() / SECTOR_SIZE;
        config[CONFIG_CAPACITY..CONFIG_CAPACITY + 8].copy_from_slice(&capacity.to_le_bytes());
        config[CONFIG_SEG_MAX..CONFIG_SEG_MAX + 4].copy_from_slice(&SEG_MAX.to_le_bytes());
        config[CONFIG_BLK_SIZE..CONFIG_BLK_SIZE + 4]
            .copy_from_slice(&(SECTOR_SIZE as u32).to_le_bytes());
        config[CONFIG_NUM_QUEUES..CONFIG_NUM_QUEUES + 2].copy_from_slice(&1u16.to_le_bytes());
        VirtioBlk {
            backend,
            config,
            serial: Vec::new(),
            bounce: Vec::new(),
            queue_sizes: [QUEUE_SIZE],
        }
    }

    /// Sets the serial that GET_ID returns (QEMU's `serial=`), cut to 20
    /// bytes.
    pub fn with_serial(mut self, serial: &str) -> VirtioBlk {
        self.serial = serial
            .as_bytes()
            .iter()
            .copied()
            .take(VIRTIO_BLK_ID_BYTES)
            .collect();
        self
    }

    /// The disk's capacity in 512-byte sectors (a partial last sector of
    /// the image is not visible).
    pub fn capacity(&self) -> u64 {
        self.backend.size() / SECTOR_SIZE
    }

    /// Serves one request; returns the bytes written to device-writable
    /// buffers (status included), the used length.
    fn handle(&mut self, bufs: &ChainBuffers, mem: &GuestMemoryMmap<()>, dma: &DmaObserver) -> u32 {
        // The status byte is the last writable byte; without one there is
        // no way to answer, and the buffer goes back unused.
        let Some(&(last_addr, last_len)) = bufs.writable.last() else {
            return 0;
        };
        let Some(status_addr) = last_addr.checked_add(u64::from(last_len.saturating_sub(1))) else {
            return 0;
        };
        let mut data_out = bufs.writable.clone();
        if let Some(last) = data_out.last_mut() {
            last.1 = last.1.saturating_sub(1);
        }
        data_out.retain(|&(_, len)| len > 0);

        let mut header = [0u8; REQUEST_HEADER_LEN];
        let (status, written) = if gather(mem, &bufs.readable, &mut header) {
            let kind = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
            let mut sector = [0u8; 8];
            sector.copy_from_slice(&header[8..16]);
            let sector = u64::from_le_bytes(sector);
            let data_in = skip(&bufs.readable, REQUEST_HEADER_LEN as u64);
            let mut written = 0u64;
            let result = match kind {
                VIRTIO_BLK_T_IN => self.read(sector, &data_out, mem, dma, &mut written),
                VIRTIO_BLK_T_OUT => self.write(sector, &data_in, mem),
                VIRTIO_BLK_T_FLUSH => self.backend.flush().map_err(|_| Failed(VIRTIO_BLK_S_IOERR)),
                VIRTIO_BLK_T_GET_ID => self.get_id(&data_out, mem, dma, &mut written),
                _ => Err(Failed(VIRTIO_BLK_S_UNSUPP)),
            };
            (result.err().map_or(VIRTIO_BLK_S_OK, |Failed(s)| s), written)
        } else {
            // A header shorter than 16 bytes, or not in RAM.
            (VIRTIO_BLK_S_IOERR, 0)
        };
        if !write_guest(mem, dma, status_addr, &[status]) {
            return u32::try_from(written).unwrap_or(u32::MAX);
        }
        u32::try_from(written + 1).unwrap_or(u32::MAX)
    }

    /// Checks that `len` bytes at `sector` are on the disk and a whole
    /// number of sectors; returns the byte offset.
    fn disk_range(&self, sector: u64, len: u64) -> Result<u64, Failed> {
        if !len.is_multiple_of(SECTOR_SIZE) {
            return Err(Failed(VIRTIO_BLK_S_IOERR));
        }
        let offset = sector
            .checked_mul(SECTOR_SIZE)
            .ok_or(Failed(VIRTIO_BLK_S_IOERR))?;
        let end = offset.checked_add(len).ok_or(Failed(VIRTIO_BLK_S_IOERR))?;
        if end > self.capacity() * SECTOR_SIZE {
            return Err(Failed(VIRTIO_BLK_S_IOERR));
        }
        Ok(offset)
    }

    /// VIRTIO_BLK_T_IN: disk to guest buffers.
    fn read(
        &mut self,
        sector: u64,
        out: &[(u64, u32)],
        mem: &GuestMemoryMmap<()>,
        dma: &DmaObserver,
        written: &mut u64,
    ) -> Result<(), Failed> {
        let total: u64 = out.iter().map(|&(_, l)| u64::from(l)).sum();
        let mut offset = self.disk_range(sector, total)?;
        let bounce = bounce(&mut self.bounce);
        for &(addr, len) in out {
            let mut done = 0u64;
            while done < u64::from(len) {
                let n = (u64::from(len) - done).min(bounce.len() as u64) as usize;
                let chunk = &mut bounce[..n];
                let gpa = addr.checked_add(done).ok_or(Failed(VIRTIO_BLK_S_IOERR))?;
                self.backend
                    .read_at(chunk, offset)
                    .map_err(|_| Failed(VIRTIO_BLK_S_IOERR))?;
                if !write_guest(mem, dma, gpa, chunk) {
                    return Err(Failed(VIRTIO_BLK_S_IOERR));
                }
                done += n as u64;
                offset += n as u64;
                *written += n as u64;
            }
        }
        Ok(())
    }

    /// VIRTIO_BLK_T_OUT: guest buffers to disk.
    fn write(
        &mut self,
        sector: u64,
        data: &[(u64, u32)],
        mem: &GuestMemoryMmap<()>,
    ) -> Result<(), Failed> {
        if self.backend.read_only() {
            return Err(Failed(VIRTIO_BLK_S_IOERR));
        }
        let total: u64 = data.iter().map(|&(_, l)| u64::from(l)).sum();
        let mut offset = self.disk_range(sector, total)?;
        let bounce = bounce(&mut self.bounce);
        for &(addr, len) in data {
            let mut done = 0u64;
            while done < u64::from(len) {
                let n = (u64::from(len) - done).min(bounce.len() as u64) as usize;
                let chunk = &mut bounce[..n];
                let gpa = addr.checked_add(done).ok_or(Failed(VIRTIO_BLK_S_IOERR))?;
                if !read_guest(mem, gpa, chunk) {
                    return Err(Failed(VIRTIO_BLK_S_IOERR));
                }
                self.backend
                    .write_at(chunk, offset)
                    .map_err(|_| Failed(VIRTIO_BLK_S_IOERR))?;
                done += n as u64;
                offset += n as u64;
            }
        }
        Ok(())
    }

    /// VIRTIO_BLK_T_GET_ID: the serial, NUL-terminated if it is shorter
    /// than 20 bytes and the buffer has room (QEMU's answer).
    fn get_id(
        &mut self,
        out: &[(u64, u32)],
        mem: &GuestMemoryMmap<()>,
        dma: &DmaObserver,
        written: &mut u64,
    ) -> Result<(), Failed> {
        let mut id = self.serial.clone();
        id.push(0);
        id.truncate(VIRTIO_BLK_ID_BYTES);
        let mut rest = &id[..];
        for &(addr, len) in out {
            if rest.is_empty() {
                break;
            }
            let n = rest.len().min(len as usize);
            if !write_guest(mem, dma, addr, &rest[..n]) {
                return Err(Failed(VIRTIO_BLK_S_IOERR));
            }
            *written += n as u64;
            rest = &rest[n..];
        }
        Ok(())
    }
}

/// The bounce buffer, allocated on first use.
fn bounce(buf: &mut Vec<u8>) -> &mut [u8] {
    if buf.len() != BOUNCE_LEN {
        buf.resize(BOUNCE_LEN, 0);
    }
    buf
}

/// Fills `out` from the start of the byte stream `segs`; false if the
/// stream is shorter or not in RAM.
fn gather(mem: &GuestMemoryMmap<()>, segs: &[(u64, u32)], out: &mut [u8]) -> bool {
    let mut filled = 0;
    for &(addr, len) in segs {
        if filled == out.len() {
            break;
        }
        let n = (out.len() - filled).min(len as usize);
        if !read_guest(mem, addr, &mut out[filled..filled + n]) {
            return false;
        }
        filled += n;
    }
    filled == out.len()
}

/// The byte stream `segs` without its first `n` bytes.
fn skip(segs: &[(u64, u32)], mut n: u64) -> Vec<(u64, u32)> {
    let mut rest = Vec::new();
    for &(addr, len) in segs {
        if n >= u64::from(len) {
            n -= u64::from(len);
            continue;
        }
        // n < len here, so it fits in u32. An address that overflows
        // becomes one that is not RAM, and the access fails.
        let cut = n as u32;
        rest.push((addr.saturating_add(n), len - cut));
        n = 0;
    }
    rest
}

impl VirtioDevice for VirtioBlk {
    fn device_id(&self) -> u32 {
        VIRTIO_ID_BLOCK
    }

    fn device_features(&self) -> u64 {
        let mut f = VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH;
        if self.backend.read_only() {
            f |= VIRTIO_BLK_F_RO;
        }
        f
    }

    fn queue_max_sizes(&self) -> &[u16] {
        &self.queue_sizes
    }

    fn read_config(&self, offset: u64, data: &mut [u8]) {
        copy_config(&self.config, offset, data);
    }

    fn write_config(&mut self, _offset: u64, _data: &[u8]) {
        // Only `writeback` is writable, and only with CONFIG_WCE, which is
        // not offered.
    }

    fn process_queue(
        &mut self,
        _index: usize,
        queue: &mut Queue,
        mem: &GuestMemoryMmap<()>,
        dma: &DmaObserver,
    ) -> bool {
        let mut used = false;
        while let Some(chain) = queue.pop_descriptor_chain(mem) {
            let head = chain.head_index();
            let bufs = ChainBuffers::new(chain);
            let len = self.handle(&bufs, mem, dma);
            // A head index beyond the ring cannot be returned (add_used
            // refuses it); the driver broke its own ring.
            used |= queue.add_used(mem, head, len).is_ok();
        }
        used
    }

    fn reset(&mut self) {
        // Requests complete synchronously: nothing is in flight.
    }
}

/// Copies configuration bytes at `offset` into `data`; bytes past the end
/// of `config` read as 0.
fn copy_config(config: &[u8], offset: u64, data: &mut [u8]) {
    data.fill(0);
    let Ok(start) = usize::try_from(offset) else {
        return;
    };
    if let Some(src) = config.get(start..) {
        let n = src.len().min(data.len());
        data[..n].copy_from_slice(&src[..n]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block::test_util::*;
    use crate::block::{open_image, ImageFormat};
    use crate::devices::virtio_mmio::test_driver::*;
    use crate::devices::virtio_mmio::*;
    use crate::devices::MmioDevice;
    use std::io;
    use std::path::Path;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    const FEATURES: u64 = VIRTIO_F_VERSION_1
        | VIRTIO_F_RING_INDIRECT_DESC
        | VIRTIO_BLK_F_SEG_MAX
        | VIRTIO_BLK_F_BLK_SIZE
        | VIRTIO_BLK_F_FLUSH;

    /// Where the test puts a request's parts.
    const HEADER: u64 = DATA_BASE;
    const STATUS: u64 = DATA_BASE + 0x800;
    const DATA: u64 = DATA_BASE + 0x1000;

    /// A disk in memory that counts flushes and can be made to fail.
    #[derive(Clone, Default)]
    struct MemDisk {
        data: Arc<Mutex<Vec<u8>>>,
        flushes: Arc<AtomicUsize>,
        fail: bool,
        read_only: bool,
    }

    impl BlockBackend for MemDisk {
        fn size(&self) -> u64 {
            self.data.lock().unwrap().len() as u64
        }
        fn read_only(&self) -> bool {
            self.read_only
        }
        fn read_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<()> {
            if self.fail {
                return Err(io::Error::other("injected"));
            }
            let d = self.data.lock().unwrap();
            buf.copy_from_slice(&d[offset as usize..offset as usize + buf.len()]);
            Ok(())
        }
        fn write_at(&mut self, buf: &[u8], offset: u64) -> io::Result<()> {
            if self.fail {
                return Err(io::Error::other("injected"));
            }
            let mut d = self.data.lock().unwrap();
            d[offset as usize..offset as usize + buf.len()].copy_from_slice(buf);
            Ok(())
        }
        fn flush(&mut self) -> io::Result<()> {
            if self.fail {
                return Err(io::Error::other("injected"));
            }
            self.flushes.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    fn mem_disk(sectors: usize) -> MemDisk {
        MemDisk {
            data: Arc::new(Mutex::new(vec![0u8; sectors * 512])),
            ..MemDisk::default()
        }
    }

    fn pattern(len: usize, seed: u8) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(13).wrapping_add(seed) ^ (i >> 9) as u8)
            .collect()
    }

    fn bus_with(backend: Box<dyn BlockBackend>) -> TestBus {
        let mut bus = TestBus::new(Some(Box::new(
            VirtioBlk::new(backend).with_serial("rsemu-disk-0"),
        )));
        bus.bring_up(FEATURES, 1, QUEUE_SIZE);
        bus
    }

    fn header(kind: u32, sector: u64) -> [u8; 16] {
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&kind.to_le_bytes());
        h[8..16].copy_from_slice(&sector.to_le_bytes());
        h
    }

    /// Submits a request as Linux lays it out: header, data, status, each
    /// its own descriptor (data split into `pieces` descriptors), and
    /// returns (status, used length).
    fn submit(
        bus: &mut TestBus,
        kind: u32,
        sector: u64,
        data_len: usize,
        data_writable: bool,
        pieces: usize,
    ) -> (u8, u32) {
        bus.write_mem(HEADER, &header(kind, sector));
        bus.write_mem(STATUS, &[0xff]);
        let mut chain = vec![(HEADER, 16u32, false)];
        let piece = data_len.div_ceil(pieces.max(1));
        let mut at = 0;
        while at < data_len {
            let n = piece.min(data_len - at);
            chain.push((DATA + at as u64, n as u32, data_writable));
            at += n;
        }
        chain.push((STATUS, 1, true));
        submit_chain(bus, &chain)
    }

    fn submit_chain(bus: &mut TestBus, chain: &[(u64, u32, bool)]) -> (u8, u32) {
        let used = bus.used_idx(0);
        let head = bus.set_chain(0, 0, chain);
        bus.publish(0, head);
        bus.kick(0);
        assert_eq!(
            bus.used_idx(0),
            used.wrapping_add(1),
            "request not completed"
        );
        let (id, len) = bus.used_elem(0, used);
        assert_eq!(id, u32::from(head));
        (bus.read_mem(STATUS, 1)[0], len)
    }

    fn read_config(bus: &mut TestBus, offset: u32) -> u32 {
        bus.dev.read(REG_CONFIG + offset, 4)
    }

    #[test]
    fn identity_features_and_config() {
        let disk = mem_disk(2048 + 1);
        let mut bus = TestBus::new(Some(Box::new(VirtioBlk::new(Box::new(disk)))));
        assert_eq!(bus.rd(REG_DEVICE_ID), 2);
        let f = bus.device_features();
        assert_eq!(f & VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_SEG_MAX);
        assert_eq!(f & VIRTIO_BLK_F_BLK_SIZE, VIRTIO_BLK_F_BLK_SIZE);
        assert_eq!(f & VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_FLUSH);
        assert_eq!(f & VIRTIO_BLK_F_RO, 0);
        assert_eq!(
            f & (VIRTIO_BLK_F_DISCARD | VIRTIO_BLK_F_WRITE_ZEROES | VIRTIO_BLK_F_MQ),
            0
        );
        assert_ne!(f & VIRTIO_F_VERSION_1, 0);
        // Capacity as Linux reads a 64-bit field: two 32-bit reads.
        let cap = u64::from(read_config(&mut bus, 0)) | (u64::from(read_config(&mut bus, 4)) << 32);
        assert_eq!(cap, 2049);
        assert_eq!(read_config(&mut bus, CONFIG_SEG_MAX as u32), 254);
        assert_eq!(read_config(&mut bus, CONFIG_BLK_SIZE as u32), 512);
        assert_eq!(bus.dev.read(REG_CONFIG + CONFIG_BLK_SIZE as u32 + 1, 1), 2);
        assert_eq!(read_config(&mut bus, 200), 0);
        bus.wr(REG_QUEUE_SEL, 0);
        assert_eq!(bus.rd(REG_QUEUE_NUM_MAX), 256);
        // Config writes change nothing.
        bus.dev.write(REG_CONFIG, 4, 0);
        assert_eq!(read_config(&mut bus, 0), 2049);
    }

    #[test]
    fn write_then_read_raw_file() {
        let dir = TempDir::new("blkraw");
        let path = dir.path("disk.raw");
        std::fs::write(&path, vec![0u8; 1 << 20]).unwrap();
        let backend = open_image(&path, Some(ImageFormat::Raw), false).unwrap();
        let mut bus = bus_with(backend);

        // OUT: 3 sectors at sector 5, data in two descriptors.
        let data = pattern(1536, 1);
        bus.write_mem(DATA, &data);
        bus.dma_pages();
        bus.ack();
        let (status, len) = submit(&mut bus, VIRTIO_BLK_T_OUT, 5, 1536, false, 2);
        assert_eq!(status, VIRTIO_BLK_S_OK);
        assert_eq!(len, 1, "only the status byte is written for OUT");
        assert_eq!(bus.rd(REG_INTERRUPT_STATUS), INT_USED_RING);
        assert!(bus.irq_level());
        let file = std::fs::read(&path).unwrap();
        assert_eq!(&file[5 * 512..8 * 512], &data[..]);
        assert!(file[..5 * 512].iter().all(|&b| b == 0));
        // DMA: the status byte's page and the used ring, not the data.
        let pages = bus.dma_pages();
        assert!(pages.contains(&(STATUS >> 12)), "{pages:x?}");
        assert!(pages.contains(&(used_addr(0) >> 12)), "{pages:x?}");
        assert!(!pages.contains(&(DATA >> 12)), "{pages:x?}");
        bus.ack();
        assert!(!bus.irq_level());

        // IN: sectors 4..10 into three descriptors.
        bus.write_mem(DATA, &vec![0xaa; 3072]);
        let (status, len) = submit(&mut bus, VIRTIO_BLK_T_IN, 4, 3072, true, 3);
        assert_eq!(status, VIRTIO_BLK_S_OK);
        assert_eq!(len, 3072 + 1);
        assert_eq!(bus.read_mem(DATA, 3072), &file[4 * 512..10 * 512]);
        let pages = bus.dma_pages();
        assert!(pages.contains(&(DATA >> 12)), "{pages:x?}");
        assert!(pages.contains(&((DATA + 3071) >> 12)), "{pages:x?}");
        assert!(bus.irq_level());
    }

    #[test]
    fn large_requests_cross_the_bounce_buffer() {
        let disk = mem_disk(4096);
        let contents = disk.data.clone();
        let mut bus = bus_with(Box::new(disk));
        let len = 3 * BOUNCE_LEN / 2 + 512 * 3;
        let data = pattern(len, 9);
        bus.write_mem(DATA, &data);
        let (status, _) = submit(&mut bus, VIRTIO_BLK_T_OUT, 100, len, false, 1);
        assert_eq!(status, VIRTIO_BLK_S_OK);
        assert_bytes_eq(&contents.lock().unwrap()[100 * 512..100 * 512 + len], &data);
        bus.write_mem(DATA, &vec![0; len]);
        let (status, used) = submit(&mut bus, VIRTIO_BLK_T_IN, 100, len, true, 5);
        assert_eq!(status, VIRTIO_BLK_S_OK);
        assert_eq!(used as usize, len + 1);
        assert_bytes_eq(&bus.read_mem(DATA, len), &data);
    }

    #[test]
    fn any_layout_header_data_and_status_share_descriptors() {
        let disk = mem_disk(64);
        let contents = disk.data.clone();
        let mut bus = bus_with(Box::new(disk));
        // OUT: header and data in one readable buffer, split mid-header
        // across two descriptors.
        let mut req = header(VIRTIO_BLK_T_OUT, 2).to_vec();
        req.extend(pattern(512, 4));
        bus.write_mem(DATA, &req);
        bus.write_mem(STATUS, &[0xff]);
        let (status, _) = submit_chain(
            &mut bus,
            &[
                (DATA, 10, false),
                (DATA + 10, 518, false),
                (STATUS, 1, true),
            ],
        );
        assert_eq!(status, VIRTIO_BLK_S_OK);
        assert_eq!(&contents.lock().unwrap()[1024..1536], &pattern(512, 4)[..]);
        // IN: data and status in one writable buffer.
        bus.write_mem(HEADER, &header(VIRTIO_BLK_T_IN, 2));
        let buf = DATA + 0x2000;
        let used = bus.used_idx(0);
        let head = bus.set_chain(0, 0, &[(HEADER, 16, false), (buf, 513, true)]);
        bus.publish(0, head);
        bus.kick(0);
        assert_eq!(bus.used_elem(0, used), (0, 513));
        assert_eq!(bus.read_mem(buf, 512), pattern(512, 4));
        assert_eq!(bus.read_mem(buf + 512, 1), [VIRTIO_BLK_S_OK]);
    }

    #[test]
    fn indirect_request() {
        let disk = mem_disk(64);
        let contents = disk.data.clone();
        contents.lock().unwrap()[512..1024].copy_from_slice(&pattern(512, 8));
        let mut bus = bus_with(Box::new(disk));
        let table = DATA_BASE + 0x4_0000;
        bus.write_mem(HEADER, &header(VIRTIO_BLK_T_IN, 1));
        bus.write_mem(STATUS, &[0xff]);
        bus.write_desc_at(table, HEADER, 16, F_NEXT, 1);
        bus.write_desc_at(table + 16, DATA, 512, F_NEXT | F_WRITE, 2);
        bus.write_desc_at(table + 32, STATUS, 1, F_WRITE, 0);
        bus.set_desc(0, 7, table, 48, F_INDIRECT, 0);
        bus.publish(0, 7);
        bus.kick(0);
        assert_eq!(bus.used_elem(0, 0), (7, 513));
        assert_eq!(bus.read_mem(STATUS, 1), [VIRTIO_BLK_S_OK]);
        assert_eq!(bus.read_mem(DATA, 512), pattern(512, 8));
    }

    #[test]
    fn flush_reaches_the_backend() {
        let disk = mem_disk(16);
        let flushes = disk.flushes.clone();
        let mut bus = bus_with(Box::new(disk));
        let (status, len) = submit(&mut bus, VIRTIO_BLK_T_FLUSH, 0, 0, false, 1);
        assert_eq!((status, len), (VIRTIO_BLK_S_OK, 1));
        assert_eq!(flushes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn get_id_returns_the_serial() {
        let mut bus = bus_with(Box::new(mem_disk(16)));
        bus.write_mem(DATA, &[0xee; 20]);
        let (status, len) = submit(&mut bus, VIRTIO_BLK_T_GET_ID, 0, 20, true, 1);
        assert_eq!(status, VIRTIO_BLK_S_OK);
        assert_eq!(len, 13 + 1);
        assert_eq!(bus.read_mem(DATA, 13), b"rsemu-disk-0\0");
        assert_eq!(bus.read_mem(DATA + 13, 1), [0xee]);

        // A 20-byte serial fills the buffer with no NUL; a longer one is cut.
        let long = "0123456789abcdefghijKLMN";
        let mut bus = TestBus::new(Some(Box::new(
            VirtioBlk::new(Box::new(mem_disk(16))).with_serial(long),
        )));
        bus.bring_up(FEATURES, 1, 16);
        let (status, len) = submit(&mut bus, VIRTIO_BLK_T_GET_ID, 0, 20, true, 2);
        assert_eq!((status, len), (VIRTIO_BLK_S_OK, 21));
        assert_eq!(bus.read_mem(DATA, 20), &long.as_bytes()[..20]);
        // A buffer smaller than the serial gets what fits.
        let (status, len) = submit(&mut bus, VIRTIO_BLK_T_GET_ID, 0, 8, true, 1);
        assert_eq!((status, len), (VIRTIO_BLK_S_OK, 9));
    }

    #[test]
    fn unsupported_requests() {
        let mut bus = bus_with(Box::new(mem_disk(16)));
        for kind in [
            VIRTIO_BLK_T_DISCARD,
            VIRTIO_BLK_T_WRITE_ZEROES,
            2,
            99,
            u32::MAX,
        ] {
            let (status, len) = submit(&mut bus, kind, 0, 16, false, 1);
            assert_eq!((status, len), (VIRTIO_BLK_S_UNSUPP, 1), "type {kind}");
        }
    }

    #[test]
    fn out_of_range_and_misaligned_requests_are_ioerr() {
        let disk = mem_disk(16);
        let contents = disk.data.clone();
        let mut bus = bus_with(Box::new(disk));
        bus.write_mem(DATA, &pattern(1024, 3));
        // The last sector is fine; one more is not.
        assert_eq!(
            submit(&mut bus, VIRTIO_BLK_T_OUT, 15, 512, false, 1).0,
            VIRTIO_BLK_S_OK
        );
        assert_eq!(
            submit(&mut bus, VIRTIO_BLK_T_OUT, 15, 1024, false, 1).0,
            VIRTIO_BLK_S_IOERR
        );
        assert_eq!(
            submit(&mut bus, VIRTIO_BLK_T_IN, 16, 512, true, 1).0,
            VIRTIO_BLK_S_IOERR
        );
        // Sector numbers whose byte offset overflows.
        assert_eq!(
            submit(&mut bus, VIRTIO_BLK_T_IN, u64::MAX, 512, true, 1).0,
            VIRTIO_BLK_S_IOERR
        );
        assert_eq!(
            submit(&mut bus, VIRTIO_BLK_T_OUT, u64::MAX / 512, 512, false, 1).0,
            VIRTIO_BLK_S_IOERR
        );
        // Not a whole number of sectors.
        assert_eq!(
            submit(&mut bus, VIRTIO_BLK_T_OUT, 0, 100, false, 1).0,
            VIRTIO_BLK_S_IOERR
        );
        assert_eq!(
            submit(&mut bus, VIRTIO_BLK_T_IN, 0, 700, true, 2).0,
            VIRTIO_BLK_S_IOERR
        );
        // Nothing but the one good write reached the disk.
        let d = contents.lock().unwrap();
        assert!(d[..15 * 512].iter().all(|&b| b == 0));
        assert_eq!(&d[15 * 512..], &pattern(512, 3)[..]);
    }

    #[test]
    fn backend_errors_are_ioerr() {
        let mut disk = mem_disk(16);
        disk.fail = true;
        let mut bus = bus_with(Box::new(disk));
        assert_eq!(
            submit(&mut bus, VIRTIO_BLK_T_IN, 0, 512, true, 1).0,
            VIRTIO_BLK_S_IOERR
        );
        assert_eq!(
            submit(&mut bus, VIRTIO_BLK_T_OUT, 0, 512, false, 1).0,
            VIRTIO_BLK_S_IOERR
        );
        assert_eq!(
            submit(&mut bus, VIRTIO_BLK_T_FLUSH, 0, 0, false, 1).0,
            VIRTIO_BLK_S_IOERR
        );
    }

    #[test]
    fn read_only_disk() {
        let dir = TempDir::new("blkro");
        let path = dir.path("ro.raw");
        let original = pattern(8192, 5);
        std::fs::write(&path, &original).unwrap();
        let backend = open_image(&path, None, true).unwrap();
        let mut bus = TestBus::new(Some(Box::new(VirtioBlk::new(backend))));
        let f = bus.device_features();
        assert_ne!(f & VIRTIO_BLK_F_RO, 0);
        bus.bring_up(FEATURES | VIRTIO_BLK_F_RO, 1, 64);
        bus.write_mem(DATA, &[0u8; 512]);
        assert_eq!(
            submit(&mut bus, VIRTIO_BLK_T_OUT, 0, 512, false, 1).0,
            VIRTIO_BLK_S_IOERR
        );
        assert_eq!(
            submit(&mut bus, VIRTIO_BLK_T_IN, 1, 512, true, 1).0,
            VIRTIO_BLK_S_OK
        );
        assert_eq!(bus.read_mem(DATA, 512), &original[512..1024]);
        assert_eq!(
            submit(&mut bus, VIRTIO_BLK_T_FLUSH, 0, 0, false, 1).0,
            VIRTIO_BLK_S_OK
        );
        assert_eq!(std::fs::read(&path).unwrap(), original);
    }

    #[test]
    fn malformed_chains_never_panic() {
        let disk = mem_disk(16);
        let contents = disk.data.clone();
        let mut bus = bus_with(Box::new(disk));
        // No writable byte at all: returned with length 0.
        bus.write_mem(HEADER, &header(VIRTIO_BLK_T_OUT, 0));
        assert_eq!(
            submit_chain(&mut bus, &[(HEADER, 16, false), (DATA, 512, false)]).1,
            0
        );
        // Only a status byte: the header is missing.
        bus.write_mem(STATUS, &[0xff]);
        assert_eq!(
            submit_chain(&mut bus, &[(STATUS, 1, true)]),
            (VIRTIO_BLK_S_IOERR, 1)
        );
        // A header of 8 bytes.
        assert_eq!(
            submit_chain(&mut bus, &[(HEADER, 8, false), (STATUS, 1, true)]),
            (VIRTIO_BLK_S_IOERR, 1)
        );
        // A header outside RAM.
        assert_eq!(
            submit_chain(&mut bus, &[(0x1000, 16, false), (STATUS, 1, true)]),
            (VIRTIO_BLK_S_IOERR, 1)
        );
        // Data outside RAM, and data running off the end of RAM.
        bus.write_mem(HEADER, &header(VIRTIO_BLK_T_IN, 0));
        let ram_end = RAM_BASE + RAM_SIZE as u64;
        assert_eq!(
            submit_chain(
                &mut bus,
                &[(HEADER, 16, false), (0x2000, 512, true), (STATUS, 1, true)]
            )
            .0,
            VIRTIO_BLK_S_IOERR
        );
        assert_eq!(
            submit_chain(
                &mut bus,
                &[
                    (HEADER, 16, false),
                    (ram_end - 256, 512, true),
                    (STATUS, 1, true)
                ]
            )
            .0,
            VIRTIO_BLK_S_IOERR
        );
        bus.write_mem(HEADER, &header(VIRTIO_BLK_T_OUT, 0));
        assert_eq!(
            submit_chain(
                &mut bus,
                &[
                    (HEADER, 16, false),
                    (ram_end - 256, 512, false),
                    (STATUS, 1, true)
                ]
            )
            .0,
            VIRTIO_BLK_S_IOERR
        );
        // A status byte outside RAM: nothing can be written; the buffer
        // still comes back.
        let used = bus.used_idx(0);
        let head = bus.set_chain(
            0,
            0,
            &[(HEADER, 16, false), (DATA, 512, false), (ram_end, 1, true)],
        );
        bus.publish(0, head);
        bus.kick(0);
        assert_eq!(bus.used_idx(0), used.wrapping_add(1));
        // Descriptors of 4 GiB - 1 bytes pointing at RAM: refused by the
        // range check without allocating or copying.
        bus.write_mem(HEADER, &header(VIRTIO_BLK_T_IN, 0));
        assert_eq!(
            submit_chain(
                &mut bus,
                &[
                    (HEADER, 16, false),
                    (DATA, u32::MAX, true),
                    (STATUS, 1, true)
                ]
            )
            .0,
            VIRTIO_BLK_S_IOERR
        );
        // Addresses at the top of the 64-bit space, where adding a length
        // overflows.
        let top = u64::MAX - 100;
        assert_eq!(
            submit_chain(&mut bus, &[(top, 16, false), (STATUS, 1, true)]),
            (VIRTIO_BLK_S_IOERR, 1)
        );
        let mut split = header(VIRTIO_BLK_T_OUT, 0).to_vec();
        split.truncate(10);
        bus.write_mem(HEADER, &split);
        assert_eq!(
            submit_chain(
                &mut bus,
                &[(HEADER, 10, false), (top, 1024, false), (STATUS, 1, true)]
            )
            .0,
            VIRTIO_BLK_S_IOERR
        );
        bus.write_mem(HEADER, &header(VIRTIO_BLK_T_IN, 0));
        assert_eq!(
            submit_chain(
                &mut bus,
                &[(HEADER, 16, false), (top, 512, true), (STATUS, 1, true)]
            )
            .0,
            VIRTIO_BLK_S_IOERR
        );
        let used = bus.used_idx(0);
        let head = bus.set_chain(0, 0, &[(HEADER, 16, false), (u64::MAX - 1, 4, true)]);
        bus.publish(0, head);
        bus.kick(0);
        assert_eq!(bus.used_elem(0, used), (0, 0));
        // A head index beyond the ring and a descriptor loop.
        bus.publish(0, 999);
        bus.set_desc(0, 3, HEADER, 16, F_NEXT, 3);
        bus.publish(0, 3);
        bus.kick(0);
        assert_eq!(bus.rd(REG_STATUS) & STATUS_DEVICE_NEEDS_RESET, 0);
        // The disk was never written.
        assert!(contents.lock().unwrap().iter().all(|&b| b == 0));
        // And the device still works.
        bus.write_mem(DATA, &pattern(512, 2));
        assert_eq!(
            submit(&mut bus, VIRTIO_BLK_T_OUT, 3, 512, false, 1).0,
            VIRTIO_BLK_S_OK
        );
        assert_eq!(&contents.lock().unwrap()[1536..2048], &pattern(512, 2)[..]);
    }

    fn qcow2_session(path: &Path, writes: &[(u64, Vec<u8>)], flush: bool) {
        let backend = open_image(path, None, false).unwrap();
        let mut bus = bus_with(backend);
        for (sector, data) in writes {
            bus.write_mem(DATA, data);
            let (status, _) = submit(&mut bus, VIRTIO_BLK_T_OUT, *sector, data.len(), false, 3);
            assert_eq!(status, VIRTIO_BLK_S_OK);
        }
        if flush {
            assert_eq!(
                submit(&mut bus, VIRTIO_BLK_T_FLUSH, 0, 0, false, 1).0,
                VIRTIO_BLK_S_OK
            );
            // Consistent on disk while still open, thanks to the flush.
            assert_qcow2_clean(path);
        }
        // Read everything back through the device.
        for (sector, data) in writes {
            bus.write_mem(DATA, &vec![0; data.len()]);
            let (status, _) = submit(&mut bus, VIRTIO_BLK_T_IN, *sector, data.len(), true, 2);
            assert_eq!(status, VIRTIO_BLK_S_OK);
            assert_bytes_eq(&bus.read_mem(DATA, data.len()), data);
        }
        // Dropping the transport drops the device and closes the image.
        drop(bus);
    }

    #[test]
    fn qcow2_write_flush_drop_is_consistent() {
        if !have_qemu_img() {
            return;
        }
        let dir = TempDir::new("blkqcow2");
        let path = dir.path("disk.qcow2");
        create_qcow2(&path, "4M", &["-o", "cluster_size=4096"]);
        let writes = vec![
            (0u64, pattern(4096, 1)),
            (9, pattern(8192 + 512, 2)), // unaligned to clusters, crosses three
            (8191, pattern(512, 3)),     // the last sector
            (3000, pattern(64 * 1024, 4)), // many clusters
        ];
        qcow2_session(&path, &writes, true);
        assert_qcow2_clean(&path);
        let contents = qcow2_contents(&path, &dir);
        let mut expect = vec![0u8; 4 << 20];
        for (sector, data) in &writes {
            let at = *sector as usize * 512;
            expect[at..at + data.len()].copy_from_slice(data);
        }
        assert_bytes_eq(&contents, &expect);

        // A second session without an explicit flush: the drop alone must
        // leave the image consistent.
        let more = vec![(5000u64, pattern(2048, 5))];
        qcow2_session(&path, &more, false);
        assert_qcow2_clean(&path);
        let at = 5000 * 512;
        expect[at..at + 2048].copy_from_slice(&more[0].1);
        assert_bytes_eq(&qcow2_contents(&path, &dir), &expect);
    }
}
