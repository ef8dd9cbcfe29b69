use mongodb::bson::{Bson, DateTime, Document, RawDocumentBuf, doc};

use super::*;

const ON_GRID: i64 = 1_768_471_200_000; // 2026-01-15T10:00:00Z

fn judge(d: Document) -> Option<(String, f64, bool)> {
    let raw = RawDocumentBuf::from_document(&d).expect("encode");
    usable(&raw).map(|u| (u.meter_id.to_owned(), u.kwh, u.estimated))
}

fn reading(kwh: Bson) -> Document {
    doc! { "meterId": "MTR-1", "intervalStart": DateTime::from_millis(ON_GRID), "kwh": kwh }
}

fn dec(s: &str) -> Bson {
    Bson::Decimal128(s.parse().expect("decimal"))
}

#[test]
fn every_bson_numeric_type_is_a_usable_kwh() {
    for (kwh, want) in [
        (Bson::Double(0.25), 0.25),
        (Bson::Int32(2), 2.0),
        (Bson::Int64(-3), -3.0),
        (dec("1.5"), 1.5),
        (dec("1.5E+3"), 1500.0),
        (dec("-0.001"), -0.001),
        (Bson::Double(1e9), 1e9),
        (Bson::Double(-1e9), -1e9),
    ] {
        assert_eq!(judge(reading(kwh.clone())), Some(("MTR-1".into(), want, false)), "{kwh:?}");
    }
}

#[test]
fn out_of_range_nan_infinite_and_non_numeric_kwh_are_malformed() {
    for kwh in [
        Bson::Double(f64::NAN),
        Bson::Double(f64::INFINITY),
        Bson::Double(1e9 + 1.0),
        dec("NaN"),
        dec("-Infinity"),
        dec("1E+10"),
        Bson::String("1.5".into()),
        Bson::Null,
        Bson::Boolean(true),
        Bson::Array(vec![Bson::Double(1.0)]),
    ] {
        assert_eq!(judge(reading(kwh.clone())), None, "{kwh:?}");
    }
    let mut missing = reading(Bson::Null);
    missing.remove("kwh");
    assert_eq!(judge(missing), None);
}

#[test]
fn meter_id_must_be_a_non_empty_string_and_the_interval_a_date_on_the_grid() {
    for meter in [Bson::String(String::new()), Bson::Int32(42), Bson::Array(vec![Bson::String("M".into())])] {
        let mut d = reading(Bson::Double(1.0));
        d.insert("meterId", meter.clone());
        assert_eq!(judge(d), None, "{meter:?}");
    }
    for start in [
        Bson::DateTime(DateTime::from_millis(ON_GRID + 7 * 60_000)),
        Bson::DateTime(DateTime::from_millis(ON_GRID + 500)),
        Bson::String("2026-01-15T10:00:00Z".into()),
    ] {
        let mut d = reading(Bson::Double(1.0));
        d.insert("intervalStart", start.clone());
        assert_eq!(judge(d), None, "{start:?}");
    }
    let mut before_1970 = reading(Bson::Double(1.0));
    before_1970.insert("intervalStart", DateTime::from_millis(-GRID_MS));
    assert!(judge(before_1970).is_some(), "a negative epoch on the grid is on the grid");
}

#[test]
fn only_the_boolean_true_marks_an_estimate() {
    for (flag, want) in [
        (Bson::Boolean(true), true),
        (Bson::Boolean(false), false),
        (Bson::Int32(1), false),
        (Bson::String("true".into()), false),
    ] {
        let mut d = reading(Bson::Double(1.0));
        d.insert("estimated", flag.clone());
        assert_eq!(judge(d).map(|r| r.2), Some(want), "{flag:?}");
    }
}

#[test]
fn decimal128_values_convert_like_to_double() {
    assert_eq!(number_as_f64(&dec("0.1")), Some(0.1));
    assert_eq!(number_as_f64(&dec("12345678901234567890")), Some(12345678901234567890.0));
    assert!(number_as_f64(&dec("NaN")).is_some_and(f64::is_nan));
    assert_eq!(number_as_f64(&Bson::String("1".into())), None);
}

#[test]
fn the_compensated_sum_does_not_drift_with_the_number_of_readings() {
    let mut s = KwhSum::default();
    let mut naive = 0.0;
    for _ in 0..1_000_000 {
        s.add(0.1);
        naive += 0.1;
    }
    assert_eq!(s.total(), 100_000.0);
    assert_ne!(naive, 100_000.0, "the naive sum drifts, so this test can tell the two apart");
    let mut big = KwhSum::default();
    for x in [1e9, 0.001, -1e9] {
        big.add(x);
    }
    assert_eq!(big.total(), 0.001);
}

#[test]
fn a_field_given_twice_counts_as_its_first_occurrence() {
    let mut raw = RawDocumentBuf::new();
    raw.append("kwh", 2.0);
    raw.append("meterId", "MTR-1");
    raw.append("intervalStart", DateTime::from_millis(ON_GRID));
    raw.append("kwh", "not a number");
    raw.append("meterId", "MTR-2");
    let u = usable(&raw).expect("the first kwh and meterId are usable");
    assert_eq!((u.meter_id, u.kwh, u.estimated), ("MTR-1", 2.0, false));

    let mut bad_first = RawDocumentBuf::new();
    bad_first.append("kwh", "not a number");
    bad_first.append("meterId", "MTR-1");
    bad_first.append("intervalStart", DateTime::from_millis(ON_GRID));
    bad_first.append("kwh", 2.0);
    assert_eq!(usable(&bad_first), None);
}

#[test]
fn a_document_with_corrupt_bytes_is_malformed() {
    let raw = RawDocumentBuf::from_document(&reading(Bson::Double(1.0))).expect("encode");
    let mut bytes = raw.as_bytes().to_vec();
    // The first element's type byte (just after the length) becomes an unknown type.
    bytes[4] = 0x7e;
    let corrupt = RawDocument::from_bytes(&bytes).expect("the length and the trailing zero are intact");
    assert_eq!(usable(corrupt), None);
}
