//! Metrics without an agent: one CloudWatch Embedded Metric Format (EMF) line per window on stdout
//! when logs are JSON. ECS's awslogs driver ships stdout to CloudWatch Logs, which turns the line
//! into metrics in the namespace `IntervalProcessing` with the dimension `Process`.
//!
//! A small serde struct rather than `metrique` (a wide-event framework with its own sinks, queues
//! and proc macros) or `metrics_cloudwatch_embedded` (a global `metrics` recorder flushed as a
//! whole): the runtime writes one line per window through the [`Console`] that owns stdout.

use chrono::{DateTime, Utc};
use intervalprocessing_infra::Console;
use intervalprocessing_jobs::{JobReport, Process, Window};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::lifecycle::ledger::Status;

pub const NAMESPACE: &str = "IntervalProcessing";
pub const DIMENSION: &str = "Process";

/// What one window contributed, for one EMF line.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowMetrics {
    pub process: Process,
    pub window: Window,
    pub status: Status,
    /// The job ran: how long, and what it reported (none when it failed).
    pub attempt: Option<Attempt>,
    /// When the window's run ended (its lag is measured to it).
    pub ended: DateTime<Utc>,
    pub run_id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    pub seconds: f64,
    pub report: Option<JobReport>,
}

#[derive(Serialize)]
struct Directive {
    #[serde(rename = "Namespace")]
    namespace: &'static str,
    #[serde(rename = "Dimensions")]
    dimensions: [[&'static str; 1]; 1],
    #[serde(rename = "Metrics")]
    metrics: Vec<Definition>,
}

#[derive(Serialize)]
struct Definition {
    #[serde(rename = "Name")]
    name: &'static str,
    #[serde(rename = "Unit")]
    unit: &'static str,
}

impl WindowMetrics {
    /// The metrics of the line: name, unit, value. Counters always; the job's numbers only when
    /// it ran (rows only when it reported them), so a skipped window never lowers an average.
    pub fn values(&self) -> Vec<(&'static str, &'static str, f64)> {
        let one = |b: bool| if b { 1.0 } else { 0.0 };
        let failed = matches!(self.status, Status::Failed | Status::TimedOut | Status::Interrupted);
        let lag = (self.ended - self.window.end).num_milliseconds() as f64 / 1000.0;
        let mut v = vec![
            ("WindowsSucceeded", "Count", one(self.status == Status::Succeeded)),
            ("WindowsFailed", "Count", one(failed)),
            ("WindowsSkipped", "Count", one(self.status == Status::Skipped)),
            ("WindowLagSeconds", "Seconds", lag),
        ];
        if let Some(a) = &self.attempt {
            v.push(("DurationSeconds", "Seconds", a.seconds));
            if let Some(r) = &a.report {
                v.push(("RowsRead", "Count", r.read as f64));
                v.push(("RowsWritten", "Count", r.written as f64));
                v.push(("Malformed", "Count", r.malformed as f64));
            }
        }
        v
    }

    /// The EMF document, timestamped `at`.
    pub fn document(&self, at: DateTime<Utc>) -> Value {
        let values = self.values();
        let directive = Directive {
            namespace: NAMESPACE,
            dimensions: [[DIMENSION]],
            metrics: values.iter().map(|(name, unit, _)| Definition { name, unit }).collect(),
        };
        let mut root = Map::new();
        root.insert(
            "_aws".into(),
            serde_json::json!({ "Timestamp": at.timestamp_millis(), "CloudWatchMetrics": [directive] }),
        );
        root.insert(DIMENSION.into(), Value::from(self.process.name()));
        for (name, _, value) in values {
            root.insert(name.into(), number(value));
        }
        // Properties for CloudWatch Logs Insights; not metrics, not dimensions.
        root.insert("WindowStart".into(), Value::from(intervalprocessing_jobs::window::rfc3339(self.window.start)));
        root.insert("Status".into(), Value::from(self.status.as_str()));
        root.insert("RunId".into(), Value::from(self.run_id.as_str()));
        Value::Object(root)
    }

    /// Prints the line when `enabled` (JSON logs).
    pub fn emit(&self, enabled: bool, out: &Console) {
        if enabled {
            out.line(Value::to_string(&self.document(Utc::now())));
        }
    }
}

/// Whole numbers as JSON integers, others as floats; never NaN or infinite (EMF wants numbers).
fn number(x: f64) -> Value {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15 {
        Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x).map_or(Value::from(0), Value::Number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn metrics(status: Status, attempt: Option<Attempt>) -> WindowMetrics {
        let t = |h| Utc.with_ymd_and_hms(2026, 1, 15, h, 0, 0).single().unwrap_or_default();
        WindowMetrics {
            process: "HourlyDataChange".parse().unwrap_or_else(|_| unreachable!()),
            window: Window { start: t(9), end: t(10) },
            status,
            attempt,
            ended: t(10) + chrono::TimeDelta::milliseconds(90_500),
            run_id: "r".into(),
        }
    }

    #[test]
    fn a_succeeded_window_is_one_emf_document_with_every_metric_at_the_root() {
        let report = JobReport { read: 40, written: 3, deleted: 0, malformed: 2, output: None };
        let m = metrics(Status::Succeeded, Some(Attempt { seconds: 1.25, report: Some(report) }));
        let at = Utc.with_ymd_and_hms(2026, 1, 15, 10, 1, 30).single().unwrap_or_default();
        let d = m.document(at);
        assert_eq!(d["_aws"]["Timestamp"], 1_768_471_290_000_i64);
        let directive = &d["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(
            (directive["Namespace"].as_str(), &directive["Dimensions"]),
            (Some(NAMESPACE), &serde_json::json!([["Process"]]))
        );
        let names: Vec<&str> =
            directive["Metrics"].as_array().into_iter().flatten().filter_map(|m| m["Name"].as_str()).collect();
        assert_eq!(names.len(), 8, "{d}");
        for name in names {
            assert!(d[name].is_number(), "{name} at the root: {d}");
        }
        assert_eq!(
            (d["Process"].as_str(), d["WindowsSucceeded"].as_i64(), d["RowsRead"].as_i64()),
            (Some("HourlyDataChange"), Some(1), Some(40))
        );
        assert_eq!((d["WindowLagSeconds"].as_f64(), d["DurationSeconds"].as_f64()), (Some(90.5), Some(1.25)));
    }

    #[test]
    fn a_timed_out_window_counts_as_failed_and_a_skipped_one_carries_only_counters_and_lag() {
        let timed_out = metrics(Status::TimedOut, Some(Attempt { seconds: 3.0, report: None })).document(Utc::now());
        assert_eq!((timed_out["WindowsFailed"].as_i64(), timed_out.get("RowsRead")), (Some(1), None));
        let skipped = metrics(Status::Skipped, None).document(Utc::now());
        assert_eq!((skipped["WindowsSkipped"].as_i64(), skipped["WindowsFailed"].as_i64()), (Some(1), Some(0)));
        assert_eq!(skipped["_aws"]["CloudWatchMetrics"][0]["Metrics"].as_array().map(Vec::len), Some(4));
        assert!(skipped.get("DurationSeconds").is_none());
    }
}
