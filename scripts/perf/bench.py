#!/usr/bin/env python3
"""Side-by-side benchmark of intervalprocessing against the store's own read rate, in one run.

Started by scripts/bench, which builds the release binaries and starts the servers. Two suites:

  files    one day of 15-minute readings (192k and 1.15M rows): the raw scan of the day (Rust
           driver, raw BSON: the store's read limit), the one-pass Python export, the server-side
           $group candidate, and the whole `run --process FileGeneration` process (start-up,
           index checks, upload to the S3 stand-in included); times, ratios and peak RSS.
  history  every data-change job, one scheduled run of one window, against 1 day and against
           30 days of history (readings, each job's own earlier output, a year of run ledger):
           the ratio must stay near 1.
  plans    `explain` of every query those runs send (plans.py), against the 30-day history.

Data is prepared the way upstream teams prepare it: indexes under the default names pymongo gives,
kwh as double, int32, int64 and Decimal128, some estimated, a few malformed and off the grid, an
extra upstream field. Each measurement is the median of --reps runs, interleaved so that noise on
this machine hits every contender alike.
"""
import argparse
import datetime as dt
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import boto3
import pymongo
from bson.decimal128 import Decimal128

UTC = dt.timezone.utc
END = dt.datetime(2026, 3, 1, tzinfo=UTC)  # the seeded history ends here
Q = dt.timedelta(minutes=15)
HERE = os.path.dirname(os.path.abspath(__file__))


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------------------------------
# Data


def meter_id(m):
    return f"MTR-{m:06d}"


def kwh_value(m, q):
    """Three decimals, in every numeric type upstream systems write."""
    v = ((m * 7 + q) % 50) / 100 + 0.05
    kind = (m + q) % 40
    if kind == 0:
        return Decimal128(f"{v:.3f}")
    if kind == 1:
        return int(v * 10)
    if kind == 2:
        return bson_int64(int(v * 10))
    return round(v, 3)


def bson_int64(v):
    from bson.int64 import Int64
    return Int64(v)


def missing(m, t):
    """Which readings upstream never sent: 5% of meters miss the last two hours; 1% are silent
    for the last 36 hours (their estimates come from before the one-day look-back)."""
    return (m % 20 == 7 and t >= END - dt.timedelta(hours=2)) or (m % 100 == 3 and t >= END - dt.timedelta(hours=36))


def upstream_indexes(db):
    """What an upstream team creates: pymongo's default index names."""
    db.readings.create_index([("meterId", 1), ("intervalStart", 1)], unique=True)
    db.readings.create_index([("intervalStart", 1)])
    db.meters.create_index([("active", 1)])
    for coll, key in (("hourly_usage", "periodStart"), ("halfhourly_usage", "periodStart"), ("daily_usage", "date")):
        db[coll].create_index([("meterId", 1), (key, 1)], unique=True)
        db[coll].create_index([(key, 1)])


def insert_batched(coll, docs, what, size=20_000):
    batch, n, started = [], 0, time.time()
    for d in docs:
        batch.append(d)
        if len(batch) >= size:
            coll.insert_many(batch, ordered=False)
            n += len(batch)
            batch = []
    if batch:
        coll.insert_many(batch, ordered=False)
        n += len(batch)
    took = time.time() - started
    log(f"    {what}: {n:,} documents in {took:.0f} s ({n / max(took, 1e-9):,.0f}/s)")
    return n


def readings(meters, days):
    received = END + dt.timedelta(hours=1)
    for q in range(days * 96):
        t = END - dt.timedelta(days=days) + q * Q
        for m in range(meters):
            if missing(m, t):
                continue
            if (m * 31 + q) % 5000 == 0:
                kwh = "n/a"  # malformed: counted, never summed
            else:
                kwh = kwh_value(m, q)
            d = {"meterId": meter_id(m), "intervalStart": t, "kwh": kwh, "receivedAt": received}
            if (m + q) % 20 == 0:
                d["estimated"] = True
            yield d
    # A few readings off the 15-minute grid (malformed).
    for m in range(0, meters, 997):
        yield {"meterId": meter_id(m), "intervalStart": END - dt.timedelta(hours=5, minutes=53), "kwh": 1.0, "receivedAt": received}


def rollup_rows(meters, key, periods):
    for p in periods:
        for m in range(meters):
            yield {"meterId": meter_id(m), key: p, "kwh": 1.0, "intervalCount": 4, "estimatedCount": 0, "runId": "seeded"}


CADENCES = {
    "QuarterHourlyDataChange": dt.timedelta(minutes=15),
    "HalfHourlyDataChange": dt.timedelta(minutes=30),
    "HourlyDataChange": dt.timedelta(hours=1),
    "NightlyDataChange": dt.timedelta(days=1),
}


