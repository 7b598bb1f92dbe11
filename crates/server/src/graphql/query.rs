//! The query root: one asset, searching and listing them (the picker's recent media),
//! tags, collections, a job, and the caller.

use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use medialib_app::access::sessions::whoami;
use medialib_app::search::{Search, Sort};
use medialib_app::{assets, jobs, organise};
use medialib_core::organise::CollectionId;
use medialib_core::store::{AssetFilter, AssetSort, Orientation, Page, TagMatch};
use medialib_core::{AppError, Asset, AssetId, ErrorCode, JobId, Timestamp, UserId};
use time::format_description::well_known::Rfc3339;

use super::asset::AssetNode;
use super::errors::field_error;
use super::types::{CollectionNode, JobNode, Kind, Me, Status, TagNode};
use super::{loaders, principal, state};

/// The queries on media: assets, tags, collections, jobs, and the caller.
#[derive(Default)]
pub(crate) struct MediaQuery;

#[Object]
impl MediaQuery {
    /// One asset; `null` when there is none with this id in the caller's namespace.
    async fn asset(&self, ctx: &Context<'_>, id: ID) -> Result<Option<AssetNode>> {
        let Ok(id) = id.parse::<AssetId>() else {
            return Ok(None);
        };
        absent_if_not_found(assets::get(&state(ctx).catalog, principal(ctx), id).await)
            .map(|found| found.map(AssetNode::of))
    }

    /// Search and list assets: words in `query` (title, filename, alt text, description,
    /// extracted text, tags, camera), filters, a sort order, and keyset pages of `first`
    /// (1–100) resuming `after` a page's `endCursor`.
    #[graphql(complexity = "first.max(1) as usize * child_complexity")]
    async fn assets(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, validator(minimum = 1, maximum = 100))] first: i32,
        after: Option<String>,
        query: Option<String>,
        filter: Option<AssetFilterInput>,
        sort: Option<AssetOrder>,
    ) -> Result<AssetConnection> {
        let search = Search {
            text: query,
            filter: filter.unwrap_or_default().domain()?,
            sort: sort.map(AssetOrder::domain),
            limit: first as u32,
            cursor: after.clone(),
        };
        search_page(ctx, search, after.is_some()).await
    }

    /// The newest live assets, optionally of some kinds: what a media picker opens with.
    #[graphql(complexity = "first.max(1) as usize * child_complexity")]
    async fn recent_media(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20, validator(minimum = 1, maximum = 100))] first: i32,
        after: Option<String>,
        kinds: Option<Vec<Kind>>,
    ) -> Result<AssetConnection> {
        let filter = AssetFilter {
            kinds: kinds
                .unwrap_or_default()
                .into_iter()
                .map(Kind::domain)
                .collect(),
            ..AssetFilter::default()
        };
        let search = Search {
            filter,
            limit: first as u32,
            cursor: after.clone(),
            ..Search::default()
        };
        search_page(ctx, search, after.is_some()).await
    }

    /// The namespace's tags, by name.
    async fn tags(&self, ctx: &Context<'_>) -> Result<Vec<TagNode>> {
        let tags = organise::tags::list(&state(ctx).catalog, principal(ctx)).await;
        Ok(tags
            .map_err(field_error)?
            .into_iter()
            .map(TagNode)
            .collect())
    }

    /// The namespace's collections, by title.
    async fn collections(&self, ctx: &Context<'_>) -> Result<Vec<CollectionNode>> {
        let all = organise::collections::list(&state(ctx).catalog, principal(ctx)).await;
        Ok(all
            .map_err(field_error)?
            .into_iter()
            .map(CollectionNode)
            .collect())
    }

    /// One collection; `null` when the namespace has none with this id.
    async fn collection(&self, ctx: &Context<'_>, id: ID) -> Result<Option<CollectionNode>> {
        let Ok(id) = id.parse::<i64>() else {
            return Ok(None);
        };
        let found =
            organise::collections::get(&state(ctx).catalog, principal(ctx), CollectionId(id)).await;
        absent_if_not_found(found).map(|c| c.map(CollectionNode))
    }

    /// A job and its progress; `null` when there is none in the caller's namespace.
    async fn job(&self, ctx: &Context<'_>, id: ID) -> Result<Option<JobNode>> {
        let Ok(id) = id.parse::<JobId>() else {
            return Ok(None);
        };
        let found = jobs::get(&state(ctx).catalog, principal(ctx), id).await;
        absent_if_not_found(found).map(|j| j.map(|(job, _)| JobNode(job)))
    }

    /// Who the caller is and where they act.
    async fn me(&self, ctx: &Context<'_>) -> Result<Me> {
        let caller = principal(ctx);
        let (user, namespace) = whoami(&state(ctx).catalog, caller)
            .await
            .map_err(field_error)?;
        let scopes = caller.scopes.to_string();
        Ok(Me {
            user_id: ID(user.id.0.to_string()),
            name: user.name,
            email: user.email,
            namespace: namespace.slug,
            role: caller.role.to_string().to_uppercase(),
            scopes: scopes.split(',').map(str::to_owned).collect(),
            is_owner: user.is_owner,
        })
    }
}

