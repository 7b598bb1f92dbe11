//! The SSRF guard: which addresses an import may reach, enforced where a connection is
//! made.
//!
//! A check on the URL alone is not enough: a public name can resolve to 127.0.0.1, and
//! a name can resolve to a public address when checked and to a private one when
//! connecting (DNS rebinding). So the client resolves names only through
//! [`GuardedResolver`], which drops every address the [`AddressPolicy`] refuses; the
//! connector then dials only what is left. IP literals never reach a resolver, so they
//! are checked on the request's URL and on every redirect's ([`check_url`]).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use ipnet::IpNet;
use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Host;

/// Why a URL may not be fetched.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Refused {
    /// Not `http` or `https`.
    #[error("only http and https URLs can be imported, not {0}:")]
    Scheme(String),
    /// The URL has no host, or an empty one.
    #[error("the URL has no host")]
    NoHost,
    /// The host is, or resolves only to, addresses the server must not reach.
    #[error(
        "{host} is {address}, which is not a public address: imports cannot reach the server's own network"
    )]
    Blocked {
        /// The host as written in the URL.
        host: String,
        /// The refused address (the first, when a name resolved to several).
        address: IpAddr,
    },
}

/// Which addresses imports may connect to: public unicast addresses, plus the networks
/// the operator allowed (`import.allow_networks`).
#[derive(Debug, Clone, Default)]
pub struct AddressPolicy {
    allowed: Vec<IpNet>,
}

impl AddressPolicy {
    /// Public addresses plus `allowed`.
    pub fn new(allowed: Vec<IpNet>) -> Self {
        Self { allowed }
    }

    /// Whether a connection to `ip` is allowed.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.allowed.iter().any(|net| net.contains(&ip)) || is_public(ip)
    }
}

/// Checks what can be checked on a URL before any connection: its scheme, and its host
/// when that is an IP address. Names are checked when they are resolved.
pub fn check_url(policy: &AddressPolicy, url: &Url) -> Result<(), Refused> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Refused::Scheme(url.scheme().to_owned()));
    }
    let address = match url.host() {
        None => return Err(Refused::NoHost),
        Some(Host::Domain("")) => return Err(Refused::NoHost),
        Some(Host::Domain(_)) => return Ok(()),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip),
    };
    if policy.permits(address) {
        Ok(())
    } else {
        Err(Refused::Blocked {
            host: url.host_str().unwrap_or_default().to_owned(),
            address,
        })
    }
}

/// An HTTP client builder that connects only where `policy` permits: names resolve
/// through [`GuardedResolver`], checked at connect time so that DNS rebinding cannot slip
/// through, and proxies from the environment are ignored (they would connect on the
/// server's behalf, past the guard). Imports and webhook deliveries both start here.
pub fn client(policy: &Arc<AddressPolicy>) -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(GuardedResolver::new(Arc::clone(policy))))
        .no_proxy()
}

/// A resolver that answers only the addresses the policy permits, and fails with
/// [`Refused::Blocked`] when it permits none of them.
pub struct GuardedResolver {
    policy: Arc<AddressPolicy>,
}

impl GuardedResolver {
    /// A resolver enforcing `policy`.
    pub fn new(policy: Arc<AddressPolicy>) -> Self {
        Self { policy }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        Box::pin(async move {
            let host = name.as_str().to_owned();
            // The port is the connector's to set; 0 is what hyper's own resolver uses.
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let permitted: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| policy.permits(a.ip()))
                .collect();
            match (permitted.is_empty(), found.first()) {
                (true, Some(first)) => Err(Box::new(Refused::Blocked {
                    host,
                    address: first.ip(),
                })
                    as Box<dyn std::error::Error + Send + Sync>),
                _ => Ok(Box::new(permitted.into_iter()) as Addrs),
            }
        })
    }
}

