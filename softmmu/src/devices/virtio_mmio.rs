//! The virtio-mmio transport, version 2 (virtio 1.x "modern", virtio spec
//! section 4.2.2), as QEMU's `virt` board has 32 of at 0x0a000000.
//!
//! A [`VirtioMmio`] holds one [`VirtioDevice`] (or none: an empty slot
//! reads DeviceID 0, which Linux skips) and does everything that is the
//! same for every device: the register window, feature negotiation, the
//! status state machine, queue setup over the `virtio-queue` crate, the
//! interrupt status and its line, and reporting guest memory the device
//! wrote to the [`DmaObserver`].
//!
//! A queue notification is processed synchronously, inside the guest's
//! write to QueueNotify: the caller is the CPU thread, so the guest sees
//! the used buffers (and the interrupt) before its next instruction. That
//! is why notifications are never suppressed (VIRTQ_USED_F_NO_NOTIFY) and
//! VIRTIO_F_EVENT_IDX is not offered: every kick costs one MMIO exit and
//! buys an immediate answer.
//!
//! Guest misuse (a queue configured outside RAM, an avail index that runs
//! more than a ring ahead, DRIVER_OK without FEATURES_OK) sets
//! DEVICE_NEEDS_RESET and raises a configuration change interrupt, as the
//! spec allows, instead of touching memory it should not or panicking.

use std::num::Wrapping;
use std::sync::atomic::Ordering;

use virtio_queue::{Queue, QueueT};
use vm_memory::{Bytes, GuestAddress, GuestMemoryBackend, GuestMemoryMmap};

use crate::devices::{DmaObserver, IrqLine, MmioDevice};

/// "virt" in little-endian ASCII.
pub const MAGIC_VALUE: u32 = 0x7472_6976;
/// The transport version: 2 is virtio 1.x (1 is the legacy interface).
pub const MMIO_VERSION: u32 = 2;
/// The vendor ID QEMU's devices report: "QEMU" in little-endian ASCII.
pub const VENDOR_ID: u32 = 0x554d_4551;

/// Register offsets (virtio spec 4.2.2, table "MMIO Device Register Layout").
pub const REG_MAGIC_VALUE: u32 = 0x000;
pub const REG_VERSION: u32 = 0x004;
pub const REG_DEVICE_ID: u32 = 0x008;
pub const REG_VENDOR_ID: u32 = 0x00c;
pub const REG_DEVICE_FEATURES: u32 = 0x010;
pub const REG_DEVICE_FEATURES_SEL: u32 = 0x014;
pub const REG_DRIVER_FEATURES: u32 = 0x020;
pub const REG_DRIVER_FEATURES_SEL: u32 = 0x024;
pub const REG_QUEUE_SEL: u32 = 0x030;
pub const REG_QUEUE_NUM_MAX: u32 = 0x034;
pub const REG_QUEUE_NUM: u32 = 0x038;
pub const REG_QUEUE_READY: u32 = 0x044;
pub const REG_QUEUE_NOTIFY: u32 = 0x050;
pub const REG_INTERRUPT_STATUS: u32 = 0x060;
pub const REG_INTERRUPT_ACK: u32 = 0x064;
pub const REG_STATUS: u32 = 0x070;
pub const REG_QUEUE_DESC_LOW: u32 = 0x080;
pub const REG_QUEUE_DESC_HIGH: u32 = 0x084;
pub const REG_QUEUE_DRIVER_LOW: u32 = 0x090;
pub const REG_QUEUE_DRIVER_HIGH: u32 = 0x094;
pub const REG_QUEUE_DEVICE_LOW: u32 = 0x0a0;
pub const REG_QUEUE_DEVICE_HIGH: u32 = 0x0a4;
pub const REG_SHM_SEL: u32 = 0x0ac;
pub const REG_SHM_LEN_LOW: u32 = 0x0b0;
pub const REG_SHM_LEN_HIGH: u32 = 0x0b4;
pub const REG_SHM_BASE_LOW: u32 = 0x0b8;
pub const REG_SHM_BASE_HIGH: u32 = 0x0bc;
pub const REG_CONFIG_GENERATION: u32 = 0x0fc;
/// Device-specific configuration space starts here.
pub const REG_CONFIG: u32 = 0x100;
/// The size of the register window (QEMU's virt spaces transports 0x200 apart).
pub const MMIO_WINDOW_SIZE: u32 = 0x200;

/// Device status bits (virtio spec 2.1).
pub const STATUS_ACKNOWLEDGE: u32 = 1;
pub const STATUS_DRIVER: u32 = 2;
pub const STATUS_DRIVER_OK: u32 = 4;
pub const STATUS_FEATURES_OK: u32 = 8;
pub const STATUS_DEVICE_NEEDS_RESET: u32 = 0x40;
pub const STATUS_FAILED: u32 = 0x80;

/// InterruptStatus bits (virtio spec 4.2.2).
pub const INT_USED_RING: u32 = 1;
pub const INT_CONFIG: u32 = 2;

/// Feature bits the transport handles for every device (virtio spec 6).
pub const VIRTIO_F_RING_INDIRECT_DESC: u64 = 1 << 28;
pub const VIRTIO_F_RING_EVENT_IDX: u64 = 1 << 29;
pub const VIRTIO_F_VERSION_1: u64 = 1 << 32;
pub const VIRTIO_F_ACCESS_PLATFORM: u64 = 1 << 33;
pub const VIRTIO_F_RING_PACKED: u64 = 1 << 34;
pub const VIRTIO_F_NOTIFICATION_DATA: u64 = 1 << 38;
/// What the transport adds to every device's features: virtio 1.x, and
/// indirect descriptor tables, which `virtio-queue`'s chain walker follows
/// for every device.
pub const TRANSPORT_FEATURES: u64 = VIRTIO_F_VERSION_1 | VIRTIO_F_RING_INDIRECT_DESC;
/// What the transport never offers, whatever the device says: the queues
/// are split rings driven without event indices (see the module doc),
/// addresses are guest-physical (no IOMMU), and QueueNotify carries only
/// the queue index.
pub const TRANSPORT_REFUSED_FEATURES: u64 = VIRTIO_F_RING_EVENT_IDX
    | VIRTIO_F_ACCESS_PLATFORM
    | VIRTIO_F_RING_PACKED
    | VIRTIO_F_NOTIFICATION_DATA;

/// Bytes of a split ring's used ring before its elements (flags, idx), per
/// element, and after them (avail_event).
const USED_RING_HEADER: u64 = 4;
const USED_RING_ELEMENT: u64 = 8;
const USED_RING_TRAILER: u64 = 2;

/// A device behind the transport: virtio-blk, virtio-rng, ...
pub trait VirtioDevice: Send {
    /// The virtio device ID (2 block, 4 entropy; spec 5).
    fn device_id(&self) -> u32;
    /// The device's feature bits; the transport adds [`TRANSPORT_FEATURES`]
    /// and removes [`TRANSPORT_REFUSED_FEATURES`].
    fn device_features(&self) -> u64;
    /// The maximum size of each queue (powers of two); the queue count is
    /// the length.
    fn queue_max_sizes(&self) -> &[u16];
    /// Reads `data.len()` bytes of configuration space at `offset`; bytes
    /// past the end of the device's configuration read as 0.
    fn read_config(&self, offset: u64, data: &mut [u8]);
    /// Writes configuration space; read-only fields ignore writes.
    fn write_config(&mut self, offset: u64, data: &[u8]);
    /// Processes the available buffers of queue `index`; returns whether
    /// used buffers were added (an interrupt is due). Guest memory the
    /// device writes (data buffers) goes to `dma`; the transport reports
    /// the used ring itself.
    fn process_queue(
        &mut self,
        index: usize,
        queue: &mut Queue,
        mem: &GuestMemoryMmap<()>,
        dma: &DmaObserver,
    ) -> bool;
    /// Back to the state after creation (the driver wrote 0 to Status).
    fn reset(&mut self);
}

