//! The `virt` board's serial console: an ARM PrimeCell UART (PL011,
//! ARM DDI 0183), as Linux's `amba-pl011` driver and earlycon use it.
//!
//! Transmission is instantaneous: a byte written to `UARTDR` goes to the
//! output writer at once (the machine flushes the writer; this device never
//! does), so the transmit FIFO is always empty and never busy. Reception
//! goes through a FIFO of 16 bytes (1 when `UARTLCR_H.FEN` is clear) that
//! the machine fills with [`Pl011::receive`]; bytes it does not accept stay
//! with the machine (there is no overrun on the console path).
//!
//! Interrupts, as Linux 6.1's driver relies on them (and as QEMU's model,
//! which it is known to work with, raises them):
//! - RX: raised when the receive FIFO fills up to its trigger level
//!   (`UARTIFLS.RXIFLSEL`; 1 byte with the FIFO disabled), cleared when
//!   reads take it below that level, or by `UARTICR`. QEMU instead uses a
//!   trigger of one byte because it lacks the timeout below.
//! - RT (receive timeout): the line going idle with data in the FIFO. Input
//!   arrives in batches, so the end of each [`Pl011::receive`] call that
//!   leaves data in the FIFO is the idle line. Cleared when the FIFO is
//!   emptied, or by `UARTICR`.
//! - TX: a transmitted byte leaves the FIFO empty, below any trigger level,
//!   so every write to `UARTDR` raises TX (as in QEMU); `UARTICR` clears
//!   it. Linux writes until `UARTFR.TXFF`, which never comes, so it seldom
//!   even unmasks TX.
//!
//! The interrupt line is `(UARTRIS & UARTIMSC) != 0`, updated by every
//! access and every `receive`.
//!
//! Not modelled: baud rate and framing (stored, no effect), break, parity
//! and framing errors (never happen), modem status lines and their
//! interrupts (inputs read as inactive), hardware flow control, IrDA and
//! DMA (`UARTDMACR` is stored; nothing is transferred).

use std::collections::VecDeque;
use std::io::Write;

use super::{IrqLine, MmioDevice};

// ---- Register map (offsets into the 4K window) ----

/// Data Register: read pops the receive FIFO, write transmits.
pub const UARTDR: u32 = 0x000;
/// Receive Status Register (read) / Error Clear Register (write).
pub const UARTRSR: u32 = 0x004;
/// Flag Register (RO).
pub const UARTFR: u32 = 0x018;
/// IrDA Low-Power Counter Register.
pub const UARTILPR: u32 = 0x020;
/// Integer Baud Rate Register.
pub const UARTIBRD: u32 = 0x024;
/// Fractional Baud Rate Register.
pub const UARTFBRD: u32 = 0x028;
/// Line Control Register.
pub const UARTLCR_H: u32 = 0x02c;
/// Control Register.
pub const UARTCR: u32 = 0x030;
/// Interrupt FIFO Level Select Register.
pub const UARTIFLS: u32 = 0x034;
/// Interrupt Mask Set/Clear Register (1 = enabled).
pub const UARTIMSC: u32 = 0x038;
/// Raw Interrupt Status Register (RO).
pub const UARTRIS: u32 = 0x03c;
/// Masked Interrupt Status Register (RO).
pub const UARTMIS: u32 = 0x040;
/// Interrupt Clear Register (WO).
pub const UARTICR: u32 = 0x044;
/// DMA Control Register.
pub const UARTDMACR: u32 = 0x048;
/// First identification register, `UARTPeriphID0`; `UARTPeriphID0-3`
/// and `UARTPCellID0-3` are the eight words from here to 0xffc.
pub const UARTPERIPHID0: u32 = 0xfe0;
/// Size of the register window.
pub const PL011_SIZE: u32 = 0x1000;

