//! Access: who a caller is (credentials, sessions), what they may do (authorize), and
//! managing it (namespaces, user accounts, tokens, members, users' data, the audit log).

pub mod accounts;
pub mod audit;
pub mod authorize;
pub mod credentials;
pub mod members;
pub mod namespaces;
pub mod sessions;
pub mod tokens;
pub mod users;
