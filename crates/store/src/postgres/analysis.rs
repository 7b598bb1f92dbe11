//! Analysis results, automatic tags and their review.

use async_trait::async_trait;
use medialib_core::analysis::{
    Analyser, Analysis, AnalysisOutcome, Embedding, ModerationState, SuggestedTag, TagReview,
    face_count, read_text,
};
use medialib_core::organise::TagSource;
use medialib_core::store::AnalysisStore;
use medialib_core::{AssetId, JobId, JobPayload, Lease, NamespaceId, StoreError};
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use super::assets::queue_job;
use super::rows::{from_ms, get, now_ms, to_ms};
use super::{PgStore, backend, begin_write, jobs, moderation, tags};

#[async_trait]
impl AnalysisStore for PgStore {
    async fn record_analysis(
        &self,
        lease: Lease,
        results: &[Analysis],
        suggested: &[SuggestedTag],
        embedding: Option<&Embedding>,
        moderation: Option<ModerationState>,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        let mut tx = begin_write(&self.pool).await?;
        // Ending the job first makes the lease check and the writes one atomic step.
        let Some(asset) = jobs::end_under_lease(&mut *tx, lease, now).await? else {
            return Ok(false);
        };
        let ns: Option<i64> = sqlx::query_scalar("SELECT namespace_id FROM asset WHERE id = $1")
            .bind(asset.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend("read asset"))?;
        let Some(ns) = ns else {
            return Ok(false);
        };
        let previous_text: Option<serde_json::Value> = sqlx::query_scalar(
            "SELECT outcome FROM asset_analysis WHERE asset_id = $1 AND analyser = 'text'",
        )
        .bind(asset.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend("read the text analysis"))?;
        let previous_text = match previous_text {
            Some(json) => read_text(&decode(json)?),
            None => None,
        };
        for result in results {
            sqlx::query(
                "INSERT INTO asset_analysis (asset_id, analyser, model, outcome, analysed_at)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (asset_id, analyser) DO UPDATE SET model = excluded.model,
                    outcome = excluded.outcome, analysed_at = excluded.analysed_at",
            )
            .bind(asset.0)
            .bind(result.analyser.as_str())
            .bind(&result.model)
            .bind(encode(&result.outcome)?)
            .bind(to_ms(result.analysed_at))
            .execute(&mut *tx)
            .await
            .map_err(backend("record analysis"))?;
        }
        // Text read in the picture is searched with the asset's own, unless it has its
        // own (a PDF's text layer): it replaces only what an earlier reading put there.
        if let Some(text) = results.iter().find_map(|r| read_text(&r.outcome)) {
            sqlx::query(
                "UPDATE asset SET extracted_text = NULLIF($1, '') WHERE id = $2
                   AND (extracted_text IS NULL OR extracted_text = '' OR extracted_text = $3)",
            )
            .bind(text)
            .bind(asset.0)
            .bind(previous_text)
            .execute(&mut *tx)
            .await
            .map_err(backend("record read text"))?;
        }
        if let Some(state) = moderation {
            moderation::record(&mut tx, asset, state).await?;
        }
        if let Some(count) = face_count(results) {
            sqlx::query("UPDATE asset SET face_count = $1 WHERE id = $2")
                .bind(count.map(|n| n as i32))
                .bind(asset.0)
                .execute(&mut *tx)
                .await
                .map_err(backend("record face count"))?;
        }
        if let Some(embedding) = embedding {
            sqlx::query(
                "INSERT INTO asset_embedding (asset_id, model, vector, created_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (asset_id) DO UPDATE SET model = excluded.model,
                    vector = excluded.vector, created_at = excluded.created_at",
            )
            .bind(asset.0)
            .bind(&embedding.model)
            .bind(&embedding.values)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(backend("record embedding"))?;
        }
        sqlx::query("DELETE FROM asset_tag WHERE asset_id = $1 AND source = 'auto'")
            .bind(asset.0)
            .execute(&mut *tx)
            .await
            .map_err(backend("replace automatic tags"))?;
        for tag in suggested {
            let ids =
                tags::ensure(&mut tx, NamespaceId(ns), std::slice::from_ref(&tag.name)).await?;
            let rejected: Option<i64> = sqlx::query_scalar(
                "SELECT tag_id FROM asset_tag_rejection WHERE asset_id = $1 AND tag_id = $2",
            )
            .bind(asset.0)
            .bind(ids[0].0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend("read rejected tags"))?;
            if rejected.is_none() {
                tags::assign(&mut tx, asset, &ids, TagSource::Auto, Some(tag.confidence)).await?;
            }
        }
        tx.commit().await.map_err(backend("commit"))?;
        Ok(true)
    }

