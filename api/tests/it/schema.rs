//! The checked-in `schema.graphql` is the code's schema.

#[test]
fn schema_graphql_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let checked_in = std::fs::read_to_string(path).expect("schema.graphql exists at the workspace root");
    assert!(
        checked_in == api::graphql::sdl(),
        "schema.graphql is stale: regenerate it with `cargo run -p api -- export-schema > schema.graphql`"
    );
}

#[test]
fn export_schema_prints_the_same_sdl() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_api")).arg("export-schema").output().unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8(output.stdout).unwrap(), api::graphql::sdl());
}
