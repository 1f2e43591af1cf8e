#![allow(clippy::expect_used)]
//! README's Rust tour is `examples/quickstart.rs`; this keeps the two the same, so the README never shows
//! code that does not compile.

use std::path::Path;

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

#[test]
fn readme_rust_tour_is_the_quickstart_example() {
    let example = read("examples/quickstart.rs");
    let start = example
        .find("    let crm = Crm::open")
        .expect("the example opens a store");
    let end = example
        .rfind("    Ok(())")
        .expect("the example ends with Ok(())");
    let body: Vec<&str> = example[start..end]
        .trim_end()
        .lines()
        .map(|l| l.strip_prefix("    ").unwrap_or(l))
        .collect();

    let readme = read("README.md");
    let block_start =
        readme.find("```rust\n").expect("README has a Rust block") + "```rust\n".len();
    let block_end = block_start + readme[block_start..].find("```").expect("the block ends");
    let block: Vec<&str> = readme[block_start..block_end].trim_end().lines().collect();
    let opening = block
        .iter()
        .position(|l| l.starts_with("let crm = Crm::open"))
        .expect("opens");

    assert_eq!(
        block[opening..],
        body[..],
        "README.md's Rust block differs from examples/quickstart.rs"
    );
}

#[test]
fn readme_c_tour_is_taken_from_the_c_quickstart() {
    let example = read("examples/c/quickstart.c");
    let readme = read("README.md");
    let block_start = readme.find("```c\n").expect("README has a C block") + "```c\n".len();
    let block_end = block_start + readme[block_start..].find("```").expect("the block ends");
    // Every line shown is a line of the example, in the example's order.
    let mut rest = example.as_str();
    for line in readme[block_start..block_end].lines().map(str::trim) {
        let found = rest
            .lines()
            .position(|l| l.trim() == line)
            .unwrap_or_else(|| {
                panic!("README's C line is not in examples/c/quickstart.c (in order): {line}")
            });
        let skip: usize = rest.lines().take(found + 1).map(|l| l.len() + 1).sum();
        rest = &rest[skip.min(rest.len())..];
    }
}
