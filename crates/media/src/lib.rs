//! medialib-media (in progress).
