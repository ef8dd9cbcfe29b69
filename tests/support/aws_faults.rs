//! A fault-injecting HTTP proxy in front of moto that behaves like a real AWS account where moto
//! does not (DESIGN §8). What it does is chosen per test with [`Faults`]:
//!
//! - **No ECS service-linked role yet** (always). `ecs:CreateCluster` with capacity providers
//!   answers `InvalidParameterException: Unable to assume the service linked role…` until
//!   `iam:CreateServiceLinkedRole` for `ecs.amazonaws.com` has passed through, and for `slr_delay`
//!   after it (the new role propagating). With `slr_taken`, that call is carried out but answered
//!   with IAM's `InvalidInput: Service role name AWSServiceRoleForECS has been taken…` (someone
//!   created the role between plan and apply).
//! - **IAM is eventually consistent.** `scheduler:CreateSchedule` / `UpdateSchedule` answer
//!   `ValidationException: The execution role you provide must allow AWS EventBridge Scheduler to
//!   assume the role.` for `role_delay` after the role the schedule names was created or changed;
//!   `ecs:RegisterTaskDefinition` answers `ClientException: Role is not valid` for
//!   `task_role_delay` after the execution or task role it names was created.
//! - **Deletion takes a while.** For `role_delay` after `scheduler:DeleteScheduleGroup`,
//!   `GetScheduleGroup` answers the group with `State: DELETING` (moto deletes at once).
//! - **Any other error** of `scheduler:CreateSchedule`, every time (`schedule_error`).
//!
//! Each delayed fault is answered for its delay after the change, and in any case once after it,
//! so a test on a loaded machine (where the call may come later than the delay) still meets it.
//!
//! Everything else is forwarded to moto unchanged, one request per connection (`Connection: close`).
//! [`AwsFaults::injected`] lists every fault answered, so a test can prove that it met them.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::http_relay::{Relay, Request, forward, read_request};

const SLR_MESSAGE: &str =
    "Unable to assume the service linked role. Please verify that the ECS service linked role exists.";
const SCHEDULER_MESSAGE: &str =
    "The execution role you provide must allow AWS EventBridge Scheduler to assume the role.";
const SLR_TAKEN: &str = "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>\
    <Code>InvalidInput</Code><Message>Service role name AWSServiceRoleForECS has been taken in this account, please try \
    a different suffix.</Message></Error><RequestId>fault-injected</RequestId></ErrorResponse>";
/// IAM actions that create or change a role (what starts its propagation delay).
const ROLE_CHANGES: [&str; 7] = [
    "CreateRole",
    "PutRolePolicy",
    "DeleteRolePolicy",
    "UpdateAssumeRolePolicy",
    "AttachRolePolicy",
    "DetachRolePolicy",
    "UpdateRole",
];

/// What the proxy does besides forwarding; `Faults::default()` only withholds the ECS
/// service-linked role until it is created.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Schedules are refused for this long after their role was created or changed; a deleted
    /// schedule group stays `DELETING` this long.
    pub role_delay: Duration,
    /// The cluster is refused until this long after the service-linked role was created.
    pub slr_delay: Duration,
    /// Task definitions are refused for this long after the execution or task role was created.
    pub task_role_delay: Duration,
    /// `CreateServiceLinkedRole` is carried out but answered with "has been taken".
    pub slr_taken: bool,
    /// Every `CreateSchedule` is answered with this error: HTTP status, code, message.
    pub schedule_error: Option<(u16, &'static str, &'static str)>,
}

pub struct AwsFaults {
    relay: Relay,
    state: Arc<State>,
}

