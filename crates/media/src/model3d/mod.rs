//! 3D models: glTF 2.0 (JSON with embedded buffers, and GLB), OBJ and STL.
//!
//! CONTRACT (filled in by the model work; signatures are used by medialib-server).

use medialib_core::ModelMetadata;

use crate::MediaError;

/// Parses and validates a model; `mime` is what sniffing detected.
pub fn probe(bytes: &[u8], mime: &str) -> Result<ModelMetadata, MediaError> {
    let _ = (bytes, mime);
    unimplemented!()
}

/// A shaded preview from a three-quarter view, as PNG bytes of `width` × `height` pixels.
pub fn render_preview(
    bytes: &[u8],
    mime: &str,
    width: u32,
    height: u32,
) -> Result<Vec<u8>, MediaError> {
    let _ = (bytes, mime, width, height);
    unimplemented!()
}
