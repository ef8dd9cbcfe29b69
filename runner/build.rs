//! Release builds for Linux (glibc) link with packed relative relocations (DT_RELR): the table the
//! loader uses to relocate this position-independent binary shrinks from 2.3 MB to a few KB, with
//! ASLR kept. It needs glibc 2.36 or newer where the binary runs (the runtime image has it; see the
//! Dockerfile) and binutils 2.38 or newer where it is linked. Debug builds link as usual.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("PROFILE") == "release" && var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
