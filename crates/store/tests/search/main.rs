//! Search over a generated library of 10 000 assets: every filter and sort order returns
//! exactly what an in-memory computation over the same facts returns, page after page,
//! and pages neither lose nor repeat assets while new ones arrive. The same checks run on
//! every backend: SQLite in a temporary directory, PostgreSQL on a fresh database of this
//! binary's throwaway cluster (`medialib-test-servers`).

mod expect;
mod library;

use medialib_core::store::{AssetFilter, AssetQuery, AssetSort, Orientation, TagMatch};
use medialib_core::{
    AssetId, AssetKind, AssetStatus, MetadataStore, Sha256, StoreError, Timestamp, UserId,
};
use medialib_store::{PgStore, SqliteStore};

use expect::expected;
use library::{Library, NS};

const LIBRARY_SIZE: usize = 10_000;

fn query(sort: AssetSort, descending: bool) -> AssetQuery {
    AssetQuery {
        namespace: NS,
        text: None,
        filter: AssetFilter::default(),
        sort,
        descending,
        limit: 499,
        cursor: None,
    }
}

fn filtered(f: impl FnOnce(&mut AssetFilter)) -> AssetQuery {
    let mut q = query(AssetSort::CreatedAt, true);
    f(&mut q.filter);
    q
}

fn text(words: &str, sort: AssetSort) -> AssetQuery {
    let mut q = query(sort, true);
    q.text = Some(words.into());
    q
}

/// Follows `next_cursor` to the end; checks `total` on every page.
async fn all_pages(store: &dyn MetadataStore, q: &AssetQuery) -> (Vec<AssetId>, u64) {
    let mut q = q.clone();
    let mut ids = Vec::new();
    let mut total = None;
    loop {
        let page = store.list_assets(&q).await.unwrap();
        assert!(page.items.len() <= q.limit as usize);
        assert_eq!(*total.get_or_insert(page.total), page.total);
        ids.extend(page.items.iter().map(|a| a.id));
        match page.next_cursor {
            Some(c) => q.cursor = Some(c),
            None => break,
        }
    }
    (ids, total.unwrap_or(0))
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
}

