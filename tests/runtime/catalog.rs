//! The process catalog is data: a process declared only in its own file and its catalog line
//! (DemoReadingCount, built into the test binary by the `demo-job` feature) is listed, planned,
//! run and deployed with no other change.

use mongodb::bson::{Bson, Decimal128, Document, doc};

use crate::infra::harness::Deploy;
use crate::support::fixtures::{history, utc};
use crate::support::{Moto, TestDb};

const DEMO: &str = "DemoReadingCount";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_only_in_the_catalog_is_seen_by_list_run_dry_run_infra_plan_and_runs() {
    let db = TestDb::new().await;

    let list = db.cli().arg("list").run().success();
    let line =
        list.stdout.lines().find(|l| l.starts_with(DEMO)).unwrap_or_else(|| panic!("not listed:\n{}", list.stdout));
    assert!(line.contains("cron(10 * * * ? *)") && line.contains("30m"), "{line}");

    let at = ["--at", "2026-01-15T10:10:00Z"];
    let dry = db.cli().args(["run", "--process", DEMO, "--dry-run"]).args(at).run().success();
    assert!(dry.stdout.contains("would process 1 window"), "{}", dry.stdout);
    assert!(dry.stdout.contains("2026-01-15T09:00:00Z/2026-01-15T10:00:00Z"), "{}", dry.stdout);

    // Readings as upstream writes them: mixed numeric types, an estimate, one malformed.
    let reading = |at: &str, kwh: Bson| doc! { "meterId": "MTR-1", "intervalStart": utc(at), "kwh": kwh };
    let mut estimate = reading("2026-01-15T09:15:00Z", Bson::Double(0.5));
    estimate.insert("estimated", true);
    let readings = vec![
        reading("2026-01-15T09:00:00Z", Bson::Int32(1)),
        estimate,
        reading("2026-01-15T09:30:00Z", Bson::Decimal128("2.5".parse::<Decimal128>().expect("decimal"))),
        reading("2026-01-15T09:45:00Z", Bson::String("n/a".into())),
        reading("2026-01-15T10:00:00Z", Bson::Int64(4)),
    ];
    db.db.collection::<Document>("readings").insert_many(readings).await.expect("insert readings");
    db.cli().env("processToRun", DEMO).env("SCHEDULED_TIME", "2026-01-15T10:10:00Z").run().success();
    let counts: Vec<Document> = {
        use futures::TryStreamExt;
        let c = db.db.collection::<Document>("demo_reading_counts").find(doc! {}).await.expect("find");
        c.try_collect().await.expect("read counts")
    };
    assert_eq!(counts.len(), 1, "{counts:?}");
    assert_eq!(counts[0].get_datetime("_id").map(|t| t.to_chrono()), Ok(utc("2026-01-15T09:00:00Z")));
    assert_eq!((counts[0].get_i64("readings"), counts[0].get_i64("estimated")), (Ok(3), Ok(1)), "{}", counts[0]);
    let runs = history(&db, Some(DEMO));
    assert_eq!((runs.len(), runs[0].status.as_str()), (1, "succeeded"), "{runs:?}");

    let moto = Moto::start();
    let plan = Deploy::new(&moto, "").infra(&moto, &["plan"]).success();
    for resource in [
        format!("IntervalProcessing-{DEMO}"),
        format!("Run-IntervalProcessing-{DEMO}"),
        format!("/ecs/IntervalProcessing-{DEMO}"),
    ] {
        assert!(
            plan.stdout.contains(&format!("{resource}\n")) || plan.stdout.contains(&format!("{resource} ")),
            "{resource} not planned:\n{}",
            plan.stdout
        );
    }
}