def ledger_history(days):
    """The run ledger of `days` of scheduled runs, all succeeded but a few given up long ago."""
    for process, cadence in CADENCES.items():
        start = END - dt.timedelta(days=days)
        n = 0
        while start < END:
            status = "failed" if n % 1000 == 17 and start < END - dt.timedelta(days=7) else "succeeded"
            d = {"process": process, "windowStart": start, "windowEnd": start + cadence, "status": status,
                 "attempts": 3 if status == "failed" else 1, "runId": "seeded", "host": "bench",
                 "taskArn": None, "startedAt": start + cadence, "endedAt": start + cadence, "durationMs": 1000}
            if status == "failed":
                d["error"] = "seeded failure"
            else:
                d.update({"read": 0, "written": 0, "deleted": 0, "malformed": 0})
            yield d
            start += cadence
            n += 1


def seed(client, name, meters, days, rollup_history_days=0, daily_history_days=0, ledger_days=1):
    db = client[name]
    marker = db.bench_seed.find_one({"_id": "done"})
    want = {"meters": meters, "days": days, "rollups": rollup_history_days, "daily": daily_history_days, "v": 2}
    if marker and marker.get("spec") == want:
        log(f"  {name}: seeded already")
        return seed_ledger(db, ledger_days)
    log(f"  seeding {name}: {meters:,} meters x {days} days")
    client.drop_database(name)
    upstream_indexes(db)
    db.meters.insert_many([{"_id": meter_id(m), "active": True} for m in range(meters)])
    insert_batched(db.readings, readings(meters, days), "readings")
    if rollup_history_days:
        hours = [END - dt.timedelta(hours=h) for h in range(2, rollup_history_days * 24 + 2)]
        halves = [END - dt.timedelta(minutes=30 * h) for h in range(2, rollup_history_days * 48 + 2)]
        insert_batched(db.hourly_usage, rollup_rows(meters, "periodStart", hours), "hourly_usage history")
        insert_batched(db.halfhourly_usage, rollup_rows(meters, "periodStart", halves), "halfhourly_usage history")
    if daily_history_days:
        dates = [(END - dt.timedelta(days=d)).strftime("%Y-%m-%d") for d in range(2, daily_history_days + 2)]
        insert_batched(db.daily_usage, rollup_rows(meters, "date", dates), "daily_usage history")
    db.bench_seed.replace_one({"_id": "done"}, {"_id": "done", "spec": want}, upsert=True)
    return seed_ledger(db, ledger_days)


def seed_ledger(db, days):
    if (db.bench_seed.find_one({"_id": "ledger"}) or {}).get("days") != days:
        db.job_runs.drop()
        insert_batched(db.job_runs, ledger_history(days), "run ledger history")
        db.bench_seed.replace_one({"_id": "ledger"}, {"_id": "ledger", "days": days}, upsert=True)
    return db


# ---------------------------------------------------------------------------------------------
# Measuring


def timed(cmd, env=None):
    """Seconds, peak RSS (MB) and stdout of one run of cmd. The peak RSS comes from GNU time: a
    child forked from this Python process would report this process's RSS as its own floor (Linux
    keeps the pre-exec high-water mark)."""
    with tempfile.NamedTemporaryFile("r") as rss:
        started = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *cmd], env=env, capture_output=True)
        took = time.perf_counter() - started
        if p.returncode != 0:
            sys.exit(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stderr.decode(errors='replace')[-3000:]}")
        peak_kb = int(rss.read().split()[-1])
    return took, peak_kb / 1024, p.stdout


def median(xs):
    return statistics.median(xs)


