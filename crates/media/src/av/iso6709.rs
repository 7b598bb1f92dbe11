//! ISO 6709 point strings, as phones write them into the `location` (Android, MP4 `©xyz`)
//! and `com.apple.quicktime.location.ISO6709` tags: `+37.3318-122.0312+012.345/`.

use medialib_core::GpsPosition;

/// Parses latitude, longitude and the optional altitude. Each angle may be written as
/// decimal degrees (`±DD.D`, `±DDD.D`), degrees and minutes (`±DDMM.M`) or degrees,
/// minutes and seconds (`±DDMMSS.S`); the digit count before the point tells which.
pub(super) fn parse(text: &str) -> Option<GpsPosition> {
    let text = text.trim();
    let body = text.split('/').next()?;
    // A coordinate reference system suffix (`CRSWGS_84`) may follow the numbers.
    let body = body.split("CRS").next()?;
    let parts = signed_parts(body)?;
    let (lat, lon, alt) = match parts.as_slice() {
        [lat, lon] => (lat, lon, None),
        [lat, lon, alt] => (lat, lon, Some(alt)),
        _ => return None,
    };
    let latitude = angle(lat, 2)?;
    let longitude = angle(lon, 3)?;
    if latitude.abs() > 90.0 || longitude.abs() > 180.0 {
        return None;
    }
    let altitude = match alt {
        Some(alt) => Some(alt.parse::<f64>().ok().filter(|a| a.is_finite())?),
        None => None,
    };
    Some(GpsPosition {
        latitude,
        longitude,
        altitude,
    })
}

/// Splits `+12.3-45.6+7` into `["+12.3", "-45.6", "+7"]`; every part must start with a sign.
fn signed_parts(body: &str) -> Option<Vec<&str>> {
    if !body.starts_with(['+', '-']) {
        return None;
    }
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, c) in body.char_indices().skip(1) {
        if c == '+' || c == '-' {
            parts.push(&body[start..i]);
            start = i;
        }
    }
    parts.push(&body[start..]);
    Some(parts)
}

/// One signed angle whose whole degrees take `degree_digits` digits.
fn angle(part: &str, degree_digits: usize) -> Option<f64> {
    let (sign, digits) = part.split_at(1);
    let sign = if sign == "-" { -1.0 } else { 1.0 };
    let int_len = digits.find('.').unwrap_or(digits.len());
    if int_len == 0 || !digits[..int_len].bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: f64 = digits.parse().ok()?;
    let degrees = match int_len - degree_digits.min(int_len) {
        0 => value,
        2 => {
            let minutes = value % 100.0;
            (minutes < 60.0).then_some(((value - minutes) / 100.0) + minutes / 60.0)?
        }
        4 => {
            let seconds = value % 100.0;
            let minutes = ((value - seconds) / 100.0) % 100.0;
            let whole = ((value - seconds) / 100.0 - minutes) / 100.0;
            (minutes < 60.0 && seconds < 60.0)
                .then_some(whole + minutes / 60.0 + seconds / 3600.0)?
        }
        _ => return None,
    };
    Some(sign * degrees)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn decimal_degrees_with_and_without_altitude() {
        let p = parse("+37.3318-122.0312+012.345/").unwrap();
        assert!(close(p.latitude, 37.3318) && close(p.longitude, -122.0312));
        assert_eq!(p.altitude, Some(12.345));
        let p = parse("-33.8688+151.2093/").unwrap();
        assert!(close(p.latitude, -33.8688) && close(p.longitude, 151.2093));
        assert_eq!(p.altitude, None);
    }

    #[test]
    fn minutes_and_seconds_forms() {
        let p = parse("+4030-07400/").unwrap();
        assert!(close(p.latitude, 40.5) && close(p.longitude, -74.0));
        let p = parse("+403000.0-0740030.0CRSWGS_84/").unwrap();
        assert!(close(p.latitude, 40.5) && close(p.longitude, -(74.0 + 30.0 / 3600.0)));
    }

    #[test]
    fn nonsense_is_none() {
        for text in [
            "",
            "/",
            "37.1-122.0/",
            "+91.0+000.0/",
            "+12.0/",
            "+1a.0+002.0/",
        ] {
            assert_eq!(parse(text), None, "{text:?}");
        }
    }
}
