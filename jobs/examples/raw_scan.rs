//! The store's read limit, for `scripts/bench`: streams every reading of a window as raw BSON with
//! the official driver and does nothing with them. FileGeneration cannot read a day faster.
//!
//!   raw_scan MONGODB_URI DATABASE FROM TO [--projection]
//!
//! FROM and TO in RFC 3339; prints JSON. `--projection` asks for the four fields FileGeneration
//! reads, to measure what projecting costs or saves on the server.

use std::time::Instant;

use chrono::{DateTime, Utc};
use mongodb::bson::{RawDocumentBuf, doc};

/// The batch size FileGeneration's scan asks for.
const BATCH: u32 = 10_000;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (uri, database, from, to, project) = match args.as_slice() {
        [u, d, f, t] => (u, d, f, t, false),
        [u, d, f, t, p] if p == "--projection" => (u, d, f, t, true),
        _ => return Err("usage: raw_scan MONGODB_URI DATABASE FROM TO [--projection]".into()),
    };
    let (from, to): (DateTime<Utc>, DateTime<Utc>) = (from.parse()?, to.parse()?);
    let started = Instant::now();
    let client = mongodb::Client::with_uri_str(uri).await?;
    let readings = client.database(database).collection::<RawDocumentBuf>("readings");
    let filter = doc! { "intervalStart": { "$gte": from, "$lt": to } };
    let mut find = readings.find(filter).batch_size(BATCH);
    if project {
        find = find.projection(doc! { "_id": 0, "meterId": 1, "intervalStart": 1, "kwh": 1, "estimated": 1 });
    }
    let mut cursor = find.await?;
    let (mut docs, mut bytes) = (0u64, 0u64);
    while cursor.advance().await? {
        docs += 1;
        bytes += cursor.current().as_bytes().len() as u64;
    }
    println!(r#"{{"docs": {docs}, "bytes": {bytes}, "seconds": {:.3}}}"#, started.elapsed().as_secs_f64());
    Ok(())
}