/// `None` for a `not_found` refusal (another namespace's ids look absent, as in REST).
fn absent_if_not_found<T>(result: Result<T, AppError>) -> Result<Option<T>> {
    match result {
        Ok(found) => Ok(Some(found)),
        Err(e) if e.code == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(field_error(e)),
    }
}

async fn search_page(ctx: &Context<'_>, search: Search, resumed: bool) -> Result<AssetConnection> {
    let page = medialib_app::search::search(&state(ctx).catalog, principal(ctx), search)
        .await
        .map_err(field_error)?;
    let ids: Vec<AssetId> = page.items.iter().map(|a| a.id).collect();
    let look = ctx.look_ahead();
    for asset in [look.field("nodes"), look.field("edges").field("node")] {
        if asset.exists() {
            loaders(ctx)
                .prime(&asset, &ids)
                .await
                .map_err(|e| field_error(AppError::internal(e)))?;
        }
    }
    Ok(AssetConnection::new(page, resumed))
}

/// A page of assets (Relay's connection shape).
#[derive(SimpleObject)]
pub(crate) struct AssetConnection {
    /// The page, each asset with its cursor.
    edges: Vec<AssetEdge>,
    /// The page's assets, for clients that need no cursors.
    nodes: Vec<AssetNode>,
    page_info: PageInfo,
    /// How many assets match, in all pages.
    total_count: u64,
}

impl AssetConnection {
    fn new(page: Page<Asset>, resumed: bool) -> Self {
        let last = page.items.len().saturating_sub(1);
        let nodes: Vec<AssetNode> = page.items.into_iter().map(AssetNode::of).collect();
        let edges = nodes
            .iter()
            .enumerate()
            .map(|(i, node)| AssetEdge {
                node: node.clone(),
                cursor: (i == last).then(|| page.next_cursor.clone()).flatten(),
            })
            .collect();
        Self {
            edges,
            nodes,
            page_info: PageInfo {
                has_next_page: page.next_cursor.is_some(),
                has_previous_page: resumed,
                end_cursor: page.next_cursor,
            },
            total_count: page.total,
        }
    }
}

/// One asset of a page.
#[derive(SimpleObject)]
pub(crate) struct AssetEdge {
    node: AssetNode,
    /// Pages are keyset pages that resume after their last asset, so only the last edge
    /// of a page that has a next one carries a cursor (the page's `endCursor`).
    cursor: Option<String>,
}

/// Where a page is among all pages.
#[derive(SimpleObject)]
pub(crate) struct PageInfo {
    has_next_page: bool,
    /// Whether this page was asked for `after` another.
    has_previous_page: bool,
    /// Pass as `after` for the next page.
    end_cursor: Option<String>,
}

/// Sort orders.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub(crate) enum AssetOrder {
    /// Uploaded last first (the default without words).
    Newest,
    Oldest,
    /// Best match first (the default with words).
    Relevance,
    /// Captured last first; undated assets last.
    TakenNewest,
    TakenOldest,
    TitleAz,
    TitleZa,
    Largest,
    Smallest,
}

