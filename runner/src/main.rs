//! The `intervalprocessing` binary. `main` only runs [`app::run`] and exits with the code it
//! returns; everything else lives in the modules below.

mod app;
mod cli;
mod error;

fn main() -> std::process::ExitCode {
    app::main()
}
