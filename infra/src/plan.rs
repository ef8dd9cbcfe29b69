//! The plan: per resource create / update / delete / no change, with a field-level diff, in a
//! stable order (creation order; deletions in reverse). `apply` executes exactly this plan.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value;

use crate::model::Resource;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Delete,
    NoChange,
}

/// One field that differs: `before` is AWS, `after` the file (`None` = absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub path: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Change {
    pub action: Action,
    pub kind: &'static str,
    pub id: String,
    pub desired: Option<Resource>,
    pub remote: Option<Resource>,
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub changes: Vec<Change>,
}

impl Plan {
    /// Compares each desired resource with its remote counterpart (same order as `desired`).
    /// Tags on AWS that the file does not set are left alone and not compared.
    pub fn build(desired: Vec<Resource>, remote: Vec<Option<Resource>>) -> Plan {
        let changes = desired
            .into_iter()
            .zip(remote)
            .map(|(want, have)| {
                let have = have.map(|mut h| {
                    if let (Some(keep), Some(tags)) = (want.tags(), h.tags_mut()) {
                        tags.retain(|k, _| keep.contains_key(k));
                    }
                    h
                });
                let (action, fields) = match &have {
                    None => (Action::Create, Vec::new()),
                    Some(h) => {
                        let fields = diff(&h.to_json(), &want.to_json());
                        (if fields.is_empty() { Action::NoChange } else { Action::Update }, fields)
                    }
                };
                Change { action, kind: want.kind(), id: want.id(), desired: Some(want), remote: have, fields }
            })
            .collect();
        Plan { changes }
    }

    /// Deletes every given resource, in reverse creation order.
    pub fn destroy(existing: Vec<Resource>) -> Plan {
        let changes = existing
            .into_iter()
            .rev()
            .map(|r| Change {
                action: Action::Delete,
                kind: r.kind(),
                id: r.id(),
                desired: None,
                remote: Some(r),
                fields: Vec::new(),
            })
            .collect();
        Plan { changes }
    }

    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoChange)
    }

    pub fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }

    /// The plan as printed by `plan`, `apply` and `destroy`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for c in &self.changes {
            let (sign, word) = match c.action {
                Action::Create => ('+', "create"),
                Action::Update => ('~', "update"),
                Action::Delete => ('-', "delete"),
                Action::NoChange => ('=', "no change"),
            };
            let _ = writeln!(out, "{sign} {word:<9} {:<16} {}", c.kind, c.id);
            for f in &c.fields {
                let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_owned());
                let _ = writeln!(out, "      {}: {} -> {}", f.path, show(&f.before), show(&f.after));
            }
        }
        if self.has_changes() {
            let _ = writeln!(
                out,
                "\nPlan: {} to create, {} to update, {} to delete, {} unchanged.",
                self.count(Action::Create),
                self.count(Action::Update),
                self.count(Action::Delete),
                self.count(Action::NoChange)
            );
        } else {
            let _ = writeln!(out, "\nNo changes: {} resources match the deployment file.", self.changes.len());
        }
        out
    }
}

/// Field-level differences between two JSON documents, by path (`a.b[0].c`), sorted by path.
pub fn diff(before: &Value, after: &Value) -> Vec<FieldChange> {
    let (mut a, mut b) = (BTreeMap::new(), BTreeMap::new());
    flatten("", before, &mut a);
    flatten("", after, &mut b);
    let mut paths: Vec<&String> = a.keys().chain(b.keys()).collect();
    paths.sort();
    paths.dedup();
    paths
        .into_iter()
        .filter(|p| a.get(*p) != b.get(*p))
        .map(|p| FieldChange { path: p.clone(), before: a.get(p).cloned(), after: b.get(p).cloned() })
        .collect()
}

fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&path, v, out);
            }
        }
        Value::Array(a) if !a.is_empty() => {
            for (i, v) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        leaf => {
            out.insert(prefix.to_owned(), leaf.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::diff;

    #[test]
    fn diff_names_each_changed_field() {
        let a = json!({"expression": "cron(0 2 * * ? *)", "target": {"subnets": ["a", "b"]}, "same": 1});
        let b = json!({"expression": "cron(0 3 * * ? *)", "target": {"subnets": ["a"]}, "same": 1});
        let d = diff(&a, &b);
        let paths: Vec<&str> = d.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["expression", "target.subnets[1]"]);
        assert_eq!(d[0].after.as_deref(), Some("\"cron(0 3 * * ? *)\""));
        assert_eq!(d[1].after, None);
        assert!(diff(&a, &a).is_empty());
    }
}