class Bench:
    def __init__(self, args):
        self.args = args
        self.client = pymongo.MongoClient(args.mongo)
        self.s3 = boto3.client("s3", endpoint_url=args.moto)
        self.s3.create_bucket(Bucket="bench")
        self.results = {}

    def env(self, database, **extra):
        e = dict(os.environ)
        e.update({
            "MONGODB_URI": self.args.mongo,
            "MONGODB_DATABASE": database,
            "SCHEDULE_TIMEZONE": "UTC",
            "LOG_FORMAT": "json",
            "RUST_LOG": "warn",
            "AWS_ENDPOINT_URL": self.args.moto,
            "OUTPUT_URL": f"s3://bench/{database}/",
            "RETENTION_DAYS": "400",
        })
        e.update(extra)
        return e

    def ours(self, process, at, database, **extra):
        return timed([self.args.bin, "run", "--process", process, "--at", iso(at)], env=self.env(database, **extra))

    def scheduled(self, process, at, database):
        """A run as ECS starts it: catch-up, dependency checks and all."""
        return timed([self.args.bin], env=self.env(database, processToRun=process, SCHEDULED_TIME=iso(at)))

    # -- files -------------------------------------------------------------------------------

    def files(self, meters):
        name = f"bench_files_{meters}"
        db = seed(self.client, name, meters, 1)
        day_start, day_end = END - dt.timedelta(days=1), END
        rows = db.readings.count_documents({"intervalStart": {"$gte": day_start, "$lt": day_end}})
        date = day_start.strftime("%Y-%m-%d")
        py_key = f"python/{name}/{date}.csv"
        contenders = {
            "raw scan (Rust driver, raw BSON)": lambda: timed(
                [self.args.raw_scan, self.args.mongo, name, iso(day_start), iso(day_end)]),
            "one $group counting malformed (server)": lambda: timed(
                [sys.executable, os.path.join(HERE, "one_group.py"), self.args.mongo, name, iso(day_start), iso(day_end)]),
            "Python export (pymongo+csv+boto3)": lambda: timed(
                [sys.executable, os.path.join(HERE, "python_export.py"), self.args.mongo, name, iso(day_start),
                 iso(day_end), date, self.args.moto, "bench", py_key]),
            "FileGeneration (whole process)": lambda: self.ours("FileGeneration", END + dt.timedelta(hours=2, minutes=30), name),
        }
        if self.args.compare_bin:
            contenders["FileGeneration, --compare-bin"] = lambda: timed(
                [self.args.compare_bin, "run", "--process", "FileGeneration", "--at",
                 iso(END + dt.timedelta(hours=2, minutes=30))], env=self.env(name, OUTPUT_URL=f"s3://bench/compare/{name}/"))
        times = {k: [] for k in contenders}
        rss = {k: 0.0 for k in contenders}
        # Warm-up, not counted: the server's cache holds the day, and the runtime's indexes exist.
        contenders["raw scan (Rust driver, raw BSON)"]()
        contenders["FileGeneration (whole process)"]()
        for rep in range(self.args.reps):
            for k, f in contenders.items():
                took, peak, _ = f()
                times[k].append(took)
                rss[k] = max(rss[k], peak)
            log(f"    rep {rep + 1}: " + ", ".join(f"{k.split(' (')[0]} {times[k][-1]:.2f}s" for k in contenders))
        ours = self.s3.get_object(Bucket="bench", Key=f"{name}/daily-usage/{date}.csv")["Body"].read()
        theirs = self.s3.get_object(Bucket="bench", Key=py_key)["Body"].read()
        raw = median(times["raw scan (Rust driver, raw BSON)"])
        table = []
        for k in contenders:
            t = median(times[k])
            table.append({"contender": k, "seconds": round(t, 3), "x_raw_scan": round(t / raw, 2), "peak_rss_mb": round(rss[k], 1)})
        self.results[f"files {rows:,} rows"] = {
            "rows": rows, "meters": meters, "table": table, "same_csv_bytes_as_python": ours == theirs,
            "csv_bytes": len(ours),
        }
        if ours != theirs:
            log("    WARNING: FileGeneration's CSV differs from the Python export's")

    # -- history -----------------------------------------------------------------------------

    def history(self, meters):
        dbs = {
            1: seed(self.client, f"bench_hist_{meters}_d1", meters, 1),
            30: seed(self.client, f"bench_hist_{meters}_d30", meters, 30, rollup_history_days=30, daily_history_days=365,
                     ledger_days=365),
        }
        window = {"$gte": END - Q, "$lt": END}
        jobs = [
            ("QuarterHourlyDataChange", END),
            ("HalfHourlyDataChange", END),
            ("HourlyDataChange", END),
            ("NightlyDataChange", END + dt.timedelta(hours=2)),
        ]
        times = {(j, d): [] for j, _ in jobs for d in dbs}
        rss = {(j, d): 0.0 for j, _ in jobs for d in dbs}
        # Rep 0 is a warm-up, not counted: the first run against a database builds the indexes the
        # runtime needs (the ledger's, on a year of entries) and fills the server's cache.
        for rep in range(self.args.reps + 1):
            for job, at in jobs:
                for days, db in dbs.items():
                    # The due window is done again by each rep: its ledger entry goes, and so do
                    # the estimates an earlier rep wrote.
                    due = at - CADENCES[job] - (dt.timedelta(hours=2) if job == "NightlyDataChange" else dt.timedelta(0))
                    db.job_runs.delete_one({"process": job, "windowStart": due})
                    if job == "QuarterHourlyDataChange":
                        db.readings.delete_many({"intervalStart": window, "estimated": True, "receivedAt": {"$exists": False}})
                    took, peak, _ = self.scheduled(job, at, db.name)
                    if rep == 0:
                        continue
                    times[(job, days)].append(took)
                    rss[(job, days)] = max(rss[(job, days)], peak)
            log(f"    {'warm-up' if rep == 0 else f'rep {rep}'} done")
        table = []
        for job, _ in jobs:
            one, thirty = median(times[(job, 1)]), median(times[(job, 30)])
            table.append({
                "job": job, "1_day_s": round(one, 3), "30_days_s": round(thirty, 3), "ratio": round(thirty / one, 2),
                "peak_rss_mb": round(max(rss[(job, 1)], rss[(job, 30)]), 1),
            })
        self.results[f"history {meters:,} meters"] = {"meters": meters, "table": table}

    # -- start-up ----------------------------------------------------------------------------

    def startup(self, reps=15):
        """Spawn to the first MongoDB command: a listener stands in for the server and notes when
        the driver's first message (its handshake) arrives."""
        samples = []
        for _ in range(reps):
            srv = socket.socket()
            srv.bind(("127.0.0.1", 0))
            srv.listen(1)
            port = srv.getsockname()[1]
            env = self.env("bench_startup", MONGODB_URI=f"mongodb://127.0.0.1:{port}/?directConnection=true")
            started = time.perf_counter()
            p = subprocess.Popen([self.args.bin, "run", "--process", "HourlyDataChange"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            conn, _ = srv.accept()
            conn.recv(16)
            samples.append(time.perf_counter() - started)
            p.kill()
            p.wait()
            conn.close()
            srv.close()
        self.results["startup"] = {"to_first_mongodb_command_ms": round(median(samples) * 1000, 1), "runs": reps}


def markdown_table(headers, rows):
    print("| " + " | ".join(headers) + " |")
    print("|" + "---|" * len(headers))
    for r in rows:
        print("| " + " | ".join(r) + " |")


def print_report(results, binary):
    print()
    size = os.path.getsize(binary)
    print(f"binary: {binary}: {size / 1e6:.1f} MB")
    if "startup" in results:
        print(f"start-up to the first MongoDB command: {results['startup']['to_first_mongodb_command_ms']} ms (median)")
    for name, r in results.items():
        if name.startswith("files"):
            print(f"\n### FileGeneration, one day, {r['rows']:,} readings ({r['meters']:,} meters)\n")
            markdown_table(["contender", "seconds", "x raw scan", "peak RSS MB"], [
                [x["contender"], f"{x['seconds']:.2f}", f"{x['x_raw_scan']:.2f}", f"{x['peak_rss_mb']:.0f}"]
                for x in r["table"]])
            fg = next(x for x in r["table"] if x["contender"].startswith("FileGeneration (whole"))
            py = next(x for x in r["table"] if x["contender"].startswith("Python"))
            print(f"\nFileGeneration / Python export: {fg['seconds'] / py['seconds']:.2f}; "
                  f"CSV bytes identical to the Python export's: {'yes' if r['same_csv_bytes_as_python'] else 'NO'}")
        if name.startswith("history"):
            print(f"\n### One scheduled run of one window, 1 day and 30 days of history, {r['meters']:,} meters\n")
            markdown_table(["job", "1 day s", "30 days s", "30 / 1", "peak RSS MB"], [
                [x["job"], f"{x['1_day_s']:.2f}", f"{x['30_days_s']:.2f}", f"{x['ratio']:.2f}", f"{x['peak_rss_mb']:.0f}"]
                for x in r["table"]])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mongo", required=True)
    ap.add_argument("--moto", required=True)
    ap.add_argument("--bin", required=True, help="the release intervalprocessing binary")
    ap.add_argument("--raw-scan", required=True, help="the release raw_scan example")
    ap.add_argument("--compare-bin", help="another intervalprocessing binary to time beside (e.g. an older commit)")
    ap.add_argument("--suite", action="append", choices=["startup", "files", "history", "plans"])
    ap.add_argument("--file-meters", type=int, action="append", help="meters per day (x96 readings); default 2000 and 12000")
    ap.add_argument("--history-meters", type=int, action="append", help="default 500 and 2000")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    suites = args.suite or ["startup", "files", "history", "plans"]
    b = Bench(args)
    if "startup" in suites:
        log("start-up")
        b.startup()
    if "files" in suites:
        for m in args.file_meters or [2000, 12000]:
            log(f"files: {m:,} meters")
            b.files(m)
    if "history" in suites:
        for m in args.history_meters or [500, 2000]:
            log(f"history: {m:,} meters")
            b.history(m)
    print_report(b.results, args.bin)
    if "plans" in suites:
        m = max(args.history_meters or [2000])
        print(f"\n### Query plans (explain on secantusd-rs)\n", flush=True)
        # The runs above made the runtime's own indexes; without them, one run makes them.
        b.ours("HourlyDataChange", END, f"bench_hist_{m}_d30")
        subprocess.run([sys.executable, os.path.join(HERE, "plans.py"), args.mongo, f"bench_hist_{m}_d30"], check=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(b.results, f, indent=2)


if __name__ == "__main__":
    main()
