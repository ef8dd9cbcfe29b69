#!/usr/bin/env python3
"""The export a team would write instead of FileGeneration, for scripts/bench to race against:
one aggregation pass with pymongo (the same validity filter, grouped and sorted per meter), the csv
module, one boto3 upload.

  python_export.py MONGODB_URI DATABASE FROM TO DATE S3_ENDPOINT BUCKET KEY
"""
import csv
import datetime as dt
import io
import sys

import boto3
import pymongo

MAX_ABS_KWH = 1e9
GRID_MS = 15 * 60 * 1000


def valid_reading():
    # The same rule as jobs/src/collections.rs `valid_reading`.
    return {
        "meterId": {"$type": "string", "$ne": ""},
        "intervalStart": {"$type": "date"},
        "kwh": {"$type": "number", "$gte": -MAX_ABS_KWH, "$lte": MAX_ABS_KWH},
        "$expr": {"$and": [
            {"$eq": [{"$mod": [{"$convert": {"input": "$intervalStart", "to": "long", "onError": None, "onNull": None}}, GRID_MS]}, 0]},
            {"$isNumber": "$kwh"},
            {"$eq": [{"$type": "$meterId"}, "string"]},
        ]},
    }


def main():
    uri, database, start, end, date, endpoint, bucket, key = sys.argv[1:]
    start, end = (dt.datetime.fromisoformat(x.replace("Z", "+00:00")) for x in (start, end))
    readings = pymongo.MongoClient(uri)[database]["readings"]
    rows = readings.aggregate([
        {"$match": {"$and": [{"intervalStart": {"$gte": start, "$lt": end}}, valid_reading()]}},
        {"$group": {
            "_id": "$meterId",
            "kwh": {"$sum": {"$toDouble": "$kwh"}},
            "intervalCount": {"$sum": 1},
            "estimatedCount": {"$sum": {"$cond": [{"$eq": ["$estimated", True]}, 1, 0]}},
        }},
        {"$sort": {"_id": 1}},
    ], allowDiskUse=True)
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["meter_id", "date", "kwh", "interval_count", "estimated_count"])
    for r in rows:
        kwh = f"{r['kwh']:.3f}"
        w.writerow([r["_id"], date, "0.000" if kwh == "-0.000" else kwh, r["intervalCount"], r["estimatedCount"]])
    boto3.client("s3", endpoint_url=endpoint).put_object(Bucket=bucket, Key=key, Body=out.getvalue().encode())


if __name__ == "__main__":
    main()
