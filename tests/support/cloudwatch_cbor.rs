//! moto speaks CloudWatch only in the query and AWS JSON 1.0 protocols; the current
//! `aws-sdk-cloudwatch` speaks Smithy RPC v2 CBOR. This loopback HTTP proxy sits in front of moto
//! and translates: a CloudWatch request (`POST /service/GraniteServiceVersion20100801/operation/<Op>`,
//! CBOR body) becomes the same operation in AWS JSON 1.0 (`X-Amz-Target:
//! GraniteServiceVersion20100801.<Op>`), and moto's JSON reply goes back as CBOR with the
//! `smithy-protocol: rpc-v2-cbor` header. Timestamps (CBOR tag 1) become epoch seconds and back,
//! by the field name (`…Timestamp`, `…Timestamps`), which is how CloudWatch names them. Every
//! other request goes to moto unchanged, so the proxy can also stand in for moto as a whole.
//! The binary reaches it through `AWS_ENDPOINT_URL_CLOUDWATCH` ([`super::Moto::cli`]).

use std::net::SocketAddr;

use ciborium::value::{Integer, Value as Cbor};
use serde_json::Value as Json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::http_relay::{Relay, Request, find, forward, read_request};

const OPERATION_PATH: &str = "/service/GraniteServiceVersion20100801/operation/";
const TARGET_PREFIX: &str = "GraniteServiceVersion20100801";
/// Request headers that describe the CBOR body (replaced for the JSON one).
const BODY_HEADERS: [&str; 5] = ["content-type", "content-length", "smithy-protocol", "accept", "transfer-encoding"];

pub struct CloudWatchCbor {
    relay: Relay,
}

impl CloudWatchCbor {
    /// The translator on a free loopback port, in front of moto on `moto_port`.
    pub fn start(moto_port: u16) -> CloudWatchCbor {
        let target = SocketAddr::from(([127, 0, 0, 1], moto_port));
        CloudWatchCbor { relay: Relay::start(move |client| serve(client, target)) }
    }

    pub fn endpoint(&self) -> String {
        self.relay.endpoint()
    }
}

async fn serve(mut client: TcpStream, target: SocketAddr) {
    let Some(request) = read_request(&mut client).await else { return };
    let response = match is_cloudwatch(&request) {
        true => translate(&request, target).await,
        false => forward(&request, target).await,
    };
    if let Some(response) = response {
        let _ = client.write_all(&response).await;
    }
    let _ = client.shutdown().await;
}

/// Whether this is a CloudWatch request in rpc-v2-cbor.
pub(super) fn is_cloudwatch(r: &Request) -> bool {
    r.method_path().1.starts_with(OPERATION_PATH)
}

/// Sends `r` to moto as AWS JSON 1.0 and returns moto's reply as rpc-v2-cbor.
pub(super) async fn translate(r: &Request, target: SocketAddr) -> Option<Vec<u8>> {
    let operation = r.method_path().1.strip_prefix(OPERATION_PATH)?.split('?').next()?.to_owned();
    let input = if r.body.is_empty() {
        Json::Object(Default::default())
    } else {
        cbor_to_json(&ciborium::from_reader::<Cbor, _>(r.body.as_slice()).ok()?)
    };
    let body = input.to_string().into_bytes();
    let headers: Vec<&str> = r
        .head
        .trim_end()
        .lines()
        .skip(1)
        .filter(|l| !BODY_HEADERS.iter().any(|h| l.to_ascii_lowercase().starts_with(&format!("{h}:"))))
        .collect();
    let head = format!(
        "POST / HTTP/1.1\r\n{}\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: {TARGET_PREFIX}.{operation}\r\n\
         Content-Length: {}\r\n\r\n",
        headers.join("\r\n"),
        body.len()
    );
    let reply = forward(&Request { head, body }, target).await?;
    Some(json_reply_to_cbor(&reply))
}

