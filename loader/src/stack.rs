//! The initial process stack of a 32-bit ARM Linux program.
//!
//! [`build_initial_stack`] lays out, below `stack_top`, what Linux
//! `fs/exec.c` and `create_elf_tables` in `fs/binfmt_elf.c` put there, from
//! the top down:
//!
//! ```text
//! stack_top ->  4 zero bytes (the end marker Linux reserves)
//!               execfn string (the file name passed to execve)
//!               envp strings, envp[0] lowest
//!               argv strings, argv[0] lowest      <- arg_start
//!               (align down to 16)
//!               platform string ("v7l")           <- AT_PLATFORM
//!               16 random bytes                   <- AT_RANDOM
//!               (padding: sp is 16-byte aligned)
//!               auxv pairs, ending with AT_NULL   <- auxv_addr
//!               NULL
//!               envp pointers                     <- envp_addr
//!               NULL
//!               argv pointers                     <- argv_addr
//! sp ->         argc
//! ```
//!
//! Nothing is written to guest memory here: the caller copies
//! [`InitialStack::bytes`] to guest address [`InitialStack::sp`]. Address
//! randomisation of the stack top is left to the caller.

use crate::auxv::{AT_EXECFN, AT_NULL, AT_PLATFORM, AT_RANDOM};
use crate::error::LoadError;

/// Default limit on the size of the initial stack image: 2 MiB, the quarter
/// of the default 8 MiB stack limit that Linux allows for arguments and
/// environment.
pub const DEFAULT_MAX_STACK_IMAGE: u32 = 2 << 20;

/// What to put on the initial stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackInfo<'a> {
    /// Argument strings, without their NUL terminators.
    pub argv: &'a [Vec<u8>],
    /// Environment strings (`NAME=value`), without NUL terminators.
    pub envp: &'a [Vec<u8>],
    /// The file name given to `execve`, for `AT_EXECFN`.
    pub execfn: &'a [u8],
    /// Platform string for `AT_PLATFORM`, e.g. `b"v7l"`; empty for none.
    pub platform: &'a [u8],
    /// The 16 bytes `AT_RANDOM` points to.
    pub random: [u8; 16],
    /// Auxiliary vector entries, e.g. from
    /// [`standard_auxv`](crate::standard_auxv). Entries with key `AT_RANDOM`,
    /// `AT_EXECFN` or `AT_PLATFORM` get their value replaced by the address
    /// of the data placed here (`AT_PLATFORM` is dropped if `platform` is
    /// empty); those absent are appended in that order. `AT_NULL` entries are
    /// ignored; the terminating `AT_NULL` is added.
    pub auxv: Vec<(u32, u32)>,
}

/// The built stack image and where its parts are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitialStack {
    /// Initial stack pointer (16-byte aligned); `argc` is at this address.
    pub sp: u32,
    /// Image to copy to guest address `sp`; it covers `sp..stack_top`.
    pub bytes: Vec<u8>,
    /// Number of arguments.
    pub argc: u32,
    /// Address of the `argv` pointer array (`sp + 4`).
    pub argv_addr: u32,
    /// Address of the `envp` pointer array.
    pub envp_addr: u32,
    /// Address of the first auxv pair.
    pub auxv_addr: u32,
    /// The final auxiliary vector as placed, ending with `(AT_NULL, 0)`:
    /// what `/proc/self/auxv` shows.
    pub auxv: Vec<(u32, u32)>,
    /// Address of the execfn string.
    pub execfn_addr: u32,
    /// Address of the 16 random bytes.
    pub random_addr: u32,
    /// Address of the platform string, if one was placed.
    pub platform_addr: Option<u32>,
    /// Start of the argument strings (`/proc/self/cmdline`, `prctl` `arg_start`).
    pub arg_start: u32,
    /// End (exclusive) of the argument strings.
    pub arg_end: u32,
    /// Start of the environment strings (`/proc/self/environ`).
    pub env_start: u32,
    /// End (exclusive) of the environment strings.
    pub env_end: u32,
}

/// Builds the initial stack below `stack_top` with the
/// [`DEFAULT_MAX_STACK_IMAGE`] size limit.
pub fn build_initial_stack(stack_top: u32, info: &StackInfo) -> Result<InitialStack, LoadError> {
    build_initial_stack_limited(stack_top, info, DEFAULT_MAX_STACK_IMAGE)
}

