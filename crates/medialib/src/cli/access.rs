//! `medialib namespace …`, `medialib user …`, `medialib token create`: the operator's
//! side of namespaces, users, roles and tokens, straight on the metadata store.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Subcommand;
use medialib_app::access::credentials::{check_password, hash_password};
use medialib_app::access::credentials::{generate_token, hash_token};
use medialib_core::access::{Role, Scopes};
use medialib_core::store::{Namespace, NamespaceChange, NewAuditEvent, NewToken, User};
use medialib_core::{MetadataStore, NamespaceId, Settings, Timestamp};

/// `medialib namespace …`
#[derive(Subcommand)]
pub enum NamespaceCommand {
    /// Create a namespace (workspace).
    Create {
        /// URL-safe unique name, e.g. `sports-desk`.
        slug: String,
        /// Display name (default: the slug).
        #[arg(long)]
        name: Option<String>,
    },
    /// List namespaces.
    List,
    /// Set a namespace's retention for unused media: days after which an asset used
    /// nowhere and not viewed goes to the trash; `0` is off, `default` follows
    /// `retention.unused_days`.
    Retention {
        /// The namespace's slug.
        slug: String,
        /// Days, `0`, or `default`.
        days: String,
    },
}

/// `medialib user …`
#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user.
    Create {
        /// Unique login name.
        name: String,
        /// Email address.
        #[arg(long)]
        email: Option<String>,
        /// Read a password for the web UI from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password for the web UI, read from the first line of standard input.
    SetPassword {
        /// The user's login name.
        name: String,
    },
    /// List users and their roles.
    List,
    /// Give a user a role in a namespace (`none` removes it).
    SetRole {
        /// The user's login name.
        name: String,
        /// Namespace slug.
        #[arg(long, default_value = "default")]
        namespace: String,
        /// `viewer`, `editor`, `admin` or `none`.
        #[arg(long)]
        role: String,
    },
}