    async fn embeddings(
        &self,
        namespace: NamespaceId,
    ) -> Result<Vec<(AssetId, Embedding)>, StoreError> {
        let rows: Vec<(Uuid, String, Vec<u8>)> = sqlx::query_as(
            "SELECT e.asset_id, e.model, e.vector FROM asset_embedding e
             JOIN asset a ON a.id = e.asset_id
             WHERE a.namespace_id = $1 AND a.deleted_at IS NULL ORDER BY e.asset_id",
        )
        .bind(namespace.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend("read embeddings"))?;
        rows.into_iter()
            .map(|(id, model, values)| Ok((AssetId(id), Embedding { model, values })))
            .collect()
    }

    async fn embeddings_version(&self, namespace: NamespaceId) -> Result<(u64, i64), StoreError> {
        let (count, newest): (i64, Option<i64>) = sqlx::query_as(
            "SELECT count(*), max(e.created_at) FROM asset_embedding e
             JOIN asset a ON a.id = e.asset_id WHERE a.namespace_id = $1",
        )
        .bind(namespace.0)
        .fetch_one(&self.pool)
        .await
        .map_err(backend("count embeddings"))?;
        Ok((count as u64, newest.unwrap_or(0)))
    }

    async fn analyses(&self, asset: AssetId) -> Result<Vec<Analysis>, StoreError> {
        let rows = sqlx::query(
            "SELECT analyser, model, outcome, analysed_at FROM asset_analysis WHERE asset_id = $1",
        )
        .bind(asset.0)
        .fetch_all(&self.pool)
        .await
        .map_err(backend("read analyses"))?;
        let mut analyses = Vec::with_capacity(rows.len());
        for row in &rows {
            // Results of analysers this version does not know are left out.
            let Ok(analyser) = get::<String>(row, "analyser")?.parse::<Analyser>() else {
                continue;
            };
            analyses.push(Analysis {
                analyser,
                model: get(row, "model")?,
                outcome: decode(get(row, "outcome")?)?,
                analysed_at: from_ms(get(row, "analysed_at")?),
            });
        }
        analyses.sort_by_key(|a| a.analyser as u8);
        Ok(analyses)
    }

