//! End-to-end tests of `intervalprocessing infra` against a private moto server.

mod support;

#[test]
fn validate_is_wired_to_the_binary() {
    let out = support::Cli::new().args(["infra", "validate"]).run();
    assert!(out.code.is_some());
}
