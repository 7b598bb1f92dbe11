//! Analysis: results replace their analyser's last, automatic tags follow the latest run
//! except those an editor rejected or took over, and only the lease's holder records.

use std::time::Duration;

use medialib_core::analysis::{
    Analyser, Analysis, AnalysisOutcome, AnalysisOutput, Embedding, Face, FaceLandmarks, FacePoint,
    Place, SuggestedTag, TagReview,
};
use medialib_core::organise::TagSource;
use medialib_core::store::{AssetQuery, BulkAction, Processed};
use medialib_core::{AssetId, JobKind, JobPayload, JobStatus, Lease, MetadataStore, Timestamp};

use crate::{Store, created, image_processed, new_asset, process};

const MINUTE: Duration = Duration::from_secs(60);

fn tag(name: &str, confidence: f64) -> SuggestedTag {
    SuggestedTag {
        name: name.into(),
        confidence,
    }
}

fn florence() -> Analysis {
    Analysis {
        analyser: Analyser::Places,
        model: Some("GeoNames".into()),
        outcome: AnalysisOutcome::Ok {
            output: AnalysisOutput::Places(Place {
                city: "Florence".into(),
                region: Some("Tuscany".into()),
                county: None,
                country: "Italy".into(),
                country_code: "IT".into(),
                distance_km: 1.2,
            }),
        },
        analysed_at: Timestamp::from_unix_timestamp(1_700_000_000).unwrap(),
    }
}

fn skipped(analyser: Analyser) -> Analysis {
    Analysis {
        analyser,
        model: None,
        outcome: AnalysisOutcome::Skipped {
            reason: "The file records no GPS position.".into(),
        },
        analysed_at: Timestamp::from_unix_timestamp(1_700_000_100).unwrap(),
    }
}

/// Claims the next job, which must be an analysis of `asset`.
async fn claim_analysis(store: &dyn MetadataStore, asset: AssetId) -> Lease {
    let (job, lease) = store
        .claim_job_of("w", &[JobKind::Analyse], MINUTE)
        .await
        .unwrap()
        .expect("an analysis is due");
    assert_eq!(
        (job.asset_id, job.payload.kind()),
        (asset, JobKind::Analyse)
    );
    lease
}

/// `(slug, source, confidence)` of the asset's tags, by name.
async fn tags_of(
    store: &dyn MetadataStore,
    asset: AssetId,
) -> Vec<(String, TagSource, Option<f64>)> {
    let tags = store.asset_tags(&[asset]).await.unwrap();
    tags.into_iter()
        .map(|t| (t.slug, t.source, t.confidence))
        .collect()
}

