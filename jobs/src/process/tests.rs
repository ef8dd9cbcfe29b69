use std::collections::HashSet;
use std::time::Duration;

use super::Process;
use crate::window::Cadence;

fn named(name: &str) -> Process {
    name.parse().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_five_reference_processes_keep_their_names_legacy_keys_and_defaults() {
    let hours = |h: u64| Duration::from_secs(h * 3600);
    let minutes = |m: u64| Duration::from_secs(m * 60);
    let reference = [
        ("FileGeneration", "FileGenerationProcesses", Cadence::Daily, "cron(30 2 * * ? *)", hours(2)),
        ("NightlyDataChange", "NightlyDataChangeProcesses", Cadence::Daily, "cron(0 2 * * ? *)", hours(2)),
        ("HourlyDataChange", "HourlyDataChangeProcesses", Cadence::Minutes(60), "cron(0 * * * ? *)", minutes(50)),
        (
            "HalfHourlyDataChange",
            "HalfHourlyDataChangeProcesses",
            Cadence::Minutes(30),
            "cron(0/30 * * * ? *)",
            minutes(25),
        ),
        (
            "QuarterHourlyDataChange",
            "QuarterHourlyDataChangeProcesses",
            Cadence::Minutes(15),
            "cron(0/15 * * * ? *)",
            minutes(12),
        ),
    ];
    let first_five: Vec<Process> = Process::all().take(5).collect();
    for (p, (name, legacy, cadence, cron, timeout)) in first_five.into_iter().zip(reference) {
        assert_eq!(
            (p.name(), p.legacy_key(), p.cadence(), p.default_cron(), p.default_timeout()),
            (name, Some(legacy), cadence, cron, timeout)
        );
    }
    assert!(named("FileGeneration").spec().writes_files);
    assert_eq!(Process::all().filter(|p| p.spec().writes_files).count(), 1, "only FileGeneration writes files");
}

#[test]
fn canonical_names_and_legacy_keys_both_resolve() {
    for p in Process::all() {
        assert_eq!(p.name().parse::<Process>(), Ok(p));
        if let Some(key) = p.legacy_key() {
            assert_eq!(key.parse::<Process>(), Ok(p));
        }
    }
    assert_eq!("filegeneration".parse::<Process>(), Ok(named("FileGeneration")));
}

#[test]
fn names_and_legacy_keys_are_unique_ignoring_case() {
    let mut seen = HashSet::new();
    for p in Process::all() {
        for key in std::iter::once(p.name()).chain(p.legacy_key()) {
            assert!(seen.insert(key.to_ascii_lowercase()), "{key} names two processes");
        }
    }
}

#[test]
fn unknown_name_lists_every_valid_name() {
    let err = "Bogus".parse::<Process>().unwrap_err().to_string();
    for p in Process::all() {
        assert!(err.contains(p.name()), "{err}");
    }
    assert!(err.contains("\"Bogus\""));
}

#[test]
fn every_timeout_is_shorter_than_its_cadence() {
    for p in Process::all() {
        assert!(p.default_timeout() < p.cadence().nominal_length(), "{p}");
    }
}

#[test]
fn an_upstream_process_windows_tile_each_dependant_window() {
    for p in Process::all() {
        for up in p.depends_on() {
            let (mine, theirs) = (p.cadence().nominal_length(), up.cadence().nominal_length());
            assert!(
                theirs <= mine && mine.as_secs().is_multiple_of(theirs.as_secs()),
                "{p} ({mine:?}) depends on {up} ({theirs:?}), whose windows do not tile its own"
            );
            assert!(up.position() < usize::MAX, "{p} depends on {up}, which is not in the catalog");
        }
    }
}

#[test]
fn the_rollups_wait_for_the_quarter_hour_estimates() {
    let quarter = named("QuarterHourlyDataChange");
    for rollup in ["HourlyDataChange", "HalfHourlyDataChange"] {
        assert_eq!(named(rollup).depends_on().collect::<Vec<_>>(), vec![quarter], "{rollup}");
    }
}

#[test]
fn processes_order_by_their_place_in_the_catalog() {
    let all: Vec<Process> = Process::all().collect();
    let mut sorted = all.clone();
    sorted.sort_by_key(|p| std::cmp::Reverse(*p));
    sorted.reverse();
    assert_eq!(sorted, all);
}
