//! IAM policy documents: the least-privilege policies `infra` writes, and the canonical form both
//! sides of a diff are brought to (single strings become one-element lists, lists are sorted).
//! Documents are sent in the shape they are written here; the canonical form is only for comparing.

use serde_json::{Value, json};

/// Canonical form of a policy document: `Statement` always a list; `Action`, `NotAction`,
/// `Resource`, principal values and condition values always sorted lists of strings.
pub fn canonical(doc: &Value) -> Value {
    let mut doc = doc.clone();
    if let Some(obj) = doc.as_object_mut() {
        let statements = match obj.remove("Statement") {
            Some(Value::Array(a)) => a,
            Some(other) => vec![other],
            None => Vec::new(),
        };
        let statements = statements.into_iter().map(canonical_statement).collect();
        obj.insert("Statement".into(), Value::Array(statements));
    }
    doc
}

fn canonical_statement(mut s: Value) -> Value {
    if let Some(obj) = s.as_object_mut() {
        for key in ["Action", "NotAction", "Resource", "NotResource"] {
            if let Some(v) = obj.remove(key) {
                obj.insert(key.into(), string_list(v));
            }
        }
        if let Some(Value::Object(p)) = obj.get_mut("Principal") {
            for v in p.values_mut() {
                *v = string_list(v.take());
            }
        }
        if let Some(Value::Object(c)) = obj.get_mut("Condition") {
            for test in c.values_mut() {
                if let Value::Object(t) = test {
                    for v in t.values_mut() {
                        *v = string_list(v.take());
                    }
                }
            }
        }
    }
    s
}

fn string_list(v: Value) -> Value {
    let mut items: Vec<Value> = match v {
        Value::Array(a) => a,
        other => vec![other],
    };
    items.sort_by_key(|a| a.to_string());
    items.dedup();
    Value::Array(items)
}

/// Parses a policy document as IAM returns it (URL-encoded JSON) or as given (plain JSON).
pub fn parse_document(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok().or_else(|| serde_json::from_str(&percent_decode(text)).ok())
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let hex = if b == b'%' && i + 2 < bytes.len() { std::str::from_utf8(&bytes[i + 1..=i + 2]).ok() } else { None };
        if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A policy document from statements, as written (never canonicalised: that is for comparing).
pub fn document(statements: Vec<Value>) -> Value {
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// Whether two documents say the same (compared in canonical form).
pub fn same(a: &Value, b: &Value) -> bool {
    canonical(a) == canonical(b)
}

/// Trust policy letting `service` assume a role, only on behalf of `account`.
pub fn trust(service: &str, account: &str) -> Value {
    document(vec![json!({
        "Effect": "Allow",
        "Principal": { "Service": service },
        "Action": "sts:AssumeRole",
        "Condition": { "StringEquals": { "aws:SourceAccount": account } }
    })])
}

/// An `Allow` statement.
pub fn allow(sid: &str, actions: &[&str], resources: Vec<String>) -> Value {
    json!({ "Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources })
}

/// The same statement with a condition block.
pub fn with_condition(mut statement: Value, condition: Value) -> Value {
    if let Some(obj) = statement.as_object_mut() {
        obj.insert("Condition".into(), condition);
    }
    statement
}

/// Every `(Effect, action)` of a document, for the least-privilege checks.
pub fn actions(doc: &Value) -> Vec<(String, String)> {
    let doc = &canonical(doc);
    let empty = Vec::new();
    let statements = doc.get("Statement").and_then(Value::as_array).unwrap_or(&empty);
    let mut out = Vec::new();
    for s in statements {
        let effect = s.get("Effect").and_then(Value::as_str).unwrap_or_default().to_owned();
        if let Some(Value::Array(a)) = s.get("Action") {
            out.extend(a.iter().filter_map(Value::as_str).map(|a| (effect.clone(), a.to_owned())));
        }
    }
    out
}

/// Every `(Effect, action list, resource)` of a document.
pub fn resources(doc: &Value) -> Vec<(String, Vec<String>, String)> {
    let doc = &canonical(doc);
    let empty = Vec::new();
    let statements = doc.get("Statement").and_then(Value::as_array).unwrap_or(&empty);
    let mut out = Vec::new();
    for s in statements {
        let effect = s.get("Effect").and_then(Value::as_str).unwrap_or_default().to_owned();
        let acts: Vec<String> = s
            .get("Action")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default();
        if let Some(Value::Array(r)) = s.get("Resource") {
            out.extend(r.iter().filter_map(Value::as_str).map(|r| (effect.clone(), acts.clone(), r.to_owned())));
        }
    }
    out
}
