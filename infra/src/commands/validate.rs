//! `infra validate`: offline checks, then each schedule's next five fire times in its time zone.

use chrono::{DateTime, Utc};

use crate::InfraOutcome;
use crate::console::Console;
use crate::names;
use crate::validate::Settings;

/// Writes what the valid file `s` deploys, with the fire times after `now`.
pub fn run(s: &Settings, now: DateTime<Utc>, out: &Console) -> InfraOutcome {
    out.line(format_args!("The deployment file is valid (region {}, time zone {}).", s.file.region, s.tz.name()));
    if let Some(w) = s.retention_warning() {
        out.line(format_args!("warning: {w}"));
    }
    for p in &s.processes {
        let state = if p.enabled { "enabled" } else { "disabled" };
        out.line(format_args!(
            "\n{} ({}, {state}, cpu {} memory {} MiB, timeout {})",
            names::schedule(p.process),
            p.expression,
            p.cpu,
            p.memory,
            humantime::format_duration(p.timeout)
        ));
        for t in p.schedule.upcoming(now, s.tz, 5) {
            out.line(format_args!("  {}", t.with_timezone(&s.tz).format("%Y-%m-%d %H:%M %Z (%:z)")));
        }
    }
    InfraOutcome::Done
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::config::Deployment;

    /// The example deployment (Europe/Berlin, every schedule disabled) with `top` keys before it.
    fn settings(top: &str) -> Settings {
        let text = include_str!("../../../deploy/intervalprocessing.toml");
        let d: Deployment = toml::from_str(&format!("{top}\n{text}")).unwrap_or_else(|e| panic!("{e}"));
        crate::validate::validate(&d).unwrap_or_else(|p| panic!("{p:?}"))
    }

    #[test]
    fn validate_prints_each_schedule_with_its_next_five_local_fire_times() {
        let (out, stdout, stderr) = Console::captured();
        let now = Utc.with_ymd_and_hms(2026, 3, 28, 23, 50, 0).single().unwrap_or_else(|| panic!("a valid time"));
        let s = settings("");
        assert_eq!(run(&s, now, &out), InfraOutcome::Done);
        let text = stdout.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "The deployment file is valid (region us-east-1, time zone Europe/Berlin).");
        let nightly = lines.iter().position(|l| l.starts_with("Run-IntervalProcessing-NightlyDataChange ("));
        let nightly = nightly.unwrap_or_else(|| panic!("no NightlyDataChange block in\n{text}"));
        // 02:00 local does not exist on 2026-03-29 (Berlin springs forward): that day is skipped.
        assert_eq!(lines[nightly + 1], "  2026-03-30 02:00 CEST (+02:00)");
        assert_eq!(lines[nightly + 2], "  2026-03-31 02:00 CEST (+02:00)");
        let file_generation = "Run-IntervalProcessing-FileGeneration (cron(30 2 * * ? *), disabled, cpu 1024 memory 3072 MiB, timeout 2h)";
        assert!(lines.contains(&file_generation), "{text}");
        assert_eq!(lines.iter().filter(|l| l.starts_with("  20")).count(), 5 * s.processes.len(), "{text}");
        assert_eq!(stderr.text(), "");
    }

    #[test]
    fn validate_prints_the_retention_warning_on_stdout() {
        let (out, stdout, _) = Console::captured();
        let s = settings("retention_days = 2\ncatch_up_limit = 4\n");
        run(&s, Utc::now(), &out);
        assert!(stdout.text().lines().nth(1).is_some_and(|l| l.starts_with("warning: ")), "{}", stdout.text());
    }
}
