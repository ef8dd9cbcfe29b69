//! What a person sees on stdout: the plan of a dry run, one line per finished window, and a
//! progress bar for long manual work (backfills, seeding) when stderr is a terminal.

use std::io::IsTerminal;
use std::time::Duration;

use chrono_tz::Tz;
use indicatif::{ProgressBar, ProgressStyle};
use intervalprocessing_infra::Console;
use intervalprocessing_jobs::{Cadence, Process, Window};

use crate::lifecycle::ledger::WindowOutcome;

/// A window as people name it: the local date for daily windows, the UTC interval otherwise.
pub fn label(p: Process, w: &Window, tz: Tz) -> String {
    match p.cadence() {
        Cadence::Daily => format!("{} ({tz})", w.local_date(tz)),
        Cadence::Minutes(_) => w.to_string(),
    }
}

/// What a dry run would process.
pub fn print_plan(out: &Console, p: Process, windows: &[Window], tz: Tz) {
    out.line(format_args!("{p}: would process {} window(s):", windows.len()));
    for w in windows {
        out.line(format_args!("  {}", label(p, w, tz)));
    }
}

/// The line printed when a window is finished.
pub fn outcome_line(p: Process, w: &Window, tz: Tz, o: &WindowOutcome<'_>, elapsed: Duration) -> String {
    let mut line = format!("{p} {} {} in {:.1}s", label(p, w, tz), o.status, elapsed.as_secs_f64());
    if let Some(r) = o.report {
        line.push_str(&format!(" read={} written={}", r.read, r.written));
        if r.deleted > 0 {
            line.push_str(&format!(" deleted={}", r.deleted));
        }
        if r.malformed > 0 {
            line.push_str(&format!(" malformed={}", r.malformed));
        }
        if let Some(o) = &r.output {
            line.push_str(&format!(" -> {o}"));
        }
    }
    if !o.upstream_missing.is_empty() {
        line.push_str(&format!(" without upstream windows {}", o.upstream_missing.join(", ")));
    }
    if let Some(e) = o.error {
        line.push_str(&format!(": {e}"));
    }
    line
}

/// A bar over windows, shown only for several windows on a terminal.
pub struct WindowProgress {
    bar: Option<ProgressBar>,
}

impl WindowProgress {
    pub fn new(windows: usize) -> WindowProgress {
        let bar = (windows > 1 && std::io::stderr().is_terminal()).then(|| bar(windows as u64, "windows"));
        WindowProgress { bar }
    }

    /// Prints a line without tearing the bar, then advances it.
    pub fn finished_window(&self, print: impl FnOnce()) {
        match &self.bar {
            Some(b) => {
                b.suspend(print);
                b.inc(1);
            }
            None => print(),
        }
    }
}

impl Drop for WindowProgress {
    fn drop(&mut self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

/// A progress bar on stderr when it is a terminal, hidden otherwise.
pub fn bar(len: u64, unit: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template(&format!("{{bar:40}} {{pos}}/{{len}} {unit} ({{eta}} left)"))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::new(len).with_style(style)
}
