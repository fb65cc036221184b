//! The `virt` board's real-time clock: an ARM PrimeCell RTC (PL031,
//! ARM DDI 0224), a thin wrapper over the `vm-superio` crate's [`Rtc`]
//! (version 0.8). Linux's `rtc-pl031` driver reads the time from it at
//! boot and can set it and an alarm.
//!
//! What vm-superio does: the counter (`RTCDR`) is host wall-clock seconds
//! since the epoch plus an offset that writes to the load register
//! (`RTCLR`) set, so guest time runs with host time and a guest that sets
//! the clock keeps its own offset; it stores the match register
//! (`RTCMR`), the interrupt mask (`RTCIMSC`), implements the raw/masked
//! status and clear registers, reads `RTCCR` as 1 (always started) and
//! serves the identification registers (`RTCPeriphID2` reads 0x04,
//! revision 0; QEMU's model says 0x14, and Linux accepts either).
//!
//! What it does not do, and what this wrapper adds:
//! - It never raises the match (alarm) interrupt: `RTCMR` is only stored.
//!   This wrapper raises it: when `RTCMR` or `RTCLR` is written it works
//!   out when the counter will equal `RTCMR` (the counter wraps, so a
//!   match in the past is 2^32 seconds away, as on hardware), and sets
//!   `RTCRIS` once that time has come. The check runs on every register
//!   access and in [`Pl031::poll`]; the machine should call `poll` when
//!   [`Pl031::alarm_in`] has elapsed (and may sleep in WFI until then).
//! - It has no interrupt line: this wrapper drives its [`IrqLine`] with
//!   `RTCMIS` after every access and poll.
//! - A write of 1 to `RTCCR` makes vm-superio reset the counter to host
//!   time, throwing away the guest's offset. The PL031 TRM says that once
//!   the RTC is started, writes to the start bit have no effect, and Linux
//!   writes it at every probe, so this wrapper ignores `RTCCR` writes.
//!
//! Only 32-bit accesses at word-aligned offsets reach registers; other
//! reads return 0 and other writes are ignored.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use vm_superio::rtc_pl031::NoEvents;
use vm_superio::Rtc;

use super::{IrqLine, MmioDevice};

// ---- Register map (offsets into the 4K window) ----

/// Data Register: the counter, in seconds (RO).
pub const RTCDR: u32 = 0x000;
/// Match Register: the alarm time.
pub const RTCMR: u32 = 0x004;
/// Load Register: writing it sets the counter.
pub const RTCLR: u32 = 0x008;
/// Control Register: bit 0 starts the RTC (reads 1).
pub const RTCCR: u32 = 0x00c;
/// Interrupt Mask Set/Clear Register (bit 0: match interrupt enabled).
pub const RTCIMSC: u32 = 0x010;
/// Raw Interrupt Status Register (RO).
pub const RTCRIS: u32 = 0x014;
/// Masked Interrupt Status Register (RO).
pub const RTCMIS: u32 = 0x018;
/// Interrupt Clear Register (WO).
pub const RTCICR: u32 = 0x01c;
/// First identification register, `RTCPeriphID0`; `RTCPeriphID0-3` and
/// `RTCPCellID0-3` are the eight words from here to 0xffc.
pub const RTCPERIPHID0: u32 = 0xfe0;
/// Size of the register window.
pub const PL031_SIZE: u32 = 0x1000;

/// A PL031 RTC with its match interrupt.
pub struct Pl031 {
    rtc: Rtc<NoEvents>,
    irq: IrqLine,
    /// When the counter will reach `RTCMR`, if a match is awaited.
    alarm: Option<SystemTime>,
}

impl Pl031 {
    /// An RTC counting host time, interrupting through `irq`.
    pub fn new(irq: IrqLine) -> Pl031 {
        let rtc = Pl031 {
            rtc: Rtc::new(),
            irq,
            alarm: None,
        };
        rtc.update_irq();
        rtc
    }

    /// Raises the match interrupt if its time has come. The machine calls
    /// it when [`Pl031::alarm_in`] has elapsed.
    pub fn poll(&mut self) {
        self.check_alarm();
        self.update_irq();
    }

