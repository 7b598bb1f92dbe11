//! Reading glTF accessors (glTF 2.0 §3.6.2) with every byte range checked, so that a hostile
//! file ends in an error naming the accessor, never in a panic or a read out of bounds. The
//! `gltf` crate's own readers assume valid ranges; these do not.

use std::borrow::Cow;

use gltf::accessor::sparse::IndexType;
use gltf::accessor::{Accessor, DataType, Dimensions};
use gltf::buffer::View;

use crate::MediaError;
use crate::model3d::{MAX_TRIANGLES, MAX_VERTICES};

/// The most elements one accessor may hold: a triangle list at [`MAX_TRIANGLES`] has three
/// indices per triangle. It bounds what an accessor without a buffer view (all zeros, then
/// sparse substitutions) can make us allocate.
const MAX_ELEMENTS: usize = (3 * MAX_TRIANGLES + MAX_VERTICES) as usize;

/// Each buffer's bytes by buffer index, exactly `byteLength` long (glTF 2.0 §3.6.1).
pub(super) struct Buffers<'a>(pub Vec<Cow<'a, [u8]>>);

impl Buffers<'_> {
    /// The bytes of a buffer view, checked to lie within its buffer.
    fn view(&self, view: &View) -> Result<&[u8], MediaError> {
        let buffer = view.buffer().index();
        let bytes = self.0.get(buffer).map(|b| &b[..]).unwrap_or_default();
        view.offset()
            .checked_add(view.length())
            .and_then(|end| bytes.get(view.offset()..end))
            .ok_or_else(|| {
                MediaError::Invalid(format!(
                    "bufferView {} (offset {}, length {}) lies outside buffer {buffer}, which \
                     has {} bytes",
                    view.index(),
                    view.offset(),
                    view.length(),
                    bytes.len()
                ))
            })
    }
}

/// `count` elements of `size` bytes, `stride` bytes apart: a range proven to fit its view.
struct Elements<'a> {
    bytes: &'a [u8],
    stride: usize,
    size: usize,
    count: usize,
}

impl<'a> Elements<'a> {
    /// Elements at `offset` into `bytes` (a view's); `stride` is `None` for tightly packed.
    fn new(
        bytes: &'a [u8],
        offset: usize,
        stride: Option<usize>,
        size: usize,
        count: usize,
        what: &dyn Fn() -> String,
    ) -> Result<Self, MediaError> {
        let stride = stride.unwrap_or(size);
        if size == 0 || stride < size {
            return Err(MediaError::Invalid(format!(
                "{}: byteStride {stride} is smaller than the {size}-byte element (glTF 2.0 \
                 §3.6.2.4)",
                what()
            )));
        }
        let end = match count.checked_sub(1) {
            None => Some(offset),
            Some(last) => last
                .checked_mul(stride)
                .and_then(|n| n.checked_add(size))
                .and_then(|n| n.checked_add(offset)),
        };
        let bytes = end.and_then(|end| bytes.get(offset..end)).ok_or_else(|| {
            MediaError::Invalid(format!(
                "{}: {count} elements of {size} bytes every {stride} bytes from offset {offset} \
                 do not fit in the {}-byte buffer view",
                what(),
                bytes.len()
            ))
        })?;
        Ok(Self {
            bytes,
            stride,
            size,
            count,
        })
    }

    fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        self.bytes
            .chunks(self.stride)
            .take(self.count)
            .filter_map(|chunk| chunk.get(..self.size))
    }
}

/// The accessor's dense elements, or `None` when it has no buffer view (all zeros until
/// sparse values replace some, glTF 2.0 §3.6.2.3).
fn dense<'a>(
    accessor: &Accessor,
    buffers: &'a Buffers,
) -> Result<Option<Elements<'a>>, MediaError> {
    let Some(view) = accessor.view() else {
        return Ok(None);
    };
    let what = || format!("accessor {}", accessor.index());
    Elements::new(
        buffers.view(&view)?,
        accessor.offset(),
        view.stride(),
        accessor.size(),
        accessor.count(),
        &what,
    )
    .map(Some)
}

/// The sparse indices (with their size in bytes) and values of an accessor, if it is sparse.
fn sparse<'a>(
    accessor: &Accessor,
    buffers: &'a Buffers,
) -> Result<Option<(Elements<'a>, Elements<'a>)>, MediaError> {
    let Some(sparse) = accessor.sparse() else {
        return Ok(None);
    };
    let what = || format!("sparse part of accessor {}", accessor.index());
    let (indices, values) = (sparse.indices(), sparse.values());
    let index_size = match indices.index_type() {
        IndexType::U8 => 1,
        IndexType::U16 => 2,
        IndexType::U32 => 4,
    };
    // Sparse data is tightly packed: its buffer views' byteStride does not apply.
    let indices = Elements::new(
        buffers.view(&indices.view())?,
        indices.offset(),
        None,
        index_size,
        sparse.count(),
        &what,
    )?;
    let values = Elements::new(
        buffers.view(&values.view())?,
        values.offset(),
        None,
        accessor.size(),
        sparse.count(),
        &what,
    )?;
    Ok(Some((indices, values)))
}

