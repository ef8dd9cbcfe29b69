//! `infra validate`: offline checks, then each schedule's next five fire times in its time zone.

use chrono::Utc;

use crate::error::InfraError;
use crate::names;
use crate::validate::Settings;

pub fn run(s: &Settings) -> Result<i32, InfraError> {
    crate::say!("The deployment file is valid (region {}, time zone {}).", s.file.region, s.tz.name());
    if let Some(w) = s.retention_warning() {
        crate::say!("warning: {w}");
    }
    let now = Utc::now();
    for p in &s.processes {
        let state = if p.enabled { "enabled" } else { "disabled" };
        crate::say!(
            "\n{} ({}, {state}, cpu {} memory {} MiB, timeout {})",
            names::schedule(p.process),
            p.expression,
            p.cpu,
            p.memory,
            humantime::format_duration(p.timeout)
        );
        for t in p.schedule.upcoming(now, s.tz, 5) {
            crate::say!("  {}", t.with_timezone(&s.tz).format("%Y-%m-%d %H:%M %Z (%:z)"));
        }
    }
    Ok(0)
}