    /// How long until the counter reaches the match register (zero if
    /// that is already due), or `None` if no match is awaited.
    pub fn alarm_in(&self) -> Option<Duration> {
        self.alarm.map(|at| {
            at.duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO)
        })
    }

    /// The counter, as the guest reads it from `RTCDR`.
    fn count(&mut self) -> u32 {
        let mut data = [0; 4];
        self.rtc.read(RTCDR as u16, &mut data);
        u32::from_le_bytes(data)
    }

    /// Works out when the counter will equal `RTCMR`.
    fn arm(&mut self) {
        // Host time first: the counter read after it is then never behind
        // it, and at worst the alarm is computed a second early, which
        // check_alarm notices and corrects.
        let now = SystemTime::now();
        let ticks = self.rtc.state().mr.wrapping_sub(self.count());
        if ticks == 0 {
            self.alarm = None;
            self.raise();
            return;
        }
        // The counter steps when the host's seconds do.
        let now_secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        self.alarm = UNIX_EPOCH.checked_add(Duration::from_secs(now_secs + u64::from(ticks)));
    }

    fn check_alarm(&mut self) {
        let Some(at) = self.alarm else {
            return;
        };
        if SystemTime::now() < at {
            return;
        }
        let mr = self.rtc.state().mr;
        // Reached or just passed (the counter is compared modulo 2^32).
        if self.count().wrapping_sub(mr) < 0x8000_0000 {
            self.alarm = None;
            self.raise();
        } else {
            // Early (the host clock moved back): wait for the match again.
            self.arm();
        }
    }

    /// Sets the raw match interrupt. vm-superio offers no setter, but its
    /// state can be saved and restored whole.
    fn raise(&mut self) {
        let mut state = self.rtc.state();
        state.ris = 1;
        self.rtc = Rtc::from_state(&state, NoEvents);
    }

    fn update_irq(&self) {
        let state = self.rtc.state();
        self.irq.set(state.ris & state.imsc & 1 != 0);
    }
}

impl MmioDevice for Pl031 {
    fn read(&mut self, offset: u32, size: u8) -> u32 {
        if size != 4 || !offset.is_multiple_of(4) || offset >= PL031_SIZE {
            return 0;
        }
        self.check_alarm();
        // Offsets vm-superio does not know (RTCICR, reserved) leave the
        // buffer as it is: they read as 0.
        let mut data = [0; 4];
        self.rtc.read(offset as u16, &mut data);
        self.update_irq();
        u32::from_le_bytes(data)
    }

    fn write(&mut self, offset: u32, size: u8, value: u32) {
        if size != 4 || !offset.is_multiple_of(4) || offset >= PL031_SIZE {
            return;
        }
        match offset {
            // Started at reset and never stopped: see the module comment.
            RTCCR => {}
            RTCMR | RTCLR => {
                self.rtc.write(offset as u16, &value.to_le_bytes());
                // A new match value, or a counter that jumped.
                self.arm();
            }
            _ => {
                self.check_alarm();
                self.rtc.write(offset as u16, &value.to_le_bytes());
            }
        }
        self.update_irq();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;
    use std::sync::Arc;

    use crate::devices::IrqLevels;

    const IRQ: u32 = 34;

    fn rig() -> (Pl031, Arc<IrqLevels>) {
        let levels = Arc::new(IrqLevels::new(Arc::new(AtomicBool::new(false))));
        let rtc = Pl031::new(IrqLine::new(levels.clone(), IRQ));
        (rtc, levels)
    }

    fn host_secs() -> u32 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as u32
    }