/// The queries checked: each filter alone, combinations, and every sort in both
/// directions, with and without text.
fn queries(lib: &Library) -> Vec<(String, AssetQuery)> {
    let mid = lib.assets[lib.assets.len() / 2].created_at;
    let quarter = lib.assets[lib.assets.len() / 4].created_at;
    let mut list: Vec<(String, AssetQuery)> = Vec::new();
    for sort in [
        AssetSort::CreatedAt,
        AssetSort::TakenAt,
        AssetSort::Title,
        AssetSort::Size,
    ] {
        for descending in [false, true] {
            list.push((
                format!("all by {sort:?} desc={descending}"),
                query(sort, descending),
            ));
        }
    }
    let filters: Vec<(&str, AssetQuery)> = vec![
        ("kind image", filtered(|f| f.kinds = vec![AssetKind::Image])),
        (
            "kind video+audio",
            filtered(|f| f.kinds = vec![AssetKind::Video, AssetKind::Audio]),
        ),
        (
            "mime exact",
            filtered(|f| f.mime = Some("image/png".into())),
        ),
        ("mime family", filtered(|f| f.mime = Some("image/*".into()))),
        (
            "status",
            filtered(|f| f.status = Some(AssetStatus::Processing)),
        ),
        ("tag", filtered(|f| f.tags = vec!["main-event".into()])),
        (
            "tags all",
            filtered(|f| f.tags = vec!["main-event".into(), "fans".into()]),
        ),
        (
            "tags any",
            filtered(|f| {
                f.tags = vec!["hero".into(), "archive".into(), "no-such-tag".into()];
                f.tag_match = TagMatch::Any;
            }),
        ),
        (
            "unknown tag",
            filtered(|f| f.tags = vec!["no-such-tag".into()]),
        ),
        (
            "collection",
            filtered(|f| f.collection = Some(lib.collections[0])),
        ),
        ("uploader", filtered(|f| f.uploaded_by = Some(UserId(1)))),
        (
            "created range",
            filtered(|f| {
                f.created_from = Some(quarter);
                f.created_to = Some(mid);
            }),
        ),
        (
            "taken range",
            filtered(|f| {
                f.taken_from = Some(ts("2020-01-01T00:00:00Z"));
                f.taken_to = Some(ts("2022-06-30T12:00:00Z"));
            }),
        ),
        (
            "size range",
            filtered(|f| {
                f.size_min = Some(1_000_000);
                f.size_max = Some(5_000_000);
            }),
        ),
        (
            "width and height",
            filtered(|f| {
                f.width_min = Some(1920);
                f.height_max = Some(1080);
            }),
        ),
        (
            "landscape",
            filtered(|f| f.orientation = Some(Orientation::Landscape)),
        ),
        (
            "portrait",
            filtered(|f| f.orientation = Some(Orientation::Portrait)),
        ),
        (
            "square",
            filtered(|f| f.orientation = Some(Orientation::Square)),
        ),
        ("with gps", filtered(|f| f.has_gps = Some(true))),
        ("without gps", filtered(|f| f.has_gps = Some(false))),
        ("trash", filtered(|f| f.deleted = true)),
        ("in use", filtered(|f| f.in_use = Some(true))),
        ("unused", filtered(|f| f.in_use = Some(false))),
        (
            "combined",
            filtered(|f| {
                f.kinds = vec![AssetKind::Image];
                f.orientation = Some(Orientation::Landscape);
                f.has_gps = Some(true);
                f.tags = vec!["press".into()];
            }),
        ),
    ];
    list.extend(filters.into_iter().map(|(n, q)| (n.to_owned(), q)));
    for words in [
        "sun",
        "sunset beach",
        "Canon",
        "main",
        "fight",
        "12",
        "zzzz",
    ] {
        for sort in [AssetSort::Relevance, AssetSort::Title] {
            list.push((format!("text {words:?} by {sort:?}"), text(words, sort)));
        }
    }
    let mut worst_first = text("beach", AssetSort::Relevance);
    worst_first.descending = false;
    list.push(("text beach worst first".into(), worst_first));
    let mut text_and_filters = text("press", AssetSort::TakenAt);
    text_and_filters.filter.kinds = vec![AssetKind::Image, AssetKind::Document];
    text_and_filters.filter.size_max = Some(30_000_000);
    list.push(("text + filters".into(), text_and_filters));
    // Text with the filters a relevance page joins differently: the trash, tags, a
    // collection, usage.
    let mut in_trash = text("beach", AssetSort::Relevance);
    in_trash.filter.deleted = true;
    list.push(("text in the trash".into(), in_trash));
    let mut tagged = text("sun", AssetSort::Relevance);
    tagged.filter.tags = vec!["press".into(), "fans".into()];
    tagged.filter.tag_match = TagMatch::Any;
    list.push(("text + tags any".into(), tagged));
    let mut collected = text("s", AssetSort::Relevance);
    collected.filter.collection = Some(lib.collections[1]);
    list.push(("text + collection".into(), collected));
    let mut unused = text("canon", AssetSort::Size);
    unused.filter.in_use = Some(false);
    unused.descending = false;
    list.push(("text + unused by size".into(), unused));
    list
}

/// Opens a fresh SQLite store in a new temporary directory, which must outlive it.
async fn sqlite() -> (tempfile::TempDir, Box<dyn MetadataStore>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db")).await.unwrap();
    (dir, Box::new(store))
}

