//! The committed vectors are exactly what the generator writes: they never drift from the code.

use crate::util::vectors_dir;

#[test]
fn committed_vectors_match_a_fresh_run() {
    let out = tempfile::tempdir().unwrap();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_courier-vectors"))
        .arg(out.path())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "courier-vectors failed: {status}");
    for name in ["message.json", "merkle.json", "checkpoint.json"] {
        let fresh = std::fs::read(out.path().join(name)).unwrap();
        let committed = std::fs::read(vectors_dir().join(name)).unwrap();
        assert!(
            fresh == committed,
            "vectors/{name} is stale: run `cargo run -p courier-core --bin courier-vectors`"
        );
        assert!(fresh.ends_with(b"}\n"), "{name} must end with a newline");
    }
}

#[test]
fn generator_is_deterministic() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for dir in [&a, &b] {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_courier-vectors"))
            .arg(dir.path())
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    }
    for name in ["message.json", "merkle.json", "checkpoint.json"] {
        assert_eq!(
            std::fs::read(a.path().join(name)).unwrap(),
            std::fs::read(b.path().join(name)).unwrap(),
            "{name}"
        );
    }
}
