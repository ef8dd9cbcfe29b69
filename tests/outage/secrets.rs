//! A `MONGODB_URI` carries a user name and password; no part of either may reach stdout, stderr
//! or the JSON log, whatever characters the password holds and however the run fails.

use mongodb::bson::{Document, doc};

use crate::support::fixtures::{Reading, canonical, error_lines, history, readings, utc};
use crate::support::own_mongo::{OwnMongo, free_port};
use crate::support::upstream::{self, DAY, expected_csv, local_day};
use crate::support::{Cli, Output, TestDb, unique_name};

const USER: &str = "ipsecretuser";

/// The forms of a password that must never show: each one, and its tail after any character the
/// driver treats specially (what a misparse would print).
const FORBIDDEN: &[&str] = &[
    USER, "ss-w0rd", "pa/ss", "p@ss", "pa%2Fss", "pa?ss", "pa#ss", "pa%40", "pa%25", "pa:ss", "pa%zz", "pa%3A", "ss%3F",
];

#[test]
fn no_part_of_the_mongodb_user_or_password_reaches_any_output() {
    let port = free_port();
    let quick = "serverSelectionTimeoutMS=500&connectTimeoutMS=500";
    let uris = [
        // The driver refuses these (a raw reserved character): a configuration error, exit 3.
        format!("mongodb://{USER}:pa/ss-w0rd@127.0.0.1:{port}/?{quick}"),
        format!("mongodb://{USER}:p@ss-w0rd@127.0.0.1:{port}/?{quick}"),
        format!("mongodb://{USER}:pa?ss-w0rd@127.0.0.1:{port}/?{quick}"),
        format!("mongodb://{USER}:pa#ss-w0rd@127.0.0.1:{port}/?{quick}"),
        format!("mongodb://{USER}:pa/ss-w0rd@127.0.0.1:{port}/?{quick}&appName=a@b"),
        format!("mongodb+srv://{USER}:pa/ss-w0rd@cluster0.example.invalid/db"),
        format!("mongodb://{USER}:pa:ss-w0rd@127.0.0.1:{port}/?{quick}"),
        format!("mongodb://{USER}:pa%zzss-w0rd@127.0.0.1:{port}/?{quick}"),
        // Valid, percent-encoded: the server is unreachable, exit 1.
        format!("mongodb://{USER}:pa%2Fss-w0rd@127.0.0.1:{port}/?{quick}"),
        format!("mongodb://{USER}:pa%40ss-w0rd@127.0.0.1:{port},127.0.0.1:{port}/db?{quick}&appName=a@b"),
        format!("mongodb://{USER}:pa%25ss-w0rd@127.0.0.1:{port}/?{quick}"),
        format!("mongodb://{USER}:pa%3Ass%3F%23-w0rd@127.0.0.1:{port}/?{quick}"),
        // Valid, percent-encoded, `+srv`: its DNS lookup fails (a configuration error).
        format!("mongodb+srv://{USER}:pa%2Fss-w0rd@cluster0.example.invalid/db"),
    ];
    for uri in &uris {
        let base = || Cli::new().env("MONGODB_URI", uri).env("LOG_FORMAT", "json").env("MONGODB_DATABASE", "secrets");
        let runs = [
            ("run", base().args(["run", "--process", "HourlyDataChange", "--at", "2026-01-15T17:00:00Z"])),
            ("processToRun", base().env("processToRun", "FileGeneration").env("OUTPUT_URL", "file:///tmp/unused")),
            ("seed", base().args(["seed", "--meters", "1", "--days", "1"])),
            ("history", base().args(["history"])),
            ("text logs", base().env("LOG_FORMAT", "text").args(["history"])),
        ];
        for (how, cli) in runs {
            let out = cli.run();
            let case = format!("{how} with {uri}");
            assert!(matches!(out.code, Some(1 | 3)), "{case}: exit {:?}\n{}", out.code, out.stderr);
            let errors: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("error:")).collect();
            assert_eq!(errors.len(), 1, "{case}: one error: line\n{}", out.stderr);
            assert!(
                errors[0].contains("MONGODB_URI") || errors[0].contains("cannot reach MongoDB"),
                "{case}: {}",
                errors[0]
            );
            for f in FORBIDDEN {
                assert!(!out.stdout.contains(f), "{case}: stdout shows {f:?}\n{}", out.stdout);
                assert!(!out.stderr.contains(f), "{case}: stderr shows {f:?}\n{}", out.stderr);
            }
            if how != "text logs" {
                assert!(
                    out.stderr.lines().any(|l| l.starts_with('{') && l.contains("\"exit_code\"")),
                    "{case}: no JSON log of the failure\n{}",
                    out.stderr
                );
            }
        }
    }
}

/// The user of the authenticated server, and a password with every character a URI reserves.
const AUTH_USER: &str = "ipq7zx";
const AUTH_PASSWORD: &str = "p/a@ss:w?o#r%d";