fn check_strings(what: &'static str, list: &[Vec<u8>]) -> Result<u64, LoadError> {
    let mut total = 0u64;
    for (index, s) in list.iter().enumerate() {
        if s.contains(&0) {
            return Err(LoadError::NulInString { what, index });
        }
        total += s.len() as u64 + 1;
    }
    Ok(total)
}

/// Builds the initial stack below `stack_top`, failing with
/// [`LoadError::StackTooLarge`] if the image would exceed `max_bytes` or not
/// fit below `stack_top`.
pub fn build_initial_stack_limited(
    stack_top: u32,
    info: &StackInfo,
    max_bytes: u32,
) -> Result<InitialStack, LoadError> {
    let argv_len = check_strings("argv", info.argv)?;
    let envp_len = check_strings("envp", info.envp)?;
    if info.execfn.contains(&0) {
        return Err(LoadError::NulInString {
            what: "execfn",
            index: 0,
        });
    }
    if info.platform.contains(&0) {
        return Err(LoadError::NulInString {
            what: "platform",
            index: 0,
        });
    }

    // Final auxv, with placeholders for the addresses still unknown.
    let mut auxv: Vec<(u32, u32)> = info
        .auxv
        .iter()
        .copied()
        .filter(|&(k, _)| k != AT_NULL && !(k == AT_PLATFORM && info.platform.is_empty()))
        .collect();
    for key in [AT_RANDOM, AT_EXECFN, AT_PLATFORM] {
        if (key != AT_PLATFORM || !info.platform.is_empty()) && !auxv.iter().any(|e| e.0 == key) {
            auxv.push((key, 0));
        }
    }
    auxv.push((AT_NULL, 0));

    // Compute the layout with 64-bit arithmetic; a negative address means
    // the image does not fit below stack_top.
    let top = i64::from(stack_top & !3);
    let mut p = top - 4;
    p -= info.execfn.len() as i64 + 1;
    let execfn_addr = p;
    p -= envp_len as i64;
    let env_start = p;
    p -= argv_len as i64;
    let arg_start = p;
    p &= !15;
    let platform_addr = if info.platform.is_empty() {
        None
    } else {
        p -= info.platform.len() as i64 + 1;
        Some(p)
    };
    p -= 16;
    let random_addr = p;
    let words = (1 + info.argv.len() + 1 + info.envp.len() + 1 + 2 * auxv.len()) as i64;
    let sp = (p - 4 * words) & !15;
    let needed = i64::from(stack_top) - sp;
    if sp < 0 || needed > i64::from(max_bytes) {
        return Err(LoadError::StackTooLarge {
            needed: needed as u64,
            max: u64::from(max_bytes.min(stack_top)),
        });
    }
    // Every address below is now within 0..=stack_top.
    let a = |v: i64| v as u32;
    for e in auxv.iter_mut() {
        match e.0 {
            AT_RANDOM => e.1 = a(random_addr),
            AT_EXECFN => e.1 = a(execfn_addr),
            AT_PLATFORM => e.1 = platform_addr.map_or(0, a),
            _ => {}
        }
    }

    let mut img = Image {
        base: sp,
        bytes: vec![0u8; needed as usize],
    };
    img.put(execfn_addr, info.execfn);
    img.put(random_addr, &info.random);
    if let Some(pa) = platform_addr {
        img.put(pa, info.platform);
    }
    let mut q = sp;
    img.put_u32(&mut q, info.argv.len() as u32);
    let argv_addr = q;
    let mut s = arg_start;
    for arg in info.argv {
        img.put(s, arg);
        img.put_u32(&mut q, a(s));
        s += arg.len() as i64 + 1;
    }
    let arg_end = s;
    img.put_u32(&mut q, 0);
    let envp_addr = q;
    debug_assert_eq!(s, env_start);
    for env in info.envp {
        img.put(s, env);
        img.put_u32(&mut q, a(s));
        s += env.len() as i64 + 1;
    }
    let env_end = s;
    img.put_u32(&mut q, 0);
    let auxv_addr = q;
    for &(k, v) in &auxv {
        img.put_u32(&mut q, k);
        img.put_u32(&mut q, v);
    }
    debug_assert!(q <= random_addr);

    Ok(InitialStack {
        sp: a(sp),
        bytes: img.bytes,
        argc: info.argv.len() as u32,
        argv_addr: a(argv_addr),
        envp_addr: a(envp_addr),
        auxv_addr: a(auxv_addr),
        auxv,
        execfn_addr: a(execfn_addr),
        random_addr: a(random_addr),
        platform_addr: platform_addr.map(a),
        arg_start: a(arg_start),
        arg_end: a(arg_end),
        env_start: a(env_start),
        env_end: a(env_end),
    })
}

