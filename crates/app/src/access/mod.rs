//! Access: who a caller is (credentials, sessions), what they may do (authorize), and
//! managing it (tokens, members, users' data, the audit log).

pub mod audit;
pub mod authorize;
pub mod credentials;
pub mod members;
pub mod sessions;
pub mod tokens;
pub mod users;