impl AssetOrder {
    fn domain(self) -> Sort {
        let (key, descending) = match self {
            Self::Newest => (AssetSort::CreatedAt, true),
            Self::Oldest => (AssetSort::CreatedAt, false),
            Self::Relevance => (AssetSort::Relevance, false),
            Self::TakenNewest => (AssetSort::TakenAt, true),
            Self::TakenOldest => (AssetSort::TakenAt, false),
            Self::TitleAz => (AssetSort::Title, false),
            Self::TitleZa => (AssetSort::Title, true),
            Self::Largest => (AssetSort::Size, true),
            Self::Smallest => (AssetSort::Size, false),
        };
        Sort { key, descending }
    }
}

/// Wider, taller or square.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(name = "Orientation")]
pub(crate) enum OrientationInput {
    Landscape,
    Portrait,
    Square,
}

/// Filters; every one given must hold.
#[derive(InputObject, Default)]
pub(crate) struct AssetFilterInput {
    kinds: Option<Vec<Kind>>,
    /// Tag slugs.
    tags: Option<Vec<String>>,
    /// Whether an asset needs `tags` all (the default) or any one of them.
    any_tag: Option<bool>,
    collection: Option<ID>,
    status: Option<Status>,
    /// An exact MIME type.
    mime: Option<String>,
    /// RFC 3339 or a date (`2026-11-24`).
    created_from: Option<String>,
    created_to: Option<String>,
    taken_from: Option<String>,
    taken_to: Option<String>,
    has_gps: Option<bool>,
    orientation: Option<OrientationInput>,
    uploaded_by: Option<ID>,
    /// Whether some place uses it.
    in_use: Option<bool>,
    /// The trash instead of live assets.
    in_trash: Option<bool>,
}

impl AssetFilterInput {
    fn domain(self) -> Result<AssetFilter> {
        let id = |name: &str, raw: Option<ID>| -> Result<Option<i64>> {
            raw.map(|id| {
                id.parse::<i64>()
                    .map_err(|_| bad_input(format!("{name} {:?} is not an id", id.0)))
            })
            .transpose()
        };
        Ok(AssetFilter {
            kinds: self
                .kinds
                .unwrap_or_default()
                .into_iter()
                .map(Kind::domain)
                .collect(),
            mime: self.mime.filter(|m| !m.is_empty()),
            status: self.status.map(Status::domain),
            tags: self.tags.unwrap_or_default(),
            tag_match: match self.any_tag {
                Some(true) => TagMatch::Any,
                _ => TagMatch::All,
            },
            collection: id("collection", self.collection)?.map(CollectionId),
            uploaded_by: id("uploadedBy", self.uploaded_by)?.map(UserId),
            created_from: time_of("createdFrom", self.created_from)?,
            created_to: time_of("createdTo", self.created_to)?,
            taken_from: time_of("takenFrom", self.taken_from)?,
            taken_to: time_of("takenTo", self.taken_to)?,
            orientation: self.orientation.map(|o| match o {
                OrientationInput::Landscape => Orientation::Landscape,
                OrientationInput::Portrait => Orientation::Portrait,
                OrientationInput::Square => Orientation::Square,
            }),
            has_gps: self.has_gps,
            in_use: self.in_use,
            deleted: self.in_trash.unwrap_or(false),
            ..AssetFilter::default()
        })
    }
}

fn bad_input(message: String) -> async_graphql::Error {
    field_error(AppError::new(ErrorCode::InvalidQuery, message))
}

/// An RFC 3339 time or a date (midnight UTC).
fn time_of(name: &str, raw: Option<String>) -> Result<Option<Timestamp>> {
    let Some(raw) = raw else { return Ok(None) };
    if let Ok(t) = Timestamp::parse(&raw, &Rfc3339) {
        return Ok(Some(t));
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(&raw, &format)
        .map(|d| Some(d.midnight().assume_utc()))
        .map_err(|_| {
            bad_input(format!(
                "{name} {raw:?} is not a date: use RFC 3339 (2026-11-24T10:00:00Z) or 2026-11-24"
            ))
        })
}
