//! The `medialib` binary end to end: import, gc, namespaces, users and tokens, and bad
//! configuration.

use std::path::{Path, PathBuf};
use std::process::Command;

use medialib_app::access::credentials::verify_password;
use medialib_core::access::Role;
use medialib_core::store::{AccessStore, AuditFilter, AuditStore};

fn corpus() -> PathBuf {
    std::env::var_os("MEDIALIB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"))
}

fn medialib(data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_medialib"));
    cmd.arg("--data-dir").arg(data).env("RUST_LOG", "warn");
    cmd
}

#[test]
fn import_walks_folders_reports_rejects_and_processes() {
    let data = tempfile::tempdir().unwrap();
    let input = tempfile::tempdir().unwrap();
    let nested = input.path().join("nested/deeper");
    std::fs::create_dir_all(&nested).unwrap();
    for (from, to) in [
        ("images/bmp/hopper.bmp", input.path().join("hopper.bmp")),
        ("images/png/transparent_rgba.png", nested.join("alpha.png")),
        ("images-bad/truncated_jpeg.jpg", nested.join("broken.jpg")),
        // The same bytes again, under another name: a duplicate, not a second asset.
        ("images/bmp/hopper.bmp", nested.join("copy.bmp")),
    ] {
        std::fs::copy(corpus().join(from), to).unwrap();
    }

    let out = medialib(data.path())
        .arg("import")
        .arg(input.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("imported 2, duplicates 1, rejected 1 (of 4 files)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("broken.jpg") && stdout.contains("corrupt_image"),
        "{stdout}"
    );

    // Processing ran before exit: every variant of both images is on disk.
    let variants = walk(&data.path().join("blobs/variants"));
    assert_eq!(variants.len(), 20, "{variants:?}");
    assert!(variants.iter().any(|p| p.ends_with("thumbnail.png")));

    let clean = medialib(data.path())
        .arg("import")
        .arg(input.path().join("hopper.bmp"))
        .output()
        .unwrap();
    assert!(clean.status.success());
    assert!(
        String::from_utf8_lossy(&clean.stdout).contains("imported 0, duplicates 1, rejected 0")
    );
}

#[test]
fn gc_removes_staging_left_by_a_crash() {
    let data = tempfile::tempdir().unwrap();
    let dead = data.path().join("staging/3f2a");
    std::fs::create_dir_all(&dead).unwrap();
    std::fs::write(dead.join(".lock"), b"").unwrap();
    std::fs::write(dead.join("half-upload"), vec![7u8; 4096]).unwrap();
    let out = medialib(data.path()).arg("gc").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("removed 4096 bytes"));
    assert!(!dead.exists());
}

#[test]
fn a_bad_setting_is_a_clear_error() {
    let data = tempfile::tempdir().unwrap();
    let out = medialib(data.path())
        .env("MEDIALIB_IMAGES__WEBP_QUALITY", "300")
        .arg("gc")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.to_lowercase().contains("webp_quality"), "{stderr}");
}

