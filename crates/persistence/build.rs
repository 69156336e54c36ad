//! Rebuilds the crate when a migration is added or changed:
//! `embed_migrations!` only tracks the files that existed at the last build.

// Build scripts talk to cargo through stdout.
#![allow(clippy::print_stdout)]

fn main() {
    println!("cargo::rerun-if-changed=../../migrations");
}
