//! Creation dates as the formats write them, normalised for `DocumentMetadata::created_at`.
//!
//! Inputs: `pdfinfo -isodates` (`2023-04-23T17:59:04+08`, `…Z`, `…-05:30`), OOXML
//! `dcterms:created` (W3CDTF, `2017-09-29T12:49:00Z`) and ODF `meta:creation-date`
//! (`2022-06-26T10:36:59.716192158`, local time without an offset).

/// `YYYY-MM-DDTHH:MM:SS[.fraction][Z | ±HH | ±HH:MM | ±HHMM]` as RFC 3339 (`…Z` or
/// `…±HH:MM`), or as `YYYY-MM-DDTHH:MM:SS` when the input has no offset (ODF writes local
/// time, and inventing an offset would be wrong). Fractions of a second are dropped.
/// `None` for anything else, e.g. a PDF date poppler could not parse and printed raw.
pub(super) fn normalize(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let base = raw.get(..19).filter(|b| b.is_ascii())?;
    let b = base.as_bytes();
    let separators_ok = b[4] == b'-'
        && b[7] == b'-'
        && matches!(b[10], b'T' | b't')
        && b[13] == b':'
        && b[16] == b':';
    if !separators_ok {
        return None;
    }
    let field = |at: usize| number(&base[at..at + 2]);
    number(&base[..4])?;
    let (month, day) = (field(5)?, field(8)?);
    let (hour, minute, second) = (field(11)?, field(14)?, field(17)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let date_time = format!("{}T{}", &base[..10], &base[11..]);

    let mut rest = &raw[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset = match rest {
        "" => return Some(date_time),
        "Z" | "z" => "Z".to_owned(),
        _ => {
            let (sign, hhmm) = (rest.get(..1)?, rest.get(1..)?);
            let (hours, minutes) = match hhmm.len() {
                2 => (hhmm, "00"),
                4 => (hhmm.get(..2)?, hhmm.get(2..)?),
                5 if hhmm.as_bytes()[2] == b':' => (hhmm.get(..2)?, hhmm.get(3..)?),
                _ => return None,
            };
            if !matches!(sign, "+" | "-") || number(hours)? > 23 || number(minutes)? > 59 {
                return None;
            }
            format!("{sign}{hours}:{minutes}")
        }
    };
    Some(format!("{date_time}{offset}"))
}

/// The value of a run of ASCII digits (`str::parse` would also take a sign).
fn number(digits: &str) -> Option<u32> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn pdfinfo_offsets_become_rfc3339() {
        assert_eq!(
            normalize("2023-04-23T17:59:04+08").as_deref(),
            Some("2023-04-23T17:59:04+08:00")
        );
        assert_eq!(
            normalize("2022-04-03T18:05:42-05:30").as_deref(),
            Some("2022-04-03T18:05:42-05:30")
        );
        assert_eq!(
            normalize("2023-04-20T12:50:47Z").as_deref(),
            Some("2023-04-20T12:50:47Z")
        );
        assert_eq!(
            normalize("2023-04-20T12:50:47+0100").as_deref(),
            Some("2023-04-20T12:50:47+01:00")
        );
    }

    #[test]
    fn odf_local_times_keep_no_offset_and_lose_the_fraction() {
        assert_eq!(
            normalize("2022-06-26T10:36:59.716192158").as_deref(),
            Some("2022-06-26T10:36:59")
        );
        assert_eq!(
            normalize("2017-09-29T12:49:00.5Z").as_deref(),
            Some("2017-09-29T12:49:00Z")
        );
    }

    #[test]
    fn anything_else_is_dropped() {
        for raw in [
            "",
            "D:20230423175904+08'00'",
            "2023-04-23",
            "2023-13-01T00:00:00Z",
            "2023-04-23T25:00:00Z",
            "2023-04-23T17:59:04+8",
            "2023-04-23T17:59:04+08:00junk",
            "2023-04-23T17:59:04.",
            "+023-04-23T17:59:04Z",
            "2023-04-23T17:59:04é",
            "2023-04-2é17:59:04Z",
        ] {
            assert_eq!(normalize(raw), None, "{raw}");
        }
    }
}
