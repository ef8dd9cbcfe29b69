//! The `intervalprocessing` binary. `main` only runs [`app::main`] and exits with the code it
//! returns; everything else lives in the modules below.

mod app;
mod cli;
mod commands;
mod config;
mod connect;
mod ecs;
mod emf;
mod error;
mod lifecycle;
mod outcome;
mod progress;
mod secret;
mod status;
mod stop;
mod telemetry;
mod timearg;

fn main() -> std::process::ExitCode {
    app::main()
}
