use super::*;

/// (URI, text its redacted form must show, credentials that must appear nowhere).
const CASES: &[(&str, &str, &[&str])] = &[
    ("mongodb://ipuser:pa/ss@db:27017/x?tls=true", "@db:27017/x?tls=true", &["ipuser", "pa/ss"]),
    ("mongodb://ipuser:p@ss@db:27017", "@db:27017", &["ipuser", "p@ss"]),
    ("mongodb://ipuser:pa%2Fss%40w@db:27017/x", "@db:27017/x", &["ipuser", "pa%2Fss%40w", "pa/ss@w"]),
    ("mongodb://ipuser:pa:ss@db", "@db", &["ipuser", "pa:ss"]),
    ("mongodb://ipuser:pa?ss@db/x", "@db/x", &["ipuser", "pa?ss"]),
    ("mongodb://ipuser:pa#ss@db/x", "@db/x", &["ipuser", "pa#ss"]),
    ("mongodb://ipuser:50%off@db", "@db", &["ipuser", "50%off"]),
    ("mongodb://ipuser:pa%25ss%3F%23%3A@db", "@db", &["ipuser", "pa%25ss%3F%23%3A", "pa%ss?#:"]),
    ("mongodb://ip%2Fuser:pass%2Fword@db", "@db", &["ip%2Fuser", "ip/user", "pass%2Fword", "pass/word"]),
    (
        "mongodb+srv://ipuser:pa/ss@cluster0.example.net/x?retryWrites=true",
        "@cluster0.example.net/x",
        &["ipuser", "pa/ss"],
    ),
    (
        "mongodb+srv://ipuser:secretpw@cluster0.example.net/x",
        "mongodb+srv://****@cluster0.example.net/x",
        &["ipuser", "secretpw"],
    ),
    (
        "mongodb://ipuser:secretpw@h1:27017,h2:27018,h3/x?replicaSet=rs0",
        "@h1:27017,h2:27018,h3/x?replicaSet=rs0",
        &["ipuser", "secretpw"],
    ),
    ("mongodb://ipuser:secretpw@db/?appName=a@b", "mongodb://****@db/?appName=a@b", &["ipuser", "secretpw"]),
    ("mongodb://ipuser:pa/ss@db/?appName=a@b", "mongodb://****@", &["ipuser", "pa/ss"]),
    ("mongodb://ipuser@db", "mongodb://****@db", &["ipuser"]),
    ("mongodb://ipuser:27017?appName=x@db", "mongodb://****@db", &["ipuser", "27017?appName=x"]),
    ("postgres://ipuser:secretpw@db/x", "postgres://****@db/x", &["ipuser", "secretpw"]),
    ("mongodb://ipuser:p\"a\\ss@db", "mongodb://****@db", &["ipuser", "p\"a\\ss", "p\\\"a\\\\ss"]),
    (
        "mongodb://db:27017/?tlsCertificateKeyFilePassword=hunter22",
        "db:27017/?tlsCertificateKeyFilePassword=****",
        &["hunter22"],
    ),
    (
        "mongodb://ipuser:pa%2Fss@db/?authMechanism=MONGODB-AWS&authMechanismProperties=AWS_SESSION_TOKEN:tok3n123",
        "authMechanism=MONGODB-AWS&authMechanismProperties=****",
        &["ipuser", "pa%2Fss", "pa/ss", "tok3n123"],
    ),
    ("mongodb://db:27017/x?tls=true", "mongodb://db:27017/x?tls=true", &[]),
];

#[test]
fn no_part_of_the_user_info_reaches_a_redacted_uri() {
    for (uri, shown, hidden) in CASES {
        let r = redact(uri);
        assert!(r.contains(shown), "{uri}: {r} does not show {shown}");
        for h in *hidden {
            assert!(!r.contains(h), "{uri}: {r} shows {h}");
        }
        assert_eq!(format!("{}", SecretUri::new((*uri).to_owned())), r);
        assert_eq!(format!("{:?}", SecretUri::new((*uri).to_owned())), format!("{r:?}"));
    }
}

#[test]
fn the_drivers_complaint_about_a_uri_never_quotes_its_credentials() {
    let mut refused = 0;
    for (uri, _, hidden) in CASES {
        let Err(e) = ConnectionString::parse(uri) else { continue };
        refused += 1;
        let reason = parse_failure(uri, &e);
        for h in *hidden {
            assert!(!reason.contains(h), "{uri}: {reason:?} shows {h}");
        }
        assert!(!reason.is_empty() && !reason.contains('\n'), "{uri}: {reason:?}");
    }
    assert!(refused >= 8, "the table should hold URIs the driver refuses");
    let Err(e) = ConnectionString::parse("mongodb://ipuser:pa/ss@db") else { panic!("parsed a raw /") };
    assert_eq!(
        parse_failure("mongodb://ipuser:pa/ss@db", &e),
        "password must be URL encoded; percent-encode : / ? # [ ] @ and % in the user name and password \
         (%3A %2F %3F %23 %5B %5D %40 %25)"
    );
    let Err(e) = ConnectionString::parse("mongodb://db:notaport") else { panic!("parsed a bad port") };
    assert!(parse_failure("mongodb://db:notaport", &e).contains("notaport"), "without credentials the message stays");
}

#[test]
fn scrubbing_removes_every_form_of_the_credentials_from_free_text() {
    for (uri, _, hidden) in CASES {
        let s = secrets(uri);
        let text = format!("cannot reach {uri}: {} {}", hidden.join(" "), json_escaped(&hidden.join(" ")));
        let clean = scrub_with(&text, &s);
        for h in hidden.iter().filter(|h| h.chars().count() >= MIN_SCRUBBED) {
            assert!(!clean.contains(h), "{uri}: {clean} shows {h}");
        }
    }
    assert_eq!(scrub_with("nothing to hide", &secrets("mongodb://ipuser:secretpw@db")), "nothing to hide");
}