/// Copies `data` into guest RAM at `gpa` and reports the write to `dma`.
/// Returns false, writing nothing, if any part of the range is not RAM: a
/// buffer the driver described wrongly is the request's error, never a
/// partial write that the observer did not hear of.
pub fn write_guest(mem: &GuestMemoryMmap<()>, dma: &DmaObserver, gpa: u64, data: &[u8]) -> bool {
    if data.is_empty() {
        return true;
    }
    if !GuestMemoryBackend::check_range(mem, GuestAddress(gpa), data.len()) {
        return false;
    }
    if mem.write_slice(data, GuestAddress(gpa)).is_err() {
        return false;
    }
    dma.written(gpa, data.len() as u64);
    true
}

/// Copies guest RAM at `gpa` into `buf`; false if any part is not RAM.
pub fn read_guest(mem: &GuestMemoryMmap<()>, gpa: u64, buf: &mut [u8]) -> bool {
    buf.is_empty() || mem.read_slice(buf, GuestAddress(gpa)).is_ok()
}

/// A descriptor chain flattened into its device-readable and
/// device-writable buffers (guest-physical address, length), in chain
/// order; empty buffers are dropped. Devices interpret the two byte
/// streams without assuming how the driver split them into descriptors
/// (virtio 1.x has no fixed message framing, spec 2.6.4).
#[derive(Debug, Default)]
pub struct ChainBuffers {
    /// Buffers the device reads.
    pub readable: Vec<(u64, u32)>,
    /// Buffers the device writes.
    pub writable: Vec<(u64, u32)>,
}

impl ChainBuffers {
    /// Sorts the descriptors of a chain by direction.
    pub fn new(descriptors: impl Iterator<Item = virtio_queue::desc::split::Descriptor>) -> Self {
        let mut bufs = ChainBuffers::default();
        for d in descriptors {
            if d.len() == 0 {
                continue;
            }
            let entry = (d.addr().0, d.len());
            if d.is_write_only() {
                bufs.writable.push(entry);
            } else {
                bufs.readable.push(entry);
            }
        }
        bufs
    }
}

/// One virtqueue: what the driver wrote to its registers, and the
/// `virtio-queue` state built from them when it set QueueReady.
struct QueueSlot {
    queue: Queue,
    /// QueueNumMax (0 when the device's maximum is unusable).
    max_size: u16,
    /// QueueNum as written.
    num: u32,
    desc: u64,
    driver: u64,
    device: u64,
}

impl QueueSlot {
    fn new(max_size: u16) -> QueueSlot {
        // Queue::new refuses sizes that are not powers of two; a device
        // that asks for one gets a queue the driver cannot enable.
        let (queue, max_size) = match Queue::new(max_size) {
            Ok(q) => (q, max_size),
            Err(_) => (Queue::default(), 0),
        };
        QueueSlot {
            queue,
            max_size,
            num: u32::from(max_size),
            desc: 0,
            driver: 0,
            device: 0,
        }
    }

    fn reset(&mut self) {
        self.queue.reset();
        self.num = u32::from(self.max_size);
        self.desc = 0;
        self.driver = 0;
        self.device = 0;
    }
}

/// Sets the low or high half of a 64-bit register pair.
fn set_half(reg: &mut u64, high: bool, value: u32) {
    *reg = if high {
        (*reg & 0xffff_ffff) | (u64::from(value) << 32)
    } else {
        (*reg & !0xffff_ffff) | u64::from(value)
    };
}

/// A virtio-mmio register window with its device.
pub struct VirtioMmio {
    device: Option<Box<dyn VirtioDevice>>,
    mem: GuestMemoryMmap<()>,
    irq: IrqLine,
    dma: DmaObserver,
    queues: Vec<QueueSlot>,
    device_features_sel: u32,
    driver_features_sel: u32,
    driver_features: u64,
    queue_sel: u32,
    interrupt_status: u32,
    status: u32,
    shm_sel: u32,
}

impl VirtioMmio {
    /// A transport for `device` (`None`: an empty slot, DeviceID 0) that
    /// reaches guest RAM through `mem` (whose addresses are guest-physical),
    /// interrupts through `irq` and reports its RAM writes to `dma`.
    pub fn new(
        device: Option<Box<dyn VirtioDevice>>,
        mem: GuestMemoryMmap<()>,
        irq: IrqLine,
        dma: DmaObserver,
    ) -> VirtioMmio {
        let queues = device
            .as_ref()
            .map(|d| {
                d.queue_max_sizes()
                    .iter()
                    .map(|&m| QueueSlot::new(m))
                    .collect()
            })
            .unwrap_or_default();
        VirtioMmio {
            device,
            mem,
            irq,
            dma,
            queues,
            device_features_sel: 0,
            driver_features_sel: 0,
            driver_features: 0,
            queue_sel: 0,
            interrupt_status: 0,
            status: 0,
            shm_sel: 0,
        }
    }

    /// The device's features as offered to the driver.
    fn offered_features(&self) -> u64 {
        self.device.as_ref().map_or(0, |d| {
            (d.device_features() & !TRANSPORT_REFUSED_FEATURES) | TRANSPORT_FEATURES
        })
    }

    /// The features the driver accepted (valid once FEATURES_OK is set).
    pub fn driver_features(&self) -> u64 {
        self.driver_features
    }

    /// The Status register.
    pub fn status(&self) -> u32 {
        self.status
    }

    fn selected_queue(&mut self) -> Option<&mut QueueSlot> {
        self.queues.get_mut(self.queue_sel as usize)
    }

    /// Drives the interrupt line from InterruptStatus.
    fn update_irq(&self) {
        self.irq.set(self.interrupt_status != 0);
    }

    fn raise(&mut self, bits: u32) {
        self.interrupt_status |= bits;
        self.update_irq();
    }

    /// The driver misused the device: stop using the queues until it
    /// resets the device, and tell it (spec 2.1.2: a device that sets
    /// DEVICE_NEEDS_RESET sends a configuration change notification).
    fn needs_reset(&mut self) {
        if self.status & STATUS_DEVICE_NEEDS_RESET == 0 {
            self.status |= STATUS_DEVICE_NEEDS_RESET;
            self.raise(INT_CONFIG);
        }
    }

    /// Device reset (Status written with 0).
    fn reset(&mut self) {
        if let Some(d) = self.device.as_mut() {
            d.reset();
        }
        for q in &mut self.queues {
            q.reset();
        }
        self.device_features_sel = 0;
        self.driver_features_sel = 0;
        self.driver_features = 0;
        self.queue_sel = 0;
        self.status = 0;
        self.shm_sel = 0;
        self.interrupt_status = 0;
        self.update_irq();
    }

