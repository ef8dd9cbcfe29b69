//! The indexes the runtime relies on, adopted when an equivalent one exists under any name.
//!
//! `meters` and `readings` belong to upstream teams, who create their own indexes with their own
//! names (pymongo and mongosh name `{meterId: 1, intervalStart: 1}` `meterId_1_intervalStart_1`).
//! MongoDB refuses a second index on the same keys under another name (error 85), so at start
//! each needed index is looked up by its keys: an existing one whose options give what the
//! runtime needs is used as it is, whatever its name; none is created under our name; one that
//! has the keys but options the runtime cannot use is a configuration error that says what to do.

use std::fmt::Write as _;

use mongodb::bson::{Bson, Document, doc};
use mongodb::options::IndexOptions;
use mongodb::{Collection, Database, IndexModel};
use tokio_util::sync::CancellationToken;

use crate::RetryPolicy;
use crate::error_text::describe;
use crate::retry::{mongo_is_transient, retry};

/// One index the runtime needs.
#[derive(Debug, Clone)]
pub struct IndexSpec {
    pub collection: &'static str,
    /// The key pattern, in order.
    pub keys: Document,
    /// Whether the runtime relies on the keys being unique (idempotent inserts, merges, the ledger).
    pub unique: bool,
    /// The name the runtime gives the index when it creates it (`None`: the server's default).
    pub name: Option<&'static str>,
    /// Why it is needed, for the error when an unusable index is in the way.
    pub purpose: &'static str,
}

impl IndexSpec {
    /// A plain index, created under the server's default name.
    pub fn plain(collection: &'static str, keys: Document, purpose: &'static str) -> IndexSpec {
        IndexSpec { collection, keys, unique: false, name: None, purpose }
    }

    /// A unique index, created as `name`.
    pub fn unique(collection: &'static str, keys: Document, name: &'static str, purpose: &'static str) -> IndexSpec {
        IndexSpec { collection, keys, unique: true, name: Some(name), purpose }
    }

    /// The name it gets when the runtime creates it: its own, or the default `a_1_b_1`.
    pub fn index_name(&self) -> String {
        match self.name {
            Some(n) => n.to_owned(),
            None => self.keys.iter().map(|(k, v)| format!("{k}_{}", value_text(v))).collect::<Vec<_>>().join("_"),
        }
    }

    fn model(&self) -> IndexModel {
        let options = IndexOptions::builder().unique(self.unique.then_some(true)).name(self.index_name()).build();
        IndexModel::builder().keys(self.keys.clone()).options(options).build()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// An index in the way that the runtime cannot use: the operator must change it (exit 3).
    #[error("{0}")]
    Unusable(String),

    #[error("MongoDB: {action}: {}", describe(.source))]
    Mongo {
        action: String,
        #[source]
        source: mongodb::error::Error,
    },
}

/// What to do about one needed index, given the collection's indexes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// An index with the same keys and usable options exists under this name.
    Adopt(String),
    /// No index has these keys: create ours.
    Create,
    /// Indexes with these keys exist, and none is usable; the message says why and what to do.
    Unusable(String),
}

/// Decides about `spec` from the documents `listIndexes` returned for its collection.
pub fn judge(spec: &IndexSpec, existing: &[Document]) -> Verdict {
    let same: Vec<&Document> =
        existing.iter().filter(|ix| ix.get_document("key").is_ok_and(|k| same_keys(k, &spec.keys))).collect();
    if let Some(ok) = same.iter().find(|ix| problem(spec, ix).is_none()) {
        return Verdict::Adopt(ok.get_str("name").unwrap_or("?").to_owned());
    }
    let keys = keys_text(&spec.keys);
    if let Some(ix) = same.first() {
        let name = ix.get_str("name").unwrap_or("?");
        let (why, fix) = problem(spec, ix).unwrap_or_default();
        return Verdict::Unusable(format!(
            "{} has index {name} on {keys} but {why}; {}: {fix} or drop it and let intervalprocessing create it",
            spec.collection, spec.purpose
        ));
    }
    let ours = spec.index_name();
    if let Some(ix) = existing.iter().find(|ix| ix.get_str("name") == Ok(ours.as_str())) {
        let theirs = ix.get_document("key").map(keys_text).unwrap_or_default();
        return Verdict::Unusable(format!(
            "{} has an index named {ours} on {theirs}, the name intervalprocessing needs for its index on {keys}; {}: \
             rename that index, or create an index on {keys} yourself",
            spec.collection, spec.purpose
        ));
    }
    Verdict::Create
}

/// Why an index with the right keys cannot serve `spec`, and what would fix it; `None` if it can.
fn problem(spec: &IndexSpec, ix: &Document) -> Option<(String, &'static str)> {
    if ix.contains_key("partialFilterExpression") {
        return Some((
            "it is partial (partialFilterExpression), so it misses documents".into(),
            "make it a full index",
        ));
    }
    if let Ok(c) = ix.get_document("collation") {
        let locale = c.get_str("locale").unwrap_or("?");
        if locale != "simple" {
            return Some((
                format!("it has collation {locale:?}, so it does not compare strings as the runtime's queries do"),
                "recreate it without a collation",
            ));
        }
    }
    if ix.get("hidden").is_some_and(truthy) {
        return Some(("it is hidden, so queries cannot use it".into(), "unhide it (collMod)"));
    }
    if spec.unique && !ix.get("unique").is_some_and(truthy) {
        return Some(("it is not unique".into(), "make it unique"));
    }
    None
}

