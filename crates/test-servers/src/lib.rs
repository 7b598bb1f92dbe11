//! Real servers for medialib's tests, each started on 127.0.0.1 by the test binary that
//! needs it, once, and stopped however that binary ends (a watchdog child holds a pipe
//! only the binary writes):
//! - [`PgCluster`]: a throwaway PostgreSQL 15 cluster, a fresh database per test;
//! - [`StorageServer`]: S3 (s3s-fs), Azure (Azurite) or GCS (fake-gcs-server), a fresh
//!   bucket per test.
//!
//! Nothing they start reaches beyond 127.0.0.1.
#![deny(missing_docs)]

mod postgres;
mod process;
mod storage;

pub use postgres::PgCluster;
pub use storage::{Kind, StorageServer};
