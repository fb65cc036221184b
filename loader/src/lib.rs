//! rsemu-loader: turns a 32-bit ARM Linux ELF file into what the emulator must
//! map, and builds the initial process stack and auxiliary vector.
//!
//! Everything here is a pure function over byte slices: no host memory is
//! mapped and no guest memory is touched. `rsemu-linux-user` maps the
//! [`LoadSegment`]s of the program (and of its interpreter) at the chosen load
//! bias, then copies the [`InitialStack`] image to the guest stack.
//!
//! - [`elf`]: [`parse_elf`] validates an ELF32 LE ARM `ET_EXEC`/`ET_DYN` file.
//! - [`stack`]: [`build_initial_stack`] lays out argc, argv, envp, auxv and
//!   the strings they point to, as Linux does.
//! - [`auxv`]: `AT_*` keys, ARM `HWCAP_*` bits and [`standard_auxv`].

#![warn(missing_docs)]

pub mod auxv;
pub mod elf;
pub mod error;
pub mod stack;

pub use auxv::{cortex_a15_hwcap, standard_auxv, AuxvParams};
pub use elf::{parse_elf, ElfImage, ElfType, LoadSegment, Prot, PAGE_SIZE};
pub use error::LoadError;
pub use stack::{
    build_initial_stack, build_initial_stack_limited, InitialStack, StackInfo,
    DEFAULT_MAX_STACK_IMAGE,
};