/// Runs `medialib <args>`; returns whether it succeeded, its stdout and its stderr.
fn run(data: &Path, args: &[&str]) -> (bool, String, String) {
    let out = medialib(data).args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `medialib <args>` with `input` on standard input.
fn run_with_input(data: &Path, args: &[&str], input: &str) -> (bool, String) {
    use std::io::Write;
    let mut child = medialib(data)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn namespaces_users_roles_and_tokens_from_the_command_line() {
    let data = tempfile::tempdir().unwrap();
    let data = data.path();
    let ok = |args: &[&str]| {
        let (success, stdout, stderr) = run(data, args);
        assert!(success, "{args:?}: {stderr}");
        stdout
    };
    assert!(
        ok(&["namespace", "create", "sports-desk", "--name", "Sports"]).contains("sports-desk")
    );
    assert!(ok(&["namespace", "list"]).contains("sports-desk\tSports"));
    let (success, _, stderr) = run(data, &["namespace", "create", "Sports Desk"]);
    assert!(!success && stderr.contains("lowercase"), "{stderr}");

    ok(&["user", "create", "ana", "--email", "ana@example.org"]);
    let (success, _, stderr) = run(
        data,
        &[
            "token",
            "create",
            "--user",
            "ana",
            "--namespace",
            "sports-desk",
        ],
    );
    assert!(
        !success && stderr.contains("ana has no role in sports-desk"),
        "{stderr}"
    );
    ok(&[
        "user",
        "set-role",
        "ana",
        "--namespace",
        "sports-desk",
        "--role",
        "editor",
    ]);
    assert!(ok(&["user", "list"]).contains("ana\tsports-desk:editor"));
    let (success, _, stderr) = run(data, &["user", "set-role", "ana", "--role", "boss"]);
    assert!(!success && stderr.contains("boss"), "{stderr}");
    let token = ok(&[
        "token",
        "create",
        "--user",
        "ana",
        "--namespace",
        "sports-desk",
        "--scopes",
        "read",
        "--ttl",
        "1d",
    ]);
    let token = token.trim();
    assert!(token.starts_with("mlk_") && token.len() == 68, "{token}");

    // The token is Ana's, read-only, in sports-desk; both changes are in its audit log.
    let store = medialib_store::SqliteStore::open(&data.join("medialib.db"))
        .await
        .unwrap();
    let principal = store
        .authenticate(&medialib_app::access::credentials::hash_token(token))
        .await
        .unwrap()
        .unwrap();
    let desk = store.list_namespaces().await.unwrap();
    let desk = desk.iter().find(|n| n.slug == "sports-desk").unwrap();
    assert_eq!(principal.namespace, desk.id);
    assert_eq!(principal.role, Role::Editor);
    assert_eq!(principal.scopes.to_string(), "read");
    let filter = AuditFilter {
        namespace: Some(desk.id),
        action: None,
        user: None,
        before: None,
        limit: 10,
    };
    let events = store.audit_events(&filter).await.unwrap();
    let actions: Vec<_> = events
        .iter()
        .map(|e| (e.action.as_str(), e.user.is_none()))
        .collect();
    assert_eq!(
        actions,
        [("cli_token_create", true), ("cli_user_set_role", true)]
    );
    assert_eq!(events[1].target, Some(principal.user.0.to_string()));

    // Passwords for the web UI, from standard input, stored as argon2id hashes.
    let (success, stderr) = run_with_input(
        data,
        &["user", "create", "bo", "--password-stdin"],
        "short\n",
    );
    assert!(!success && stderr.contains("at least 8"), "{stderr}");
    let (success, stderr) = run_with_input(
        data,
        &["user", "create", "bo", "--password-stdin"],
        "correct horse\n",
    );
    assert!(success, "{stderr}");
    let (success, stderr) =
        run_with_input(data, &["user", "set-password", "ana"], "battery staple\n");
    assert!(success, "{stderr}");
    for (name, password) in [("bo", "correct horse"), ("ana", "battery staple")] {
        let (_, hash) = store.password_hash(name).await.unwrap().unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password(password.into(), Some(hash.clone())).await);
        assert!(!verify_password("guess".into(), Some(hash)).await);
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.file_type().unwrap().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path());
        }
    }
    out
}

