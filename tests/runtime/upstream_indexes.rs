//! `meters` and `readings` belong to upstream teams, who create their own indexes under their own
//! names. Every process and `seed` use an index with the same keys under any name, produce the
//! same data as on a database without them, and never add a second index on the same keys; an
//! index in the way that cannot serve (not unique where uniqueness is needed) is a one-line
//! configuration error (exit 3) naming it, and nothing is touched. The data is the upstream
//! fixture's (`support::upstream`: every numeric type, the fall-back day in America/New_York).

use std::collections::BTreeMap;

use mongodb::IndexModel;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::IndexOptions;

use crate::support::fixtures::{canonical, count_docs, error_lines, readings, run_ok};
use crate::support::upstream::{self, DAY};
use crate::support::{Cli, Output, TestDb};

/// Each process with the windows it runs here, on the fall-back day in New York (the upstream
/// seed covers them): its two 01:00 hours, the whole 25-hour day, its night.
const RUNS: &[(&str, &[&str])] = &[
    ("QuarterHourlyDataChange", &["--from", upstream::TWICE_ONE_AM.0, "--to", upstream::TWICE_ONE_AM.1]),
    ("HalfHourlyDataChange", &["--from", "2026-11-01T05:00:00Z", "--to", "2026-11-01T08:00:00Z"]),
    ("HourlyDataChange", &["--from", "2026-11-01", "--to", "2026-11-02"]),
    ("NightlyDataChange", &["--at", upstream::NIGHTLY_AT]),
    ("FileGeneration", &["--at", upstream::FILE_AT]),
];

/// `seed`'s demo data, the same for every database it is given.
const SEED: &[&str] = &["seed", "--meters", "3", "--days", "1", "--start", "2026-01-10", "--seed", "7"];

async fn index(db: &TestDb, coll: &str, keys: Document, name: Option<&str>, unique: bool) {
    let options = IndexOptions::builder().name(name.map(str::to_owned)).unique(unique.then_some(true)).build();
    create(db, coll, keys, options).await;
}

async fn create(db: &TestDb, coll: &str, keys: Document, options: IndexOptions) {
    db.db
        .collection::<Document>(coll)
        .create_index(IndexModel::builder().keys(keys).options(options).build())
        .await
        .unwrap_or_else(|e| panic!("create the upstream index on {coll}: {e}"));
}

/// Names of their own, key directions written as int64 and double, and equivalents of our own
/// indexes under other names (a DBA's hand-made ones).
async fn custom_names(db: &TestDb) {
    index(db, "readings", doc! { "meterId": 1_i64, "intervalStart": 1.0 }, Some("reading_key"), true).await;
    index(db, "readings", doc! { "intervalStart": 1_i64 }, Some("by_interval"), false).await;
    index(db, "meters", doc! { "active": 1.0 }, Some("active_meters"), false).await;
    index(db, "job_runs", doc! { "process": 1, "windowStart": 1 }, Some("ledger_key"), true).await;
    index(db, "hourly_usage", doc! { "meterId": 1, "periodStart": 1 }, Some("hourly_key"), true).await;
    index(db, "daily_usage", doc! { "date": 1 }, Some("by_date"), false).await;
}

/// Each collection's indexes as `key pattern -> names`, key directions normalised.
async fn indexes(db: &TestDb) -> Indexes {
    let mut out = BTreeMap::new();
    for coll in db.db.list_collection_names().await.expect("list collections") {
        let reply = db.db.run_command(doc! { "listIndexes": &coll }).await.expect("listIndexes");
        let batch = reply.get_document("cursor").and_then(|c| c.get_array("firstBatch")).expect("firstBatch");
        let mut by_keys: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for ix in batch.iter().filter_map(Bson::as_document) {
            let keys = ix.get_document("key").expect("key");
            let keys: Vec<String> = keys
                .iter()
                .map(|(k, v)| match v {
                    Bson::Int32(n) => format!("{k}:{n}"),
                    Bson::Int64(n) => format!("{k}:{n}"),
                    Bson::Double(n) => format!("{k}:{n}"),
                    v => format!("{k}:{v}"),
                })
                .collect();
            let name = ix.get_str("name").expect("name").to_owned();
            by_keys.entry(keys.join(",")).or_default().push(name);
        }
        out.insert(coll, by_keys);
    }
    out
}

