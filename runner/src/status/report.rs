//! What `status` prints: one line per process (the processes with the newest problems first),
//! then one line per problem, newest first; or with `--json` one object per fire time. The word
//! `missed` is printed only for missed fire times (a summary names only the labels it counts).

use intervalprocessing_infra::Console;
use intervalprocessing_jobs::Process;
use serde::Serialize;

use super::verdict::Label;

/// One fire time as printed (`--json` prints an array of these).
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub process: &'static str,
    pub fire_time: String,
    pub window_start: String,
    pub window_end: String,
    pub label: Label,
    pub detail: String,
    /// The window as people name it (local date for daily windows); not in the JSON.
    #[serde(skip)]
    pub window: String,
}

/// Everything `status` found for one process; `rows` newest fire time first.
#[derive(Debug, Clone)]
pub struct ProcessReport {
    pub process: Process,
    pub expression: String,
    pub rows: Vec<Row>,
    /// Why nothing was expected (a disabled schedule, no ledger entry yet).
    pub note: Option<String>,
}

impl ProcessReport {
    fn newest_problem(&self) -> Option<&Row> {
        self.rows.iter().find(|r| r.label.is_problem())
    }

    fn summary(&self) -> String {
        if let Some(note) = &self.note {
            return format!("{:<24} {}: {note}", self.process.name(), self.expression);
        }
        let counts: Vec<String> = Label::ALL
            .iter()
            .filter_map(|l| {
                let n = self.rows.iter().filter(|r| r.label == *l).count();
                (n > 0).then(|| format!("{n} {}", l.as_str()))
            })
            .collect();
        let mut line = format!(
            "{:<24} {}: {} fire time(s): {}",
            self.process.name(),
            self.expression,
            self.rows.len(),
            counts.join(", ")
        );
        if let Some(r) = self.newest_problem() {
            line.push_str(&format!("; newest problem {} {}", r.fire_time, r.label.as_str()));
        }
        line
    }
}

/// Processes with the newest problem first; those without problems after, in catalog order.
pub fn order(reports: &mut [ProcessReport]) {
    reports.sort_by(|a, b| {
        let newest = |r: &ProcessReport| r.newest_problem().map(|p| p.fire_time.clone());
        newest(b).cmp(&newest(a)).then(a.process.cmp(&b.process))
    });
}

pub fn print_text(out: &Console, reports: &[ProcessReport]) {
    for r in reports {
        out.line(r.summary());
    }
    let mut problems: Vec<&Row> = reports.iter().flat_map(|r| &r.rows).filter(|r| r.label.is_problem()).collect();
    if problems.is_empty() {
        out.line("every expected run is accounted for");
        return;
    }
    problems.sort_by(|a, b| b.fire_time.cmp(&a.fire_time).then(a.process.cmp(b.process)));
    out.line("");
    out.line(format_args!("{:<21} {:<24} {:<8} {:<32} DETAIL", "FIRE TIME", "PROCESS", "LABEL", "WINDOW"));
    for r in problems {
        out.line(format_args!(
            "{:<21} {:<24} {:<8} {:<32} {}",
            r.fire_time,
            r.process,
            r.label.as_str(),
            r.window,
            r.detail
        ));
    }
}

pub fn print_json(out: &Console, reports: &[ProcessReport]) -> Result<(), serde_json::Error> {
    let rows: Vec<&Row> = reports.iter().flat_map(|r| &r.rows).collect();
    out.line(serde_json::to_string_pretty(&rows)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(process: &'static str, fire: &str, label: Label) -> Row {
        Row {
            process,
            fire_time: fire.into(),
            window_start: String::new(),
            window_end: String::new(),
            label,
            detail: "d".into(),
            window: "w".into(),
        }
    }

    fn report(name: &'static str, rows: Vec<Row>) -> ProcessReport {
        let process: Process = name.parse().unwrap_or_else(|_| unreachable!());
        ProcessReport { process, expression: "cron(x)".into(), rows, note: None }
    }

    #[test]
    fn the_process_with_the_newest_problem_comes_first_and_missed_is_said_only_of_missed_fire_times() {
        let mut reports = vec![
            report("QuarterHourlyDataChange", vec![row("QuarterHourlyDataChange", "2026-01-15T10:00:00Z", Label::Ok)]),
            report("HourlyDataChange", vec![row("HourlyDataChange", "2026-01-15T09:00:00Z", Label::Failed)]),
            report("FileGeneration", vec![row("FileGeneration", "2026-01-15T02:30:00Z", Label::Missed)]),
        ];
        order(&mut reports);
        let names: Vec<&str> = reports.iter().map(|r| r.process.name()).collect();
        assert_eq!(names, vec!["HourlyDataChange", "FileGeneration", "QuarterHourlyDataChange"]);
        let (out, stdout, _) = Console::captured();
        print_text(&out, &reports);
        let text = stdout.text();
        let with_missed: Vec<&str> = text.lines().filter(|l| l.contains("missed")).collect();
        assert_eq!(with_missed.len(), 2, "the summary and the detail of the one missed fire time:\n{text}");
        assert!(with_missed.iter().all(|l| l.contains("FileGeneration")), "{text}");
    }
}