/// `verify` re-hashes blobs (all, or a sample) and names each problem's asset; `gc`
/// removes the orphans older than its safety age, and only them.
#[test]
fn verify_finds_lost_and_changed_bytes_and_gc_removes_old_orphans() {
    let data = tempfile::tempdir().unwrap();
    let file = corpus().join("images/bmp/hopper.bmp");
    let (ok, out, err) = run(data.path(), &["import", file.to_str().unwrap()]);
    assert!(ok, "{out}{err}");
    let (ok, report, _) = run(data.path(), &["verify"]);
    assert!(ok, "{report}");
    assert!(
        report.contains("0 missing") && report.contains("0 stored blobs nothing"),
        "{report}"
    );

    let variants = walk(&data.path().join("blobs/variants"));
    let asset = variants[0]
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    // One variant's bytes change at the same length, another goes.
    let changed = &variants[0];
    let bytes = std::fs::read(changed).unwrap();
    let mut flipped = bytes.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0xff;
    std::fs::write(changed, &flipped).unwrap();
    let gone = std::fs::read(&variants[1]).unwrap();
    std::fs::remove_file(&variants[1]).unwrap();
    let (ok, report, _) = run(data.path(), &["verify"]);
    assert!(!ok, "{report}");
    assert!(report.contains("1 missing"), "{report}");
    assert!(
        report.contains("1 with other bytes than recorded"),
        "{report}"
    );
    assert!(
        report.contains(&format!("(asset {asset}): bytes differ")),
        "{report}"
    );
    let (_, sampled, _) = run(data.path(), &["verify", "--sample", "0"]);
    assert!(
        sampled.contains("re-hashed 0") && sampled.contains("0 with other bytes"),
        "{sampled}"
    );
    std::fs::write(changed, &bytes).unwrap();
    std::fs::write(&variants[1], &gone).unwrap();

    // Two orphans: one written two days ago, one just now.
    let old = data
        .path()
        .join("blobs/originals/1/ab/cd")
        .join("abcd".repeat(16));
    std::fs::create_dir_all(old.parent().unwrap()).unwrap();
    std::fs::write(&old, b"left by a crash").unwrap();
    let two_days = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86_400);
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(two_days)
        .unwrap();
    let fresh = data
        .path()
        .join("blobs/variants/0193a7c0-1d2e-7f00-8000-000000000001/card.webp");
    std::fs::create_dir_all(fresh.parent().unwrap()).unwrap();
    std::fs::write(&fresh, b"an upload in flight").unwrap();
    let (ok, report, _) = run(data.path(), &["verify"]);
    assert!(
        !ok && report.contains("2 stored blobs nothing references"),
        "{report}"
    );

    let (ok, out, err) = run(data.path(), &["gc"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("removed 1 orphan blobs (15 bytes)"), "{out}");
    assert!(!old.exists() && fresh.exists());
    let (ok, out, _) = run(data.path(), &["gc", "--orphan-age-hours", "0"]);
    assert!(ok && out.contains("removed 1 orphan blobs"), "{out}");
    let (ok, report, _) = run(data.path(), &["verify"]);
    assert!(ok, "{report}");
}

/// A backup copies the database and the blobs; a second one to the same place only what
/// is new; a restore into a new data directory gives an install that verifies and has
/// every asset; a restore over an install, or a backup of PostgreSQL, is refused.
#[test]
fn backups_are_incremental_and_restore_to_a_whole_install() {
    let data = tempfile::tempdir().unwrap();
    let backups = tempfile::tempdir().unwrap();
    let dest = backups.path().join("nightly");
    let dest_arg = dest.to_str().unwrap();
    let import = |file: &str| {
        let path = corpus().join(file);
        let (ok, out, err) = run(data.path(), &["import", path.to_str().unwrap()]);
        assert!(ok, "{out}{err}");
    };
    import("images/bmp/hopper.bmp");
    let (ok, out, err) = run(data.path(), &["backup", dest_arg]);
    assert!(ok, "{out}{err}");
    assert!(
        out.contains("11 new blobs") && out.contains("0 already there"),
        "{out}"
    );
    let (ok, out, _) = run(data.path(), &["backup", dest_arg]);
    assert!(
        ok && out.contains("0 new blobs") && out.contains("11 already there"),
        "{out}"
    );
    import("images/png/transparent_rgba.png");
    let (ok, out, _) = run(data.path(), &["backup", dest_arg]);
    assert!(
        ok && out.contains("11 new blobs") && out.contains("11 already there"),
        "{out}"
    );

    let restored = tempfile::tempdir().unwrap();
    let (ok, out, err) = run(restored.path(), &["restore", dest_arg]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("22 blobs"), "{out}");
    let (ok, report, _) = run(restored.path(), &["verify"]);
    assert!(ok, "{report}");
    assert!(
        report.contains("checked 22 blobs") && report.contains("re-hashed 22"),
        "{report}"
    );
    assert_eq!(
        std::fs::read(restored.path().join("signing.key")).unwrap(),
        std::fs::read(data.path().join("signing.key")).unwrap(),
        "signed URLs keep working"
    );

    let (ok, _, err) = run(restored.path(), &["restore", dest_arg]);
    assert!(
        !ok && err.contains("restore into a new data directory"),
        "{err}"
    );
    let out = medialib(data.path())
        .env(
            "MEDIALIB_DATABASE_URL",
            "postgres://medialib@127.0.0.1:9/medialib",
        )
        .args(["backup", dest_arg])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("pg_dump"), "{err}");
}

