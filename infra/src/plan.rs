//! The plan: per resource create / update / delete / no change, with a field-level diff, in a
//! stable order (creation order; deletions in reverse). `apply` executes exactly this plan.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value;

use crate::resources::{Resource, Role};

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

/// Something on a managed resource that the file does not declare and `apply` never removes:
/// an inline or attached policy on a managed role (security-relevant, so `plan` reports it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub kind: &'static str,
    pub id: String,
    pub what: String,
}

#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Account-wide things AWS needs first (the ECS service-linked role): created when missing,
    /// never deleted, not counted with the managed resources.
    pub prerequisites: Vec<Change>,
    pub changes: Vec<Change>,
    pub drift: Vec<Drift>,
}

impl Plan {
    /// Compares each desired resource with its remote counterpart (same order as `desired`).
    /// Tags on AWS that the file does not set are left alone and not compared; policies on
    /// managed roles that the file does not declare become [`Drift`], not changes.
    pub fn build(desired: Vec<Resource>, remote: Vec<Option<Resource>>) -> Plan {
        let mut drift = Vec::new();
        let changes = desired
            .into_iter()
            .zip(remote)
            .map(|(want, have)| {
                let have = have.map(|mut h| {
                    if let (Some(keep), Some(tags)) = (want.tags(), h.tags_mut()) {
                        tags.retain(|k, _| keep.contains_key(k));
                    }
                    if let (Resource::Role(w), Resource::Role(r)) = (&want, &mut h) {
                        drift.extend(undeclared_policies(w, r));
                    }
                    h
                });
                compare(want, have)
            })
            .collect();
        Plan { prerequisites: Vec::new(), changes, drift }
    }

    /// Adds the prerequisites (desired, and what AWS has of each).
    pub fn with_prerequisites(mut self, desired: Vec<Resource>, remote: Vec<Option<Resource>>) -> Plan {
        self.prerequisites = desired.into_iter().zip(remote).map(|(want, have)| compare(want, have)).collect();
        self
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
        Plan { prerequisites: Vec::new(), changes, drift: Vec::new() }
    }

    /// Whether `apply` would change anything.
    pub fn has_changes(&self) -> bool {
        self.changes.iter().chain(&self.prerequisites).any(|c| c.action != Action::NoChange)
    }

    /// Whether `plan --detailed-exitcode` exits 2: changes, or drift the file does not declare.
    pub fn needs_attention(&self) -> bool {
        self.has_changes() || !self.drift.is_empty()
    }

    /// Managed resources (prerequisites not included) with this action.
    pub fn count(&self, action: Action) -> usize {
        self.changes.iter().filter(|c| c.action == action).count()
    }

    /// The plan as printed by `plan`, `apply` and `destroy`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for c in &self.prerequisites {
            render_change(&mut out, c, " (prerequisite; created when missing, never deleted)");
        }
        for c in &self.changes {
            render_change(&mut out, c, "");
        }
        if !self.drift.is_empty() {
            let _ = writeln!(out, "\nOn managed roles but not in the deployment file (apply leaves them in place):");
            for d in &self.drift {
                let _ = writeln!(out, "! drift     {:<16} {}: {}", d.kind, d.id, d.what);
            }
        }
        let missing = self.prerequisites.iter().filter(|c| c.action == Action::Create).count();
        if self.has_changes() {
            let _ = write!(
                out,
                "\nPlan: {} to create, {} to update, {} to delete, {} unchanged.",
                self.count(Action::Create),
                self.count(Action::Update),
                self.count(Action::Delete),
                self.count(Action::NoChange)
            );
            if missing > 0 {
                let _ = write!(out, " Prerequisites to create first: {missing}.");
            }
            let _ = writeln!(out);
        } else {
            let _ = writeln!(out, "\nNo changes: {} resources match the deployment file.", self.changes.len());
        }
        if !self.drift.is_empty() {
            let _ = writeln!(
                out,
                "Drift: {} polic{} on managed roles that the deployment file does not declare; declare or remove \
                 {} (infra/README.md, \"Policies added by hand\").",
                self.drift.len(),
                if self.drift.len() == 1 { "y" } else { "ies" },
                if self.drift.len() == 1 { "it" } else { "them" },
            );
        }
        out
    }
}

fn render_change(out: &mut String, c: &Change, note: &str) {
    let (sign, word) = match c.action {
        Action::Create => ('+', "create"),
        Action::Update => ('~', "update"),
        Action::Delete => ('-', "delete"),
        Action::NoChange => ('=', "no change"),
    };
    let _ = writeln!(out, "{sign} {word:<9} {:<16} {}{note}", c.kind, c.id);
    for f in &c.fields {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".to_owned());
        let _ = writeln!(out, "      {}: {} -> {}", f.path, show(&f.before), show(&f.after));
    }
}

/// One desired resource against what AWS has (policies compared in canonical form).
fn compare(want: Resource, have: Option<Resource>) -> Change {
    let (action, fields) = match &have {
        None => (Action::Create, Vec::new()),
        Some(h) => {
            let fields = diff(&h.normalized().to_json(), &want.normalized().to_json());
            (if fields.is_empty() { Action::NoChange } else { Action::Update }, fields)
        }
    };
    Change { action, kind: want.kind(), id: want.id(), desired: Some(want), remote: have, fields }
}

/// Takes the inline and attached policies the file does not declare out of `have` (so they are
/// not planned as changes) and returns them as drift.
pub fn undeclared_policies(want: &Role, have: &mut Role) -> Vec<Drift> {
    let mut out = Vec::new();
    let drift = |what: String| Drift { kind: "iam_role", id: want.name.clone(), what };
    have.policies.retain(|name, _| {
        let declared = want.policies.contains_key(name);
        if !declared {
            out.push(drift(format!("inline policy {name}")));
        }
        declared
    });
    have.attached_policies.retain(|arn| {
        let declared = want.attached_policies.contains(arn);
        if !declared {
            out.push(drift(format!("attached managed policy {arn}")));
        }
        declared
    });
    out
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
