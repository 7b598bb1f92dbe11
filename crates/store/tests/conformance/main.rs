//! The `MetadataStore` contract, written once against the trait and instantiated per
//! backend by [`contract!`]: each test is a function of a fresh, empty store, and each
//! backend's factory opens one: SQLite in a temporary directory, PostgreSQL in a
//! throwaway cluster (`medialib-test-servers`).

use std::time::Duration;

use medialib_core::store::{IngestRecord, NewAsset, Processed, Unreferenced};
use medialib_core::{
    AssetId, AssetKind, ImageMetadata, Metadata, MetadataStore, NamespaceId, Sha256,
};
use medialib_store::{PgStore, SqliteStore};

mod access;
mod analysis;
mod analytics;
mod assets;
mod audit;
mod derivatives;
mod holds;
mod jobs;
mod organise;
mod sessions;
mod tenants;
mod webhooks;

/// A store of one backend, fresh and empty, for one test.
pub(crate) type Store = Box<dyn MetadataStore>;

/// Opens a fresh SQLite store in a new temporary directory, which must outlive it.
async fn sqlite() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
    (dir, Box::new(store))
}

/// Opens a fresh PostgreSQL store: a new database, from the migrated template, in the
/// throwaway cluster this test binary started on 127.0.0.1.
async fn postgres() -> ((), Store) {
    let url = medialib_test_servers::PgCluster::shared()
        .fresh_database()
        .await;
    let store = PgStore::open(&url, 4).await.unwrap();
    ((), Box::new(store))
}

/// Instantiates every contract test for one backend: `contract!(name, factory)` makes a
/// module `name` with one `#[tokio::test]` per test, each on a store from `factory()`.
macro_rules! contract {
    ($backend:ident, $factory:path) => {
        mod $backend {
            contract!(@groups $factory;
            assets = assets {
                same_bytes_in_a_namespace_are_one_asset,
                patches_change_only_what_they_name,
                changes_delivery_reads_advance_the_asset_generation,
                processing_results_record_facts_variants_and_placeholders,
                tokens_resolve_to_their_principal,
                upload_sessions_keep_offsets_concatenation_and_expiry,
                concurrent_writers_queue_instead_of_failing,
                concurrent_uploads_of_the_same_bytes_make_one_asset,
                stored_blobs_page_through_every_referenced_blob_in_key_order,
                reprocessing_queues_a_processing_job_for_a_live_asset,
            },
            access = access {
                tokens_resolve_to_the_users_role_until_revoked_or_expired,
                anonymizing_a_user_removes_what_identifies_them_and_keeps_the_rest,
            },
            tenants = tenants {
                namespace_changes_set_what_they_name_and_null_returns_to_the_default,
                a_namespace_is_deleted_only_when_empty_with_all_that_belongs_to_it,
                a_disabled_user_cannot_authenticate_until_enabled,
            },
            analytics = analytics {
                deliveries_add_up_and_rank_live_assets_by_views,
                storage_counts_live_assets_by_kind_the_trash_and_each_blob_once,
                uploads_per_day_count_created_assets_including_the_trashed,
                an_empty_namespace_reports_nothing_stored,
                retention_takes_old_unused_unviewed_live_assets,
                concurrent_batches_of_deliveries_all_count,
            },
            analysis = analysis {
                analysis_results_and_automatic_tags_follow_the_latest_run,
                backfills_page_through_ready_assets_and_skip_the_trash,
                face_counts_follow_the_latest_faces_result_and_filter_searches,
            },
            audit = audit {
                audit_events_read_newest_first_per_namespace_with_filters,
            },
            derivatives = derivatives {
                derivatives_are_recorded_once_touched_and_deleted,
                eviction_takes_the_stale_then_the_least_recently_used,
            },
            webhooks = webhooks {
                endpoints_belong_to_their_namespace,
                events_are_written_with_their_change_and_delivered_once,
            },
            holds = holds {
                a_purge_leaves_a_blob_an_upload_holds,
                an_upload_waits_while_a_purge_deletes_the_bytes,
                an_expired_upload_hold_keeps_nothing,
            },
            jobs = jobs {
                jobs_are_claimed_once_retried_then_failed,
                workers_claim_only_the_kinds_they_run,
                concurrent_claims_never_return_the_same_job,
                an_expired_lease_passes_to_the_next_claim_and_fences_the_old_worker,
                processing_queues_transcodes_that_record_their_renditions,
                a_cancelled_transcode_records_nothing_and_leaves_the_asset_ready,
                a_cancelled_processing_job_cannot_mark_its_asset_ready,
                cancelling_processing_fails_the_asset_and_a_failed_transcode_does_not,
            },
            organise = organise {
                tags_get_derived_or_given_slugs_and_a_taken_slug_conflicts,
                tag_patches_keep_the_slug_and_deleting_a_tag_untags_its_assets,
                tag_counts_are_live_assets_and_tags_stay_in_their_namespace,
                bulk_tagging_creates_missing_tags_and_untagging_ignores_absent_ones,
                a_refused_bulk_tag_changes_nothing,
                usages_are_recorded_once_listed_most_recent_first_and_removed,
                assets_in_use_are_deleted_only_with_force,
            },
            sessions = sessions {
                sessions_end_when_idle_too_old_logged_out_or_their_user_loses_access,
                passwords_are_set_read_by_name_and_gone_after_anonymizing,
            },
            collections = organise::collections {
                collections_get_derived_slugs_and_a_taken_slug_conflicts,
                collection_patches_change_only_what_they_name_in_their_namespace,
                items_are_inserted_at_positions_and_paged_in_order,
                inserting_anything_but_a_live_asset_of_the_namespace_is_not_found,
                reordering_must_name_every_item_exactly_once,
                bulk_actions_append_to_and_remove_from_collections,
                trashed_items_are_hidden_until_restored,
                pages_count_listed_items_when_an_item_is_trashed,
                concurrent_changes_keep_every_item_once_at_dense_positions,
                the_first_watermarked_collection_by_title_marks_its_assets,
                the_collections_of_assets_are_read_in_one_call,
            },
            );
        }
    };
    (@groups $factory:path; $($group:ident = $($module:ident)::+ { $($test:ident),* $(,)? }),* $(,)?) => {
        $(
            mod $group {
                use crate::$($module)::+ as tests;
                $(
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn $test() {
                        let (_dir, store) = $factory().await;
                        tests::$test(store).await;
                    }
                )*
            }
        )*
    };
}

