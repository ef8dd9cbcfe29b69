#!/usr/bin/env python3
"""A FileGeneration candidate measured by scripts/bench: the day in one server-side aggregation
that also counts the malformed readings inside its $group (they group under a null meter), so the
server does the work and sends one row per meter. The client here only drains the rows.

  one_group.py MONGODB_URI DATABASE FROM TO
"""
import datetime as dt
import sys

import pymongo

MAX_ABS_KWH = 1e9
GRID_MS = 15 * 60 * 1000

# jobs/src/collections.rs `valid_reading` as an aggregation expression.
VALID = {"$and": [
    {"$eq": [{"$type": "$meterId"}, "string"]},
    {"$ne": ["$meterId", ""]},
    {"$eq": [{"$type": "$intervalStart"}, "date"]},
    {"$eq": [{"$mod": [{"$convert": {"input": "$intervalStart", "to": "long", "onError": None, "onNull": None}}, GRID_MS]}, 0]},
    {"$isNumber": "$kwh"},
    {"$gte": ["$kwh", -MAX_ABS_KWH]},
    {"$lte": ["$kwh", MAX_ABS_KWH]},
]}


def main():
    uri, database, start, end = sys.argv[1:]
    start, end = (dt.datetime.fromisoformat(x.replace("Z", "+00:00")) for x in (start, end))
    rows = pymongo.MongoClient(uri)[database]["readings"].aggregate([
        {"$match": {"intervalStart": {"$gte": start, "$lt": end}}},
        {"$group": {
            "_id": {"$cond": [VALID, "$meterId", None]},
            "kwh": {"$sum": {"$cond": [VALID, {"$toDouble": "$kwh"}, 0]}},
            "intervalCount": {"$sum": 1},
            "estimatedCount": {"$sum": {"$cond": [{"$eq": ["$estimated", True]}, 1, 0]}},
        }},
        {"$sort": {"_id": 1}},
    ], allowDiskUse=True)
    n = malformed = 0
    for r in rows:
        if r["_id"] is None:
            malformed = r["intervalCount"]
        else:
            n += 1
    print(f'{{"rows": {n}, "malformed": {malformed}}}')


if __name__ == "__main__":
    main()
