//! Where the emulator's own notes go: `-d` logging, `-strace`, notes on
//! unimplemented features. QEMU sends them to stderr unless `-D FILE`
//! names a log file; so does rsemu. In user mode the host's stderr is
//! the guest's too, so only what the user asked for with `-d`/`-strace`
//! may be written there (and the one line that says why a guest died,
//! which does not come through here).
//!
//! Each note is formatted whole and written with one `write(2)` so lines
//! from several guest threads never interleave mid-line.

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicI32, Ordering};

/// The descriptor notes go to: stderr until [`set_file`] is called.
static LOG_FD: AtomicI32 = AtomicI32::new(2);

/// Sends all further notes to `file` (`-D`). The descriptor stays open
/// for the rest of the run and is closed on exec.
pub fn set_file(file: std::fs::File) {
    use std::os::fd::IntoRawFd;
    LOG_FD.store(file.into_raw_fd(), Ordering::Relaxed);
}

/// Writes one note, with a newline appended.
pub fn write_line(args: fmt::Arguments<'_>) {
    let mut line = Vec::with_capacity(128);
    let _ = line.write_fmt(args);
    line.push(b'\n');
    let fd = LOG_FD.load(Ordering::Relaxed);
    let mut done = 0;
    while done < line.len() {
        // SAFETY: writes from a live buffer to a descriptor this module
        // owns (or stderr); a failed write drops the note.
        let n = unsafe {
            libc::write(
                fd,
                line[done..].as_ptr() as *const libc::c_void,
                line.len() - done,
            )
        };
        if n <= 0 {
            if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        done += n as usize;
    }
}

/// `log!("fmt", args...)`: one line to the emulator's log.
#[macro_export]
macro_rules! log {
    ($($arg:tt)*) => {
        $crate::log::write_line(format_args!($($arg)*))
    };
}
