//! An error the server returns reaches the operator as one readable line (code and message),
//! never as the driver's debug dump of the reply (labels, sources, raw buffers in hex).

use mongodb::bson::doc;

use crate::support::TestDb;
use crate::support::fixtures::{Seed, date};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_is_one_readable_line_without_the_raw_reply() {
    let db = TestDb::new().await;
    Seed::standard(date("2026-01-15")).insert(&db).await;
    // A validator someone put on the ledger collection rejects every ledger entry.
    db.db
        .run_command(doc! { "create": "job_runs", "validator": { "$jsonSchema": { "required": ["approvedBy"] } } })
        .await
        .expect("create job_runs with a validator");
    let out = db.cli().args(["run", "--process", "HourlyDataChange", "--at", "2026-01-15T17:00:00Z"]).run();
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let errors: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{}", out.stderr);
    let line = errors[0];
    assert!(line.contains("121") && line.contains("Document failed validation"), "{line}");
    for dump in ["Kind:", "labels", "server response", "RawDocumentBuf", "details"] {
        assert!(!line.contains(dump), "{dump:?} in {line}");
    }
    assert!(line.len() < 400, "a {}-character error line: {line}", line.len());
    for l in out.stderr.lines() {
        assert!(!l.contains("RawDocumentBuf") && !l.contains("labels: {"), "a driver dump in the log: {l}");
    }
}
