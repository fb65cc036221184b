//! The serial console's host side (QEMU's chardevs, in small): where the
//! UART's output goes (`-serial stdio|file:PATH|null`), the thread that
//! reads the terminal with QEMU's Ctrl-A escapes (`x` quits, `h` helps,
//! Ctrl-A Ctrl-A sends Ctrl-A), and the events that wake the machine: input,
//! timer deadlines, a quit request.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

/// Wakes the machine: raises the engine's interrupt flag (so running
/// guest code stops at the next block boundary) and the condition an idle
/// CPU (WFI) sleeps on.
#[derive(Debug)]
pub struct Events {
    /// The engine's interrupt flag.
    pub kick: Arc<AtomicBool>,
    lock: Mutex<()>,
    cv: Condvar,
    quit: AtomicBool,
}

impl Events {
    /// Events that raise `kick`.
    pub fn new(kick: Arc<AtomicBool>) -> Arc<Events> {
        Arc::new(Events {
            kick,
            lock: Mutex::new(()),
            cv: Condvar::new(),
            quit: AtomicBool::new(false),
        })
    }

    /// Something happened: stop guest code and wake an idle CPU.
    pub fn notify(&self) {
        self.kick.store(true, Ordering::SeqCst);
        let _g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.cv.notify_all();
    }

    /// The user asked to quit (Ctrl-A x).
    pub fn request_quit(&self) {
        self.quit.store(true, Ordering::SeqCst);
        self.notify();
    }

    /// Whether quitting was requested.
    pub fn quit_requested(&self) -> bool {
        self.quit.load(Ordering::SeqCst)
    }

    /// Sleeps until notified or `until` (forever if `None`), unless a
    /// notification is already pending.
    pub fn wait(&self, until: Option<Instant>) {
        let g = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        if self.kick.load(Ordering::SeqCst) {
            return;
        }
        match until {
            Some(t) => {
                let now = Instant::now();
                if t > now {
                    drop(self.cv.wait_timeout(g, t - now));
                }
            }
            None => {
                drop(self.cv.wait(g));
            }
        }
    }
}

/// A thread that notifies [`Events`] when the next timer deadline passes,
/// so guest code that never exits on its own still sees its timer
/// interrupt.
#[derive(Debug)]
pub struct Alarm {
    state: Arc<(Mutex<Option<Instant>>, Condvar)>,
}

impl Alarm {
    /// Starts the alarm thread.
    pub fn start(events: Arc<Events>) -> Alarm {
        let state: Arc<(Mutex<Option<Instant>>, Condvar)> = Arc::default();
        let s = state.clone();
        std::thread::Builder::new()
            .name("rsemu-alarm".into())
            .spawn(move || {
                let (lock, cv) = &*s;
                let mut deadline = lock.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    match *deadline {
                        None => deadline = cv.wait(deadline).unwrap_or_else(|e| e.into_inner()),
                        Some(t) => {
                            let now = Instant::now();
                            if now >= t {
                                *deadline = None;
                                events.notify();
                            } else {
                                deadline = cv
                                    .wait_timeout(deadline, t - now)
                                    .unwrap_or_else(|e| e.into_inner())
                                    .0;
                            }
                        }
                    }
                }
            })
            .expect("spawning the alarm thread");
        Alarm { state }
    }

    /// Sets (or clears) the deadline.
    pub fn set(&self, deadline: Option<Instant>) {
        let (lock, cv) = &*self.state;
        let mut d = lock.lock().unwrap_or_else(|e| e.into_inner());
        if *d != deadline {
            *d = deadline;
            cv.notify_one();
        }
    }
}

/// Where the UART's output goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Serial {
    /// The terminal (stdout; input from stdin).
    Stdio,
    /// A file (created or truncated).
    File(String),
    /// Discarded.
    Null,
}

/// The UART's output sink: bytes are collected and written out when the
/// machine flushes (between guest runs) or when enough have piled up.
#[derive(Clone)]
pub struct ConsoleOut {
    inner: Arc<Mutex<OutInner>>,
}

struct OutInner {
    buf: Vec<u8>,
    target: Box<dyn Write + Send>,
}

/// Bytes collected before the UART's writes go out on their own.
const OUT_BUFFER: usize = 4096;

impl ConsoleOut {
    /// An output to `serial`.
    pub fn open(serial: &Serial) -> std::io::Result<ConsoleOut> {
        let target: Box<dyn Write + Send> = match serial {
            Serial::Stdio => Box::new(std::io::stdout()),
            Serial::File(path) => Box::new(std::fs::File::create(path)?),
            Serial::Null => Box::new(std::io::sink()),
        };
        Ok(ConsoleOut {
            inner: Arc::new(Mutex::new(OutInner {
                buf: Vec::with_capacity(OUT_BUFFER),
                target,
            })),
        })
    }

    /// Writes out what was collected.
    pub fn flush(&self) {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let OutInner { buf, target } = &mut *g;
        if !buf.is_empty() {
            // The console is best effort: a closed stdout must not stop
            // the machine.
            let _ = target.write_all(buf);
            let _ = target.flush();
            buf.clear();
        }
    }

    /// A writer for the UART.
    pub fn writer(&self) -> Box<dyn Write + Send> {
        Box::new(self.clone())
    }
}