/// What the five processes left in the database and the output directory, without what
/// differs between runs anyway (run ids, times, the directory).
async fn outcome(db: &TestDb, dir: &std::path::Path) -> Vec<String> {
    let mut out = readings(db).await;
    for (coll, sort) in [
        ("halfhourly_usage", doc! { "periodStart": 1, "meterId": 1 }),
        ("hourly_usage", doc! { "periodStart": 1, "meterId": 1 }),
        ("daily_usage", doc! { "date": 1, "meterId": 1 }),
    ] {
        let rows = crate::support::fixtures::rollup_rows(db, coll, sort).await;
        assert!(!rows.is_empty(), "{coll} is empty");
        out.extend(canonical(&rows).into_iter().map(|r| format!("{coll} {r}")));
    }
    let files = db.dump("generated_files", doc! { "date": 1 }).await;
    for f in &files {
        let keep: Document = f
            .iter()
            .filter(|(k, _)| ["date", "rows", "bytes", "sha256"].contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        out.push(format!("generated_files {keep}"));
    }
    let csv = std::fs::read(dir.join("daily-usage").join(format!("{DAY}.csv"))).expect("the CSV");
    out.push(format!("csv {}", String::from_utf8_lossy(&csv)));
    let ledger = db.dump("job_runs", doc! { "process": 1, "windowStart": 1 }).await;
    for e in &ledger {
        let status = e.get_str("status").unwrap_or("?");
        out.push(format!(
            "ledger {} {} {status}",
            e.get_str("process").unwrap_or("?"),
            e.get("windowStart").map(ToString::to_string).unwrap_or_default()
        ));
    }
    out
}

/// Which indexes exist before the first run.
#[derive(Debug, Clone, Copy)]
enum Upstream {
    None,
    DefaultNames,
    CustomNames,
}

type Indexes = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// Makes the `indexes`, seeds the upstream data, runs every process, and returns what they
/// wrote and the indexes afterwards.
async fn run_every_process(indexes_before: Upstream) -> (Vec<String>, Indexes) {
    let db = TestDb::new().await;
    match indexes_before {
        Upstream::None => {}
        Upstream::DefaultNames => upstream::create_indexes(&db).await,
        Upstream::CustomNames => custom_names(&db).await,
    }
    upstream::seed().insert(&db).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let cli = || upstream::cli(&db).env("OUTPUT_URL", format!("file://{}", dir.path().display()));
    for (process, args) in RUNS {
        run_ok(cli(), process, args);
    }
    (outcome(&db, dir.path()).await, indexes(&db).await)
}

/// No key pattern has two indexes.
#[track_caller]
fn one_index_per_key_pattern(indexes: &Indexes) {
    for (coll, by_keys) in indexes {
        for (keys, names) in by_keys {
            assert_eq!(names.len(), 1, "{coll} has several indexes on {keys}: {names:?}");
        }
    }
}

/// The index on `keys` of `coll` is named `name`.
#[track_caller]
fn named(indexes: &Indexes, coll: &str, keys: &str, name: &str) {
    let names = indexes.get(coll).and_then(|k| k.get(keys));
    assert_eq!(names, Some(&vec![name.to_owned()]), "{coll} {keys}: {indexes:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_process_adopts_upstream_indexes_under_any_name_and_writes_the_same_data() {
    let (plain, ours) = run_every_process(Upstream::None).await;
    one_index_per_key_pattern(&ours);
    named(&ours, "readings", "meterId:1,intervalStart:1", "meter_interval_unique");
    named(&ours, "hourly_usage", "periodStart:1", "periodStart_1");
    named(&ours, "halfhourly_usage", "periodStart:1", "periodStart_1");
    named(&ours, "daily_usage", "date:1", "date_1");

    let (with_defaults, theirs) = run_every_process(Upstream::DefaultNames).await;
    assert_eq!(with_defaults, plain, "upstream indexes under default names changed what the processes wrote");
    one_index_per_key_pattern(&theirs);
    named(&theirs, "readings", "meterId:1,intervalStart:1", "meterId_1_intervalStart_1");

    let (with_custom, theirs) = run_every_process(Upstream::CustomNames).await;
    assert_eq!(with_custom, plain, "indexes under custom names changed what the processes wrote");
    one_index_per_key_pattern(&theirs);
    named(&theirs, "readings", "meterId:1,intervalStart:1", "reading_key");
    named(&theirs, "readings", "intervalStart:1", "by_interval");
    named(&theirs, "meters", "active:1", "active_meters");
    named(&theirs, "job_runs", "process:1,windowStart:1", "ledger_key");
    named(&theirs, "hourly_usage", "meterId:1,periodStart:1", "hourly_key");
    named(&theirs, "daily_usage", "date:1", "by_date");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_adopts_upstream_indexes_and_writes_the_same_demo_data() {
    let plain = TestDb::new().await;
    plain.cli().args(SEED.iter().copied()).run().success();
    let want = readings(&plain).await;
    assert!(!want.is_empty(), "seed wrote no readings");
    for custom in [false, true] {
        let db = TestDb::new().await;
        match custom {
            false => upstream::create_indexes(&db).await,
            true => custom_names(&db).await,
        }
        db.cli().args(SEED.iter().copied()).run().success();
        assert_eq!(readings(&db).await, want, "seed with upstream indexes (custom names: {custom})");
        one_index_per_key_pattern(&indexes(&db).await);
    }
}

/// Exactly one readable `error:` line that contains each of `words`; no line of stdout or
/// stderr is longer than a sane log line or carries a raw server buffer (a long run of hex).
#[track_caller]
fn one_clear_error(case: &str, out: &Output, words: &[&str]) {
    assert_eq!(out.code, Some(3), "{case}: exit code\n{}", out.stderr);
    let errors = error_lines(&out.stderr);
    assert_eq!(errors.len(), 1, "{case}: one error: line\n{}", out.stderr);
    for w in words {
        assert!(errors[0].contains(w), "{case}: {w:?} missing from {}", errors[0]);
    }
    assert!(errors[0].len() < 400, "{case}: the error line is {} characters: {}", errors[0].len(), errors[0]);
    for line in out.stderr.lines().chain(out.stdout.lines()) {
        assert!(line.len() < 1000, "{case}: a {}-character line: {line}", line.len());
        let longest_hex = line.split(|c: char| !c.is_ascii_hexdigit()).map(str::len).max().unwrap_or(0);
        assert!(longest_hex < 40, "{case}: a raw buffer in {line}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_unique_upstream_index_on_the_reading_key_exits_3_naming_it_and_touches_nothing() {
    let db = TestDb::new().await;
    upstream::seed().insert(&db).await;
    index(&db, "readings", doc! { "meterId": 1, "intervalStart": 1 }, None, false).await;
    let before = readings(&db).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let words = [
        "readings has index meterId_1_intervalStart_1 on {meterId:1, intervalStart:1} but it is not unique",
        "make it unique or drop it and let intervalprocessing create it",
    ];
    let cli = || upstream::cli(&db).env("OUTPUT_URL", format!("file://{}", dir.path().display()));
    for (process, args) in RUNS {
        let out = cli().args(["run", "--process", process]).args(args.iter().copied()).run();
        one_clear_error(process, &out, &words);
    }
    // How ECS starts it, and seed.
    one_clear_error("processToRun", &cli().env("processToRun", "QuarterHourlyDataChange").run(), &words);
    one_clear_error("seed", &cli().args(SEED.iter().copied()).run(), &words);

    assert_eq!(readings(&db).await, before, "readings changed");
    for coll in ["job_runs", "leases", "generated_files", "halfhourly_usage", "hourly_usage", "daily_usage"] {
        assert_eq!(count_docs(&db, coll).await, 0, "{coll} written");
    }
    assert_eq!(std::fs::read_dir(dir.path()).expect("list output dir").count(), 0, "files written");
    let kept = indexes(&db).await;
    named(&kept, "readings", "meterId:1,intervalStart:1", "meterId_1_intervalStart_1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_starting_together_on_a_fresh_database_make_each_index_once() {
    let db = TestDb::new().await;
    upstream::seed().insert(&db).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let cli = || upstream::cli(&db).env("OUTPUT_URL", format!("file://{}", dir.path().display()));
    let mut all: Vec<(String, Cli)> = RUNS
        .iter()
        .map(|(process, args)| {
            ((*process).to_owned(), cli().args(["run", "--process", process]).args(args.iter().copied()))
        })
        .collect();
    all.push(("seed".to_owned(), cli().args(["seed", "--meters", "2", "--days", "1", "--start", "2026-02-01"])));
    let mut started: Vec<(String, std::process::Child)> = all
        .into_iter()
        .map(|(name, c)| {
            let child = c
                .command()
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("start");
            (name, child)
        })
        .collect();
    for (name, child) in started.drain(..) {
        let out = child.wait_with_output().expect("wait");
        assert_eq!(out.status.code(), Some(0), "{name}\n{}", String::from_utf8_lossy(&out.stderr));
    }
    let made = indexes(&db).await;
    one_index_per_key_pattern(&made);
    named(&made, "readings", "meterId:1,intervalStart:1", "meter_interval_unique");
    named(&made, "job_runs", "process:1,windowStart:1", "process_window_unique");
    named(&made, "job_runs", "process:1,status:1,windowStart:1", "process_1_status_1_windowStart_1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partial_upstream_index_on_the_reading_key_exits_3_saying_it_is_partial() {
    let db = TestDb::new().await;
    upstream::seed().insert(&db).await;
    let partial = IndexOptions::builder()
        .name("readings_key_positive".to_owned())
        .unique(true)
        .partial_filter_expression(doc! { "kwh": { "$gt": 0 } })
        .build();
    create(&db, "readings", doc! { "meterId": 1, "intervalStart": 1 }, partial).await;
    let before = readings(&db).await;
    let out =
        upstream::cli(&db).args(["run", "--process", "QuarterHourlyDataChange", "--at", "2026-11-01T06:45:00Z"]).run();
    one_clear_error(
        "partial",
        &out,
        &[
            "readings has index readings_key_positive on {meterId:1, intervalStart:1} but it is partial",
            "make it a full index",
        ],
    );
    assert_eq!(readings(&db).await, before, "readings changed");
}
