//! virtio-rng (virtio device ID 4, spec 5.4): the entropy device.
//!
//! One request queue, no configuration space, no feature bits. The driver
//! posts device-writable buffers; the device fills them with bytes from
//! the host's `/dev/urandom` (the same pool as getrandom(2), read through
//! std so no unsafe code is needed) and returns them with the count
//! written. A request's length is capped at [`MAX_BYTES_PER_REQUEST`]:
//! the spec lets the device fill less than the whole buffer, and the cap
//! keeps a guest's 4 GiB descriptor from stalling the CPU thread. If the
//! host source fails, the buffer comes back with length 0.

use std::fs::File;
use std::io::{self, Read};

use virtio_queue::{Queue, QueueT};
use vm_memory::GuestMemoryMmap;

use crate::devices::virtio_mmio::{write_guest, ChainBuffers, VirtioDevice};
use crate::devices::DmaObserver;

/// The virtio device ID of an entropy source.
pub const VIRTIO_ID_RNG: u32 = 4;
/// The request queue's size.
pub const QUEUE_SIZE: u16 = 64;
/// The most bytes one request gets (Linux asks for 64 or fewer at a time).
pub const MAX_BYTES_PER_REQUEST: usize = 64 * 1024;
/// The host's entropy source.
pub const HOST_SOURCE: &str = "/dev/urandom";

/// A virtio entropy device.
pub struct VirtioRng {
    source: Box<dyn Read + Send>,
    buf: Vec<u8>,
    queue_sizes: [u16; 1],
}

impl VirtioRng {
    /// A device fed by the host's `/dev/urandom`.
    pub fn new() -> io::Result<VirtioRng> {
        let file = File::open(HOST_SOURCE)?;
        Ok(VirtioRng::from_source(Box::new(file)))
    }

    /// A device fed by `source` (tests use a fixed stream).
    pub fn from_source(source: Box<dyn Read + Send>) -> VirtioRng {
        VirtioRng {
            source,
            buf: Vec::new(),
            queue_sizes: [QUEUE_SIZE],
        }
    }

    /// Fills the writable buffers of one request; returns the bytes written.
    fn fill(&mut self, bufs: &ChainBuffers, mem: &GuestMemoryMmap<()>, dma: &DmaObserver) -> u32 {
        let mut budget = MAX_BYTES_PER_REQUEST;
        let mut written = 0usize;
        for &(addr, len) in &bufs.writable {
            let n = (len as usize).min(budget);
            if n == 0 {
                break;
            }
            self.buf.resize(n, 0);
            if self.source.read_exact(&mut self.buf[..n]).is_err() {
                break;
            }
            if !write_guest(mem, dma, addr, &self.buf[..n]) {
                break;
            }
            written += n;
            budget -= n;
        }
        // At most MAX_BYTES_PER_REQUEST, so it fits.
        written as u32
    }
}

impl VirtioDevice for VirtioRng {
    fn device_id(&self) -> u32 {
        VIRTIO_ID_RNG
    }

    fn device_features(&self) -> u64 {
        0
    }

    fn queue_max_sizes(&self) -> &[u16] {
        &self.queue_sizes
    }

    fn read_config(&self, _offset: u64, data: &mut [u8]) {
        // No configuration space.
        data.fill(0);
    }

