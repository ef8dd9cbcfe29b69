//! What the fault tests run: each process on a dataset large enough that a run takes over a
//! second, seeded identically (with the binary's own deterministic `seed`) into a clean database
//! and a trial database; how to put the trial database back into its seeded state between trials;
//! and what a run of the process writes, as a snapshot that two databases can be compared by.

use std::time::{Duration, Instant};

use mongodb::bson::{Bson, Document, RawDocumentBuf, doc};

use super::output::Output;
use crate::support::fixtures::{canonical, sha256};
use crate::support::{Cli, TestDb};

/// The day the big dataset covers; FileGeneration and NightlyDataChange process it.
pub const DAY: &str = "2026-01-15";
/// A holder killed with SIGKILL blocks the next run for at most this long (the minimum).
pub const LEASE_TTL: Duration = Duration::from_secs(3);
/// Seed of the `seed` command: the same in every database, so they start identical.
const DATA_SEED: &str = "11";

/// Which readings a scenario starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dataset {
    /// 1200 meters over [`DAY`] (~112k readings): FileGeneration reads it in about half a second
    /// on a quiet machine (kill delays are drawn within the clean run's time, so they land mid-run).
    /// Not larger: concurrent large seeds make the local MongoDB-wire server stall in WiredTiger.
    Day,
    /// 600 meters over [`DAY`]: FileGeneration takes about half a second, still far beyond a
    /// 400 ms deadline and long enough to signal it mid-upload.
    HalfDay,
    /// [`Dataset::Day`] plus 60 meters on the day before, which retention (1 day) removes.
    DayAndOld,
    /// 250 meters over [`DAY`] (~23k readings), for the short cadences run as a backfill of
    /// many windows, so a kill lands between windows as well as inside one.
    Small,
}

/// One process, the windows it runs, and the collections its runs write.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub process: &'static str,
    pub args: &'static [&'static str],
    pub env: &'static [(&'static str, &'static str)],
    pub dataset: Dataset,
    /// Windows the run covers: the ledger must show each succeeded.
    pub windows: usize,
    /// Collections compared with a clean run (`readings` too where the process writes them), each with its sort.
    pub compared: &'static [(&'static str, &'static str, &'static str)],
}

pub fn file_generation() -> Scenario {
    Scenario {
        process: "FileGeneration",
        args: &["--at", "2026-01-16T02:30:00Z"],
        env: &[],
        dataset: Dataset::Day,
        windows: 1,
        compared: &[],
    }
}

pub fn nightly() -> Scenario {
    Scenario {
        process: "NightlyDataChange",
        args: &["--at", "2026-01-16T02:00:00Z"],
        env: &[("RETENTION_DAYS", "1")],
        dataset: Dataset::DayAndOld,
        windows: 1,
        compared: &[("daily_usage", "meterId", "date"), ("readings", "meterId", "intervalStart")],
    }
}

pub fn hourly() -> Scenario {
    Scenario {
        process: "HourlyDataChange",
        args: &["--from", "2026-01-15T00:00:00Z", "--to", "2026-01-16T00:00:00Z"],
        env: &[],
        dataset: Dataset::Small,
        windows: 24,
        compared: &[("hourly_usage", "meterId", "periodStart")],
    }
}

pub fn half_hourly() -> Scenario {
    Scenario {
        process: "HalfHourlyDataChange",
        args: &["--from", "2026-01-15T00:00:00Z", "--to", "2026-01-15T12:00:00Z"],
        env: &[],
        dataset: Dataset::Small,
        windows: 24,
        compared: &[("halfhourly_usage", "meterId", "periodStart")],
    }
}

pub fn quarter_hourly() -> Scenario {
    Scenario {
        process: "QuarterHourlyDataChange",
        args: &["--from", "2026-01-15T00:00:00Z", "--to", "2026-01-16T00:00:00Z"],
        env: &[],
        dataset: Dataset::Small,
        windows: 96,
        compared: &[("readings", "meterId", "intervalStart")],
    }
}

fn seed_cmd(db: &TestDb, meters: &str, start: &str) {
    db.cli().args(["seed", "--meters", meters, "--days", "1", "--start", start, "--seed", DATA_SEED]).run().success();
}

/// Readings before [`DAY`]: only [`Dataset::DayAndOld`] has any (the old day retention removes).
fn old_day() -> Document {
    doc! { "intervalStart": { "$lt": crate::support::fixtures::midnight(crate::support::fixtures::date(DAY)) } }
}

impl Scenario {
    /// The binary pointed at `db` and `out`, running this scenario's windows.
    pub fn cli(&self, db: &TestDb, out: &Output) -> Cli {
        let mut cli = out.point(db.cli()).env("LEASE_TTL", format!("{}s", LEASE_TTL.as_secs()));
        for (k, v) in self.env {
            cli = cli.env(*k, *v);
        }
        cli.args(["run", "--process", self.process]).args(self.args.iter().copied())
    }