impl Write for ConsoleOut {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let full = {
            let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            g.buf.extend_from_slice(data);
            g.buf.len() >= OUT_BUFFER
        };
        if full {
            ConsoleOut::flush(self);
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        ConsoleOut::flush(self);
        Ok(())
    }
}

/// Bytes typed on the console, waiting for the UART to take them.
#[derive(Clone, Debug, Default)]
pub struct ConsoleIn {
    queue: Arc<Mutex<VecDeque<u8>>>,
}

impl ConsoleIn {
    /// Takes up to `max` queued bytes.
    pub fn take(&self, max: usize) -> Vec<u8> {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        let n = q.len().min(max);
        q.drain(..n).collect()
    }

    /// Whether bytes are waiting.
    pub fn pending(&self) -> bool {
        !self
            .queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty()
    }

    fn push(&self, bytes: &[u8]) {
        self.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(bytes);
    }
}

/// Makes SIGINT, SIGTERM and SIGHUP a clean shutdown, as QEMU does: they
/// are blocked in every thread (call this before starting any), and one
/// thread waits for them and asks the machine to quit, so disk images are
/// flushed and closed. Returns the signal number once one came, via
/// [`Events::quit_requested`] and [`quit_signal`].
pub fn catch_termination(events: Arc<Events>) {
    // SAFETY: sigset manipulation on a local set, and pthread_sigmask on
    // the calling thread.
    let set = unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::sigaddset(&mut set, s);
        }
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
        set
    };
    let _ = std::thread::Builder::new()
        .name("rsemu-signals".into())
        .spawn(move || {
            let mut sig: libc::c_int = 0;
            // SAFETY: waits on a valid, initialised set for a signal number.
            if unsafe { libc::sigwait(&set, &mut sig) } == 0 {
                QUIT_SIGNAL.store(sig, Ordering::SeqCst);
                events.request_quit();
            }
        });
}

static QUIT_SIGNAL: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

/// The termination signal that ended the machine, if one did.
pub fn quit_signal() -> Option<i32> {
    match QUIT_SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    }
}

/// The terminal's settings before raw mode, restored at exit.
static SAVED_TERMIOS: Mutex<Option<libc::termios>> = Mutex::new(None);

/// Puts the terminal on stdin in raw mode (as QEMU does for `-nographic`)
/// so keys, Ctrl-C included, go to the guest. No-op when stdin is not a
/// terminal.
pub fn enter_raw_mode() {
    // SAFETY: isatty/tcgetattr/tcsetattr on fd 0 with a termios this
    // function owns; no memory is shared with the kernel beyond the call.
    unsafe {
        if libc::isatty(0) != 1 {
            return;
        }
        let mut t: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(0, &mut t) != 0 {
            return;
        }
        *SAVED_TERMIOS.lock().unwrap_or_else(|e| e.into_inner()) = Some(t);
        let mut raw = t;
        libc::cfmakeraw(&mut raw);
        // Keep output post-processing: the guest sends \r\n itself, but
        // messages of our own use \n.
        raw.c_oflag |= libc::OPOST;
        libc::tcsetattr(0, libc::TCSANOW, &raw);
    }
}

/// Restores the terminal if [`enter_raw_mode`] changed it.
pub fn restore_terminal() {
    if let Some(t) = SAVED_TERMIOS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
    {
        // SAFETY: restores settings read from the same fd.
        unsafe {
            libc::tcsetattr(0, libc::TCSANOW, &t);
        }
    }
}

const CTRL_A: u8 = 0x01;

const ESCAPE_HELP: &str =
    "\r\nC-a h    print this help\r\nC-a x    exit emulator\r\nC-a C-a  sends C-a\r\n";

/// Starts the thread reading stdin into a [`ConsoleIn`]. With `escapes`
/// (QEMU's multiplexed stdio, as with `-nographic`), Ctrl-A x quits.
pub fn start_input(events: Arc<Events>, escapes: bool) -> ConsoleIn {
    let input = ConsoleIn::default();
    let queue = input.clone();
    std::thread::Builder::new()
        .name("rsemu-stdin".into())
        .spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut buf = [0u8; 256];
            let mut after_ctrl_a = false;
            loop {
                let n = match stdin.read(&mut buf) {
                    Ok(0) | Err(_) => return, // EOF: nothing more to read
                    Ok(n) => n,
                };
                let mut bytes = Vec::with_capacity(n);
                for &b in &buf[..n] {
                    if !escapes {
                        bytes.push(b);
                    } else if after_ctrl_a {
                        after_ctrl_a = false;
                        match b {
                            b'x' | b'X' => {
                                restore_terminal();
                                eprintln!("QEMU: Terminated");
                                events.request_quit();
                                return;
                            }
                            b'h' | b'H' | b'?' => {
                                let _ = std::io::stderr().write_all(ESCAPE_HELP.as_bytes());
                            }
                            CTRL_A => bytes.push(CTRL_A),
                            _ => {}
                        }
                    } else if b == CTRL_A {
                        after_ctrl_a = true;
                    } else {
                        bytes.push(b);
                    }
                }
                if !bytes.is_empty() {
                    queue.push(&bytes);
                    events.notify();
                }
            }
        })
        .expect("spawning the console input thread");
    input
}