    async fn queue_analyses(
        &self,
        assets: &[AssetId],
        analysers: &[Analyser],
        max_attempts: u32,
    ) -> Result<Vec<JobId>, StoreError> {
        let payload = JobPayload::Analyse {
            analysers: analysers.to_vec(),
        };
        let now = now_ms();
        let mut tx = begin_write(&self.pool).await?;
        let mut queued = Vec::new();
        for asset in assets {
            let eligible: Option<i32> = sqlx::query_scalar(
                "SELECT 1 FROM asset WHERE id = $1 AND deleted_at IS NULL
                    AND NOT EXISTS (SELECT 1 FROM job WHERE asset_id = $1 AND kind = 'analyse'
                                    AND status = 'queued')",
            )
            .bind(asset.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(backend("check asset"))?;
            if eligible.is_some() {
                queued.push(queue_job(&mut tx, *asset, &payload, max_attempts, now).await?);
            }
        }
        tx.commit().await.map_err(backend("commit"))?;
        Ok(queued)
    }

    async fn assets_to_analyse(
        &self,
        missing: bool,
        after: Option<AssetId>,
        limit: u32,
    ) -> Result<Vec<AssetId>, StoreError> {
        let mut qb = QueryBuilder::<Postgres>::new(
            "SELECT id FROM asset WHERE deleted_at IS NULL AND status = 'ready'
                AND kind <> 'other'",
        );
        if missing {
            qb.push(" AND NOT EXISTS (SELECT 1 FROM asset_analysis WHERE asset_id = asset.id)");
        }
        if let Some(after) = after {
            qb.push(" AND id > ").push_bind(after.0);
        }
        qb.push(" ORDER BY id LIMIT ").push_bind(i64::from(limit));
        let ids: Vec<Uuid> = qb
            .build_query_scalar()
            .fetch_all(&self.pool)
            .await
            .map_err(backend("list assets to analyse"))?;
        Ok(ids.into_iter().map(AssetId).collect())
    }

    async fn take_remote_request(
        &self,
        namespace: NamespaceId,
        month: &str,
        max: u32,
    ) -> Result<bool, StoreError> {
        if max == 0 {
            return Ok(false);
        }
        let taken = sqlx::query(
            "INSERT INTO remote_vision_usage (namespace_id, month, requests) VALUES ($1, $2, 1)
             ON CONFLICT (namespace_id, month) DO UPDATE
                SET requests = remote_vision_usage.requests + 1
              WHERE remote_vision_usage.requests < $3",
        )
        .bind(namespace.0)
        .bind(month)
        .bind(i64::from(max))
        .execute(&self.pool)
        .await
        .map_err(backend("take a remote vision request"))?;
        // A first request inserts; later ones update while under the budget.
        Ok(taken.rows_affected() > 0)
    }

    async fn clear_moderation(&self, asset: AssetId) -> Result<bool, StoreError> {
        moderation::clear(&self.pool, asset).await
    }

    async fn review_tag(
        &self,
        asset: AssetId,
        slug: &str,
        review: TagReview,
    ) -> Result<bool, StoreError> {
        let mut tx = begin_write(&self.pool).await?;
        let tag: Option<i64> = sqlx::query_scalar(
            "SELECT at.tag_id FROM asset_tag at JOIN tag t ON t.id = at.tag_id
             WHERE at.asset_id = $1 AND t.slug = $2 AND at.source = 'auto'",
        )
        .bind(asset.0)
        .bind(slug)
        .fetch_optional(&mut *tx)
        .await
        .map_err(backend("find automatic tag"))?;
        let Some(tag) = tag else {
            return Ok(false);
        };
        match review {
            TagReview::Accept => {
                sqlx::query(
                    "UPDATE asset_tag SET source = 'user', confidence = NULL
                     WHERE asset_id = $1 AND tag_id = $2",
                )
                .bind(asset.0)
                .bind(tag)
                .execute(&mut *tx)
                .await
                .map_err(backend("accept tag"))?;
            }
            TagReview::Reject => {
                sqlx::query("DELETE FROM asset_tag WHERE asset_id = $1 AND tag_id = $2")
                    .bind(asset.0)
                    .bind(tag)
                    .execute(&mut *tx)
                    .await
                    .map_err(backend("reject tag"))?;
                sqlx::query(
                    "INSERT INTO asset_tag_rejection (asset_id, tag_id, rejected_at)
                     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(asset.0)
                .bind(tag)
                .bind(now_ms())
                .execute(&mut *tx)
                .await
                .map_err(backend("record rejection"))?;
            }
        }
        tx.commit().await.map_err(backend("commit"))?;
        Ok(true)
    }
}

fn encode(outcome: &AnalysisOutcome) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(outcome).map_err(|e| StoreError::Backend(format!("encode analysis: {e}")))
}

fn decode(json: serde_json::Value) -> Result<AnalysisOutcome, StoreError> {
    serde_json::from_value(json).map_err(|e| StoreError::Backend(format!("decode analysis: {e}")))
}