contract!(sqlite, crate::sqlite);
contract!(postgres, crate::postgres);

pub(crate) fn new_asset(sha_byte: u8, title: &str, size: u64) -> NewAsset {
    let sha = Sha256([sha_byte; 32]);
    NewAsset {
        id: AssetId::new(),
        namespace: NamespaceId(1),
        kind: AssetKind::Image,
        mime: "image/jpeg".into(),
        size,
        sha256: sha,
        storage_key: format!("originals/1/{sha}"),
        original_filename: format!("{title}.jpg"),
        title: title.into(),
        description: None,
        alt_text: None,
        is_public: false,
        width: Some(10),
        height: Some(20),
        duration_s: None,
        uploaded_by: None,
        max_attempts: 2,
    }
}

/// Claims the next due job, which must be `asset`'s, and records `processed` under its
/// lease, as a worker does.
pub(crate) async fn process(
    store: &dyn MetadataStore,
    asset: AssetId,
    processed: Processed,
) -> Unreferenced {
    let (job, lease) = store
        .claim_job("w", Duration::from_secs(60))
        .await
        .unwrap()
        .expect("a job is due");
    assert_eq!(job.asset_id, asset, "the due job is another asset's");
    store
        .record_processed(lease, processed)
        .await
        .unwrap()
        .expect("the lease holds")
}

/// Processing results for an image: default facts, no variants, placeholder or text.
pub(crate) fn image_processed() -> Processed {
    Processed {
        metadata: Metadata::Image(ImageMetadata::default()),
        placeholder: None,
        taken_at: None,
        variants: Vec::new(),
        text: None,
        phash: None,
        transcodes: Vec::new(),
        analyse: false,
    }
}

pub(crate) fn created(r: IngestRecord) -> medialib_core::Asset {
    match r {
        IngestRecord::Created { asset, .. } => asset,
        IngestRecord::Duplicate(a) => panic!("unexpected duplicate {}", a.id),
    }
}
