//! `rsemu-system-arm`: emulates a whole `virt` machine (in progress).

fn main() {
    eprintln!("rsemu-system-arm: not yet able to boot anything");
    std::process::exit(1);
}