pub(crate) async fn analysis_results_and_automatic_tags_follow_the_latest_run(store: Store) {
    let store = store.as_ref();
    let a = created(
        store
            .create_asset(new_asset(60, "florence", 10))
            .await
            .unwrap(),
    );
    // Processing queues the analysis in its own transaction.
    process(
        store,
        a.id,
        Processed {
            analyse: true,
            ..image_processed()
        },
    )
    .await;
    let user = BulkAction::Tag {
        names: vec!["Summer".into()],
        source: TagSource::User,
        confidence: None,
    };
    store.bulk(a.namespace, &user, &[a.id]).await.unwrap();
    let lease = claim_analysis(store, a.id).await;
    assert_eq!(store.embeddings_version(a.namespace).await.unwrap(), (0, 0));
    let picture = Embedding::quantise("m", &[0.5, 0.25, 1.0]);
    let tags = [
        tag("Florence", 1.0),
        tag("Italy", 1.0),
        tag("landscape", 1.0),
        tag("summer", 0.9),
    ];
    assert!(
        store
            .record_analysis(lease, &[florence()], &tags, Some(&picture), None)
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_analysis(lease, &[florence()], &tags, Some(&picture), None)
            .await
            .unwrap(),
        "an ended job records nothing more"
    );
    let job = store.get_job(lease.job).await.unwrap().unwrap();
    assert_eq!(job.status, JobStatus::Succeeded);
    assert_eq!(store.analyses(a.id).await.unwrap(), [florence()]);
    assert_eq!(
        store.embeddings(a.namespace).await.unwrap(),
        [(a.id, picture.clone())]
    );
    assert_eq!(picture.values, [128, 64, 255]);
    let (count, newest) = store.embeddings_version(a.namespace).await.unwrap();
    assert!(count == 1 && newest > 0);
    let auto = |slug: &str| (slug.to_owned(), TagSource::Auto, Some(1.0));
    // An editor's own tag of a suggested name stays theirs.
    let summer = ("summer".to_owned(), TagSource::User, None);
    assert_eq!(
        tags_of(store, a.id).await,
        [
            auto("florence"),
            auto("italy"),
            auto("landscape"),
            summer.clone()
        ]
    );

    // Accepting makes a tag the editor's; rejecting takes it off for good; only
    // automatic tags are reviewed.
    assert!(
        !store
            .review_tag(a.id, "summer", TagReview::Reject)
            .await
            .unwrap()
    );
    assert!(
        store
            .review_tag(a.id, "landscape", TagReview::Accept)
            .await
            .unwrap()
    );
    assert!(
        store
            .review_tag(a.id, "florence", TagReview::Reject)
            .await
            .unwrap()
    );
    assert!(
        !store
            .review_tag(a.id, "florence", TagReview::Reject)
            .await
            .unwrap(),
        "a tag the asset no longer carries cannot be reviewed"
    );
    assert!(
        !store
            .review_tag(a.id, "never", TagReview::Accept)
            .await
            .unwrap()
    );

    // A rerun replaces the places result and the automatic tags, and puts nothing back
    // that was rejected or taken over.
    let queued = store
        .queue_analyses(&[a.id], &[Analyser::Places], 3)
        .await
        .unwrap();
    assert_eq!(queued.len(), 1);
    assert!(
        store
            .queue_analyses(&[a.id], &[], 3)
            .await
            .unwrap()
            .is_empty(),
        "one waiting analysis per asset is enough"
    );
    let job = store.get_job(queued[0]).await.unwrap().unwrap();
    assert_eq!(
        job.payload,
        JobPayload::Analyse {
            analysers: vec![Analyser::Places]
        }
    );
    let lease = claim_analysis(store, a.id).await;
    let rerun = [
        tag("Florence", 1.0),
        tag("Italy", 1.0),
        tag("Tuscany", 0.8),
        tag("Summer", 0.9),
    ];
    assert!(
        store
            .record_analysis(
                lease,
                &[skipped(Analyser::Facts), florence()],
                &rerun,
                None,
                None
            )
            .await
            .unwrap()
    );
    assert_eq!(
        tags_of(store, a.id).await,
        [
            auto("italy"),
            ("landscape".to_owned(), TagSource::User, None),
            summer,
            ("tuscany".to_owned(), TagSource::Auto, Some(0.8)),
        ]
    );
    let analysers: Vec<Analyser> = store
        .analyses(a.id)
        .await
        .unwrap()
        .iter()
        .map(|r| r.analyser)
        .collect();
    assert_eq!(analysers, [Analyser::Facts, Analyser::Places]);
    // A run without a picture keeps the embedding; the trash hides it.
    assert_eq!(store.embeddings(a.namespace).await.unwrap().len(), 1);
    store
        .bulk(a.namespace, &BulkAction::Delete { force: true }, &[a.id])
        .await
        .unwrap();
    assert!(store.embeddings(a.namespace).await.unwrap().is_empty());
}