    #[test]
    fn identification_registers() {
        let (mut rtc, _) = rig();
        let ids: Vec<u32> = (0..8).map(|i| rtc.read(RTCPERIPHID0 + 4 * i, 4)).collect();
        assert_eq!(ids, [0x31, 0x10, 0x04, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
        let pid = ids[..4]
            .iter()
            .enumerate()
            .fold(0, |a, (i, b)| a | b << (8 * i));
        assert_eq!(pid & 0x000f_ffff, 0x0004_1031, "Linux's pl031 id/mask");
    }

    #[test]
    fn counter_follows_host_time_and_load() {
        let (mut rtc, _) = rig();
        let before = host_secs();
        let now = rtc.read(RTCDR, 4);
        assert!((before..=before + 1).contains(&now), "{now} vs {before}");
        assert_eq!(rtc.read(RTCCR, 4), 1);
        rtc.write(RTCLR, 4, 1000);
        assert_eq!(rtc.read(RTCLR, 4), 1000);
        assert!((1000..=1001).contains(&rtc.read(RTCDR, 4)));
        // Writing the start bit does not reset the counter to host time.
        rtc.write(RTCCR, 4, 1);
        assert!((1000..=1001).contains(&rtc.read(RTCDR, 4)));
        rtc.write(RTCCR, 4, 0);
        assert_eq!(rtc.read(RTCCR, 4), 1);
        // RTCDR is read-only.
        rtc.write(RTCDR, 4, 5);
        assert!((1000..=1001).contains(&rtc.read(RTCDR, 4)));
    }

    #[test]
    fn match_now_raises_the_interrupt() {
        let (mut rtc, levels) = rig();
        rtc.write(RTCLR, 4, 5000);
        let count = rtc.read(RTCDR, 4);
        rtc.write(RTCMR, 4, count);
        if rtc.read(RTCRIS, 4) == 0 {
            // The second changed between the two accesses: try again.
            let count = rtc.read(RTCDR, 4);
            rtc.write(RTCMR, 4, count);
        }
        assert_eq!(rtc.read(RTCRIS, 4), 1);
        assert_eq!(rtc.read(RTCMIS, 4), 0, "masked");
        assert!(!levels.get(IRQ));
        assert_eq!(rtc.alarm_in(), None);
        rtc.write(RTCIMSC, 4, 0xff);
        assert_eq!(rtc.read(RTCIMSC, 4), 1);
        assert_eq!(rtc.read(RTCMIS, 4), 1);
        assert!(levels.get(IRQ));
        rtc.write(RTCICR, 4, 1);
        assert_eq!(rtc.read(RTCRIS, 4), 0);
        assert!(!levels.get(IRQ));
        assert_eq!(rtc.read(RTCICR, 4), 0, "write-only");
    }

    #[test]
    fn match_in_the_future() {
        let (mut rtc, levels) = rig();
        rtc.write(RTCIMSC, 4, 1);
        rtc.write(RTCLR, 4, 10_000);
        rtc.write(RTCMR, 4, 10_100);
        assert_eq!(rtc.read(RTCMR, 4), 10_100);
        let wait = rtc.alarm_in().expect("armed");
        assert!(wait > Duration::from_secs(98) && wait <= Duration::from_secs(100));
        rtc.poll();
        assert_eq!(rtc.read(RTCRIS, 4), 0);
        // Due by the host clock but not by the counter (a clock that went
        // back): no interrupt, and the wait is worked out again.
        rtc.alarm = Some(UNIX_EPOCH);
        rtc.poll();
        assert_eq!(rtc.read(RTCRIS, 4), 0);
        assert!(rtc.alarm_in().unwrap() > Duration::from_secs(98));
        // A match in the past is 2^32 seconds away.
        rtc.write(RTCMR, 4, 9_000);
        assert!(rtc.alarm_in().unwrap() > Duration::from_secs(1 << 31));
        assert!(!levels.get(IRQ));
        // Loading the counter past the match does not raise it either.
        rtc.write(RTCMR, 4, 20_000);
        rtc.write(RTCLR, 4, 30_000);
        assert!(rtc.alarm_in().unwrap() > Duration::from_secs(1 << 31));
        assert_eq!(rtc.read(RTCRIS, 4), 0);
    }

    #[test]
    fn match_fires_when_the_counter_gets_there() {
        let (mut rtc, levels) = rig();
        rtc.write(RTCIMSC, 4, 1);
        rtc.write(RTCLR, 4, 7_000);
        let count = rtc.read(RTCDR, 4);
        rtc.write(RTCMR, 4, count + 1);
        assert!(rtc.alarm_in().unwrap() <= Duration::from_secs(1));
        let deadline = std::time::Instant::now() + Duration::from_secs(3);
        while !levels.get(IRQ) {
            assert!(std::time::Instant::now() < deadline, "alarm never fired");
            std::thread::sleep(
                rtc.alarm_in()
                    .unwrap_or_default()
                    .min(Duration::from_millis(50)),
            );
            rtc.poll();
        }
        assert_eq!(rtc.read(RTCDR, 4), count + 1);
        assert_eq!(rtc.read(RTCRIS, 4), 1);
        assert_eq!(rtc.alarm_in(), None, "one match per programming");
    }

    #[test]
    fn only_word_accesses() {
        let (mut rtc, _) = rig();
        rtc.write(RTCLR, 4, 0x1234_5678);
        assert_eq!(rtc.read(RTCLR, 2), 0);
        assert_eq!(rtc.read(RTCLR, 1), 0);
        assert_eq!(rtc.read(RTCLR + 1, 4), 0);
        rtc.write(RTCLR, 1, 0);
        rtc.write(RTCLR, 2, 0);
        rtc.write(RTCLR + 2, 4, 0);
        assert_eq!(rtc.read(RTCLR, 4), 0x1234_5678);
        // The window wraps into no register past 4K.
        assert_eq!(rtc.read(0x1000 + RTCLR, 4), 0);
        assert_eq!(rtc.read(0x1_0000 + RTCPERIPHID0, 4), 0);
    }

    #[test]
    fn no_panic_on_any_access() {
        let (mut rtc, _) = rig();
        for size in [0u8, 1, 2, 3, 4, 8, 255] {
            for offset in (0..0x1100).chain([u32::MAX, u32::MAX - 3, 0x1_0000]) {
                for v in [0, 1, 0x7fff_ffff, u32::MAX] {
                    rtc.write(offset, size, v);
                    rtc.read(offset, size);
                }
            }
        }
        rtc.poll();
        rtc.alarm_in();
    }
}
