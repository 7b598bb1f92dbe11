//! The places analyser on the real GeoNames data set (`scripts/models.sh` installs it in
//! `models/`), with the GPS positions of corpus photos (`manifest.json`).

use std::path::PathBuf;

use medialib_analysis::places::{Geocoder, MAX_DISTANCE_KM};
use medialib_core::GpsPosition;

fn geocoder() -> Geocoder {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../models");
    Geocoder::load(&dir).unwrap_or_else(|e| panic!("{e}; run scripts/setup.sh first"))
}

fn at(latitude: f64, longitude: f64) -> GpsPosition {
    GpsPosition {
        latitude,
        longitude,
        altitude: None,
    }
}

#[test]
fn corpus_gps_positions_name_their_city_region_and_country() {
    let geocoder = geocoder();
    // (photo, its position, the place it was taken in, which maps show). Madrid's
    // Vallehermoso district is the nearest place to the iPhone photo: the city is named.
    let cases = [
        (
            "nikon_d70s_gps.jpg",
            at(43.785594, 11.234619),
            "Florence",
            "Tuscany",
            "Italy",
            "IT",
        ),
        (
            "iphone6_hdr_NO_8MP_gps.jpg",
            at(40.446972, -3.724753),
            "Madrid",
            "Madrid",
            "Spain",
            "ES",
        ),
        // Taken in Länsisatama, a district GeoNames lists as a place of its own.
        (
            "HMD_Nokia_8.3_5G_9MP_gps.jpg",
            at(60.146706, 24.906772),
            "Helsinki",
            "Uusimaa",
            "Finland",
            "FI",
        ),
        (
            "Kodak_CX7530.jpg",
            at(-0.3713, 36.056417),
            "Nakuru",
            "Nakuru County",
            "Kenya",
            "KE",
        ),
    ];
    for (photo, gps, city, region, country, code) in cases {
        let place = geocoder
            .place(&gps)
            .unwrap_or_else(|| panic!("{photo}: no place"));
        assert!(
            place.city.contains(city),
            "{photo}: {place:?} is not in {city}"
        );
        assert_eq!(place.region.as_deref(), Some(region), "{photo}: {place:?}");
        assert_eq!(
            (place.country.as_str(), place.country_code.as_str()),
            (country, code)
        );
        assert!(place.distance_km < 10.0, "{photo}: {place:?}");
    }
}

#[test]
fn positions_far_from_any_town_and_impossible_ones_name_no_place() {
    let geocoder = geocoder();
    // The middle of the South Pacific, thousands of kilometres from land.
    assert_eq!(geocoder.place(&at(-48.8767, -123.3933)), None);
    assert_eq!(geocoder.place(&at(91.0, 0.0)), None);
    assert_eq!(geocoder.place(&at(f64::NAN, 0.0)), None);
    // Across the antimeridian: Fiji's Taveuni at 179.9° E is found from 180° W.
    let place = geocoder.place(&at(-16.85, -179.98)).expect("a Fijian town");
    assert_eq!(place.country_code, "FJ");
    assert!(place.distance_km <= MAX_DISTANCE_KM);
}
