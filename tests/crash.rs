//! Fault injection, first half: crashes (kill -9 at random points), signals (SIGTERM, SIGINT),
//! overlapping starts and the run deadline; what the binary wrote is compared with a clean run of
//! the same input. `IP_FAULT_SEED` replays the random choices of a run (each test prints its seed);
//! `IP_FAULT_TRIALS` sets the number of kill -9 trials (default 30, spread over the five processes).

mod deadline;
mod kill9;
mod output;
mod overlap;
mod scenario;
mod signals;