struct State {
    target: SocketAddr,
    faults: Faults,
    slr_created: Mutex<Option<Instant>>,
    role_changed: Mutex<HashMap<String, Instant>>,
    role_created: Mutex<HashMap<String, Instant>>,
    /// The faults answered at least once: (call, the change it was answered for).
    met: Mutex<HashSet<(String, Instant)>>,
    groups_deleted: Mutex<HashMap<String, Instant>>,
    injected: Mutex<Vec<String>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl AwsFaults {
    /// A proxy on a free loopback port in front of moto on `moto_port`.
    pub fn start(moto_port: u16, faults: Faults) -> AwsFaults {
        let state = Arc::new(State {
            target: SocketAddr::from(([127, 0, 0, 1], moto_port)),
            faults,
            slr_created: Mutex::new(None),
            role_changed: Mutex::new(HashMap::new()),
            role_created: Mutex::new(HashMap::new()),
            met: Mutex::new(HashSet::new()),
            groups_deleted: Mutex::new(HashMap::new()),
            injected: Mutex::new(Vec::new()),
        });
        let served = state.clone();
        AwsFaults { relay: Relay::start(move |client| serve(client, served.clone())), state }
    }

    pub fn endpoint(&self) -> String {
        self.relay.endpoint()
    }

    /// The binary, pointed at this proxy.
    pub fn cli(&self) -> super::Cli {
        super::Cli::new().env("AWS_ENDPOINT_URL", self.endpoint())
    }

    /// Every fault answered so far, as `service:Action`, in order.
    pub fn injected(&self) -> Vec<String> {
        lock(&self.state.injected).clone()
    }

    /// How many faults of `call` (`service:Action`) were answered.
    pub fn count(&self, call: &str) -> usize {
        lock(&self.state.injected).iter().filter(|f| *f == call).count()
    }
}

async fn serve(mut client: TcpStream, state: Arc<State>) {
    let Some(request) = read_request(&mut client).await else { return };
    // The CloudWatch SDK speaks rpc-v2-cbor, which moto does not: translated (cloudwatch_cbor.rs).
    if super::cloudwatch_cbor::is_cloudwatch(&request) {
        if let Some(response) = super::cloudwatch_cbor::translate(&request, state.target).await {
            let _ = client.write_all(&response).await;
        }
        let _ = client.shutdown().await;
        return;
    }
    if let Some(fault) = state.fault(&request) {
        let _ = client.write_all(&fault).await;
        let _ = client.shutdown().await;
        return;
    }
    let Some(response) = forward(&request, state.target).await else { return };
    state.observe(&request, &response);
    let response = state.replace(&request).unwrap_or(response);
    let _ = client.write_all(&response).await;
    let _ = client.shutdown().await;
}

impl State {
    /// The error response to give instead of forwarding, if any.
    fn fault(&self, r: &Request) -> Option<Vec<u8>> {
        let (method, path) = r.method_path();
        let target = r.header("x-amz-target").unwrap_or_default();
        if target.ends_with(".CreateCluster") && String::from_utf8_lossy(&r.body).contains("\"capacityProviders\"") {
            let created = *lock(&self.slr_created);
            let refused = created.is_none_or(|t| self.refuse("ecs:CreateCluster", t, self.faults.slr_delay));
            if refused {
                lock(&self.injected).push("ecs:CreateCluster".to_owned());
                let body = format!(r#"{{"__type":"InvalidParameterException","message":"{SLR_MESSAGE}"}}"#);
                return Some(response(400, "application/x-amz-json-1.1", None, &body));
            }
        }
        if method == "GET"
            && let Some(group) = schedule_group_of(path)
            && let Some(deleted) = lock(&self.groups_deleted).get(&group).copied()
            && self.refuse("scheduler:GetScheduleGroup", deleted, self.faults.role_delay)
        {
            lock(&self.injected).push("scheduler:GetScheduleGroup".to_owned());
            let body = format!(
                r#"{{"Arn":"arn:aws:scheduler:us-east-1:123456789012:schedule-group/{group}","Name":"{group}","State":"DELETING","CreationDate":0,"LastModificationDate":0}}"#
            );
            return Some(response(200, "application/json", None, &body));
        }
        if target.ends_with(".RegisterTaskDefinition") {
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
            // The later of the two roles' creations.
            let created = ["executionRoleArn", "taskRoleArn"]
                .iter()
                .filter_map(|k| {
                    let role = body[k].as_str().unwrap_or_default().rsplit('/').next().unwrap_or_default();
                    lock(&self.role_created).get(role).copied()
                })
                .max();
            let call = "ecs:RegisterTaskDefinition";
            if created.is_some_and(|t| self.refuse(call, t, self.faults.task_role_delay)) {
                lock(&self.injected).push("ecs:RegisterTaskDefinition".to_owned());
                let body = r#"{"__type":"ClientException","message":"Role is not valid"}"#;
                return Some(response(400, "application/x-amz-json-1.1", None, body));
            }
        }
        if method == "POST"
            && path.starts_with("/schedules/")
            && let Some((status, code, message)) = self.faults.schedule_error
        {
            lock(&self.injected).push("scheduler:CreateSchedule".to_owned());
            let body = serde_json::json!({ "Message": message }).to_string();
            return Some(response(status, "application/json", Some(code), &body));
        }
        let schedule_write = (method == "POST" || method == "PUT") && path.starts_with("/schedules/");
        if schedule_write {
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
            let role_arn = body["Target"]["RoleArn"].as_str().unwrap_or_default();
            let role = role_arn.rsplit('/').next().unwrap_or_default();
            let call = if method == "POST" { "scheduler:CreateSchedule" } else { "scheduler:UpdateSchedule" };
            let changed = lock(&self.role_changed).get(role).copied();
            if changed.is_some_and(|t| self.refuse(call, t, self.faults.role_delay)) {
                lock(&self.injected).push(call.to_owned());
                let body = format!(r#"{{"Message":"{SCHEDULER_MESSAGE}"}}"#);
                return Some(response(400, "application/json", Some("ValidationException"), &body));
            }
        }
        None
    }

    /// Whether to refuse `call` because of a change at `since`: for `delay` after it, and in any
    /// case the first time after it (with a `delay` at all), so that a test on a slow machine still
    /// meets every fault it asked for.
    fn refuse(&self, call: &str, since: Instant, delay: Duration) -> bool {
        if delay.is_zero() {
            return false;
        }
        let first = lock(&self.met).insert((call.to_owned(), since));
        first || since.elapsed() < delay
    }

    /// The answer to give instead of moto's to a request that was carried out, if any.
    fn replace(&self, r: &Request) -> Option<Vec<u8>> {
        let slr = self.faults.slr_taken
            && r.header("content-type").unwrap_or_default().starts_with("application/x-www-form-urlencoded")
            && form(r).get("Action").map(String::as_str) == Some("CreateServiceLinkedRole");
        slr.then(|| {
            lock(&self.injected).push("iam:CreateServiceLinkedRole".to_owned());
            response(400, "text/xml", None, SLR_TAKEN)
        })
    }

    /// Notes what a forwarded, successful request changed: the service-linked role, a role.
    fn observe(&self, r: &Request, response: &[u8]) {
        let ok = response.starts_with(b"HTTP/1.1 200") || response.starts_with(b"HTTP/1.0 200");
        let (method, path) = r.method_path();
        if ok
            && method == "DELETE"
            && let Some(group) = schedule_group_of(path)
        {
            lock(&self.groups_deleted).insert(group, Instant::now());
        }
        if !ok || !r.header("content-type").unwrap_or_default().starts_with("application/x-www-form-urlencoded") {
            return;
        }
        let form = form(r);
        let action = form.get("Action").map(String::as_str).unwrap_or_default();
        if action == "CreateServiceLinkedRole"
            && form.get("AWSServiceName").map(String::as_str) == Some("ecs.amazonaws.com")
        {
            *lock(&self.slr_created) = Some(Instant::now());
        }
        if ROLE_CHANGES.contains(&action)
            && let Some(role) = form.get("RoleName")
        {
            lock(&self.role_changed).insert(role.clone(), Instant::now());
            if action == "CreateRole" {
                lock(&self.role_created).insert(role.clone(), Instant::now());
            }
        }
    }
}

/// The group name of a `/schedule-groups/NAME[?query]` path.
fn schedule_group_of(path: &str) -> Option<String> {
    let name = path.strip_prefix("/schedule-groups/")?.split('?').next()?;
    (!name.is_empty()).then(|| url_decode(name))
}

fn response(status: u16, content_type: &str, error_type: Option<&str>, body: &str) -> Vec<u8> {
    let error_header = error_type.map(|t| format!("x-amzn-ErrorType: {t}\r\n")).unwrap_or_default();
    let reason = match status {
        200 => "OK",
        403 => "Forbidden",
        _ => "Bad Request",
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n{error_header}x-amzn-RequestId: fault-injected\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// The form fields of a query-protocol request (IAM), URL-decoded.
fn form(r: &Request) -> HashMap<String, String> {
    String::from_utf8_lossy(&r.body)
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (url_decode(k), url_decode(v)))
        .collect()
}

fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..=i + 2]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