/// `s` with every character but the unreserved ones percent-encoded, as a URI's userinfo needs.
fn percent_encoded(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What must never show of a user name and password: each whole, raw and percent-encoded, and
/// every four characters of them.
fn never_shown(secrets: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for s in secrets.iter().flat_map(|s| [(*s).to_owned(), percent_encoded(s)]) {
        let chars: Vec<char> = s.chars().collect();
        out.extend(chars.windows(4).map(|w| w.iter().collect::<String>()));
        out.push(s);
    }
    out.sort();
    out.dedup();
    out
}

#[track_caller]
fn shows_no_secret(case: &str, out: &Output, secrets: &[&str]) {
    for f in never_shown(secrets) {
        assert!(!out.stdout.contains(&f), "{case}: stdout shows {f:?}\n{}", out.stdout);
        assert!(!out.stderr.contains(&f), "{case}: stderr (and the JSON log) shows {f:?}\n{}", out.stderr);
    }
    assert!(out.stderr.lines().any(|l| l.starts_with('{')), "{case}: no JSON log\n{}", out.stderr);
}

/// A server that requires authentication, its user's password full of reserved characters
/// (percent-encoded in `MONGODB_URI`), and a database an upstream team prepared: real runs
/// authenticate and write their data, a wrong password is one clear error, and neither shows any
/// part of the user or password. The first user is made while the server runs without `--auth`
/// (secantusd-py has no localhost exception), then it is restarted with `--auth`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_authenticate_with_a_password_full_of_reserved_characters_and_never_show_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical temp dir");
    let name = unique_name("auth").replace('-', "_");
    let open = OwnMongo::start(&root, false);
    let client = mongodb::Client::with_uri_str(open.uri(None, "")).await.expect("client");
    client
        .database("admin")
        .run_command(doc! {
            "createUser": AUTH_USER, "pwd": AUTH_PASSWORD, "roles": [{ "role": "readWrite", "db": &name }],
        })
        .await
        .expect("createUser");
    let seed = upstream::prepare(&TestDb::new_on(&open.uri(None, ""), &name).await).await;
    drop(client);
    open.stop();

    let server = OwnMongo::start(&root, true);
    let anonymous = mongodb::Client::with_uri_str(server.uri(None, "")).await.expect("client");
    let refused = anonymous.database(&name).list_collection_names().await;
    assert!(refused.is_err(), "the restarted server must require authentication: {refused:?}");
    let userinfo = format!("{AUTH_USER}:{}", percent_encoded(AUTH_PASSWORD));
    let uri = server.uri(Some(&userinfo), "authSource=admin");
    let db = TestDb::new_on(&uri, &name).await;
    let cli = |uri: &str| {
        Cli::new()
            .env("MONGODB_URI", uri)
            .env("MONGODB_DATABASE", &name)
            .env("SCHEDULE_TIMEZONE", upstream::TZ)
            .env("OUTPUT_URL", format!("file://{}", root.join("out").display()))
    };
    let secrets = [AUTH_USER, AUTH_PASSWORD];

    // FileGeneration reads the fall-back day and records its file.
    let file = ["run", "--process", "FileGeneration", "--at", upstream::FILE_AT];
    let out = cli(&uri).args(file).run().success();
    shows_no_secret("FileGeneration", &out, &secrets);
    let csv = std::fs::read_to_string(root.join("out/daily-usage").join(format!("{DAY}.csv"))).expect("the CSV");
    let (start, end) = local_day(DAY);
    assert_eq!(csv, expected_csv(DAY, &seed.usage(start, end)), "the file of an authenticated run");
    // QuarterHourlyDataChange writes its estimates.
    let quarter = ["run", "--process", "QuarterHourlyDataChange", "--at", "2026-11-01T06:30:00Z"];
    let out = cli(&uri).args(quarter).run().success();
    shows_no_secret("QuarterHourlyDataChange", &out, &secrets);
    let mut want: Vec<Document> = seed.readings.iter().map(Reading::doc).collect();
    let estimates = seed.expected_estimates(utc("2026-11-01T06:15:00Z"), utc("2026-11-01T06:30:00Z"));
    assert!(!estimates.is_empty(), "the window has readings to estimate");
    want.extend(estimates.iter().map(Reading::doc));
    assert_eq!(readings(&db).await, canonical(&want), "the estimates were written");
    let (ledger, data) = (history(&db, None), readings(&db).await);

    // The wrong password: one error line at once (not retried), exit 3 (a configuration error:
    // the server answered and refused it), nothing written.
    let wrong_password = format!("{AUTH_PASSWORD}X9");
    let wrong = server.uri(Some(&format!("{AUTH_USER}:{}", percent_encoded(&wrong_password))), "authSource=admin");
    let out = cli(&wrong).args(file).run().expect_code(3);
    shows_no_secret("a wrong password", &out, &[AUTH_USER, &wrong_password]);
    let errors = error_lines(&out.stderr);
    assert_eq!(errors.len(), 1, "{}", out.stderr);
    assert!(
        errors[0].contains("MONGODB_URI") && errors[0].contains("refused its user name or password"),
        "{}",
        errors[0]
    );
    assert!(errors[0].contains("uthentication failed"), "{}", errors[0]);
    assert!(!out.stderr.contains("transient error, retrying"), "a wrong password is not retried:\n{}", out.stderr);
    assert!(errors[0].contains("mongodb://****@127.0.0.1"), "the URI is shown without its userinfo: {}", errors[0]);
    assert!(out.stderr.lines().any(|l| l.starts_with('{') && l.contains("\"exit_code\":3")), "{}", out.stderr);
    let after: Vec<_> = history(&db, None).iter().map(|e| (e.window_start.clone(), e.attempts)).collect();
    assert_eq!(after, ledger.iter().map(|e| (e.window_start.clone(), e.attempts)).collect::<Vec<_>>());
    assert_eq!(readings(&db).await, data, "readings untouched");
}