/// An IPv4 address written as IPv6 (`::ffff:127.0.0.1`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// Globally reachable unicast, after the IANA special-purpose registries (RFC 6890 and
/// its updates). `Ipv4Addr::is_global` would say this, but it is not stable yet.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => is_public_v6(ip),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16: cloud metadata lives at 169.254.169.254
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0 // "this network"
        || (a == 100 && (b & 0xc0) == 64) // 100.64/10, CGNAT (RFC 6598)
        || (a == 192 && b == 0 && c == 0) // 192.0.0/24, IETF protocol assignments
        || (a == 198 && (b & 0xfe) == 18) // 198.18/15, benchmarking (RFC 2544)
        || a >= 240) // 240/4, reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    // Addresses that embed an IPv4 address are as reachable as that address.
    let embedded = |high: u16, low: u16| Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // NAT64 (RFC 6052)
        return is_public_v4(embedded(segments[6], segments[7]));
    }
    if segments[0] == 0x2002 {
        // 6to4 (RFC 3056)
        return is_public_v4(embedded(segments[1], segments[2]));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || ip.is_unique_local() // fc00::/7, AWS metadata's fd00:ec2::254 among them
        || ip.is_unicast_link_local() // fe80::/10
        || (segments[0] & 0xffc0) == 0xfec0 // fec0::/10, deprecated site-local
        || segments[..6] == [0; 6] // ::/96, IPv4-compatible (deprecated)
        || segments[..2] == [0x2001, 0xdb8] // documentation
        || segments[0] == 0x0100 && segments[1..4] == [0; 3]) // 100::/64, discard
}

#[cfg(test)]
mod tests {
    use super::*;

    fn permits(policy: &AddressPolicy, ip: &str) -> bool {
        policy.permits(ip.parse().unwrap())
    }

    #[test]
    fn only_public_addresses_are_permitted() {
        let policy = AddressPolicy::default();
        for refused in [
            "127.0.0.1",
            "127.255.0.9",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.254",
            "100.100.100.200", // Alibaba Cloud metadata, inside CGNAT
            "192.0.0.170",
            "198.18.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "fd00:ec2::254",
            "fc00::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "2001:db8::1",
        ] {
            assert!(!permits(&policy, refused), "{refused} must be refused");
        }
        for public in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.1",
            "172.32.0.1",
            "193.0.0.1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2606:4700:4700::1111",
        ] {
            assert!(permits(&policy, public), "{public} must be permitted");
        }
    }

    #[test]
    fn allowed_networks_are_permitted_and_nothing_else() {
        let policy = AddressPolicy::new(vec!["127.0.0.2/32".parse().unwrap()]);
        assert!(permits(&policy, "127.0.0.2"));
        assert!(permits(&policy, "::ffff:127.0.0.2"));
        assert!(!permits(&policy, "127.0.0.1"));
        assert!(!permits(&policy, "127.0.0.3"));
    }

    #[test]
    fn urls_are_checked_by_scheme_and_literal_address() {
        let policy = AddressPolicy::default();
        let check = |url: &str| check_url(&policy, &Url::parse(url).unwrap());
        assert!(check("https://example.com/a.jpg").is_ok());
        assert!(check("http://93.184.215.14/a.jpg").is_ok());
        assert!(matches!(
            check("ftp://example.com/a"),
            Err(Refused::Scheme(_))
        ));
        assert!(matches!(
            check("file:///etc/passwd"),
            Err(Refused::Scheme(_))
        ));
        // The URL parser reads every IPv4 spelling as the address it means.
        for sneaky in [
            "http://127.0.0.1/",
            "http://127.1/",
            "http://0x7f.0.0.1/",
            "http://2130706433/",
            "http://[::1]/",
            "http://[::ffff:7f00:1]/",
            "http://169.254.169.254/latest/meta-data/",
        ] {
            assert!(
                matches!(check(sneaky), Err(Refused::Blocked { .. })),
                "{sneaky} must be refused"
            );
        }
    }

    #[tokio::test]
    async fn names_resolving_to_refused_addresses_fail_to_resolve() {
        let resolver = GuardedResolver::new(Arc::new(AddressPolicy::default()));
        let err = resolver
            .resolve("localhost".parse().unwrap())
            .await
            .err()
            .expect("localhost must be refused");
        assert!(matches!(
            err.downcast_ref::<Refused>(),
            Some(Refused::Blocked { address, .. }) if address.is_loopback()
        ));
        let allowed = GuardedResolver::new(Arc::new(AddressPolicy::new(vec![
            "127.0.0.0/8".parse().unwrap(),
            "::1/128".parse().unwrap(),
        ])));
        let addrs: Vec<_> = allowed
            .resolve("localhost".parse().unwrap())
            .await
            .unwrap()
            .collect();
        assert!(!addrs.is_empty());
    }
}
