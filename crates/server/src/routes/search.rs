//! Finding assets: `GET /api/v1/assets` (search, filters, sort, pages), `GET
//! /api/v1/assets/unused` and `GET /api/v1/assets/duplicates`.

use axum::Json;
use axum::extract::State;
use medialib_app::search::{self, Search, Sort};
use medialib_app::suggest::suggest;
use medialib_core::ErrorCode;
use medialib_core::analysis::ModerationState;
use medialib_core::organise::CollectionId;
use medialib_core::store::{AssetFilter, AssetSort, Orientation, Page, TagMatch};
use medialib_core::{Asset, AssetKind, AssetStatus, Timestamp, UserId};
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};

use super::assets::render_page;
use super::extract::ApiQuery;
use crate::auth::Auth;
use crate::dto::{AssetDto, schema};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Query parameters of `GET /api/v1/assets`. Lists are comma-separated; dates are RFC 3339
/// or `YYYY-MM-DD` (midnight UTC); ranges are `[from, to)`, sizes and dimensions inclusive.
#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchParams {
    /// Full-text query (prefix match on every word), at most 500 characters.
    #[param(max_length = 500)]
    q: Option<String>,
    /// Kinds, e.g. `image,video`.
    #[param(schema_with = schema::kind_list)]
    kind: Option<String>,
    /// A MIME type, or a family such as `image/*`.
    mime: Option<String>,
    #[param(schema_with = schema::status)]
    status: Option<String>,
    /// Tag slugs, e.g. `beach,sunset`.
    tags: Option<String>,
    /// `all` (default) or `any`.
    #[param(schema_with = schema::tag_match)]
    tag_match: Option<String>,
    collection: Option<i64>,
    uploaded_by: Option<i64>,
    #[param(schema_with = schema::date_or_time)]
    created_from: Option<String>,
    #[param(schema_with = schema::date_or_time)]
    created_to: Option<String>,
    #[param(schema_with = schema::date_or_time)]
    taken_from: Option<String>,
    #[param(schema_with = schema::date_or_time)]
    taken_to: Option<String>,
    size_min: Option<u64>,
    size_max: Option<u64>,
    width_min: Option<u32>,
    width_max: Option<u32>,
    height_min: Option<u32>,
    height_max: Option<u32>,
    /// `landscape`, `portrait` or `square`.
    #[param(schema_with = schema::orientation)]
    orientation: Option<String>,
    has_gps: Option<bool>,
    /// At least this many faces (`faces_min=1`: photos of people); only assets the
    /// faces analyser has looked at match.
    faces_min: Option<u32>,
    /// At most this many faces (`faces_max=0`: no one in the picture).
    faces_max: Option<u32>,
    /// Only assets in this moderation state: `clear`, `flagged`, `held`, `rejected` or
    /// `cleared`.
    #[param(pattern = "^(clear|flagged|held|rejected|cleared)$")]
    moderation: Option<String>,
    /// `true` lists the trash.
    deleted: Option<bool>,
    in_use: Option<bool>,
    /// `relevance`, `created_at`, `taken_at`, `title` or `size`; `-` prefix for descending.
    /// Default: `relevance` with `q`, else `-created_at`.
    #[param(schema_with = schema::sort)]
    sort: Option<String>,
    /// Results per page, 1–200; default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

/// A page of assets.
#[derive(Serialize, ToSchema)]
pub(crate) struct AssetPage {
    items: Vec<AssetDto>,
    /// Pass as `cursor` for the next page; `null` on the last.
    next_cursor: Option<String>,
    /// Matches in all pages.
    total: u64,
    /// "Did you mean": when a search with `q` matched nothing, `q` with its misspelt
    /// words replaced by the closest words of the namespace's titles, filenames, alt
    /// texts, descriptions and tags (absent when there is none).
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestion: Option<String>,
}

fn invalid(message: String) -> ApiError {
    ApiError::new(ErrorCode::InvalidQuery, message)
}