/// Opens a PostgreSQL store on a fresh database of this binary's throwaway cluster.
async fn postgres() -> Box<dyn MetadataStore> {
    let url = medialib_test_servers::PgCluster::shared()
        .fresh_database()
        .await;
    Box::new(PgStore::open(&url, 8).await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_matches_the_oracle() {
    let (_dir, store) = sqlite().await;
    check_all(store.as_ref()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_matches_the_oracle() {
    let store = postgres().await;
    check_all(store.as_ref()).await;
}

/// The whole suite on one backend's fresh store: a library seeded through the store API,
/// every filter and sort order against the oracle, then pages while assets arrive.
async fn check_all(store: &dyn MetadataStore) {
    store
        .create_admin_token("admin", &Sha256([9; 32]))
        .await
        .unwrap();
    let mut lib = Library::new(42);
    for _ in 0..LIBRARY_SIZE {
        lib.add(store, None).await;
    }
    // Titles beyond ASCII and punctuation: title order folds ASCII case only, then
    // compares bytes (SQLite's NOCASE), which the oracle does too.
    for title in [
        "Émile",
        "émile",
        "Ëmile",
        "ÄBC",
        "äbc",
        "Ω omega",
        "_underscore",
        "[bracket]",
        "Zebra",
        "zebra",
        "Apple",
        "apple",
        "~tilde",
        "ZZ top",
        "zz Top",
    ] {
        lib.add(store, Some(title.into())).await;
    }
    lib.organise(store).await;
    every_filter_and_sort_matches_the_oracle(store, &lib).await;
    cursors_are_bound_to_their_sort(store).await;
    text_ignores_case_and_accents(store, &mut lib).await;
    pages_are_stable_while_assets_arrive(store, &mut lib).await;
}

/// Every filter and sort order, page by page, against the oracle.
async fn every_filter_and_sort_matches_the_oracle(store: &dyn MetadataStore, lib: &Library) {
    for (name, q) in queries(lib) {
        let want = expected(&lib.assets, &q);
        let (got, total) = all_pages(store, &q).await;
        assert_eq!(total as usize, want.len(), "{name}: total");
        assert_eq!(got.len(), want.len(), "{name}: count");
        let first_wrong = got.iter().zip(&want).position(|(g, w)| g != w);
        assert_eq!(first_wrong, None, "{name}: order differs at this index");
        // A filter that matches nothing everywhere would pass trivially: most must match.
        if !name.contains("zzzz") && !name.contains("unknown") {
            assert!(!want.is_empty(), "{name}: the library has no match");
        }
    }
}

/// A cursor is bound to its sort order, and a made-up one is refused.
async fn cursors_are_bound_to_their_sort(store: &dyn MetadataStore) {
    let page = store
        .list_assets(&query(AssetSort::Size, false))
        .await
        .unwrap();
    let mut other = query(AssetSort::Title, false);
    other.cursor = page.next_cursor;
    assert!(matches!(
        store.list_assets(&other).await,
        Err(StoreError::InvalidCursor)
    ));
    other.cursor = Some("eyJrZXkiOjF9".into());
    assert!(matches!(
        store.list_assets(&other).await,
        Err(StoreError::InvalidCursor)
    ));
}

/// The text matches words whatever their case and accents, and a word longer than any
/// indexed word matches nothing.
async fn text_ignores_case_and_accents(store: &dyn MetadataStore, lib: &mut Library) {
    let i = lib
        .add(store, Some("Crème brûlée at the Café".into()))
        .await;
    let id = lib.assets[i].id;
    for words in ["creme", "BRULEE cafe", "CAFÉ crè", "crème BRÛ"] {
        let q = text(words, AssetSort::Relevance);
        let page = store.list_assets(&q).await.unwrap();
        assert!(page.items.iter().any(|a| a.id == id), "{words:?}");
    }
    let long = format!("cafe {}", "a".repeat(3000));
    let page = store
        .list_assets(&text(&long, AssetSort::Relevance))
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.total), (0, 0), "a very long word");
}

/// Pages through several orders while new assets arrive between pages, some sorting
/// before the cursor and some after: every asset that existed at the start is seen once,
/// in order, and nothing repeats.
async fn pages_are_stable_while_assets_arrive(store: &dyn MetadataStore, lib: &mut Library) {
    let orders = [
        ("newest first", query(AssetSort::CreatedAt, true)),
        ("title", query(AssetSort::Title, false)),
        ("taken", query(AssetSort::TakenAt, true)),
        ("relevance", text("beach", AssetSort::Relevance)),
    ];
    for (name, q) in orders {
        let before: Vec<AssetId> = expected(&lib.assets, &q);
        let mut q = q.clone();
        q.limit = 100;
        let mut seen: Vec<AssetId> = Vec::new();
        let mut round = 0;
        loop {
            let page = store.list_assets(&q).await.unwrap();
            seen.extend(page.items.iter().map(|a| a.id));
            // New assets: titles at both ends of the alphabet, all with "beach".
            for title in ["aaa beach arrival", "zzz beach arrival"] {
                lib.add(store, Some(format!("{title} {round}"))).await;
            }
            round += 1;
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => break,
            }
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "{name}: an asset repeated");
        let missing = before.iter().filter(|id| !seen.contains(id)).count();
        assert_eq!(missing, 0, "{name}: assets lost");
        // Everything seen is in the query's order, arrivals included.
        let by_id = lib.by_id();
        let in_order = seen
            .windows(2)
            .all(|w| expect::order(by_id[&w[0]], by_id[&w[1]], &q) == std::cmp::Ordering::Less);
        assert!(in_order, "{name}: pages out of order");
        assert!(round > 1, "{name}: only one page");
    }
}