    fn write_status(&mut self, value: u32) {
        if value == 0 {
            self.reset();
            return;
        }
        let old = self.status;
        // Status is an 8-bit field; DEVICE_NEEDS_RESET is the device's and
        // only a reset clears it.
        let mut new =
            (value & 0xff & !STATUS_DEVICE_NEEDS_RESET) | (old & STATUS_DEVICE_NEEDS_RESET);
        if new & STATUS_FEATURES_OK != 0 && old & STATUS_FEATURES_OK == 0 {
            // Accept the features only if they are a subset of those offered
            // and include VERSION_1 (a version 2 transport has no legacy
            // interface); otherwise FEATURES_OK reads back clear and the
            // driver gives up (spec 3.1.1).
            let offered = self.offered_features();
            let ok = self.device.is_some()
                && self.driver_features & !offered == 0
                && self.driver_features & VIRTIO_F_VERSION_1 != 0;
            if !ok {
                new &= !STATUS_FEATURES_OK;
            }
        }
        if old & STATUS_FEATURES_OK != 0
            && new & STATUS_FEATURES_OK == 0
            && new & STATUS_FAILED == 0
        {
            // Features cannot be renegotiated without a reset.
            new |= STATUS_FEATURES_OK;
        }
        self.status = new;
        if new & STATUS_DRIVER_OK != 0 && old & STATUS_DRIVER_OK == 0 {
            if new & STATUS_FEATURES_OK == 0 {
                self.needs_reset();
                return;
            }
            // Buffers made available before DRIVER_OK (a driver may kick
            // during its probe) are served now.
            for index in 0..self.queues.len() {
                self.process(index);
            }
        }
    }

    /// The driver wrote 1 to QueueReady: build the queue from its registers
    /// or, if they do not describe a usable queue in RAM, flag the misuse.
    fn enable_queue(&mut self) {
        let mem = &self.mem;
        let Some(slot) = self.queues.get_mut(self.queue_sel as usize) else {
            return;
        };
        if slot.queue.ready() {
            return;
        }
        let size = u16::try_from(slot.num).unwrap_or(0);
        let q = &mut slot.queue;
        let ok = q.try_set_size(size).is_ok()
            && q.try_set_desc_table_address(GuestAddress(slot.desc))
                .is_ok()
            && q.try_set_avail_ring_address(GuestAddress(slot.driver))
                .is_ok()
            && q.try_set_used_ring_address(GuestAddress(slot.device))
                .is_ok();
        // EVENT_IDX is never negotiated (TRANSPORT_REFUSED_FEATURES).
        q.set_event_idx(false);
        q.set_next_avail(0);
        q.set_next_used(0);
        q.set_ready(true);
        // is_valid checks that the table and both rings lie in RAM.
        if !ok || !q.is_valid(mem) {
            q.reset();
            self.needs_reset();
        }
    }

    fn notify(&mut self, index: u32) {
        // The device may not touch the rings before DRIVER_OK (those kicks
        // are served when DRIVER_OK comes) nor after it asked for a reset.
        let live =
            self.status & STATUS_DRIVER_OK != 0 && self.status & STATUS_DEVICE_NEEDS_RESET == 0;
        if live {
            self.process(index as usize);
        }
    }

    /// Lets the device consume queue `index`'s available buffers.
    fn process(&mut self, index: usize) {
        // After asking for a reset the device leaves the rings alone.
        if self.status & STATUS_DEVICE_NEEDS_RESET != 0 {
            return;
        }
        let (Some(device), Some(slot)) = (self.device.as_mut(), self.queues.get_mut(index)) else {
            return;
        };
        let queue = &mut slot.queue;
        if !queue.ready() {
            return;
        }
        // More chains available than the ring holds: the driver's index is
        // garbage, and processing it would return buffers twice.
        let pending = match queue.avail_idx(&self.mem, Ordering::Acquire) {
            Ok(avail) => (avail - Wrapping(queue.next_avail())).0,
            Err(_) => u16::MAX,
        };
        if pending > queue.size() {
            self.needs_reset();
            return;
        }
        if pending == 0 {
            return;
        }
        let used_before = queue.next_used();
        let interrupt = device.process_queue(index, queue, &self.mem, &self.dma);
        if queue.next_used() != used_before {
            // The used ring's elements and idx changed: report the whole
            // ring (one or two pages for the queue sizes used here) rather
            // than each element.
            let len =
                USED_RING_HEADER + USED_RING_ELEMENT * u64::from(queue.size()) + USED_RING_TRAILER;
            self.dma.written(queue.used_ring(), len);
        }
        if interrupt {
            self.raise(INT_USED_RING);
        }
    }

    fn read_register(&self, offset: u32) -> u32 {
        let Some(device) = self.device.as_ref() else {
            // An empty slot still identifies itself as a transport, so that
            // the driver sees DeviceID 0 and moves on.
            return match offset {
                REG_MAGIC_VALUE => MAGIC_VALUE,
                REG_VERSION => MMIO_VERSION,
                REG_VENDOR_ID => VENDOR_ID,
                _ => 0,
            };
        };
        match offset {
            REG_MAGIC_VALUE => MAGIC_VALUE,
            REG_VERSION => MMIO_VERSION,
            REG_DEVICE_ID => device.device_id(),
            REG_VENDOR_ID => VENDOR_ID,
            REG_DEVICE_FEATURES => match self.device_features_sel {
                0 => self.offered_features() as u32,
                1 => (self.offered_features() >> 32) as u32,
                _ => 0,
            },
            REG_QUEUE_NUM_MAX => self
                .queues
                .get(self.queue_sel as usize)
                .map_or(0, |q| u32::from(q.max_size)),
            REG_QUEUE_READY => self
                .queues
                .get(self.queue_sel as usize)
                .map_or(0, |q| u32::from(q.queue.ready())),
            REG_INTERRUPT_STATUS => self.interrupt_status,
            REG_STATUS => self.status,
            // No shared memory regions: a length of all ones says so.
            REG_SHM_LEN_LOW | REG_SHM_LEN_HIGH | REG_SHM_BASE_LOW | REG_SHM_BASE_HIGH => u32::MAX,
            // The configuration never changes behind the driver's back.
            REG_CONFIG_GENERATION => 0,
            _ => 0,
        }
    }