    fn write_config(&mut self, _offset: u64, _data: &[u8]) {}

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
            let len = self.fill(&bufs, mem, dma);
            used |= queue.add_used(mem, head, len).is_ok();
        }
        used
    }

    fn reset(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::virtio_mmio::test_driver::*;
    use crate::devices::virtio_mmio::*;
    use crate::devices::MmioDevice;

    /// A source that counts up from 0, so the bytes are predictable.
    struct Counter(u8);

    impl Read for Counter {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            for b in buf.iter_mut() {
                *b = self.0;
                self.0 = self.0.wrapping_add(1);
            }
            Ok(buf.len())
        }
    }

    /// A source that always fails.
    struct Broken;

    impl Read for Broken {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::other("no entropy"))
        }
    }

    fn up(device: VirtioRng) -> TestBus {
        let mut bus = TestBus::new(Some(Box::new(device)));
        bus.bring_up(VIRTIO_F_VERSION_1, 1, QUEUE_SIZE);
        bus
    }

    #[test]
    fn identity() {
        let mut bus = TestBus::new(Some(Box::new(VirtioRng::from_source(Box::new(Counter(0))))));
        assert_eq!(bus.rd(REG_DEVICE_ID), 4);
        assert_eq!(bus.device_features(), TRANSPORT_FEATURES);
        bus.wr(REG_QUEUE_SEL, 0);
        assert_eq!(bus.rd(REG_QUEUE_NUM_MAX), u32::from(QUEUE_SIZE));
        bus.wr(REG_QUEUE_SEL, 1);
        assert_eq!(bus.rd(REG_QUEUE_NUM_MAX), 0);
        assert_eq!(bus.dev.read(REG_CONFIG, 4), 0);
    }

    #[test]
    fn fills_writable_buffers() {
        let mut bus = up(VirtioRng::from_source(Box::new(Counter(0))));
        // Two writable buffers in one chain, one crossing a page.
        let a = DATA_BASE + 0xff0;
        let b = DATA_BASE + 0x5000;
        bus.write_mem(a, &[0xee; 40]);
        let head = bus.set_chain(0, 0, &[(a, 32, true), (b, 8, true)]);
        bus.publish(0, head);
        bus.dma_pages();
        bus.kick(0);
        assert_eq!(bus.used_idx(0), 1);
        assert_eq!(bus.used_elem(0, 0), (0, 40));
        assert_eq!(bus.read_mem(a, 32), (0..32).collect::<Vec<u8>>());
        assert_eq!(bus.read_mem(b, 8), (32..40).collect::<Vec<u8>>());
        assert_eq!(bus.read_mem(a + 32, 8), [0xee; 8], "wrote past the buffer");
        assert!(bus.irq_level());
        let pages = bus.dma_pages();
        for p in [a >> 12, (a + 31) >> 12, b >> 12, used_addr(0) >> 12] {
            assert!(pages.contains(&p), "page {p:x} not reported: {pages:x?}");
        }
        bus.ack();
        assert!(!bus.irq_level());
    }

    #[test]
    fn host_randomness() {
        let mut bus = up(VirtioRng::new().expect("open /dev/urandom"));
        bus.write_mem(DATA_BASE, &[0; 256]);
        let head = bus.set_chain(0, 0, &[(DATA_BASE, 256, true)]);
        bus.publish(0, head);
        bus.kick(0);
        assert_eq!(bus.used_elem(0, 0), (0, 256));
        // 256 zero bytes from a real source: about a 2^-2048 chance.
        assert!(bus.read_mem(DATA_BASE, 256).iter().any(|&b| b != 0));
    }

    #[test]
    fn readable_buffers_are_ignored_and_requests_capped() {
        let mut bus = up(VirtioRng::from_source(Box::new(Counter(0))));
        bus.write_mem(DATA_BASE, b"keep");
        let big = (MAX_BYTES_PER_REQUEST + 4096) as u32;
        let head = bus.set_chain(
            0,
            0,
            &[(DATA_BASE, 4, false), (DATA_BASE + 0x1000, big, true)],
        );
        bus.publish(0, head);
        bus.kick(0);
        assert_eq!(bus.used_elem(0, 0), (0, MAX_BYTES_PER_REQUEST as u32));
        assert_eq!(bus.read_mem(DATA_BASE, 4), b"keep");
    }

    #[test]
    fn bad_buffers_and_failing_source() {
        let mut bus = up(VirtioRng::from_source(Box::new(Counter(1))));
        // A buffer outside RAM, one running off its end, and a 4 GiB one.
        let end = RAM_BASE + RAM_SIZE as u64;
        bus.set_chain(0, 0, &[(0x1000, 16, true)]);
        bus.publish(0, 0);
        bus.set_chain(0, 1, &[(end - 8, 16, true)]);
        bus.publish(0, 1);
        bus.set_chain(0, 2, &[(DATA_BASE, u32::MAX, true)]);
        bus.publish(0, 2);
        bus.kick(0);
        assert_eq!(bus.used_idx(0), 3);
        assert_eq!(bus.used_elem(0, 0), (0, 0));
        assert_eq!(bus.used_elem(0, 1), (1, 0));
        assert_eq!(bus.used_elem(0, 2), (2, MAX_BYTES_PER_REQUEST as u32));

        let mut bus = up(VirtioRng::from_source(Box::new(Broken)));
        bus.set_chain(0, 0, &[(DATA_BASE, 16, true)]);
        bus.publish(0, 0);
        bus.kick(0);
        assert_eq!(bus.used_elem(0, 0), (0, 0));
        assert!(bus.irq_level());
    }
}