/// Checks that every buffer view lies in its buffer and every accessor in its buffer view,
/// as the Khronos validator does, including accessors this crate never reads.
pub(super) fn check_ranges(document: &gltf::Document, buffers: &Buffers) -> Result<(), MediaError> {
    for view in document.views() {
        buffers.view(&view)?;
    }
    for accessor in document.accessors() {
        dense(&accessor, buffers)?;
        sparse(&accessor, buffers)?;
    }
    Ok(())
}

/// Reads every element of an accessor with `decode`, applying sparse substitutions.
fn read<T: Copy>(
    accessor: &Accessor,
    buffers: &Buffers,
    zero: T,
    decode: impl Fn(&[u8]) -> T,
) -> Result<Vec<T>, MediaError> {
    let count = accessor.count();
    if count > MAX_ELEMENTS {
        return Err(MediaError::OverLimit(format!(
            "accessor {} has {count} elements; at most {MAX_ELEMENTS} are accepted",
            accessor.index()
        )));
    }
    let mut values = match dense(accessor, buffers)? {
        Some(elements) => elements.iter().map(&decode).collect(),
        None => vec![zero; count],
    };
    if let Some((indices, substitutes)) = sparse(accessor, buffers)? {
        for (index, value) in indices.iter().zip(substitutes.iter()) {
            let index = unsigned(index);
            let slot = values.get_mut(index as usize).ok_or_else(|| {
                MediaError::Invalid(format!(
                    "sparse index {index} of accessor {} is out of range: it has {count} elements",
                    accessor.index()
                ))
            })?;
            *slot = decode(value);
        }
    }
    Ok(values)
}

/// A little-endian unsigned integer of 1, 2 or 4 bytes.
fn unsigned(bytes: &[u8]) -> u32 {
    match *bytes {
        [a] => a.into(),
        [a, b] => u16::from_le_bytes([a, b]).into(),
        [a, b, c, d] => u32::from_le_bytes([a, b, c, d]),
        _ => u32::MAX,
    }
}

/// Reads a `POSITION` accessor: `VEC3` of `FLOAT` (glTF 2.0 §3.7.2.1), every value finite.
pub(super) fn read_positions(
    accessor: &Accessor,
    buffers: &Buffers,
) -> Result<Vec<[f32; 3]>, MediaError> {
    if accessor.data_type() != DataType::F32 || accessor.dimensions() != Dimensions::Vec3 {
        return Err(MediaError::Invalid(format!(
            "POSITION accessor {} is {:?} of {:?}; glTF 2.0 §3.7.2.1 requires VEC3 of FLOAT",
            accessor.index(),
            accessor.dimensions(),
            accessor.data_type()
        )));
    }
    let positions = read(accessor, buffers, [0.0; 3], |bytes| {
        [0, 4, 8].map(|at| {
            bytes
                .get(at..at + 4)
                .and_then(|b| b.try_into().ok())
                .map_or(f32::NAN, f32::from_le_bytes)
        })
    })?;
    if let Some((i, p)) = positions
        .iter()
        .enumerate()
        .find(|(_, p)| p.iter().any(|c| !c.is_finite()))
    {
        return Err(MediaError::Invalid(format!(
            "POSITION accessor {} element {i} is ({} {} {}), which is not finite (infinite or \
             NaN); vertex positions must be finite numbers",
            accessor.index(),
            p[0],
            p[1],
            p[2]
        )));
    }
    Ok(positions)
}

/// Reads an `indices` accessor: `SCALAR` of unsigned 8-, 16- or 32-bit integers
/// (glTF 2.0 §3.7.2.1).
pub(super) fn read_indices(accessor: &Accessor, buffers: &Buffers) -> Result<Vec<u32>, MediaError> {
    let unsigned_type = matches!(
        accessor.data_type(),
        DataType::U8 | DataType::U16 | DataType::U32
    );
    if !unsigned_type || accessor.dimensions() != Dimensions::Scalar {
        return Err(MediaError::Invalid(format!(
            "indices accessor {} is {:?} of {:?}; glTF 2.0 §3.7.2.1 requires SCALAR of \
             UNSIGNED_BYTE, UNSIGNED_SHORT or UNSIGNED_INT",
            accessor.index(),
            accessor.dimensions(),
            accessor.data_type()
        )));
    }
    read(accessor, buffers, 0, unsigned)
}