/// Retention: nothing without a policy; with one, `--dry-run` lists the asset used
/// nowhere and not viewed for its days and changes nothing; the run moves it to the
/// trash, audited, and never touches the asset in use.
#[tokio::test]
async fn retention_trashes_only_old_unused_assets_and_audits_it() {
    use medialib_core::store::OrganiseStore;
    let data = tempfile::tempdir().unwrap();
    for file in ["images/bmp/hopper.bmp", "images/png/transparent_rgba.png"] {
        let path = corpus().join(file);
        let (ok, out, err) = run(data.path(), &["import", path.to_str().unwrap()]);
        assert!(ok, "{out}{err}");
    }
    let (_, out, _) = run(data.path(), &["retention", "--dry-run"]);
    assert!(out.contains("no namespace has a retention policy"), "{out}");
    let (ok, out, _) = run(data.path(), &["namespace", "retention", "default", "30"]);
    assert!(ok && out.contains("30 days"), "{out}");
    let (_, out, _) = run(data.path(), &["retention", "--dry-run"]);
    assert!(out.contains("default: would move 0 assets"), "{out}");

    // Forty days pass; the BMP is used somewhere.
    let db = data.path().join("medialib.db");
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
        "sqlite://{}",
        db.display()
    ))
    .await
    .unwrap();
    let forty_days_ms: i64 = 40 * 86_400_000;
    sqlx::query("UPDATE asset SET created_at = created_at - ?")
        .bind(forty_days_ms)
        .execute(&mut conn)
        .await
        .unwrap();
    let rows: Vec<(Vec<u8>, String)> = sqlx::query_as("SELECT id, original_filename FROM asset")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    drop(conn);
    let id = |name: &str| {
        let bytes = &rows.iter().find(|(_, n)| n == name).unwrap().0;
        medialib_core::AssetId(uuid::Uuid::from_slice(bytes).unwrap())
    };
    let (used, idle) = (id("hopper.bmp"), id("transparent_rgba.png"));
    let store = medialib_store::SqliteStore::open(&db).await.unwrap();
    let usage = medialib_core::organise::UsageRef {
        entity_type: "product".into(),
        entity_id: "sku-1".into(),
        usage_type: "gallery".into(),
    };
    store.record_usage(used, &usage).await.unwrap();

    let (_, out, _) = run(data.path(), &["retention", "--dry-run"]);
    assert!(
        out.contains("would move 1 assets") && out.contains(&idle.to_string()),
        "{out}"
    );
    assert!(!in_trash(&store, idle).await);
    let (ok, out, err) = run(data.path(), &["retention"]);
    assert!(ok && out.contains("default: moved 1 assets"), "{out}{err}");
    assert!(in_trash(&store, idle).await);
    assert!(!in_trash(&store, used).await);
    let filter = AuditFilter {
        namespace: None,
        action: Some("retention_trash".into()),
        user: None,
        before: None,
        limit: 10,
    };
    let events = store.audit_events(&filter).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].target.as_deref(), Some(idle.to_string().as_str()));
    let (_, out, _) = run(data.path(), &["retention"]);
    assert!(out.contains("default: moved 0 assets"), "{out}");
}

/// Whether asset `id` is in the trash.
async fn in_trash(store: &medialib_store::SqliteStore, id: medialib_core::AssetId) -> bool {
    use medialib_core::store::AssetStore;
    let asset = store
        .get_asset(id)
        .await
        .unwrap()
        .expect("the asset exists");
    asset.deleted_at.is_some()
}