fn truthy(v: &Bson) -> bool {
    match v {
        Bson::Boolean(b) => *b,
        v => number(v).is_some_and(|n| n != 0.0),
    }
}

fn number(v: &Bson) -> Option<f64> {
    match v {
        Bson::Int32(n) => Some(f64::from(*n)),
        Bson::Int64(n) => Some(*n as f64),
        Bson::Double(n) => Some(*n),
        Bson::Decimal128(d) => d.to_string().parse().ok(),
        _ => None,
    }
}

/// The same fields in the same order with the same directions; `1`, `1.0` and `NumberLong(1)`
/// are the same direction.
pub fn same_keys(a: &Document, b: &Document) -> bool {
    a.len() == b.len()
        && a.iter().zip(b.iter()).all(|((ka, va), (kb, vb))| {
            ka == kb
                && match (number(va), number(vb)) {
                    (Some(x), Some(y)) => x == y,
                    _ => va == vb,
                }
        })
}

fn value_text(v: &Bson) -> String {
    match (v, number(v)) {
        (_, Some(n)) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", n as i64),
        (Bson::String(s), _) => s.clone(),
        (v, _) => v.to_string(),
    }
}

/// `{meterId:1, intervalStart:1}`.
pub fn keys_text(keys: &Document) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in keys.iter().enumerate() {
        let _ = write!(out, "{}{k}:{}", if i == 0 { "" } else { ", " }, value_text(v));
    }
    out.push('}');
    out
}

/// Makes sure every index in `specs` exists or has an equivalent (see the module doc).
pub async fn ensure(db: &Database, specs: &[IndexSpec]) -> Result<(), IndexError> {
    for spec in specs {
        ensure_on(&db.collection(spec.collection), spec).await?;
    }
    Ok(())
}

/// [`ensure`] for one index of `coll`.
pub async fn ensure_on(coll: &Collection<Document>, spec: &IndexSpec) -> Result<(), IndexError> {
    match judge(spec, &list(coll).await?) {
        Verdict::Adopt(name) => adopted(spec, &name),
        Verdict::Unusable(msg) => Err(IndexError::Unusable(msg)),
        Verdict::Create => match with_retry("creating an index", || coll.create_index(spec.model())).await {
            Ok(_) => Ok(()),
            // Someone created an index on these keys (or under this name) since we looked, e.g.
            // the upstream team or another process under another name: look once more.
            Err(IndexError::Mongo { source, .. }) if is_index_conflict(&source) => {
                match judge(spec, &list(coll).await?) {
                    Verdict::Adopt(name) => adopted(spec, &name),
                    Verdict::Unusable(msg) => Err(IndexError::Unusable(msg)),
                    Verdict::Create => Err(IndexError::Mongo { action: action("creating", spec), source }),
                }
            }
            Err(IndexError::Mongo { source, .. }) => {
                Err(IndexError::Mongo { action: action("creating", spec), source })
            }
            Err(e) => Err(e),
        },
    }
}

fn adopted(spec: &IndexSpec, name: &str) -> Result<(), IndexError> {
    if name != spec.index_name() {
        tracing::info!(collection = spec.collection, index = name, keys = %keys_text(&spec.keys), "using the existing index");
    }
    Ok(())
}

fn action(verb: &str, spec: &IndexSpec) -> String {
    format!("{verb} the index {} on {}", keys_text(&spec.keys), spec.collection)
}

/// IndexAlreadyExists, IndexOptionsConflict, IndexKeySpecsConflict.
fn is_index_conflict(e: &mongodb::error::Error) -> bool {
    matches!(e.kind.as_ref(), mongodb::error::ErrorKind::Command(c) if matches!(c.code, 68 | 85 | 86))
}

/// The collection's indexes as `listIndexes` describes them; none for a missing collection.
async fn list(coll: &Collection<Document>) -> Result<Vec<Document>, IndexError> {
    let db = coll.client().database(&coll.namespace().db);
    let command = doc! { "listIndexes": coll.name() };
    let reply = match with_retry("listing indexes", || db.run_command(command.clone())).await {
        Ok(r) => r,
        // NamespaceNotFound: the collection does not exist yet.
        Err(IndexError::Mongo { source, .. }) if matches!(source.kind.as_ref(), mongodb::error::ErrorKind::Command(c) if c.code == 26) =>
        {
            return Ok(Vec::new());
        }
        Err(IndexError::Mongo { source, .. }) => {
            return Err(IndexError::Mongo { action: format!("listing the indexes of {}", coll.name()), source });
        }
        Err(e) => return Err(e),
    };
    // At most 64 indexes per collection: they all come in the first batch.
    let batch = reply.get_document("cursor").and_then(|c| c.get_array("firstBatch")).map_err(|_| {
        IndexError::Unusable(format!("the server's listIndexes reply for {} has no cursor.firstBatch", coll.name()))
    })?;
    Ok(batch.iter().filter_map(|b| b.as_document().cloned()).collect())
}