/// The stack image under construction, addressed by guest address.
struct Image {
    base: i64,
    bytes: Vec<u8>,
}

impl Image {
    /// Writes `data` (the NUL after it is already zero) at guest address `addr`.
    fn put(&mut self, addr: i64, data: &[u8]) {
        let o = (addr - self.base) as usize;
        self.bytes[o..o + data.len()].copy_from_slice(data);
    }

    /// Writes a little-endian word at `*addr` and advances it.
    fn put_u32(&mut self, addr: &mut i64, v: u32) {
        self.put(*addr, &v.to_le_bytes());
        *addr += 4;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auxv::{AT_HWCAP, AT_PAGESZ};

    fn word(st: &InitialStack, addr: u32) -> u32 {
        let o = (addr - st.sp) as usize;
        u32::from_le_bytes(st.bytes[o..o + 4].try_into().unwrap())
    }

    fn cstr(st: &InitialStack, stack_top: u32, addr: u32) -> Vec<u8> {
        assert!(
            addr >= st.sp && addr < stack_top,
            "{addr:#x} outside the stack"
        );
        let o = (addr - st.sp) as usize;
        let end = st.bytes[o..].iter().position(|&b| b == 0).expect("NUL");
        st.bytes[o..o + end].to_vec()
    }

    fn v(list: &[&str]) -> Vec<Vec<u8>> {
        list.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    #[test]
    fn layout_matches_linux_abi() {
        let top = 0xbf00_0000;
        let argv = v(&["/bin/prog", "-x", "hello world"]);
        let envp = v(&["PATH=/bin", "HOME=/root"]);
        let random: [u8; 16] = core::array::from_fn(|i| i as u8 + 1);
        let info = StackInfo {
            argv: &argv,
            envp: &envp,
            execfn: b"/usr/bin/prog",
            platform: b"v7l",
            random,
            auxv: vec![
                (AT_HWCAP, 0x1234),
                (AT_RANDOM, 0),
                (AT_PAGESZ, 4096),
                (AT_NULL, 0),
            ],
        };
        let st = build_initial_stack(top, &info).unwrap();
        assert_eq!(st.sp % 16, 0);
        assert_eq!(st.bytes.len() as u32, top - st.sp);
        assert_eq!(word(&st, st.sp), 3);
        assert_eq!(st.argc, 3);
        assert_eq!(st.argv_addr, st.sp + 4);
        for (i, a) in argv.iter().enumerate() {
            let p = word(&st, st.argv_addr + 4 * i as u32);
            assert_eq!(&cstr(&st, top, p), a);
        }
        assert_eq!(word(&st, st.argv_addr + 12), 0);
        assert_eq!(st.envp_addr, st.argv_addr + 16);
        for (i, e) in envp.iter().enumerate() {
            let p = word(&st, st.envp_addr + 4 * i as u32);
            assert_eq!(&cstr(&st, top, p), e);
        }
        assert_eq!(word(&st, st.envp_addr + 8), 0);
        assert_eq!(st.auxv_addr, st.envp_addr + 12);
        // auxv as placed: caller order kept, AT_RANDOM filled in place,
        // AT_EXECFN and AT_PLATFORM appended, one AT_NULL at the end.
        let keys: Vec<u32> = st.auxv.iter().map(|e| e.0).collect();
        assert_eq!(
            keys,
            vec![
                AT_HWCAP,
                AT_RANDOM,
                AT_PAGESZ,
                AT_EXECFN,
                AT_PLATFORM,
                AT_NULL
            ]
        );
        for (i, &(k, val)) in st.auxv.iter().enumerate() {
            assert_eq!(word(&st, st.auxv_addr + 8 * i as u32), k);
            assert_eq!(word(&st, st.auxv_addr + 8 * i as u32 + 4), val);
        }
        let get = |k| st.auxv.iter().find(|e| e.0 == k).unwrap().1;
        assert_eq!(get(AT_HWCAP), 0x1234);
        assert_eq!(get(AT_RANDOM), st.random_addr);
        let ro = (st.random_addr - st.sp) as usize;
        assert_eq!(st.bytes[ro..ro + 16], random);
        assert_eq!(cstr(&st, top, get(AT_EXECFN)), b"/usr/bin/prog");
        assert_eq!(get(AT_EXECFN), st.execfn_addr);
        assert_eq!(cstr(&st, top, get(AT_PLATFORM)), b"v7l");
        assert_eq!(st.platform_addr, Some(get(AT_PLATFORM)));
        // Order from the top: end marker, execfn, env strings, arg strings.
        assert_eq!(word(&st, top - 4), 0);
        assert_eq!(st.execfn_addr + 14, top - 4);
        assert_eq!(st.env_end, st.execfn_addr);
        assert_eq!(st.arg_end, st.env_start);
        assert_eq!(st.arg_start, word(&st, st.argv_addr));
        assert_eq!(st.env_start, word(&st, st.envp_addr));
        let o = (st.arg_start - st.sp) as usize;
        assert_eq!(
            &st.bytes[o..(st.arg_end - st.sp) as usize],
            b"/bin/prog\0-x\0hello world\0"
        );
        // Pointer block below the random bytes, which are below the strings.
        let auxv_end = st.auxv_addr + 8 * st.auxv.len() as u32;
        assert!(auxv_end <= st.random_addr);
        assert!(st.random_addr + 16 <= st.platform_addr.unwrap());
        assert!(st.platform_addr.unwrap() + 4 <= st.arg_start);
        assert!(
            st.random_addr - auxv_end < 16,
            "no more padding than the alignment needs"
        );
    }

    #[test]
    fn empty_lists_and_no_platform() {
        let top = 0x8000_0000;
        let info = StackInfo {
            argv: &[],
            envp: &[],
            execfn: b"",
            platform: b"",
            random: [0xaa; 16],
            auxv: vec![(AT_PLATFORM, 0)],
        };
        let st = build_initial_stack(top, &info).unwrap();
        assert_eq!(st.sp % 16, 0);
        assert_eq!(word(&st, st.sp), 0);
        assert_eq!(word(&st, st.argv_addr), 0);
        assert_eq!(st.envp_addr, st.argv_addr + 4);
        assert_eq!(word(&st, st.envp_addr), 0);
        assert_eq!(st.platform_addr, None);
        let keys: Vec<u32> = st.auxv.iter().map(|e| e.0).collect();
        assert_eq!(keys, vec![AT_RANDOM, AT_EXECFN, AT_NULL]);
        assert_eq!(cstr(&st, top, st.execfn_addr), b"");
    }

    #[test]
    fn every_alignment_of_stack_top_and_string_length() {
        for top_off in 0..20u32 {
            for len in 0..20usize {
                let top = 0x7fff_0000 - top_off;
                let argv = vec![vec![b'a'; len]];
                let info = StackInfo {
                    argv: &argv,
                    envp: &[],
                    execfn: b"x",
                    platform: b"v7l",
                    random: [1; 16],
                    auxv: vec![],
                };
                let st = build_initial_stack(top, &info).unwrap();
                assert_eq!(st.sp % 16, 0);
                assert_eq!(st.sp as usize + st.bytes.len(), top as usize);
                assert_eq!(cstr(&st, top, word(&st, st.argv_addr)), argv[0]);
                assert_eq!(st.random_addr + 16, st.platform_addr.unwrap());
                assert_eq!((st.platform_addr.unwrap() + 4) % 16, 0);
            }
        }
    }

    #[test]
    fn rejects_nul_and_oversize() {
        let bad = vec![b"a\0b".to_vec()];
        let mut info = StackInfo {
            argv: &bad,
            envp: &[],
            execfn: b"x",
            platform: b"v7l",
            random: [0; 16],
            auxv: vec![],
        };
        assert_eq!(
            build_initial_stack(0x8000_0000, &info),
            Err(LoadError::NulInString {
                what: "argv",
                index: 0
            })
        );
        info.argv = &[];
        info.envp = &bad;
        assert_eq!(
            build_initial_stack(0x8000_0000, &info),
            Err(LoadError::NulInString {
                what: "envp",
                index: 0
            })
        );
        let big = vec![vec![b'x'; 3 << 20]];
        info.envp = &big;
        assert!(matches!(
            build_initial_stack(0x8000_0000, &info),
            Err(LoadError::StackTooLarge { max: 0x20_0000, .. })
        ));
        assert!(build_initial_stack_limited(0x8000_0000, &info, 4 << 20).is_ok());
        // Does not fit below a tiny stack_top.
        info.envp = &[];
        assert!(matches!(
            build_initial_stack(64, &info),
            Err(LoadError::StackTooLarge { .. })
        ));
    }
}
