#!/usr/bin/env python3
"""`explain` of every query a data-change window and FileGeneration send, against the 30-day
history database scripts/bench seeds: the winning plan, its index, and keys and documents examined,
which must stay bounded by the window and the meters. The filters mirror the Rust code they name
(jobs/src/catalog/*.rs, runner/src/lifecycle/ledger.rs); change both together.

  plans.py MONGODB_URI DATABASE
"""
import datetime as dt
import sys

import pymongo

from bench import END, Q
from python_export import valid_reading

RUN_ID = "bench-plans"


def stages(plan, depth=0, out=None):
    out = [] if out is None else out
    if isinstance(plan, dict):
        if "stage" in plan:
            extra = " ".join(f"{k}={plan[k]}" for k in ("indexName", "direction") if k in plan)
            out.append("  " * depth + plan["stage"] + (f" ({extra})" if extra else ""))
        for k in ("inputStage", "queryPlan"):
            if k in plan:
                stages(plan[k], depth + 1, out)
        for s in plan.get("inputStages", []):
            stages(s, depth + 1, out)
    return out


def find_stats(reply):
    """The queryPlanner and executionStats of a find/count/delete explain, or of an aggregation's
    $cursor stage."""
    if "stages" in reply:
        reply = reply["stages"][0]["$cursor"]
    return reply["queryPlanner"]["winningPlan"], reply.get("executionStats", {})


def explain(db, what, command):
    reply = db.command({"explain": command, "verbosity": "executionStats"})
    plan, ex = find_stats(reply)
    print(f"- **{what}**: keys examined {ex.get('totalKeysExamined')}, documents examined "
          f"{ex.get('totalDocsExamined')}, returned {ex.get('nReturned')}")
    print("  ```")
    for line in stages(plan):
        print("  " + line)
    print("  ```")


def valid_and(f):
    return {"$and": [f, valid_reading()]}


def valid_and_in_ranges(f):
    """jobs/src/collections.rs `valid_and_in_ranges`: the branches pin meterId and intervalStart."""
    rules = valid_reading()
    del rules["meterId"], rules["intervalStart"]
    return {"$and": [f, rules]}


def malformed_and(f):
    return {"$and": [f, {"$nor": [valid_reading()]}]}


def main():
    uri, name = sys.argv[1:]
    db = pymongo.MongoClient(uri)[name]
    window = {"intervalStart": {"$gte": END - Q, "$lt": END}}
    day = {"intervalStart": {"$gte": END - dt.timedelta(days=1), "$lt": END}}
    meters = [m["_id"] for m in db.meters.find({"active": True}, {"_id": 1}).limit(1000)]
    t = END - Q
    print(f"Database {name}: {db.readings.estimated_document_count():,} readings, "
          f"{db.hourly_usage.estimated_document_count():,} hourly_usage rows, "
          f"{db.daily_usage.estimated_document_count():,} daily_usage rows, "
          f"{db.job_runs.estimated_document_count():,} ledger entries\n")

    print("QuarterHourlyDataChange (jobs/src/catalog/estimate.rs, estimate_basis.rs)")
    explain(db, "active meters", {"find": "meters", "filter": {"active": True}, "projection": {"_id": 1}})
    explain(db, "malformed readings of the window", {"count": "readings", "query": malformed_and(window)})
    explain(db, "meters with a reading at t", {"find": "readings", "filter": {"intervalStart": t},
                                              "projection": {"_id": 0, "meterId": 1}})
    def latest(ms, frm, to):
        at_kwh = {"t": "$intervalStart", "kwh": {"$toDouble": "$kwh"}}
        return {"aggregate": "readings", "cursor": {}, "pipeline": [
            {"$match": valid_and_in_ranges({"$or": [{"meterId": m, "intervalStart": {"$gte": frm, "$lt": to}} for m in ms]})},
            {"$group": {"_id": "$meterId",
                        "real": {"$max": {"$cond": [{"$eq": ["$estimated", True]}, None, at_kwh]}},
                        "any": {"$max": at_kwh}}},
        ]}
    look_back = dt.timedelta(days=1)
    explain(db, "latest readings in the look-back, 3 meters (a batch has up to 200 such branches)", latest(meters[:3], t - look_back, t))
    explain(db, "latest readings of the day before, 3 meters", latest(meters[:3], t - 2 * look_back, t - look_back))
    explain(db, "a meter silent for two days: its latest reading before them", {
        "find": "readings", "filter": valid_and({"meterId": meters[3], "intervalStart": {"$lt": t - 2 * look_back}}),
        "sort": {"meterId": -1, "intervalStart": -1}, "projection": {"kwh": 1}, "limit": 1})

    print("\nHalfHourlyDataChange / HourlyDataChange / NightlyDataChange (jobs/src/catalog/usage_rollup.rs, nightly.rs)")
    hour = {"intervalStart": {"$gte": END - dt.timedelta(hours=1), "$lt": END}}
    explain(db, "the hour's usable readings, per meter", {"aggregate": "readings", "cursor": {}, "pipeline": [
        {"$match": valid_and(hour)},
        {"$group": {"_id": "$meterId", "kwh": {"$sum": {"$toDouble": "$kwh"}}, "intervalCount": {"$sum": 1}}},
    ]})
    period = END - dt.timedelta(hours=1)
    explain(db, "stale rows of the period (hourly_usage)", {"find": "hourly_usage",
                                                            "filter": {"periodStart": period, "runId": {"$ne": RUN_ID}}})
    explain(db, "the run's rows of the period (hourly_usage)", {"aggregate": "hourly_usage", "cursor": {}, "pipeline": [
        {"$match": {"periodStart": period, "runId": RUN_ID}},
        {"$group": {"_id": None, "rows": {"$sum": 1}, "read": {"$sum": "$intervalCount"}}},
    ]})
    date = (END - dt.timedelta(days=1)).strftime("%Y-%m-%d")
    explain(db, "stale rows of the day (daily_usage)", {"find": "daily_usage",
                                                        "filter": {"date": date, "runId": {"$ne": RUN_ID}}})
    explain(db, "readings past retention", {"find": "readings",
                                            "filter": {"intervalStart": {"$lt": END - dt.timedelta(days=400)}}})

    print("\nFileGeneration (jobs/src/catalog/usage_scan.rs)")
    explain(db, "the day's readings, one pass", {"find": "readings", "filter": day})

    print("\nEvery scheduled run (runner/src/lifecycle/ledger.rs, catch_up.rs)")
    explain(db, "unfinished windows of the process", {"find": "job_runs", "filter": {
        "process": "QuarterHourlyDataChange",
        "status": {"$in": ["failed", "timed_out", "interrupted", "running"]}}, "sort": {"windowStart": 1}})
    explain(db, "the horizon's entries", {"find": "job_runs", "filter": {
        "process": "QuarterHourlyDataChange", "windowStart": {"$gte": END - 8 * Q, "$lt": END}}, "sort": {"windowStart": 1}})
    explain(db, "the process's first window", {"find": "ledger_origins", "filter": {"_id": "QuarterHourlyDataChange"}})


if __name__ == "__main__":
    main()