pub(crate) async fn backfills_page_through_ready_assets_and_skip_the_trash(store: Store) {
    let store = store.as_ref();
    let mut ids = Vec::new();
    for n in 0..3 {
        let a = created(
            store
                .create_asset(new_asset(70 + n, "x", 10))
                .await
                .unwrap(),
        );
        process(store, a.id, image_processed()).await;
        ids.push(a.id);
    }
    // Still processing: nothing to analyse yet.
    let processing = created(store.create_asset(new_asset(80, "busy", 10)).await.unwrap());
    ids.sort_by_key(|id| id.0);
    assert_eq!(store.assets_to_analyse(true, None, 10).await.unwrap(), ids);
    assert_eq!(
        store.assets_to_analyse(false, None, 2).await.unwrap(),
        ids[..2]
    );
    assert_eq!(
        store
            .assets_to_analyse(false, Some(ids[1]), 2)
            .await
            .unwrap(),
        ids[2..]
    );

    // A trashed asset gets no job; an analysed one is no longer missing.
    store
        .bulk(
            processing.namespace,
            &BulkAction::Delete { force: true },
            &[ids[0]],
        )
        .await
        .unwrap();
    let queued = store.queue_analyses(&ids, &[], 3).await.unwrap();
    assert_eq!(queued.len(), 2);
    let lease = claim_analysis(store, ids[1]).await;
    assert!(
        store
            .record_analysis(lease, &[skipped(Analyser::Places)], &[], None, None)
            .await
            .unwrap()
    );
    assert_eq!(
        store.assets_to_analyse(true, None, 10).await.unwrap(),
        [ids[2]],
        "the trashed and the analysed are not missing analysis"
    );
}

fn faces(n: usize) -> Analysis {
    let point = FacePoint { x: 0.5, y: 0.5 };
    let face = Face {
        x: 0.4,
        y: 0.4,
        width: 0.2,
        height: 0.2,
        confidence: 0.9,
        landmarks: FaceLandmarks {
            right_eye: point,
            left_eye: point,
            nose: point,
            mouth: point,
            right_ear: point,
            left_ear: point,
        },
    };
    Analysis {
        analyser: Analyser::Faces,
        model: Some("BlazeFace".into()),
        outcome: AnalysisOutcome::Ok {
            output: AnalysisOutput::Faces {
                faces: vec![face; n],
            },
        },
        analysed_at: Timestamp::from_unix_timestamp(1_700_000_000).unwrap(),
    }
}

pub(crate) async fn face_counts_follow_the_latest_faces_result_and_filter_searches(store: Store) {
    let store = store.as_ref();
    let mut ids = Vec::new();
    for n in 0..3 {
        let a = created(
            store
                .create_asset(new_asset(90 + n, "crowd", 10))
                .await
                .unwrap(),
        );
        process(store, a.id, image_processed()).await;
        ids.push(a);
    }
    let namespace = ids[0].namespace;
    let (none, two, unseen) = (ids[0].id, ids[1].id, ids[2].id);
    let record = |asset: AssetId, results: Vec<Analysis>| async move {
        store.queue_analyses(&[asset], &[], 3).await.unwrap();
        let lease = claim_analysis(store, asset).await;
        assert!(
            store
                .record_analysis(lease, &results, &[], None, None)
                .await
                .unwrap()
        );
    };
    record(none, vec![faces(0)]).await;
    record(two, vec![faces(2), florence()]).await;
    let found = |min: Option<u32>, max: Option<u32>| async move {
        let mut query = AssetQuery::newest(namespace, 50);
        query.filter.faces_min = min;
        query.filter.faces_max = max;
        let mut ids: Vec<AssetId> = store
            .list_assets(&query)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|a| a.id)
            .collect();
        ids.sort_by_key(|id| id.0);
        ids
    };
    assert_eq!(found(Some(1), None).await, [two]);
    assert_eq!(found(Some(2), Some(2)).await, [two]);
    assert_eq!(found(Some(3), None).await, []);
    assert_eq!(
        found(None, Some(0)).await,
        [none],
        "never analysed: no count"
    );
    assert_eq!(found(None, None).await.len(), 3);
    // A later run without a faces result keeps the count; a skipped one clears it.
    record(two, vec![florence()]).await;
    assert_eq!(found(Some(1), None).await, [two]);
    record(two, vec![skipped(Analyser::Faces)]).await;
    assert_eq!(found(Some(0), None).await, [none]);
    assert_eq!(
        found(None, Some(99)).await,
        [none],
        "a skipped run and a never-analysed asset have no count"
    );
    assert!(found(None, None).await.contains(&unseen));
}