/// `medialib token …`
#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token and print it (it is shown once; only its hash is stored).
    Create {
        /// The user it belongs to (login name).
        #[arg(long)]
        user: String,
        /// Namespace slug it acts in; the user needs a role there.
        #[arg(long, default_value = "default")]
        namespace: String,
        /// Comma-separated scopes: read, write, admin.
        #[arg(long, default_value = "read,write")]
        scopes: String,
        /// Lifetime, e.g. `90d`, `12h`, `30m` (default: no expiry).
        #[arg(long)]
        ttl: Option<String>,
        /// A label for the token.
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

async fn open(settings: &Settings) -> anyhow::Result<Arc<dyn MetadataStore>> {
    let database = settings.database();
    medialib_store::open(&database, settings.database_max_connections)
        .await
        .with_context(|| format!("open {}", database.describe()))
}

async fn namespace(store: &dyn MetadataStore, slug: &str) -> anyhow::Result<Namespace> {
    let all = store.list_namespaces().await?;
    all.into_iter()
        .find(|n| n.slug == slug)
        .with_context(|| format!("no namespace {slug:?} (medialib namespace list)"))
}

async fn user(store: &dyn MetadataStore, name: &str) -> anyhow::Result<User> {
    store
        .find_user(name)
        .await?
        .with_context(|| format!("no user {name:?} (medialib user list)"))
}

/// Runs a `namespace` command.
pub async fn namespace_command(
    settings: &Settings,
    command: NamespaceCommand,
) -> anyhow::Result<ExitCode> {
    let store = open(settings).await?;
    match command {
        NamespaceCommand::Create { slug, name } => {
            if slug.is_empty() || medialib_core::organise::slugify(&slug) != slug {
                bail!("a namespace slug is lowercase letters, digits and dashes, like sports-desk");
            }
            let created = store
                .create_namespace(&slug, name.as_deref().unwrap_or(&slug))
                .await?;
            println!("created namespace {} (id {})", created.slug, created.id.0);
        }
        NamespaceCommand::List => {
            for n in store.list_namespaces().await? {
                println!("{}\t{}\t{}", n.id.0, n.slug, n.name);
            }
        }
        NamespaceCommand::Retention { slug, days } => {
            let days = match days.as_str() {
                "default" => None,
                n => Some(n.parse::<u32>().map_err(|_| {
                    anyhow::anyhow!("days is a whole number of days, 0 (off) or `default`")
                })?),
            };
            let namespaces = store.list_namespaces().await?;
            let Some(namespace) = namespaces.iter().find(|n| n.slug == slug) else {
                bail!("there is no namespace {slug:?} (`medialib namespace list`)");
            };
            let change = NamespaceChange {
                retention_days: Some(days),
                ..NamespaceChange::default()
            };
            store.update_namespace(namespace.id, &change).await?;
            match days {
                None => println!("{slug}: retention follows retention.unused_days"),
                Some(0) => println!("{slug}: retention is off"),
                Some(n) => println!(
                    "{slug}: assets used nowhere and not viewed for {n} days go to the trash"
                ),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs a `user` command.
pub async fn user_command(settings: &Settings, command: UserCommand) -> anyhow::Result<ExitCode> {
    let store = open(settings).await?;
    match command {
        UserCommand::Create {
            name,
            email,
            password_stdin,
        } => {
            if name.trim().is_empty() {
                bail!("a user needs a name");
            }
            let hash = match password_stdin {
                true => Some(password_hash().await?),
                false => None,
            };
            let created = store
                .create_user(name.trim(), email.as_deref(), hash.as_deref())
                .await?;
            println!("created user {} (id {})", created.name, created.id.0);
        }
        UserCommand::SetPassword { name } => {
            let user = user(&*store, &name).await?;
            let hash = password_hash().await?;
            if !store.set_password(user.id, Some(&hash)).await? {
                bail!("{name} was anonymized and cannot sign in");
            }
            println!("set the password of {}", user.name);
        }
        UserCommand::List => {
            let namespaces = store.list_namespaces().await?;
            for u in store.list_users().await? {
                let roles: Vec<String> = store
                    .memberships(u.id)
                    .await?
                    .iter()
                    .map(|m| {
                        let slug = namespaces
                            .iter()
                            .find(|n| n.id == m.namespace)
                            .map_or("?", |n| n.slug.as_str());
                        format!("{slug}:{}", m.role)
                    })
                    .collect();
                let owner = if u.is_owner { " (owner)" } else { "" };
                println!("{}\t{}{owner}\t{}", u.id.0, u.name, roles.join(","));
            }
        }
        UserCommand::SetRole {
            name,
            namespace: slug,
            role,
        } => {
            let user = user(&*store, &name).await?;
            let ns = namespace(&*store, &slug).await?;
            let role = match role.as_str() {
                "none" => None,
                other => Some(other.parse::<Role>().map_err(anyhow::Error::msg)?),
            };
            store.set_role(user.id, ns.id, role).await?;
            record(&*store, ns.id, "cli_user_set_role", user.id.0).await?;
            match role {
                Some(role) => println!("{} is {role} in {}", user.name, ns.slug),
                None => println!("{} has no role in {} any more", user.name, ns.slug),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs a `token` command.
pub async fn token_command(settings: &Settings, command: TokenCommand) -> anyhow::Result<ExitCode> {
    let store = open(settings).await?;
    let TokenCommand::Create {
        user: name,
        namespace: slug,
        scopes,
        ttl,
        label,
    } = command;
    let user = user(&*store, &name).await?;
    let ns = namespace(&*store, &slug).await?;
    let member = store
        .memberships(user.id)
        .await?
        .iter()
        .any(|m| m.namespace == ns.id);
    if !member && !user.is_owner {
        bail!(
            "{} has no role in {}: medialib user set-role {} --namespace {} --role viewer|editor|admin",
            user.name,
            ns.slug,
            user.name,
            ns.slug
        );
    }
    let scopes: Scopes = scopes.parse().map_err(anyhow::Error::msg)?;
    let expires_at = ttl
        .as_deref()
        .map(parse_ttl)
        .transpose()?
        .map(|d| Timestamp::now_utc() + d);
    let token = generate_token();
    let created = store
        .create_token(NewToken {
            user: user.id,
            namespace: ns.id,
            name: label,
            hash: hash_token(&token),
            scopes,
            expires_at,
        })
        .await?;
    record(&*store, ns.id, "cli_token_create", created.id).await?;
    println!("{token}");
    Ok(ExitCode::SUCCESS)
}

/// Reads a password from the first line of standard input and hashes it (argon2id).
async fn password_hash() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("read the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']);
    check_password(password).map_err(|e| anyhow::anyhow!(e.message))?;
    hash_password(password.to_owned()).await
}

/// Records a command's write in the namespace's audit log: no user, no IP, status 0.
async fn record(
    store: &dyn MetadataStore,
    namespace: NamespaceId,
    action: &str,
    target: i64,
) -> anyhow::Result<()> {
    store
        .record_audit(NewAuditEvent {
            namespace,
            user: None,
            action: action.to_owned(),
            target: Some(target.to_string()),
            status: 0,
            ip: None,
        })
        .await
        .context("record the change in the audit log")
}

/// `90d`, `12h`, `30m`, `45s`.
fn parse_ttl(raw: &str) -> anyhow::Result<Duration> {
    let (number, unit) = raw.split_at(raw.len().saturating_sub(1));
    let n: u64 = number
        .parse()
        .with_context(|| format!("--ttl {raw:?}: expected a number and a unit, like 90d"))?;
    let seconds = match unit {
        "d" => n * 86_400,
        "h" => n * 3600,
        "m" => n * 60,
        "s" => n,
        _ => bail!("--ttl {raw:?}: the unit is d, h, m or s"),
    };
    if seconds == 0 {
        bail!("--ttl must be more than 0");
    }
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttls_read_with_their_unit() {
        assert_eq!(parse_ttl("90d").unwrap(), Duration::from_secs(90 * 86_400));
        assert_eq!(parse_ttl("12h").unwrap(), Duration::from_secs(12 * 3600));
        assert!(parse_ttl("12").is_err());
        assert!(parse_ttl("0d").is_err());
        assert!(parse_ttl("d").is_err());
    }
}