fn parse<T: std::str::FromStr<Err = String>>(raw: Option<&str>) -> Result<Option<T>, ApiError> {
    raw.map(str::parse).transpose().map_err(invalid)
}

fn list(raw: Option<&str>) -> Vec<String> {
    raw.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Parses RFC 3339 or a bare `YYYY-MM-DD` date (midnight UTC).
fn parse_time(name: &str, raw: Option<&str>) -> Result<Option<Timestamp>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    if let Ok(t) = Timestamp::parse(raw, &Rfc3339) {
        return Ok(Some(t));
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(raw, &format)
        .map(|d| Some(d.midnight().assume_utc()))
        .map_err(|_| {
            invalid(format!(
                "{name} {raw:?} is not a date: use RFC 3339 (2026-11-24T10:00:00Z) or 2026-11-24"
            ))
        })
}

/// The sort order named by `raw` (`key` or `-key` for descending), if any.
fn parse_sort(raw: Option<&str>) -> Result<Option<Sort>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let (descending, key) = match raw.strip_prefix('-') {
        Some(key) => (true, key),
        None => (false, raw),
    };
    let key: AssetSort = key.parse().map_err(|_| {
        invalid(format!(
            "sort {raw:?} is not one of relevance, created_at, taken_at, title, size \
             (prefix - for descending)"
        ))
    })?;
    Ok(Some(Sort { key, descending }))
}

