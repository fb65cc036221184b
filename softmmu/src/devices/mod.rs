//! The devices of the `virt` board, each in its own file behind one trait.
//!
//! A device sees only its own register window: the bus (`crate::memory`)
//! finds the device for a physical address and calls [`MmioDevice::read`]
//! or [`MmioDevice::write`] with the offset into the window. Interrupts go
//! out through an [`IrqLine`] the machine hands to the device; devices
//! know nothing of the machine, the CPU or the interrupt controller.
//! Devices that write guest RAM on their own (DMA) report the ranges to a
//! [`DmaObserver`], so that translated code on those pages is dropped.

pub mod gic;
pub mod pl011;
pub mod pl031;
pub mod virtio_blk;
pub mod virtio_mmio;
pub mod virtio_rng;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

pub use rsemu_core::exec::IrqInputs;

/// A memory-mapped device.
pub trait MmioDevice: Send {
    /// Reads `size` bytes (1, 2 or 4) at `offset` into the device's region.
    /// Reads of registers that do not exist return 0.
    fn read(&mut self, offset: u32, size: u8) -> u32;
    /// Writes `size` bytes (1, 2 or 4) at `offset`. Writes to registers
    /// that do not exist are ignored.
    fn write(&mut self, offset: u32, size: u8, value: u32);
}

/// First interrupt ID that is a private peripheral interrupt (PPI).
pub const FIRST_PPI: u32 = 16;
/// First interrupt ID that is a shared peripheral interrupt (SPI).
pub const FIRST_SPI: u32 = 32;
/// Interrupt IDs the level table covers (the GIC's SGIs are not lines):
/// QEMU's virt has 256 SPIs.
pub const MAX_IRQS: u32 = 288;

/// The level of every interrupt input of the GIC (PPIs and SPIs), written
/// by devices from any thread and sampled by the GIC. A change raises
/// `changed` and the CPU's wake-up flag so that the machine lets the GIC
/// look at its inputs before the CPU runs on.
#[derive(Debug)]
pub struct IrqLevels {
    words: [AtomicU32; (MAX_IRQS / 32) as usize],
    changed: AtomicBool,
    kick: Arc<AtomicBool>,
}

impl IrqLevels {
    /// All lines low. `kick` is raised on every change (the engine's
    /// interrupt flag).
    pub fn new(kick: Arc<AtomicBool>) -> IrqLevels {
        IrqLevels {
            words: Default::default(),
            changed: AtomicBool::new(false),
            kick,
        }
    }

    /// Sets the level of interrupt `id` (16..MAX_IRQS).
    pub fn set(&self, id: u32, high: bool) {
        debug_assert!((FIRST_PPI..MAX_IRQS).contains(&id), "irq {id}");
        let (word, bit) = ((id / 32) as usize, 1u32 << (id % 32));
        let Some(w) = self.words.get(word) else {
            return;
        };
        let old = if high {
            w.fetch_or(bit, Ordering::SeqCst)
        } else {
            w.fetch_and(!bit, Ordering::SeqCst)
        };
        if (old & bit != 0) != high {
            self.changed.store(true, Ordering::SeqCst);
            self.kick.store(true, Ordering::SeqCst);
        }
    }

    /// The level of interrupt `id`.
    pub fn get(&self, id: u32) -> bool {
        self.words
            .get((id / 32) as usize)
            .is_some_and(|w| w.load(Ordering::SeqCst) & (1 << (id % 32)) != 0)
    }

    /// The levels of interrupts `32 * word .. 32 * word + 31` as a bitmap.
    pub fn word(&self, word: usize) -> u32 {
        self.words.get(word).map_or(0, |w| w.load(Ordering::SeqCst))
    }

    /// Whether any level changed since the last call (and clears it).
    pub fn take_changed(&self) -> bool {
        self.changed.swap(false, Ordering::SeqCst)
    }
}

/// One interrupt input of the GIC, as handed to a device.
#[derive(Clone, Debug)]
pub struct IrqLine {
    levels: Arc<IrqLevels>,
    id: u32,
}

impl IrqLine {
    /// The line for interrupt `id` (a GIC interrupt ID: 16-31 PPI, 32+ SPI).
    pub fn new(levels: Arc<IrqLevels>, id: u32) -> IrqLine {
        IrqLine { levels, id }
    }

    /// Drives the line high or low (level-triggered).
    pub fn set(&self, high: bool) {
        self.levels.set(self.id, high);
    }

    /// The interrupt ID.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The current level.
    pub fn level(&self) -> bool {
        self.levels.get(self.id)
    }
}

/// The CPU's interrupt inputs, driven by the GIC's CPU interface: the
/// engine's [`IrqInputs`], which it reads to take interrupts. A rising
/// edge raises the wake-up flag.
#[derive(Debug)]
pub struct CpuIrqLines {
    inputs: Arc<IrqInputs>,
    kick: Arc<AtomicBool>,
}

impl CpuIrqLines {
    /// Both lines low, on inputs of their own; `kick` is raised on a
    /// rising edge.
    pub fn new(kick: Arc<AtomicBool>) -> CpuIrqLines {
        CpuIrqLines::with_inputs(Arc::default(), kick)
    }

    /// Lines driving `inputs` (the engine's).
    pub fn with_inputs(inputs: Arc<IrqInputs>, kick: Arc<AtomicBool>) -> CpuIrqLines {
        CpuIrqLines { inputs, kick }
    }

    /// Sets the IRQ and FIQ lines.
    pub fn set(&self, irq: bool, fiq: bool) {
        let old_irq = self.inputs.irq.swap(irq, Ordering::SeqCst);
        let old_fiq = self.inputs.fiq.swap(fiq, Ordering::SeqCst);
        if (irq && !old_irq) || (fiq && !old_fiq) {
            self.kick.store(true, Ordering::SeqCst);
        }
    }

    /// The IRQ line.
    pub fn irq(&self) -> bool {
        self.inputs.irq.load(Ordering::SeqCst)
    }

    /// The FIQ line.
    pub fn fiq(&self) -> bool {
        self.inputs.fiq.load(Ordering::SeqCst)
    }
}

/// Collects guest-physical ranges written by devices (DMA), so the machine
/// can drop translated code on those pages.
#[derive(Clone, Debug, Default)]
pub struct DmaObserver {
    pages: Arc<Mutex<Vec<u64>>>,
    kick: Option<Arc<AtomicBool>>,
}

impl DmaObserver {
    /// An observer that raises `kick` when something was written.
    pub fn new(kick: Arc<AtomicBool>) -> DmaObserver {
        DmaObserver {
            pages: Arc::default(),
            kick: Some(kick),
        }
    }

    /// Records that the device wrote `len` bytes at guest-physical `gpa`.
    pub fn written(&self, gpa: u64, len: u64) {
        if len == 0 {
            return;
        }
        let mut pages = self.pages.lock().unwrap_or_else(|e| e.into_inner());
        let (first, last) = (gpa >> 12, (gpa + len - 1) >> 12);
        pages.extend(first..=last);
        drop(pages);
        if let Some(k) = &self.kick {
            k.store(true, Ordering::SeqCst);
        }
    }

    /// The pages written since the last call (page numbers, gpa >> 12).
    pub fn take(&self) -> Vec<u64> {
        std::mem::take(&mut *self.pages.lock().unwrap_or_else(|e| e.into_inner()))
    }
}
