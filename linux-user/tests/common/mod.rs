//! Helpers shared by the integration tests that build their own guests.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Compiles `source` (C) into a static ARM program `dir/name` with the
/// Debian cross compiler and `flags`.
pub fn build_arm(dir: &Path, name: &str, source: &str, flags: &[&str]) -> PathBuf {
    let src = dir.join(format!("{name}.c"));
    let out = dir.join(name);
    std::fs::write(&src, source).unwrap();
    let st = Command::new("arm-linux-gnueabihf-gcc")
        .arg("-static")
        .args(flags)
        .arg("-o")
        .arg(&out)
        .arg(&src)
        .status()
        .expect("run arm-linux-gnueabihf-gcc");
    assert!(st.success(), "building {name} failed");
    out
}