async fn with_retry<T, F, Fut>(what: &str, op: F) -> Result<T, IndexError>
where
    F: FnMut() -> Fut,
    Fut: std::future::IntoFuture<Output = mongodb::error::Result<T>>,
{
    let mut op = op;
    retry(RetryPolicy::default(), what, &CancellationToken::new(), mongo_is_transient, || op().into_future())
        .await
        .map_err(|source| IndexError::Mongo { action: what.to_owned(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn readings_key() -> IndexSpec {
        IndexSpec::unique(
            "readings",
            doc! { "meterId": 1, "intervalStart": 1 },
            "meter_interval_unique",
            "estimated readings rely on a unique index on these keys",
        )
    }

    fn by_time() -> IndexSpec {
        IndexSpec::plain("readings", doc! { "intervalStart": 1 }, "jobs find a window's readings by it")
    }

    fn id_index() -> Document {
        doc! { "v": 2, "key": { "_id": 1 }, "name": "_id_" }
    }

    #[test]
    fn an_index_with_the_same_keys_is_adopted_under_any_name_and_numeric_type() {
        let upstream = [
            id_index(),
            doc! { "v": 2, "key": { "meterId": 1_i64, "intervalStart": 1.0 }, "name": "meterId_1_intervalStart_1", "unique": true },
            doc! { "v": 2, "key": { "intervalStart": 1 }, "name": "by_time", "unique": true },
        ];
        assert_eq!(judge(&readings_key(), &upstream), Verdict::Adopt("meterId_1_intervalStart_1".into()));
        assert_eq!(judge(&by_time(), &upstream), Verdict::Adopt("by_time".into()), "unique serves a plain need");
    }

    #[test]
    fn no_index_on_the_keys_means_create_ours() {
        let other_order = doc! { "v": 2, "key": { "intervalStart": 1, "meterId": 1 }, "name": "x", "unique": true };
        let descending = doc! { "v": 2, "key": { "intervalStart": -1 }, "name": "intervalStart_-1" };
        assert_eq!(judge(&readings_key(), &[id_index(), other_order]), Verdict::Create);
        assert_eq!(judge(&by_time(), &[id_index(), descending]), Verdict::Create);
        assert_eq!(judge(&by_time(), &[]), Verdict::Create);
        assert_eq!(by_time().index_name(), "intervalStart_1");
    }

    #[test]
    fn an_unusable_index_on_the_keys_is_an_error_naming_it_and_the_fix() {
        let cases = [
            (doc! {}, "but it is not unique; estimated readings rely on a unique index on these keys: make it unique"),
            (doc! { "unique": true, "partialFilterExpression": { "kwh": { "$gt": 0 } } }, "it is partial"),
            (doc! { "unique": true, "collation": { "locale": "en", "strength": 2 } }, "collation \"en\""),
            (doc! { "unique": true, "hidden": true }, "it is hidden"),
        ];
        for (options, words) in cases {
            let mut ix =
                doc! { "v": 2, "key": { "meterId": 1, "intervalStart": 1 }, "name": "meterId_1_intervalStart_1" };
            ix.extend(options.clone());
            let Verdict::Unusable(msg) = judge(&readings_key(), &[id_index(), ix]) else {
                panic!("{options} accepted")
            };
            assert!(
                msg.starts_with("readings has index meterId_1_intervalStart_1 on {meterId:1, intervalStart:1} but ")
            );
            assert!(msg.contains(words), "{options}: {msg}");
            assert!(msg.ends_with("or drop it and let intervalprocessing create it"), "{msg}");
        }
        let simple = doc! { "v": 2, "key": { "meterId": 1, "intervalStart": 1 }, "name": "k", "unique": 1,
        "collation": { "locale": "simple" }, "sparse": true, "hidden": false };
        assert_eq!(judge(&readings_key(), &[simple]), Verdict::Adopt("k".into()));
    }

    #[test]
    fn a_usable_index_wins_over_an_unusable_one_on_the_same_keys() {
        let partial = doc! { "key": { "meterId": 1, "intervalStart": 1 }, "name": "p", "unique": true,
        "partialFilterExpression": { "kwh": { "$gt": 0 } } };
        let full = doc! { "key": { "meterId": 1, "intervalStart": 1 }, "name": "f", "unique": true };
        assert_eq!(judge(&readings_key(), &[partial, full]), Verdict::Adopt("f".into()));
    }

    #[test]
    fn our_name_taken_by_other_keys_is_an_error() {
        let taken = doc! { "key": { "meterId": 1 }, "name": "meter_interval_unique" };
        let Verdict::Unusable(msg) = judge(&readings_key(), &[taken]) else { panic!("name clash accepted") };
        assert!(msg.contains("named meter_interval_unique on {meterId:1}"), "{msg}");
    }
}
