//! A `MONGODB_URI` carries a user name and password; no part of either may reach stdout, stderr
//! or the JSON log, whatever characters the password holds and however the run fails.

use crate::support::Cli;

const USER: &str = "ipsecretuser";

/// The forms of a password that must never show: each one, and its tail after any character the
/// driver treats specially (what a misparse would print).
const FORBIDDEN: &[&str] = &[USER, "ss-w0rd", "pa/ss", "p@ss", "pa%2Fss", "pa?ss", "pa#ss", "pa%40", "pa%25"];

/// A loopback port nobody listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
    l.local_addr().expect("local addr").port()
}

#[test]
fn no_part_of_the_mongodb_user_or_password_reaches_any_output() {
    let port = closed_port();
    let quick = "serverSelectionTimeoutMS=500&connectTimeoutMS=500";
    let uris = [
        // The driver refuses these (a raw reserved character): a configuration error, exit 3.
        format!("mongodb://{USER}:pa/ss-w0rd@127.0.0.1:{port}/?{quick}"),
        format!("mongodb://{USER}:p@ss-w0rd@127.0.0.1:{port}/?{quick}"),
        format!("mongodb://{USER}:pa?ss-w0rd@127.0.0.1:{port}/?{quick}"),
        format!("mongodb://{USER}:pa#ss-w0rd@127.0.0.1:{port}/?{quick}"),
        format!("mongodb://{USER}:pa/ss-w0rd@127.0.0.1:{port}/?{quick}&appName=a@b"),
        format!("mongodb+srv://{USER}:pa/ss-w0rd@cluster0.example.invalid/db"),
        // Valid, percent-encoded: the server is unreachable, exit 1.
        format!("mongodb://{USER}:pa%2Fss-w0rd@127.0.0.1:{port}/?{quick}"),
        format!("mongodb://{USER}:pa%40ss-w0rd@127.0.0.1:{port},127.0.0.1:{port}/db?{quick}&appName=a@b"),
        format!("mongodb://{USER}:pa%25ss-w0rd@127.0.0.1:{port}/?{quick}"),
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
