//! The `api` binary: serves TrustFeed, or runs one operator command (`api::cli`).
fn main() -> std::process::ExitCode {
    api::cli::main()
}