/// moto's JSON reply (status, headers, body) as an rpc-v2-cbor reply.
fn json_reply_to_cbor(reply: &[u8]) -> Vec<u8> {
    let head_end = find(reply, b"\r\n\r\n").map_or(reply.len(), |i| i + 4);
    let head = String::from_utf8_lossy(&reply[..head_end]).into_owned();
    let status_line = head.lines().next().unwrap_or("HTTP/1.1 500 Internal Server Error").to_owned();
    // Error codes of this awsQueryCompatible service travel in this header too.
    let keep: Vec<&str> = head
        .lines()
        .skip(1)
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            l.starts_with("x-amzn-requestid:") || l.starts_with("x-amzn-query-error:")
        })
        .collect();
    let json: Json = serde_json::from_slice(&reply[head_end..]).unwrap_or(Json::Object(Default::default()));
    let mut body = Vec::new();
    if ciborium::into_writer(&json_to_cbor(None, &json), &mut body).is_err() {
        body.clear();
    }
    let mut out = format!(
        "{status_line}\r\nContent-Type: application/cbor\r\nsmithy-protocol: rpc-v2-cbor\r\n{}Content-Length: {}\r\n\
         Connection: close\r\n\r\n",
        keep.iter().map(|l| format!("{l}\r\n")).collect::<String>(),
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

fn cbor_to_json(v: &Cbor) -> Json {
    match v {
        Cbor::Integer(i) => {
            let n = i128::from(*i);
            i64::try_from(n).map(Json::from).unwrap_or_else(|_| Json::from(n as f64))
        }
        Cbor::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Cbor::Text(s) => Json::String(s.clone()),
        Cbor::Bool(b) => Json::Bool(*b),
        Cbor::Null => Json::Null,
        // Tag 1: epoch seconds, which is how JSON 1.0 sends timestamps.
        Cbor::Tag(_, inner) => cbor_to_json(inner),
        Cbor::Array(a) => Json::Array(a.iter().map(cbor_to_json).collect()),
        Cbor::Map(m) => {
            Json::Object(m.iter().filter_map(|(k, v)| k.as_text().map(|k| (k.to_owned(), cbor_to_json(v)))).collect())
        }
        _ => Json::Null,
    }
}

/// JSON to CBOR; a number under a `…Timestamp(s)` key becomes a tag-1 timestamp.
fn json_to_cbor(key: Option<&str>, v: &Json) -> Cbor {
    let timestamp = key.is_some_and(|k| k.ends_with("Timestamp") || k.ends_with("Timestamps"));
    match v {
        Json::Number(n) => {
            let value = match n.as_i64() {
                Some(i) => Cbor::Integer(Integer::from(i)),
                None => Cbor::Float(n.as_f64().unwrap_or_default()),
            };
            if timestamp { Cbor::Tag(1, Box::new(Cbor::Float(n.as_f64().unwrap_or_default()))) } else { value }
        }
        Json::String(s) => Cbor::Text(s.clone()),
        Json::Bool(b) => Cbor::Bool(*b),
        Json::Null => Cbor::Null,
        Json::Array(a) => Cbor::Array(a.iter().map(|x| json_to_cbor(key, x)).collect()),
        Json::Object(m) => {
            Cbor::Map(m.iter().map(|(k, v)| (Cbor::Text(k.clone()), json_to_cbor(Some(k), v))).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use ciborium::value::Value as Cbor;
    use serde_json::json;

    use super::{cbor_to_json, json_to_cbor};

    #[test]
    fn timestamps_travel_as_cbor_tag_1_and_everything_else_keeps_its_type() {
        let reply = json!({"MetricAlarms": [{"AlarmName": "a", "Period": 900, "Threshold": 1.0,
            "ActionsEnabled": true, "StateUpdatedTimestamp": 1767225600.5}]});
        let cbor = json_to_cbor(None, &reply);
        let alarm = match &cbor {
            Cbor::Map(m) => match &m[0].1 {
                Cbor::Array(a) => a[0].clone(),
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        };
        let field = |name: &str| match &alarm {
            Cbor::Map(m) => m.iter().find(|(k, _)| k.as_text() == Some(name)).map(|(_, v)| v.clone()),
            _ => None,
        };
        assert!(matches!(field("StateUpdatedTimestamp"), Some(Cbor::Tag(1, _))));
        assert!(matches!(field("Period"), Some(Cbor::Integer(_))));
        assert!(matches!(field("Threshold"), Some(Cbor::Float(_))));
        assert_eq!(cbor_to_json(&cbor), reply, "and back");
    }
}
