//! medialib-server (in progress).