impl SearchParams {
    /// The search these parameters describe.
    fn search(self) -> Result<Search, ApiError> {
        let sort = parse_sort(self.sort.as_deref())?;
        let kinds = list(self.kind.as_deref())
            .iter()
            .map(|k| k.parse::<AssetKind>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(invalid)?;
        let tags = list(self.tags.as_deref());
        let filter = AssetFilter {
            kinds,
            mime: self.mime.filter(|m| !m.is_empty()),
            status: parse::<AssetStatus>(self.status.as_deref())?,
            tags,
            tag_match: parse::<TagMatch>(self.tag_match.as_deref())?.unwrap_or_default(),
            collection: self.collection.map(CollectionId),
            uploaded_by: self.uploaded_by.map(UserId),
            created_from: parse_time("created_from", self.created_from.as_deref())?,
            created_to: parse_time("created_to", self.created_to.as_deref())?,
            taken_from: parse_time("taken_from", self.taken_from.as_deref())?,
            taken_to: parse_time("taken_to", self.taken_to.as_deref())?,
            size_min: self.size_min,
            size_max: self.size_max,
            width_min: self.width_min,
            width_max: self.width_max,
            height_min: self.height_min,
            height_max: self.height_max,
            orientation: parse::<Orientation>(self.orientation.as_deref())?,
            has_gps: self.has_gps,
            faces_min: self.faces_min,
            faces_max: self.faces_max,
            moderation: parse::<ModerationState>(self.moderation.as_deref())?,
            deleted: self.deleted.unwrap_or(false),
            in_use: self.in_use,
        };
        Ok(Search {
            text: self.q,
            filter,
            sort,
            limit: self.limit.unwrap_or(50),
            cursor: self.cursor,
        })
    }
}

/// Renders a page of results.
async fn render(state: &AppState, page: Page<Asset>) -> Result<Json<AssetPage>, ApiError> {
    Ok(Json(AssetPage {
        items: render_page(state, &page.items).await?,
        next_cursor: page.next_cursor,
        total: page.total,
        suggestion: None,
    }))
}

/// `GET /api/v1/assets?q=&kind=&tags=&…&sort=&limit=&cursor=`: search and list assets;
/// a search that matches nothing may come with a `suggestion` ("did you mean").
///
/// Errors: 400 `invalid_query` for a bad parameter, 400 `invalid_cursor` for a cursor from
/// another query.
#[utoipa::path(
    operation_id = "search_assets",
    get,
    path = "/assets",
    tag = "assets",
    params(SearchParams),
    responses(
        (status = 200, description = "a page of matches", body = AssetPage),
        (status = 400, description = "a bad query parameter", body = ErrorBody),
        (status = 401, description = "no or unknown token", body = ErrorBody),
    )
)]
pub(crate) async fn search(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<AssetPage>, ApiError> {
    let search = params.search()?;
    let text = search.text.clone();
    let page = search::search(&state.catalog, &auth, search).await?;
    let suggestion = match text {
        Some(text) if page.total == 0 => suggest(&state.catalog, &auth, &text).await?,
        _ => None,
    };
    let mut rendered = render(&state, page).await?;
    rendered.suggestion = suggestion;
    Ok(rendered)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct UnusedParams {
    /// `30d` (default), `12h`, `2w`, `90m`, `3600s`: at most 5 digits and a unit.
    #[param(pattern = r"^[0-9]{1,5}[smhdw]$")]
    older_than: Option<String>,
    /// Results per page, 1–200; default 50.
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

/// The time `raw` (an age: `30d`, `12h`, `2w`, `90m` or `3600s`) before `now`.
///
/// Errors (400 `invalid_query`): not 1–5 digits and one of those units, or so old that
/// the time is out of range.
fn uploaded_before(raw: &str, now: Timestamp) -> Result<Timestamp, ApiError> {
    let bad = || {
        invalid(format!(
            "older_than {raw:?} is not an age such as 30d, 12h, 2w, 90m or 3600s (at most 5 digits)"
        ))
    };
    // By characters: the last may be any character, of any length in bytes.
    let split = raw.char_indices().last().map_or(0, |(i, _)| i);
    let (number, unit) = raw.split_at(split);
    if !(1..=5).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: i64 = number.parse().map_err(|_| bad())?;
    let unit = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return Err(bad()),
    };
    let seconds = n.checked_mul(unit).filter(|s| *s >= 0).ok_or_else(bad)?;
    now.checked_sub(time::Duration::seconds(seconds))
        .ok_or_else(bad)
}

/// `GET /api/v1/assets/unused?older_than=30d`: live assets without any recorded usage,
/// uploaded before the age given, oldest first.
#[utoipa::path(
    operation_id = "unused_assets",
    get,
    path = "/assets/unused",
    tag = "assets",
    params(UnusedParams),
    responses(
        (status = 200, description = "assets nobody uses, oldest first", body = AssetPage),
        (status = 400, description = "a bad query parameter", body = ErrorBody),
        (status = 401, description = "no or unknown token", body = ErrorBody),
    )
)]
pub(crate) async fn unused(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(params): ApiQuery<UnusedParams>,
) -> Result<Json<AssetPage>, ApiError> {
    let before = uploaded_before(
        params.older_than.as_deref().unwrap_or("30d"),
        Timestamp::now_utc(),
    )?;
    let limit = params.limit.unwrap_or(50);
    let page = search::unused(&state.catalog, &auth, before, limit, params.cursor).await?;
    render(&state, page).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_and_dates_parse_or_say_why_not() {
        let now = Timestamp::now_utc();
        let age = |raw| uploaded_before(raw, now).map(|t| (now - t).whole_seconds());
        assert_eq!(age("30d").unwrap(), 30 * 86_400);
        assert_eq!(age("0s").unwrap(), 0);
        for wrong in [
            "30",
            "d",
            "",
            "-1d",
            "5é",
            "é",
            "999999999999w",
            "99999999999d",
        ] {
            assert!(age(wrong).is_err(), "{wrong}");
        }
        let day = parse_time("x", Some("2026-11-24")).unwrap().unwrap();
        assert_eq!(day.unix_timestamp(), 1_795_478_400);
        assert!(parse_time("x", Some("24/11/2026")).is_err());
    }

    #[test]
    fn sort_orders_parse_or_say_why_not() {
        let title = |descending| {
            Some(Sort {
                key: AssetSort::Title,
                descending,
            })
        };
        assert_eq!(parse_sort(Some("title")).unwrap(), title(false));
        assert_eq!(parse_sort(Some("-title")).unwrap(), title(true));
        assert_eq!(parse_sort(None).unwrap(), None);
        assert!(parse_sort(Some("colour")).is_err());
    }
}
