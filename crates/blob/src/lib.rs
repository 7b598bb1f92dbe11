//! medialib-blob (in progress).
