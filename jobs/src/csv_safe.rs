//! CSV output that is safe to open in a spreadsheet: RFC 4180 quoting (by the `csv` crate) and
//! neutralised formula cells.

/// Prefixes a text cell that a spreadsheet would execute (`=`, `+`, `-`, `@`, tab or CR first)
/// with `'`, the OWASP-recommended neutraliser. Numbers we format ourselves never pass through
/// this; only text that came from input does.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// `kwh` with exactly three decimals; never `-0.000`.
pub fn kwh_3dp(kwh: f64) -> String {
    let s = format!("{kwh:.3}");
    if s == "-0.000" { "0.000".to_owned() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_others_kept() {
        assert_eq!(neutralise("=1+1"), "'=1+1");
        assert_eq!(neutralise("+SUM(A1)"), "'+SUM(A1)");
        assert_eq!(neutralise("-2"), "'-2");
        assert_eq!(neutralise("@cmd"), "'@cmd");
        assert_eq!(neutralise("\tx"), "'\tx");
        assert_eq!(neutralise("MTR-1"), "MTR-1");
        assert_eq!(neutralise(""), "");
    }

    #[test]
    fn kwh_has_exactly_three_decimals() {
        assert_eq!(kwh_3dp(1.0), "1.000");
        assert_eq!(kwh_3dp(2.0006), "2.001");
        assert_eq!(kwh_3dp(-0.0001), "0.000");
        assert_eq!(kwh_3dp(-1.25), "-1.250");
    }
}
