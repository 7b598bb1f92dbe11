//! Tags of a namespace and the tags on assets.

use medialib_core::organise::{AssetTag, Tag, TagId, TagSource, slugify};
use medialib_core::store::{NewTag, TagPatch};
use medialib_core::{AssetId, NamespaceId, StoreError};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

use super::backend;
use super::rows::{self, from_ms, now_ms};

macro_rules! tag_columns {
    () => {
        "tag.id, tag.namespace_id, tag.name, tag.slug, tag.color, \
     tag.description, tag.created_at, \
     (SELECT count(*) FROM asset_tag at JOIN asset a ON a.id = at.asset_id \
      WHERE at.tag_id = tag.id AND a.deleted_at IS NULL) AS asset_count"
    };
}

fn tag(row: &PgRow) -> Result<Tag, StoreError> {
    Ok(Tag {
        id: TagId(rows::get(row, "id")?),
        namespace: NamespaceId(rows::get(row, "namespace_id")?),
        name: rows::get(row, "name")?,
        slug: rows::get(row, "slug")?,
        color: rows::get(row, "color")?,
        description: rows::get(row, "description")?,
        asset_count: rows::get::<i64>(row, "asset_count")? as u64,
        created_at: from_ms(rows::get(row, "created_at")?),
    })
}

/// Maps a broken UNIQUE constraint to a conflict that names the slug.
pub(crate) fn slug_conflict(
    what: &'static str,
    slug: &str,
) -> impl FnOnce(sqlx::Error) -> StoreError {
    let slug = slug.to_owned();
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::Conflict(format!("a {what} with slug {slug:?} already exists"))
        }
        _ => StoreError::Backend(format!("write {what}: {e}")),
    }
}

pub(crate) async fn list(pool: &PgPool, ns: NamespaceId) -> Result<Vec<Tag>, StoreError> {
    // `lower(… COLLATE "C")` is SQLite's NOCASE: ASCII folding, then bytes.
    let rows = sqlx::query(concat!(
        "SELECT ",
        tag_columns!(),
        r#" FROM tag WHERE namespace_id = $1 ORDER BY lower(name COLLATE "C"), id"#
    ))
    .bind(ns.0)
    .fetch_all(pool)
    .await
    .map_err(backend("list tags"))?;
    rows.iter().map(tag).collect()
}

pub(crate) async fn get(
    pool: &PgPool,
    ns: NamespaceId,
    id: TagId,
) -> Result<Option<Tag>, StoreError> {
    let row = sqlx::query(concat!(
        "SELECT ",
        tag_columns!(),
        " FROM tag WHERE namespace_id = $1 AND id = $2"
    ))
    .bind(ns.0)
    .bind(id.0)
    .fetch_optional(pool)
    .await
    .map_err(backend("get tag"))?;
    row.as_ref().map(tag).transpose()
}

pub(crate) async fn create(
    pool: &PgPool,
    ns: NamespaceId,
    new: &NewTag,
) -> Result<Tag, StoreError> {
    let slug = new.slug.clone().unwrap_or_else(|| slugify(&new.name));
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO tag (namespace_id, name, slug, color, description, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(ns.0)
    .bind(&new.name)
    .bind(&slug)
    .bind(&new.color)
    .bind(&new.description)
    .bind(now_ms())
    .fetch_one(pool)
    .await
    .map_err(slug_conflict("tag", &slug))?;
    get(pool, ns, TagId(id))
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("tag {id}")))
}

pub(crate) async fn update(
    pool: &PgPool,
    ns: NamespaceId,
    id: TagId,
    patch: &TagPatch,
) -> Result<Option<Tag>, StoreError> {
    let mut qb = QueryBuilder::<Postgres>::new("UPDATE tag SET id = id");
    if let Some(name) = &patch.name {
        qb.push(", name = ").push_bind(name.clone());
    }
    if let Some(color) = &patch.color {
        qb.push(", color = ").push_bind(color.clone());
    }
    if let Some(description) = &patch.description {
        qb.push(", description = ").push_bind(description.clone());
    }
    qb.push(" WHERE namespace_id = ")
        .push_bind(ns.0)
        .push(" AND id = ")
        .push_bind(id.0);
    // A rename rewrites the search document of every tagged asset (trigger), in this
    // statement's transaction.
    let done = qb
        .build()
        .execute(pool)
        .await
        .map_err(backend("update tag"))?;
    if done.rows_affected() == 0 {
        return Ok(None);
    }
    get(pool, ns, id).await
}