    /// Seeds `dbs` with this scenario's dataset, one after the other: concurrent bulk inserts can
    /// make the local MongoDB-wire server stall in WiredTiger.
    pub fn seed(&self, dbs: &[&TestDb]) {
        for db in dbs {
            match self.dataset {
                Dataset::Small => seed_cmd(db, "250", DAY),
                Dataset::Day => seed_cmd(db, "1200", DAY),
                Dataset::HalfDay => seed_cmd(db, "600", DAY),
                Dataset::DayAndOld => {
                    seed_cmd(db, "1200", DAY);
                    seed_cmd(db, "60", "2026-01-14");
                }
            }
        }
    }

    /// Puts `db` back into its seeded state: no ledger, lease or output, readings as seeded.
    pub async fn reset(&self, db: &TestDb) {
        for coll in ["job_runs", "leases", "generated_files", "daily_usage", "hourly_usage", "halfhourly_usage"] {
            db.db.collection::<Document>(coll).drop().await.unwrap_or_else(|e| panic!("drop {coll}: {e}"));
        }
        let readings = db.db.collection::<Document>("readings");
        // `seed` never writes `estimated`: estimated readings are QuarterHourlyDataChange's.
        readings.delete_many(doc! { "estimated": true }).await.expect("remove estimated readings");
        if self.dataset == Dataset::DayAndOld {
            readings.delete_many(old_day()).await.expect("remove the old day");
            seed_cmd(db, "60", "2026-01-14");
        }
    }

    /// What a run left: each compared collection, the file records and the ledger.
    pub async fn snapshot(&self, db: &TestDb, out: &Output) -> Snapshot {
        let mut collections = Vec::new();
        for (coll, k1, k2) in self.compared {
            collections.push(digest(db, coll, doc! { *k1: 1, *k2: 1 }).await);
        }
        let files = generated_files(db, &out.root_url()).await;
        let ledger = db.dump("job_runs", doc! { "windowStart": 1 }).await;
        let statuses = ledger.iter().map(|d| d.get_str("status").unwrap_or("?").to_owned()).collect();
        Snapshot { collections, files, statuses }
    }

    /// Panics unless `got` holds the data of `want` (a clean run), every window succeeded.
    #[track_caller]
    pub fn assert_same(&self, got: &Snapshot, want: &Snapshot, ctx: &str) {
        assert_eq!(got.statuses, vec!["succeeded".to_owned(); self.windows], "{ctx}: ledger statuses");
        assert_eq!(want.statuses, got.statuses, "{ctx}: the clean run's ledger");
        for (g, w) in got.collections.iter().zip(&want.collections) {
            assert_eq!(g.name, w.name);
            assert_eq!(
                (g.count, &g.sha256),
                (w.count, &w.sha256),
                "{ctx}: collection {} differs from the clean run's",
                g.name
            );
        }
        assert_eq!(got.files, want.files, "{ctx}: generated_files differs from the clean run's");
    }
}

/// One collection's documents (without `_id`, and without the `runId` that names the run that
/// wrote a rollup row), sorted by natural key, as a count and a hash of their raw BSON: equal
/// hashes mean the same documents, field for field, byte for byte.
#[derive(Debug, Clone)]
pub struct Digest {
    pub name: &'static str,
    pub count: usize,
    pub sha256: String,
}

#[derive(Debug, Clone)]
pub struct Snapshot {
    pub collections: Vec<Digest>,
    /// `generated_files` without the run id and time, output root replaced by `<root>/`.
    pub files: Vec<String>,
    pub statuses: Vec<String>,
}

async fn digest(db: &TestDb, name: &'static str, sort: Document) -> Digest {
    use futures::TryStreamExt;
    let cursor = db
        .db
        .collection::<RawDocumentBuf>(name)
        .find(doc! {})
        .projection(doc! { "_id": 0, "runId": 0, "leaseTakenAt": 0 })
        .sort(sort)
        .await
        .unwrap_or_else(|e| panic!("find {name}: {e}"));
    let docs: Vec<RawDocumentBuf> = cursor.try_collect().await.unwrap_or_else(|e| panic!("read {name}: {e}"));
    let bytes: Vec<u8> = docs.iter().flat_map(|d| d.as_bytes().iter().copied()).collect();
    Digest { name, count: docs.len(), sha256: sha256(&bytes) }
}

async fn generated_files(db: &TestDb, root: &str) -> Vec<String> {
    let coll = db.db.collection::<Document>("generated_files");
    let found =
        coll.find(doc! {}).projection(doc! { "runId": 0, "generatedAt": 0 }).await.expect("find generated_files");
    let docs: Vec<Document> = futures::TryStreamExt::try_collect(found).await.expect("read generated_files");
    let relative = |d: &Document| -> Document {
        d.iter()
            .map(|(k, v)| match v {
                Bson::String(s) => (k.clone(), Bson::String(s.replace(root, "<root>/"))),
                other => (k.clone(), other.clone()),
            })
            .collect()
    };
    canonical(&docs.iter().map(relative).collect::<Vec<_>>())
}

/// Runs `cli` to its end and returns how long it took; panics unless it succeeded.
pub fn timed_success(cli: &Cli) -> Duration {
    let t = Instant::now();
    cli.run().success();
    t.elapsed()
}