    fn write_register(&mut self, offset: u32, value: u32) {
        if self.device.is_none() {
            return;
        }
        let features_locked = self.status & STATUS_FEATURES_OK != 0;
        match offset {
            REG_DEVICE_FEATURES_SEL => self.device_features_sel = value,
            REG_DRIVER_FEATURES_SEL => self.driver_features_sel = value,
            REG_DRIVER_FEATURES if !features_locked => match self.driver_features_sel {
                0 => set_half(&mut self.driver_features, false, value),
                1 => set_half(&mut self.driver_features, true, value),
                _ => {}
            },
            REG_QUEUE_SEL => self.queue_sel = value,
            REG_QUEUE_READY => {
                if value & 1 != 0 {
                    self.enable_queue();
                } else if let Some(slot) = self.selected_queue() {
                    // Stopping a queue forgets its ring positions; its
                    // registers stay for the driver to re-enable it.
                    slot.queue.reset();
                }
            }
            REG_QUEUE_NUM
            | REG_QUEUE_DESC_LOW
            | REG_QUEUE_DESC_HIGH
            | REG_QUEUE_DRIVER_LOW
            | REG_QUEUE_DRIVER_HIGH
            | REG_QUEUE_DEVICE_LOW
            | REG_QUEUE_DEVICE_HIGH => {
                let Some(slot) = self.selected_queue() else {
                    return;
                };
                // A live queue's layout cannot change under the device.
                if slot.queue.ready() {
                    return;
                }
                match offset {
                    REG_QUEUE_NUM => slot.num = value,
                    REG_QUEUE_DESC_LOW => set_half(&mut slot.desc, false, value),
                    REG_QUEUE_DESC_HIGH => set_half(&mut slot.desc, true, value),
                    REG_QUEUE_DRIVER_LOW => set_half(&mut slot.driver, false, value),
                    REG_QUEUE_DRIVER_HIGH => set_half(&mut slot.driver, true, value),
                    REG_QUEUE_DEVICE_LOW => set_half(&mut slot.device, false, value),
                    _ => set_half(&mut slot.device, true, value),
                }
            }
            REG_QUEUE_NOTIFY => self.notify(value),
            REG_INTERRUPT_ACK => {
                self.interrupt_status &= !value;
                self.update_irq();
            }
            REG_STATUS => self.write_status(value),
            REG_SHM_SEL => self.shm_sel = value,
            _ => {}
        }
    }
}

impl MmioDevice for VirtioMmio {
    fn read(&mut self, offset: u32, size: u8) -> u32 {
        if offset >= REG_CONFIG {
            let Some(device) = self.device.as_ref() else {
                return 0;
            };
            let mut bytes = [0u8; 4];
            let len = usize::from(size).min(4);
            device.read_config(u64::from(offset - REG_CONFIG), &mut bytes[..len]);
            return u32::from_le_bytes(bytes);
        }
        // The registers below the configuration space are 32 bits wide
        // and only 32-bit aligned accesses reach them (spec 4.2.2.2).
        if size != 4 || !offset.is_multiple_of(4) {
            return 0;
        }
        self.read_register(offset)
    }

    fn write(&mut self, offset: u32, size: u8, value: u32) {
        if offset >= REG_CONFIG {
            if let Some(device) = self.device.as_mut() {
                let len = usize::from(size).min(4);
                device.write_config(u64::from(offset - REG_CONFIG), &value.to_le_bytes()[..len]);
            }
            return;
        }
        if size != 4 || !offset.is_multiple_of(4) {
            return;
        }
        self.write_register(offset, value);
    }
}

/// A test driver: builds split rings in guest memory and drives a
/// [`VirtioMmio`] through its registers as Linux's virtio_mmio.c does. Also
/// used by the device tests.
#[cfg(test)]
pub(crate) mod test_driver {
    use super::*;
    use crate::devices::IrqLevels;
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;
    use vm_memory::Bytes;

    /// RAM as on the virt board.
    pub(crate) const RAM_BASE: u64 = 0x4000_0000;
    pub(crate) const RAM_SIZE: usize = 4 << 20;
    /// The transport's interrupt (SPI 16 as the first virtio-mmio slot).
    pub(crate) const IRQ: u32 = 48;
    /// Where the test driver puts queue `n`'s rings.
    pub(crate) fn desc_addr(n: usize) -> u64 {
        RAM_BASE + 0x1_0000 + n as u64 * 0x1_0000
    }
    pub(crate) fn avail_addr(n: usize) -> u64 {
        desc_addr(n) + 0x8000
    }
    pub(crate) fn used_addr(n: usize) -> u64 {
        desc_addr(n) + 0xc000
    }
    /// Data buffers go from here.
    pub(crate) const DATA_BASE: u64 = RAM_BASE + 0x10_0000;

    /// Descriptor flags.
    pub(crate) const F_NEXT: u16 = 1;
    pub(crate) const F_WRITE: u16 = 2;
    pub(crate) const F_INDIRECT: u16 = 4;

    pub(crate) struct TestBus {
        pub(crate) dev: VirtioMmio,
        pub(crate) mem: GuestMemoryMmap<()>,
        pub(crate) levels: Arc<IrqLevels>,
        pub(crate) dma: DmaObserver,
        /// Each queue's size and the avail index the driver has published.
        pub(crate) sizes: Vec<u16>,
        pub(crate) avail_idx: Vec<u16>,
    }

    impl TestBus {
        pub(crate) fn new(device: Option<Box<dyn VirtioDevice>>) -> TestBus {
            let mem = GuestMemoryMmap::<()>::from_ranges(&[(GuestAddress(RAM_BASE), RAM_SIZE)])
                .expect("guest memory");
            let levels = Arc::new(IrqLevels::new(Arc::new(AtomicBool::new(false))));
            let dma = DmaObserver::default();
            let dev = VirtioMmio::new(
                device,
                mem.clone(),
                IrqLine::new(levels.clone(), IRQ),
                dma.clone(),
            );
            TestBus {
                dev,
                mem,
                levels,
                dma,
                sizes: Vec::new(),
                avail_idx: Vec::new(),
            }
        }

        pub(crate) fn rd(&mut self, reg: u32) -> u32 {
            self.dev.read(reg, 4)
        }

        pub(crate) fn wr(&mut self, reg: u32, value: u32) {
            self.dev.write(reg, 4, value);
        }

        pub(crate) fn irq_level(&self) -> bool {
            self.levels.get(IRQ)
        }

        pub(crate) fn device_features(&mut self) -> u64 {
            self.wr(REG_DEVICE_FEATURES_SEL, 1);
            let high = self.rd(REG_DEVICE_FEATURES);
            self.wr(REG_DEVICE_FEATURES_SEL, 0);
            let low = self.rd(REG_DEVICE_FEATURES);
            (u64::from(high) << 32) | u64::from(low)
        }

