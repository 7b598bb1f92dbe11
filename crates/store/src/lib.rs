//! medialib-store (in progress).