/// `UARTPeriphID0-3`, `UARTPCellID0-3`: part 0x011, designer ARM (0x41),
/// revision 1 (r1p5, whose FIFOs are 16 deep: Linux reads the revision to
/// pick the FIFO size), PrimeCell ID 0xb105f00d. Linux's AMBA bus matches
/// the driver on these.
const ID_REGS: [u32; 8] = [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1];

// UARTFR bits.
const FR_TXFE: u32 = 1 << 7;
const FR_RXFF: u32 = 1 << 6;
const FR_RXFE: u32 = 1 << 4;

// Interrupt bits of UARTRIS/UARTMIS/UARTIMSC/UARTICR.
const INT_OE: u32 = 1 << 10;
const INT_RT: u32 = 1 << 6;
const INT_TX: u32 = 1 << 5;
const INT_RX: u32 = 1 << 4;
const INT_ALL: u32 = 0x7ff;

/// `UARTRSR.OE`: overrun (only in loopback, where nothing holds back input).
const RSR_OE: u32 = 1 << 3;
/// `UARTDR` bits 11:8 carry the error flags of the received character.
const DR_OE: u32 = 1 << 11;

/// `UARTLCR_H.FEN`: FIFOs enabled.
const LCR_H_FEN: u32 = 1 << 4;

// UARTCR bits.
const CR_UARTEN: u32 = 1 << 0;
const CR_LBE: u32 = 1 << 7;
const CR_RXE: u32 = 1 << 9;
/// Bits 3-6 of `UARTCR` are reserved.
const CR_MASK: u32 = 0xff87;

/// Receive FIFO depth with `FEN` set.
const FIFO_DEPTH: usize = 16;

/// A PL011 UART.
pub struct Pl011 {
    irq: IrqLine,
    out: Box<dyn Write + Send>,
    /// The receive FIFO, oldest first: each entry is the 12-bit `UARTDR`
    /// value (data byte and error flags).
    rx: VecDeque<u16>,
    /// `UARTRSR`: error flags of the last character read.
    rsr: u32,
    ilpr: u32,
    ibrd: u32,
    fbrd: u32,
    lcr_h: u32,
    cr: u32,
    ifls: u32,
    imsc: u32,
    ris: u32,
    dmacr: u32,
}

impl Pl011 {
    /// A UART at reset, interrupting through `irq` and transmitting to `out`.
    pub fn new(irq: IrqLine, out: Box<dyn Write + Send>) -> Pl011 {
        let uart = Pl011 {
            irq,
            out,
            rx: VecDeque::with_capacity(FIFO_DEPTH),
            rsr: 0,
            ilpr: 0,
            ibrd: 0,
            fbrd: 0,
            lcr_h: 0,
            // Reset values from the TRM: TXE and RXE set, UART disabled.
            cr: 0x300,
            ifls: 0x12,
            imsc: 0,
            ris: 0,
            dmacr: 0,
        };
        uart.update_irq();
        uart
    }

    /// Queues received bytes (from the console); returns how many were
    /// accepted (FIFO room). Nothing is accepted while the receiver is
    /// disabled (`UARTCR.UARTEN` or `RXE` clear, as after reset until the
    /// driver opens the port) or in loopback mode.
    pub fn receive(&mut self, bytes: &[u8]) -> usize {
        let n = bytes.len().min(self.rx_room());
        for &b in &bytes[..n] {
            self.push_rx(u16::from(b));
        }
        if n > 0 {
            // The batch is over: the line is idle with data in the FIFO,
            // which is what the receive timeout reports.
            self.ris |= INT_RT;
            self.update_irq();
        }
        n
    }

    /// How many bytes [`Pl011::receive`] would accept now.
    pub fn rx_room(&self) -> usize {
        let enabled = self.cr & (CR_UARTEN | CR_RXE) == CR_UARTEN | CR_RXE;
        if !enabled || self.cr & CR_LBE != 0 {
            return 0;
        }
        self.fifo_depth().saturating_sub(self.rx.len())
    }