        /// Reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK; returns
        /// whether the device accepted the features.
        pub(crate) fn negotiate(&mut self, features: u64) -> bool {
            self.wr(REG_STATUS, 0);
            assert_eq!(self.rd(REG_STATUS), 0);
            self.wr(REG_STATUS, STATUS_ACKNOWLEDGE);
            self.wr(REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
            self.wr(REG_DRIVER_FEATURES_SEL, 1);
            self.wr(REG_DRIVER_FEATURES, (features >> 32) as u32);
            self.wr(REG_DRIVER_FEATURES_SEL, 0);
            self.wr(REG_DRIVER_FEATURES, features as u32);
            self.wr(
                REG_STATUS,
                STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK,
            );
            self.rd(REG_STATUS) & STATUS_FEATURES_OK != 0
        }

        /// Sets up queue `n` with `size` entries at the test addresses.
        pub(crate) fn setup_queue(&mut self, n: usize, size: u16) {
            self.wr(REG_QUEUE_SEL, n as u32);
            assert_eq!(self.rd(REG_QUEUE_READY), 0, "queue {n} already live");
            let max = self.rd(REG_QUEUE_NUM_MAX);
            assert!(u32::from(size) <= max, "queue {n}: {size} > max {max}");
            self.wr(REG_QUEUE_NUM, u32::from(size));
            for (reg, addr) in [
                (REG_QUEUE_DESC_LOW, desc_addr(n)),
                (REG_QUEUE_DRIVER_LOW, avail_addr(n)),
                (REG_QUEUE_DEVICE_LOW, used_addr(n)),
            ] {
                self.wr(reg, addr as u32);
                self.wr(reg + 4, (addr >> 32) as u32);
            }
            // Rings start zeroed, as the driver allocates them.
            self.mem
                .write_slice(&vec![0u8; 0x1_0000], GuestAddress(desc_addr(n)))
                .unwrap();
            self.wr(REG_QUEUE_READY, 1);
            assert_eq!(self.rd(REG_QUEUE_READY), 1);
            if self.sizes.len() <= n {
                self.sizes.resize(n + 1, 0);
                self.avail_idx.resize(n + 1, 0);
            }
            self.sizes[n] = size;
            self.avail_idx[n] = 0;
        }

        pub(crate) fn driver_ok(&mut self) {
            let s = self.rd(REG_STATUS);
            self.wr(REG_STATUS, s | STATUS_DRIVER_OK);
        }

        /// The full bring-up of a device with `queues` queues of `size`.
        pub(crate) fn bring_up(&mut self, features: u64, queues: usize, size: u16) {
            assert!(self.negotiate(features), "features refused");
            for n in 0..queues {
                self.setup_queue(n, size);
            }
            self.driver_ok();
            assert_eq!(self.rd(REG_STATUS) & STATUS_DEVICE_NEEDS_RESET, 0);
        }

        /// Writes descriptor `index` of queue `n`'s table.
        pub(crate) fn set_desc(
            &self,
            n: usize,
            index: u16,
            addr: u64,
            len: u32,
            flags: u16,
            next: u16,
        ) {
            self.write_desc_at(desc_addr(n) + 16 * u64::from(index), addr, len, flags, next);
        }

        /// Writes a descriptor anywhere (for indirect tables).
        pub(crate) fn write_desc_at(&self, at: u64, addr: u64, len: u32, flags: u16, next: u16) {
            let mut d = [0u8; 16];
            d[0..8].copy_from_slice(&addr.to_le_bytes());
            d[8..12].copy_from_slice(&len.to_le_bytes());
            d[12..14].copy_from_slice(&flags.to_le_bytes());
            d[14..16].copy_from_slice(&next.to_le_bytes());
            self.mem.write_slice(&d, GuestAddress(at)).unwrap();
        }

        /// Writes a chain of (addr, len, writable) buffers at descriptors
        /// `first..` of queue `n` and returns the head index.
        pub(crate) fn set_chain(&self, n: usize, first: u16, bufs: &[(u64, u32, bool)]) -> u16 {
            for (i, &(addr, len, write)) in bufs.iter().enumerate() {
                let index = first + i as u16;
                let last = i + 1 == bufs.len();
                let mut flags = if write { F_WRITE } else { 0 };
                if !last {
                    flags |= F_NEXT;
                }
                self.set_desc(n, index, addr, len, flags, index + 1);
            }
            first
        }

        /// Puts `head` in queue `n`'s avail ring and publishes it (no kick).
        pub(crate) fn publish(&mut self, n: usize, head: u16) {
            let size = self.sizes[n];
            let slot = self.avail_idx[n] % size;
            self.mem
                .write_obj(head, GuestAddress(avail_addr(n) + 4 + 2 * u64::from(slot)))
                .unwrap();
            self.avail_idx[n] = self.avail_idx[n].wrapping_add(1);
            self.mem
                .write_obj(self.avail_idx[n], GuestAddress(avail_addr(n) + 2))
                .unwrap();
        }

        pub(crate) fn kick(&mut self, n: usize) {
            self.wr(REG_QUEUE_NOTIFY, n as u32);
        }

        /// The used ring's idx.
        pub(crate) fn used_idx(&self, n: usize) -> u16 {
            self.mem.read_obj(GuestAddress(used_addr(n) + 2)).unwrap()
        }

        /// Used element `i` of queue `n`: (id, len).
        pub(crate) fn used_elem(&self, n: usize, i: u16) -> (u32, u32) {
            let size = self.sizes[n];
            let at = used_addr(n) + 4 + 8 * u64::from(i % size);
            let id: u32 = self.mem.read_obj(GuestAddress(at)).unwrap();
            let len: u32 = self.mem.read_obj(GuestAddress(at + 4)).unwrap();
            (id, len)
        }

        /// Acknowledges every pending interrupt as Linux's handler does.
        pub(crate) fn ack(&mut self) -> u32 {
            let s = self.rd(REG_INTERRUPT_STATUS);
            self.wr(REG_INTERRUPT_ACK, s);
            s
        }

        pub(crate) fn read_mem(&self, addr: u64, len: usize) -> Vec<u8> {
            let mut v = vec![0u8; len];
            self.mem.read_slice(&mut v, GuestAddress(addr)).unwrap();
            v
        }

        pub(crate) fn write_mem(&self, addr: u64, data: &[u8]) {
            self.mem.write_slice(data, GuestAddress(addr)).unwrap();
        }

        /// Whether page `gpa >> 12` was reported written since the last take.
        pub(crate) fn dma_pages(&self) -> Vec<u64> {
            let mut p = self.dma.take();
            p.sort_unstable();
            p.dedup();
            p
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_driver::*;
    use super::*;

    /// A device for testing the transport: queue 0 copies each chain's
    /// readable bytes, reversed, into its writable buffers.
    struct Echo {
        processed: usize,
        resets: usize,
        config: [u8; 8],
    }

    const ECHO_ID: u32 = 0x42;
    const ECHO_FEATURE: u64 = 1 << 3;
    const ECHO_HIGH_FEATURE: u64 = 1 << 40;

    impl Echo {
        fn boxed() -> Box<dyn VirtioDevice> {
            Box::new(Echo {
                processed: 0,
                resets: 0,
                config: [1, 2, 3, 4, 5, 6, 7, 8],
            })
        }
    }

    impl VirtioDevice for Echo {
        fn device_id(&self) -> u32 {
            ECHO_ID
        }
        fn device_features(&self) -> u64 {
            ECHO_FEATURE | ECHO_HIGH_FEATURE
        }
        fn queue_max_sizes(&self) -> &[u16] {
            &[16, 8]
        }
        fn read_config(&self, offset: u64, data: &mut [u8]) {
            for (i, b) in data.iter_mut().enumerate() {
                *b = usize::try_from(offset)
                    .ok()
                    .and_then(|o| self.config.get(o + i))
                    .copied()
                    .unwrap_or(0);
            }
        }
        fn write_config(&mut self, offset: u64, data: &[u8]) {
            for (i, b) in data.iter().enumerate() {
                if let Some(c) = self.config.get_mut(offset as usize + i) {
                    *c = *b;
                }
            }
        }
        fn process_queue(
            &mut self,
            _index: usize,
            queue: &mut Queue,
            mem: &GuestMemoryMmap<()>,
            dma: &DmaObserver,
        ) -> bool {
            use vm_memory::Bytes;
            let mut any = false;
            while let Some(chain) = queue.pop_descriptor_chain(mem) {
                let head = chain.head_index();
                let descs: Vec<_> = chain.collect();
                let mut input = Vec::new();
                for d in descs.iter().filter(|d| !d.is_write_only()) {
                    let mut b = vec![0u8; d.len() as usize];
                    if mem.read_slice(&mut b, d.addr()).is_ok() {
                        input.extend(b);
                    }
                }
                input.reverse();
                let mut written = 0usize;
                for d in descs.iter().filter(|d| d.is_write_only()) {
                    let n = (d.len() as usize).min(input.len() - written);
                    if mem
                        .write_slice(&input[written..written + n], d.addr())
                        .is_ok()
                    {
                        dma.written(d.addr().0, n as u64);
                        written += n;
                    }
                }
                // A head beyond the ring cannot be returned; skip it.
                let _ = queue.add_used(mem, head, written as u32);
                self.processed += 1;
                any = true;
            }
            any
        }
        fn reset(&mut self) {
            self.resets += 1;
        }
    }

    #[test]
    fn identification_registers() {
        let mut bus = TestBus::new(Some(Echo::boxed()));
        assert_eq!(bus.rd(REG_MAGIC_VALUE), 0x7472_6976);
        assert_eq!(bus.rd(REG_VERSION), 2);
        assert_eq!(bus.rd(REG_DEVICE_ID), ECHO_ID);
        assert_eq!(bus.rd(REG_VENDOR_ID), 0x554d_4551);
        assert_eq!(
            bus.device_features(),
            ECHO_FEATURE | ECHO_HIGH_FEATURE | VIRTIO_F_VERSION_1 | VIRTIO_F_RING_INDIRECT_DESC
        );
        bus.wr(REG_DEVICE_FEATURES_SEL, 2);
        assert_eq!(bus.rd(REG_DEVICE_FEATURES), 0);
        bus.wr(REG_QUEUE_SEL, 0);
        assert_eq!(bus.rd(REG_QUEUE_NUM_MAX), 16);
        bus.wr(REG_QUEUE_SEL, 1);
        assert_eq!(bus.rd(REG_QUEUE_NUM_MAX), 8);
        bus.wr(REG_QUEUE_SEL, 2);
        assert_eq!(bus.rd(REG_QUEUE_NUM_MAX), 0);
        assert_eq!(bus.rd(REG_QUEUE_READY), 0);
        bus.wr(REG_SHM_SEL, 0);
        assert_eq!(bus.rd(REG_SHM_LEN_LOW), u32::MAX);
        assert_eq!(bus.rd(REG_SHM_LEN_HIGH), u32::MAX);
        assert_eq!(bus.rd(REG_CONFIG_GENERATION), 0);
        // Sub-word register accesses read 0 and write nothing.
        assert_eq!(bus.dev.read(REG_MAGIC_VALUE, 2), 0);
        assert_eq!(bus.dev.read(REG_MAGIC_VALUE + 1, 4), 0);
        bus.dev.write(REG_STATUS, 1, STATUS_ACKNOWLEDGE);
        assert_eq!(bus.rd(REG_STATUS), 0);
        // Unknown registers.
        assert_eq!(bus.rd(0x0f0), 0);
        bus.wr(0x0f0, 0x1234);
    }

    #[test]
    fn empty_transport() {
        let mut bus = TestBus::new(None);
        assert_eq!(bus.rd(REG_MAGIC_VALUE), MAGIC_VALUE);
        assert_eq!(bus.rd(REG_VERSION), 2);
        assert_eq!(bus.rd(REG_DEVICE_ID), 0);
        assert_eq!(bus.rd(REG_VENDOR_ID), VENDOR_ID);
        assert_eq!(bus.device_features(), 0);
        assert!(!bus.negotiate(VIRTIO_F_VERSION_1));
        bus.wr(REG_QUEUE_NOTIFY, 0);
        assert_eq!(bus.dev.read(REG_CONFIG, 4), 0);
        bus.dev.write(REG_CONFIG, 4, 5);
        assert_eq!(bus.rd(REG_INTERRUPT_STATUS), 0);
        assert!(!bus.irq_level());
    }

    #[test]
    fn feature_negotiation() {
        let mut bus = TestBus::new(Some(Echo::boxed()));
        // Without VERSION_1 a modern transport refuses.
        assert!(!bus.negotiate(ECHO_FEATURE));
        // A feature the device does not offer is refused.
        assert!(!bus.negotiate(VIRTIO_F_VERSION_1 | (1 << 5)));
        // Event idx is not offered either.
        assert!(!bus.negotiate(VIRTIO_F_VERSION_1 | VIRTIO_F_RING_EVENT_IDX));
        // A subset of what is offered is accepted, high word included.
        assert!(bus.negotiate(VIRTIO_F_VERSION_1 | ECHO_HIGH_FEATURE));
        assert_eq!(
            bus.dev.driver_features(),
            VIRTIO_F_VERSION_1 | ECHO_HIGH_FEATURE
        );
        // After FEATURES_OK the driver's features are frozen.
        bus.wr(REG_DRIVER_FEATURES_SEL, 0);
        bus.wr(REG_DRIVER_FEATURES, ECHO_FEATURE as u32);
        assert_eq!(
            bus.dev.driver_features(),
            VIRTIO_F_VERSION_1 | ECHO_HIGH_FEATURE
        );
        // Clearing FEATURES_OK without a reset does not unlock them.
        bus.wr(REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        assert_ne!(bus.rd(REG_STATUS) & STATUS_FEATURES_OK, 0);
        // A reset clears everything.
        bus.wr(REG_STATUS, 0);
        assert_eq!(bus.rd(REG_STATUS), 0);
        assert_eq!(bus.dev.driver_features(), 0);
    }

    #[test]
    fn driver_ok_without_features_ok_needs_reset() {
        let mut bus = TestBus::new(Some(Echo::boxed()));
        bus.wr(REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        bus.wr(
            REG_STATUS,
            STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_DRIVER_OK,
        );
        let s = bus.rd(REG_STATUS);
        assert_ne!(s & STATUS_DEVICE_NEEDS_RESET, 0);
        assert_eq!(bus.rd(REG_INTERRUPT_STATUS), INT_CONFIG);
        assert!(bus.irq_level());
        // The driver cannot clear NEEDS_RESET by writing the status...
        bus.wr(REG_STATUS, STATUS_ACKNOWLEDGE);
        assert_ne!(bus.rd(REG_STATUS) & STATUS_DEVICE_NEEDS_RESET, 0);
        // ...only by a reset, which also drops the interrupt.
        bus.wr(REG_STATUS, 0);
        assert_eq!(bus.rd(REG_STATUS), 0);
        assert_eq!(bus.rd(REG_INTERRUPT_STATUS), 0);
        assert!(!bus.irq_level());
    }

    #[test]
    fn echo_round_trip_with_interrupt_and_dma() {
        let mut bus = TestBus::new(Some(Echo::boxed()));
        bus.bring_up(VIRTIO_F_VERSION_1, 2, 8);
        assert!(!bus.irq_level());
        let input = DATA_BASE;
        let output = DATA_BASE + 0x3000 - 4; // straddles a page boundary
        bus.write_mem(input, b"hello, virtio");
        let head = bus.set_chain(0, 0, &[(input, 13, false), (output, 13, true)]);
        bus.publish(0, head);
        bus.dma_pages();
        bus.kick(0);
        assert_eq!(bus.read_mem(output, 13), b"oitriv ,olleh");
        assert_eq!(bus.used_idx(0), 1);
        assert_eq!(bus.used_elem(0, 0), (0, 13));
        assert_eq!(bus.rd(REG_INTERRUPT_STATUS), INT_USED_RING);
        assert!(bus.irq_level());
        // The data pages and the used ring's page were reported.
        let pages = bus.dma_pages();
        assert!(pages.contains(&(output >> 12)), "{pages:x?}");
        assert!(pages.contains(&((output + 12) >> 12)), "{pages:x?}");
        assert!(pages.contains(&(used_addr(0) >> 12)), "{pages:x?}");
        assert!(!pages.contains(&(input >> 12)), "{pages:x?}");
        // Acknowledging lowers the line.
        assert_eq!(bus.ack(), INT_USED_RING);
        assert_eq!(bus.rd(REG_INTERRUPT_STATUS), 0);
        assert!(!bus.irq_level());
        // A kick with nothing new available does nothing.
        bus.kick(0);
        assert_eq!(bus.used_idx(0), 1);
        assert!(!bus.irq_level());
        // Notifying a queue that does not exist is ignored.
        bus.kick(7);
        assert!(!bus.irq_level());
    }

    #[test]
    fn several_chains_and_second_queue() {
        let mut bus = TestBus::new(Some(Echo::boxed()));
        bus.bring_up(VIRTIO_F_VERSION_1, 2, 8);
        for i in 0..3u16 {
            let inp = DATA_BASE + 0x100 * u64::from(i);
            bus.write_mem(inp, &[i as u8; 4]);
            let head = bus.set_chain(1, 2 * i, &[(inp, 4, false), (inp + 0x80, 4, true)]);
            bus.publish(1, head);
        }
        bus.kick(1);
        assert_eq!(bus.used_idx(1), 3);
        assert_eq!(bus.used_idx(0), 0);
        for i in 0..3u16 {
            assert_eq!(bus.used_elem(1, i), (u32::from(2 * i), 4));
            assert_eq!(
                bus.read_mem(DATA_BASE + 0x100 * u64::from(i) + 0x80, 4),
                vec![i as u8; 4]
            );
        }
    }

    #[test]
    fn indirect_descriptors() {
        let mut bus = TestBus::new(Some(Echo::boxed()));
        bus.bring_up(VIRTIO_F_VERSION_1 | VIRTIO_F_RING_INDIRECT_DESC, 1, 16);
        let table = DATA_BASE + 0x8000;
        bus.write_mem(DATA_BASE, b"abc");
        bus.write_desc_at(table, DATA_BASE, 3, F_NEXT, 1);
        bus.write_desc_at(table + 16, DATA_BASE + 0x100, 3, F_WRITE, 0);
        bus.set_desc(0, 5, table, 32, F_INDIRECT, 0);
        bus.publish(0, 5);
        bus.kick(0);
        assert_eq!(bus.read_mem(DATA_BASE + 0x100, 3), b"cba");
        assert_eq!(bus.used_elem(0, 0), (5, 3));
    }

    #[test]
    fn kicks_before_driver_ok_are_served_at_driver_ok() {
        let mut bus = TestBus::new(Some(Echo::boxed()));
        assert!(bus.negotiate(VIRTIO_F_VERSION_1));
        bus.setup_queue(0, 16);
        bus.write_mem(DATA_BASE, b"xy");
        let head = bus.set_chain(0, 0, &[(DATA_BASE, 2, false), (DATA_BASE + 16, 2, true)]);
        bus.publish(0, head);
        bus.kick(0);
        assert_eq!(bus.used_idx(0), 0, "device used a ring before DRIVER_OK");
        assert!(!bus.irq_level());
        bus.driver_ok();
        assert_eq!(bus.used_idx(0), 1);
        assert_eq!(bus.read_mem(DATA_BASE + 16, 2), b"yx");
        assert!(bus.irq_level());
    }

    #[test]
    fn queue_setup_errors_need_reset() {
        // A size that is not a power of two.
        let mut bus = TestBus::new(Some(Echo::boxed()));
        assert!(bus.negotiate(VIRTIO_F_VERSION_1));
        bus.wr(REG_QUEUE_SEL, 0);
        bus.wr(REG_QUEUE_NUM, 12);
        bus.wr(REG_QUEUE_DESC_LOW, desc_addr(0) as u32);
        bus.wr(REG_QUEUE_DRIVER_LOW, avail_addr(0) as u32);
        bus.wr(REG_QUEUE_DEVICE_LOW, used_addr(0) as u32);
        bus.wr(REG_QUEUE_READY, 1);
        assert_eq!(bus.rd(REG_QUEUE_READY), 0);
        assert_ne!(bus.rd(REG_STATUS) & STATUS_DEVICE_NEEDS_RESET, 0);
        assert!(bus.irq_level());

        // Rings outside RAM.
        let mut bus = TestBus::new(Some(Echo::boxed()));
        assert!(bus.negotiate(VIRTIO_F_VERSION_1));
        bus.wr(REG_QUEUE_SEL, 0);
        bus.wr(REG_QUEUE_NUM, 16);
        bus.wr(REG_QUEUE_DESC_LOW, 0x1000);
        bus.wr(REG_QUEUE_DRIVER_LOW, avail_addr(0) as u32);
        bus.wr(REG_QUEUE_DEVICE_LOW, used_addr(0) as u32);
        bus.wr(REG_QUEUE_READY, 1);
        assert_eq!(bus.rd(REG_QUEUE_READY), 0);
        assert_ne!(bus.rd(REG_STATUS) & STATUS_DEVICE_NEEDS_RESET, 0);

        // A misaligned used ring; also a size above the maximum.
        for (num, used) in [(16, used_addr(0) + 2), (32, used_addr(0))] {
            let mut bus = TestBus::new(Some(Echo::boxed()));
            assert!(bus.negotiate(VIRTIO_F_VERSION_1));
            bus.wr(REG_QUEUE_SEL, 0);
            bus.wr(REG_QUEUE_NUM, num);
            bus.wr(REG_QUEUE_DESC_LOW, desc_addr(0) as u32);
            bus.wr(REG_QUEUE_DRIVER_LOW, avail_addr(0) as u32);
            bus.wr(REG_QUEUE_DEVICE_LOW, used as u32);
            bus.wr(REG_QUEUE_READY, 1);
            assert_eq!(bus.rd(REG_QUEUE_READY), 0);
            assert_ne!(bus.rd(REG_STATUS) & STATUS_DEVICE_NEEDS_RESET, 0);
            // Recovery: reset and set up properly.
            bus.bring_up(VIRTIO_F_VERSION_1, 1, 16);
            assert!(!bus.irq_level());
        }

        // A queue index without a queue.
        let mut bus = TestBus::new(Some(Echo::boxed()));
        assert!(bus.negotiate(VIRTIO_F_VERSION_1));
        bus.wr(REG_QUEUE_SEL, 9);
        bus.wr(REG_QUEUE_NUM, 16);
        bus.wr(REG_QUEUE_READY, 1);
        assert_eq!(bus.rd(REG_QUEUE_READY), 0);
        assert_eq!(bus.rd(REG_STATUS) & STATUS_DEVICE_NEEDS_RESET, 0);
    }

    #[test]
    fn runaway_avail_index_needs_reset() {
        let mut bus = TestBus::new(Some(Echo::boxed()));
        bus.bring_up(VIRTIO_F_VERSION_1, 1, 8);
        // The driver claims 100 new buffers in an 8-entry ring.
        bus.mem
            .write_obj(100u16, GuestAddress(avail_addr(0) + 2))
            .map_err(|_| ())
            .unwrap();
        bus.kick(0);
        assert_eq!(bus.used_idx(0), 0);
        assert_ne!(bus.rd(REG_STATUS) & STATUS_DEVICE_NEEDS_RESET, 0);
        assert_eq!(bus.rd(REG_INTERRUPT_STATUS), INT_CONFIG);
        // Further kicks are ignored until the reset.
        bus.kick(0);
        assert_eq!(bus.used_idx(0), 0);
    }

    #[test]
    fn malformed_chains_do_not_panic() {
        let mut bus = TestBus::new(Some(Echo::boxed()));
        bus.bring_up(VIRTIO_F_VERSION_1 | VIRTIO_F_RING_INDIRECT_DESC, 1, 8);
        // A head index beyond the table, a self-loop, and an indirect table
        // outside RAM: the chain walker stops on each (the self-loop after
        // a ring's worth of descriptors).
        bus.write_mem(DATA_BASE, b"loop");
        bus.publish(0, 200);
        bus.set_desc(0, 1, DATA_BASE, 4, F_NEXT, 1);
        bus.set_desc(0, 0, DATA_BASE + 64, 32, F_WRITE, 0);
        bus.publish(0, 1);
        bus.set_desc(0, 2, 0xffff_0000, 32, F_INDIRECT, 0);
        bus.publish(0, 2);
        bus.kick(0);
        // The bad head could not be returned; the loop was cut after 8
        // descriptors (32 bytes, no writable one); the bad table gave an
        // empty chain.
        assert_eq!(bus.used_idx(0), 2);
        assert_eq!(bus.used_elem(0, 0), (1, 0));
        assert_eq!(bus.used_elem(0, 1), (2, 0));
        assert_eq!(bus.rd(REG_STATUS) & STATUS_DEVICE_NEEDS_RESET, 0);
    }

    #[test]
    fn queue_ready_zero_and_reset() {
        let mut bus = TestBus::new(Some(Echo::boxed()));
        bus.bring_up(VIRTIO_F_VERSION_1, 2, 8);
        bus.wr(REG_QUEUE_SEL, 0);
        // Registers of a live queue cannot be changed.
        bus.wr(REG_QUEUE_DESC_LOW, 0);
        bus.write_mem(DATA_BASE, b"q");
        let head = bus.set_chain(0, 0, &[(DATA_BASE, 1, false), (DATA_BASE + 8, 1, true)]);
        bus.publish(0, head);
        bus.kick(0);
        assert_eq!(bus.used_idx(0), 1);
        // QueueReady = 0 stops the queue, as Linux's del_vq expects.
        bus.wr(REG_QUEUE_SEL, 0);
        bus.wr(REG_QUEUE_READY, 0);
        assert_eq!(bus.rd(REG_QUEUE_READY), 0);
        bus.publish(0, head);
        bus.kick(0);
        assert_eq!(bus.used_idx(0), 1);
        // Reset clears every queue and the interrupt, and resets the device.
        bus.wr(REG_STATUS, 0);
        for q in 0..2 {
            bus.wr(REG_QUEUE_SEL, q);
            assert_eq!(bus.rd(REG_QUEUE_READY), 0);
        }
        assert_eq!(bus.rd(REG_INTERRUPT_STATUS), 0);
        assert!(!bus.irq_level());
        // And the device comes back up from scratch.
        bus.bring_up(VIRTIO_F_VERSION_1, 1, 16);
        bus.write_mem(DATA_BASE, b"r");
        let head = bus.set_chain(0, 3, &[(DATA_BASE, 1, false), (DATA_BASE + 8, 1, true)]);
        bus.publish(0, head);
        bus.kick(0);
        assert_eq!(bus.used_idx(0), 1);
        assert_eq!(bus.used_elem(0, 0), (3, 1));
    }

    #[test]
    fn config_space_accesses() {
        let mut bus = TestBus::new(Some(Echo::boxed()));
        assert_eq!(bus.dev.read(REG_CONFIG, 4), 0x0403_0201);
        assert_eq!(bus.dev.read(REG_CONFIG + 4, 4), 0x0807_0605);
        assert_eq!(bus.dev.read(REG_CONFIG + 2, 2), 0x0403);
        assert_eq!(bus.dev.read(REG_CONFIG + 7, 1), 0x08);
        // Beyond the device's configuration: zeros.
        assert_eq!(bus.dev.read(REG_CONFIG + 6, 4), 0x0807);
        assert_eq!(bus.dev.read(MMIO_WINDOW_SIZE - 4, 4), 0);
        bus.dev.write(REG_CONFIG + 1, 2, 0xbbaa);
        assert_eq!(bus.dev.read(REG_CONFIG, 4), 0x04bb_aa01);
    }

    #[test]
    fn interrupt_ack_is_per_bit() {
        let mut bus = TestBus::new(Some(Echo::boxed()));
        bus.bring_up(VIRTIO_F_VERSION_1, 1, 16);
        bus.write_mem(DATA_BASE, b"z");
        let head = bus.set_chain(0, 0, &[(DATA_BASE, 1, false), (DATA_BASE + 8, 1, true)]);
        bus.publish(0, head);
        bus.kick(0);
        // A config change on top (the misuse path raises one).
        bus.publish(0, 0);
        bus.mem
            .write_obj(50u16, GuestAddress(avail_addr(0) + 2))
            .map_err(|_| ())
            .unwrap();
        bus.kick(0);
        assert_eq!(bus.rd(REG_INTERRUPT_STATUS), INT_USED_RING | INT_CONFIG);
        bus.wr(REG_INTERRUPT_ACK, INT_USED_RING);
        assert_eq!(bus.rd(REG_INTERRUPT_STATUS), INT_CONFIG);
        assert!(bus.irq_level());
        bus.wr(REG_INTERRUPT_ACK, INT_CONFIG);
        assert!(!bus.irq_level());
    }

    #[test]
    fn odd_device_queue_sizes_and_features() {
        struct Odd;
        impl VirtioDevice for Odd {
            fn device_id(&self) -> u32 {
                9
            }
            fn device_features(&self) -> u64 {
                1 | TRANSPORT_REFUSED_FEATURES
            }
            fn queue_max_sizes(&self) -> &[u16] {
                &[12, 0]
            }
            fn read_config(&self, _: u64, _: &mut [u8]) {}
            fn write_config(&mut self, _: u64, _: &[u8]) {}
            fn process_queue(
                &mut self,
                _: usize,
                _: &mut Queue,
                _: &GuestMemoryMmap<()>,
                _: &DmaObserver,
            ) -> bool {
                false
            }
            fn reset(&mut self) {}
        }
        let mut bus = TestBus::new(Some(Box::new(Odd)));
        // Ring features the transport cannot honour are not offered.
        assert_eq!(bus.device_features(), 1 | TRANSPORT_FEATURES);
        for q in 0..2 {
            bus.wr(REG_QUEUE_SEL, q);
            assert_eq!(bus.rd(REG_QUEUE_NUM_MAX), 0);
        }
    }
}