pub(crate) async fn delete(pool: &PgPool, ns: NamespaceId, id: TagId) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM tag WHERE namespace_id = $1 AND id = $2")
        .bind(ns.0)
        .bind(id.0)
        .execute(pool)
        .await
        .map_err(backend("delete tag"))?;
    Ok(done.rows_affected() > 0)
}

/// The ids of tags with these names in the namespace, created when missing; names that
/// slugify to the same slug are one tag.
pub(crate) async fn ensure(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    ns: NamespaceId,
    names: &[String],
) -> Result<Vec<TagId>, StoreError> {
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        let slug = slugify(name);
        let id = ensure_one(tx, ns, name.trim(), &slug).await?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// The id of the tag with `slug`, created as `name` when missing.
///
/// Two statements, not one: when a concurrent transaction inserts the same slug, the
/// insert waits for it and does nothing, and only a later statement's snapshot (READ
/// COMMITTED) sees the committed row. Should that tag be deleted before the lookup, the
/// insert is tried again.
async fn ensure_one(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    ns: NamespaceId,
    name: &str,
    slug: &str,
) -> Result<TagId, StoreError> {
    for _ in 0..3 {
        sqlx::query(
            "INSERT INTO tag (namespace_id, name, slug, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (namespace_id, slug) DO NOTHING",
        )
        .bind(ns.0)
        .bind(name)
        .bind(slug)
        .bind(now_ms())
        .execute(&mut **tx)
        .await
        .map_err(backend("create tag"))?;
        let id: Option<i64> =
            sqlx::query_scalar("SELECT id FROM tag WHERE namespace_id = $1 AND slug = $2")
                .bind(ns.0)
                .bind(slug)
                .fetch_optional(&mut **tx)
                .await
                .map_err(backend("find tag"))?;
        if let Some(id) = id {
            return Ok(TagId(id));
        }
    }
    Err(StoreError::Conflict(format!(
        "the tag {slug:?} is being deleted and created concurrently"
    )))
}

/// Puts tags on an asset; a tag it already carries keeps its first source.
pub(crate) async fn assign(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    asset: AssetId,
    tags: &[TagId],
    source: TagSource,
    confidence: Option<f64>,
) -> Result<(), StoreError> {
    for tag in tags {
        sqlx::query(
            "INSERT INTO asset_tag (asset_id, tag_id, source, confidence, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (asset_id, tag_id) DO NOTHING",
        )
        .bind(asset.0)
        .bind(tag.0)
        .bind(source.as_str())
        .bind(confidence)
        .bind(now_ms())
        .execute(&mut **tx)
        .await
        .map_err(backend("tag asset"))?;
    }
    Ok(())
}

/// Takes tags (by slug) off an asset.
pub(crate) async fn unassign(
    tx: &mut sqlx::Transaction<'_, Postgres>,
    ns: NamespaceId,
    asset: AssetId,
    slugs: &[String],
) -> Result<(), StoreError> {
    for slug in slugs {
        sqlx::query(
            "DELETE FROM asset_tag WHERE asset_id = $1 AND tag_id =
                (SELECT id FROM tag WHERE namespace_id = $2 AND slug = $3)",
        )
        .bind(asset.0)
        .bind(ns.0)
        .bind(slug)
        .execute(&mut **tx)
        .await
        .map_err(backend("untag asset"))?;
    }
    Ok(())
}

pub(crate) async fn of_assets(pool: &PgPool, ids: &[AssetId]) -> Result<Vec<AssetTag>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = ids.iter().map(|id| id.0).collect();
    let rows = sqlx::query(
        r#"SELECT at.asset_id, at.tag_id, t.name, t.slug, t.color, at.source, at.confidence
           FROM asset_tag at JOIN tag t ON t.id = at.tag_id WHERE at.asset_id = ANY($1)
           ORDER BY at.asset_id, lower(t.name COLLATE "C")"#,
    )
    .bind(&ids)
    .fetch_all(pool)
    .await
    .map_err(backend("list asset tags"))?;
    rows.iter()
        .map(|row| {
            let source: String = rows::get(row, "source")?;
            Ok(AssetTag {
                asset: AssetId(rows::get(row, "asset_id")?),
                tag: TagId(rows::get(row, "tag_id")?),
                name: rows::get(row, "name")?,
                slug: rows::get(row, "slug")?,
                color: rows::get(row, "color")?,
                source: source
                    .parse()
                    .map_err(|e| StoreError::Backend(format!("tag source: {e}")))?,
                confidence: rows::get(row, "confidence")?,
            })
        })
        .collect()
}