    fn fifo_depth(&self) -> usize {
        if self.lcr_h & LCR_H_FEN != 0 {
            FIFO_DEPTH
        } else {
            1
        }
    }

    /// The receive FIFO fill level that raises RX.
    fn rx_trigger(&self) -> usize {
        if self.lcr_h & LCR_H_FEN == 0 {
            return 1;
        }
        match (self.ifls >> 3) & 7 {
            0 => 2,  // 1/8
            1 => 4,  // 1/4
            3 => 12, // 3/4
            4 => 14, // 7/8
            // 1/2, and the reserved encodings.
            _ => 8,
        }
    }

    /// Adds one entry to the receive FIFO, raising RX when the fill level
    /// reaches the trigger (RX marks the crossing, not the level: Linux
    /// drains the FIFO when enabling interrupts because of that).
    fn push_rx(&mut self, entry: u16) {
        self.rx.push_back(entry);
        if self.rx.len() == self.rx_trigger() {
            self.ris |= INT_RX;
        }
    }

    /// Reads `UARTDR`: pops the oldest received character.
    fn read_dr(&mut self) -> u32 {
        let Some(entry) = self.rx.pop_front() else {
            // Reading an empty FIFO: no data, and no state change.
            return 0;
        };
        let entry = u32::from(entry);
        self.rsr = (entry >> 8) & 0xf;
        if self.rx.len() < self.rx_trigger() {
            self.ris &= !INT_RX;
        }
        if self.rx.is_empty() {
            self.ris &= !INT_RT;
        }
        entry
    }

    /// Writes `UARTDR`: transmits the byte at once.
    fn write_dr(&mut self, value: u32) {
        let byte = (value & 0xff) as u8;
        if self.cr & CR_LBE != 0 {
            // Loopback: the transmitted byte is fed to the receiver
            // instead of the output.
            if self.rx.len() < self.fifo_depth() {
                self.push_rx(u16::from(byte));
                self.ris |= INT_RT;
            } else {
                // Nothing holds back looped-back bytes: a full FIFO
                // overruns. The error is reported with the newest entry.
                if let Some(last) = self.rx.back_mut() {
                    *last |= DR_OE as u16;
                }
                self.rsr |= RSR_OE;
                self.ris |= INT_OE;
            }
        } else {
            // The UART transmits even when UARTEN/TXE are clear (as QEMU
            // does), so that early boot output written before the driver
            // enables the UART is not lost. An output error (closed pipe)
            // loses the byte; the guest has no way to be told.
            let _ = self.out.write_all(&[byte]);
        }
        // The transmit FIFO is empty again: at or below any trigger level.
        self.ris |= INT_TX;
    }

    fn flags(&self) -> u32 {
        let mut fr = FR_TXFE; // never TXFF or BUSY; modem inputs inactive
        if self.rx.is_empty() {
            fr |= FR_RXFE;
        }
        if self.rx.len() >= self.fifo_depth() {
            fr |= FR_RXFF;
        }
        fr
    }

    fn update_irq(&self) {
        self.irq.set(self.ris & self.imsc != 0);
    }
}

impl MmioDevice for Pl011 {
    fn read(&mut self, offset: u32, size: u8) -> u32 {
        // Registers are read whole at word-aligned offsets; Linux uses
        // 16-bit accesses, earlycon 8- and 32-bit ones.
        if !matches!(size, 1 | 2 | 4) || !offset.is_multiple_of(4) {
            return 0;
        }
        let value = match offset {
            UARTDR => {
                let v = self.read_dr();
                self.update_irq();
                v
            }
            UARTRSR => self.rsr,
            UARTFR => self.flags(),
            UARTILPR => self.ilpr,
            UARTIBRD => self.ibrd,
            UARTFBRD => self.fbrd,
            UARTLCR_H => self.lcr_h,
            UARTCR => self.cr,
            UARTIFLS => self.ifls,
            UARTIMSC => self.imsc,
            UARTRIS => self.ris,
            UARTMIS => self.ris & self.imsc,
            UARTDMACR => self.dmacr,
            o if (UARTPERIPHID0..PL011_SIZE).contains(&o) => {
                ID_REGS[((o - UARTPERIPHID0) / 4) as usize]
            }
            // UARTICR is write-only; the rest is reserved.
            _ => 0,
        };
        match size {
            1 => value & 0xff,
            2 => value & 0xffff,
            _ => value,
        }
    }

    fn write(&mut self, offset: u32, size: u8, value: u32) {
        if !matches!(size, 1 | 2 | 4) || !offset.is_multiple_of(4) {
            return;
        }
        let value = match size {
            1 => value & 0xff,
            2 => value & 0xffff,
            _ => value,
        };
        match offset {
            UARTDR => self.write_dr(value),
            // Any write to UARTECR clears the error flags.
            UARTRSR => self.rsr = 0,
            UARTILPR => self.ilpr = value & 0xff,
            UARTIBRD => self.ibrd = value & 0xffff,
            UARTFBRD => self.fbrd = value & 0x3f,
            // A change of FEN changes the FIFO depth; data already
            // received is kept (a FIFO above the new depth reads as full
            // until drained).
            UARTLCR_H => self.lcr_h = value & 0xff,
            UARTCR => self.cr = value & CR_MASK,
            UARTIFLS => self.ifls = value & 0x3f,
            UARTIMSC => self.imsc = value & INT_ALL,
            UARTICR => self.ris &= !(value & INT_ALL),
            UARTDMACR => self.dmacr = value & 7,
            // UARTFR, UARTRIS, UARTMIS and the ID registers are read-only.
            _ => {}
        }
        self.update_irq();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::sync::{Arc, Mutex};

    use crate::devices::IrqLevels;

    /// A writer whose bytes the test can look at.
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    const IRQ: u32 = 33;

    struct Rig {
        uart: Pl011,
        levels: Arc<IrqLevels>,
        out: Capture,
    }

    fn rig() -> Rig {
        let levels = Arc::new(IrqLevels::new(Arc::new(AtomicBool::new(false))));
        let out = Capture::default();
        let uart = Pl011::new(IrqLine::new(levels.clone(), IRQ), Box::new(out.clone()));
        Rig { uart, levels, out }
    }

    impl Rig {
        fn r(&mut self, offset: u32) -> u32 {
            self.uart.read(offset, 4)
        }
        fn w(&mut self, offset: u32, value: u32) {
            self.uart.write(offset, 4, value);
        }
        fn line(&self) -> bool {
            self.levels.get(IRQ)
        }
        fn output(&self) -> Vec<u8> {
            self.out.0.lock().unwrap().clone()
        }
        /// What Linux's pl011_startup leaves: FIFOs on, UART and both
        /// directions enabled, RX and RT interrupts unmasked.
        fn linux_startup(&mut self) {
            self.w(UARTICR, 0x7ff);
            self.w(UARTIFLS, 0x12);
            self.w(UARTLCR_H, 0x70); // 8 bits, FIFOs enabled
            self.w(UARTCR, 0x301);
            self.w(UARTIMSC, INT_RX | INT_RT);
        }
    }

    #[test]
    fn identification_registers() {
        let mut r = rig();
        let ids: Vec<u32> = (0..8).map(|i| r.r(UARTPERIPHID0 + 4 * i)).collect();
        assert_eq!(ids, [0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
        // As Linux's AMBA bus assembles them.
        let pid = (0..4).fold(0, |acc, i| acc | (r.r(0xfe0 + 4 * i) & 0xff) << (8 * i));
        let cid = (0..4).fold(0, |acc, i| acc | (r.r(0xff0 + 4 * i) & 0xff) << (8 * i));
        assert_eq!(pid & 0x000f_ffff, 0x0004_1011, "the pl011 id/mask");
        assert_eq!((pid >> 20) & 0xf, 1, "revision 1: 16-byte FIFOs");
        assert_eq!(cid, 0xb105_f00d);
        r.w(UARTPERIPHID0, 0);
        assert_eq!(r.r(UARTPERIPHID0), 0x11);
    }

    #[test]
    fn reset_values() {
        let mut r = rig();
        assert_eq!(r.r(UARTFR), 0x90, "TXFE | RXFE");
        assert_eq!(r.r(UARTCR), 0x300);
        assert_eq!(r.r(UARTIFLS), 0x12);
        assert_eq!(r.r(UARTLCR_H), 0);
        assert_eq!(r.r(UARTIMSC), 0);
        assert_eq!(r.r(UARTRIS), 0);
        assert_eq!(r.r(UARTMIS), 0);
        assert_eq!(r.r(UARTRSR), 0);
        assert_eq!(r.r(UARTDMACR), 0);
        assert!(!r.line());
    }

    #[test]
    fn register_masks() {
        let mut r = rig();
        r.w(UARTIBRD, 0x12345);
        r.w(UARTFBRD, 0xff);
        r.w(UARTLCR_H, 0x1ff);
        r.w(UARTCR, 0xffff_ffff);
        r.w(UARTIFLS, 0xff);
        r.w(UARTIMSC, 0xffff);
        r.w(UARTDMACR, 0xff);
        r.w(UARTILPR, 0x1ff);
        assert_eq!(r.r(UARTIBRD), 0x2345);
        assert_eq!(r.r(UARTFBRD), 0x3f);
        assert_eq!(r.r(UARTLCR_H), 0xff);
        assert_eq!(r.r(UARTCR), 0xff87);
        assert_eq!(r.r(UARTIFLS), 0x3f);
        assert_eq!(r.r(UARTIMSC), 0x7ff);
        assert_eq!(r.r(UARTDMACR), 7);
        assert_eq!(r.r(UARTILPR), 0xff);
        // Read-only registers ignore writes.
        r.w(UARTFR, 0);
        r.w(UARTRIS, 0x7ff);
        r.w(UARTMIS, 0x7ff);
        assert_eq!(r.r(UARTFR), 0x90);
        assert_eq!(r.r(UARTRIS), 0);
        assert_eq!(r.r(UARTICR), 0, "write-only");
    }

    #[test]
    fn transmit_and_tx_interrupt() {
        let mut r = rig();
        r.w(UARTCR, 0x301);
        // Linux writes 16 bits, earlycon 8 or 32.
        r.uart.write(UARTDR, 2, u32::from(b'h'));
        r.uart.write(UARTDR, 1, u32::from(b'i'));
        r.w(UARTDR, 0xffff_ff00 | u32::from(b'!'));
        assert_eq!(r.output(), b"hi!");
        assert_eq!(
            r.r(UARTFR) & (FR_TXFE | 0x28),
            FR_TXFE,
            "empty, not full, not busy"
        );
        assert_eq!(r.r(UARTRIS), INT_TX);
        assert!(!r.line(), "TX masked");
        r.w(UARTIMSC, INT_TX);
        assert!(r.line());
        assert_eq!(r.r(UARTMIS), INT_TX);
        r.w(UARTICR, INT_TX);
        assert!(!r.line());
        assert_eq!(r.r(UARTRIS), 0);
        r.w(UARTDR, u32::from(b'x'));
        assert!(r.line(), "each transmitted byte raises TX again");
        // Linux's stop_tx masks it.
        r.w(UARTIMSC, 0);
        assert!(!r.line());
        assert_eq!(r.output(), b"hi!x");
    }

    #[test]
    fn transmits_while_disabled() {
        let mut r = rig();
        r.w(UARTCR, 0);
        r.w(UARTDR, u32::from(b'e'));
        assert_eq!(r.output(), b"e");
    }

    #[test]
    fn rx_fifo_fill_overflow_and_interrupts() {
        let mut r = rig();
        r.linux_startup();
        assert_eq!(r.uart.rx_room(), 16);
        let input: Vec<u8> = (b'a'..=b't').collect();
        assert_eq!(r.uart.receive(&input), 16, "16 fit, 4 stay with the caller");
        assert_eq!(r.uart.rx_room(), 0);
        assert_eq!(r.uart.receive(b"zz"), 0);
        assert_eq!(r.r(UARTFR) & (FR_RXFF | FR_RXFE), FR_RXFF);
        assert_eq!(r.r(UARTRIS), INT_RX | INT_RT);
        assert!(r.line());
        // Read down to the trigger level (1/2 = 8): RX stays until below.
        for c in b'a'..=b'h' {
            assert_eq!(r.r(UARTDR), u32::from(c));
        }
        assert_eq!(r.r(UARTRIS), INT_RX | INT_RT, "8 left: at the trigger");
        assert_eq!(r.r(UARTDR), u32::from(b'i'));
        assert_eq!(r.r(UARTRIS), INT_RT, "7 left: below the trigger");
        assert!(r.line());
        assert_eq!(r.uart.rx_room(), 9);
        for c in b'j'..=b'p' {
            assert_eq!(r.uart.read(UARTDR, 2), u32::from(c));
        }
        assert_eq!(r.r(UARTFR) & (FR_RXFF | FR_RXFE), FR_RXFE);
        assert_eq!(r.r(UARTRIS), 0, "empty: RT cleared too");
        assert!(!r.line());
        assert_eq!(r.r(UARTDR), 0, "empty FIFO reads 0");
        // The caller retries with what was left.
        assert_eq!(r.uart.receive(&input[16..]), 4);
        assert_eq!(
            r.r(UARTRIS),
            INT_RT,
            "4 bytes: below the trigger, timeout only"
        );
        assert!(r.line());
        assert_eq!(r.r(UARTDR), u32::from(b'q'));
        assert_eq!(r.r(UARTRSR), 0);
    }

    #[test]
    fn rx_trigger_crossing_and_clear() {
        let mut r = rig();
        r.linux_startup();
        assert_eq!(r.uart.receive(b"abc"), 3);
        assert_eq!(r.r(UARTRIS), INT_RT);
        r.w(UARTICR, INT_RT);
        assert_eq!(r.r(UARTRIS), 0);
        assert!(!r.line());
        assert_eq!(r.uart.receive(b"defgh"), 5);
        assert_eq!(r.r(UARTRIS), INT_RX | INT_RT, "reached 8");
        // Only RX unmasked: the line follows RX alone.
        r.w(UARTIMSC, INT_RX);
        r.w(UARTICR, INT_RX);
        assert!(!r.line());
        // Still at the level: RX is not raised again without a crossing.
        assert_eq!(r.uart.receive(b"i"), 1);
        assert!(!r.line());
        // Trigger levels from IFLS.
        r.w(UARTIFLS, 0);
        while r.r(UARTFR) & FR_RXFE == 0 {
            r.r(UARTDR);
        }
        r.uart.receive(b"a");
        assert_eq!(r.r(UARTRIS) & INT_RX, 0);
        r.uart.receive(b"b");
        assert_eq!(r.r(UARTRIS) & INT_RX, INT_RX, "1/8: two bytes");
        assert!(r.line());
    }

    #[test]
    fn rx_without_fifo() {
        let mut r = rig();
        r.w(UARTCR, 0x301);
        r.w(UARTIMSC, INT_RX);
        assert_eq!(r.uart.rx_room(), 1);
        assert_eq!(r.uart.receive(b"xy"), 1);
        assert_eq!(r.r(UARTFR) & (FR_RXFF | FR_RXFE), FR_RXFF);
        assert!(r.line());
        assert_eq!(r.r(UARTDR), u32::from(b'x'));
        assert!(!r.line());
        assert_eq!(r.uart.receive(b"y"), 1);
        // Enabling the FIFO keeps what was received.
        r.w(UARTLCR_H, LCR_H_FEN);
        assert_eq!(r.uart.rx_room(), 15);
        assert_eq!(r.uart.receive(b"z"), 1);
        assert_eq!(r.r(UARTDR), u32::from(b'y'));
        assert_eq!(r.r(UARTDR), u32::from(b'z'));
    }

    #[test]
    fn receiver_disabled_accepts_nothing() {
        let mut r = rig();
        r.w(UARTLCR_H, LCR_H_FEN);
        assert_eq!(r.uart.rx_room(), 0, "reset: UARTEN clear");
        assert_eq!(r.uart.receive(b"abc"), 0);
        r.w(UARTCR, 0x101); // UARTEN | TXE, RXE clear
        assert_eq!(r.uart.receive(b"abc"), 0);
        r.w(UARTCR, 0x301);
        assert_eq!(r.uart.receive(b"abc"), 3);
        assert_eq!(r.r(UARTFR) & FR_RXFE, 0);
        assert_eq!(r.uart.receive(b""), 0);
        assert_eq!(r.r(UARTRIS), INT_RT);
    }

    #[test]
    fn interrupt_line_follows_mask() {
        let mut r = rig();
        r.linux_startup();
        r.w(UARTIMSC, 0);
        r.uart.receive(b"a");
        assert!(!r.line());
        assert_eq!(r.r(UARTMIS), 0);
        r.w(UARTIMSC, INT_RT);
        assert!(r.line());
        assert_eq!(r.r(UARTMIS), INT_RT);
        r.w(UARTIMSC, INT_RX);
        assert!(!r.line());
        r.w(UARTIMSC, INT_RT);
        r.w(UARTICR, 0xffff);
        assert!(!r.line());
    }

    #[test]
    fn loopback() {
        let mut r = rig();
        r.linux_startup();
        r.w(UARTCR, 0x301 | CR_LBE);
        assert_eq!(r.uart.rx_room(), 0, "external input is disconnected");
        for b in 0..17u32 {
            r.w(UARTDR, b);
        }
        assert!(r.output().is_empty());
        assert_eq!(
            r.r(UARTRIS) & (INT_RX | INT_RT | INT_OE),
            INT_RX | INT_RT | INT_OE
        );
        // The 17th byte overran: the error shows with the 16th.
        for b in 0..15 {
            assert_eq!(r.r(UARTDR), b);
        }
        assert_eq!(r.r(UARTDR), 15 | DR_OE);
        assert_eq!(r.r(UARTRSR), RSR_OE);
        r.w(UARTRSR, 0);
        assert_eq!(r.r(UARTRSR), 0);
    }

    #[test]
    fn sub_word_and_misaligned_accesses() {
        let mut r = rig();
        r.uart.write(UARTIBRD, 1, 0x1234);
        assert_eq!(r.r(UARTIBRD), 0x34);
        assert_eq!(r.uart.read(UARTPERIPHID0 + 12, 1), 0);
        assert_eq!(r.uart.read(0xffc, 2), 0xb1);
        r.uart.write(UARTIBRD + 1, 1, 0xff);
        assert_eq!(r.r(UARTIBRD), 0x34);
        assert_eq!(r.uart.read(UARTFR + 2, 2), 0);
    }

    #[test]
    fn no_panic_on_any_access() {
        let mut r = rig();
        r.linux_startup();
        for size in [0u8, 1, 2, 3, 4, 8, 255] {
            for offset in (0..0x1100).chain([u32::MAX, u32::MAX - 3, 0x8000_0000]) {
                for v in [0, 1, 0xff, 0x7ff, u32::MAX] {
                    r.uart.write(offset, size, v);
                    r.uart.read(offset, size);
                }
            }
        }
        r.uart.receive(&[0; 100]);
    }
}
