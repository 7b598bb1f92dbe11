//! The geometry every format is reduced to: triangle meshes, placed in the world by instances.

use medialib_core::BoundingBox;

use super::{MAX_TRIANGLES, MAX_VERTICES};
use crate::MediaError;

/// A colour in linear RGB, each channel 0–1 (glTF 2.0 §3.9.2: `baseColorFactor` is linear).
pub(super) type Rgb = [f32; 3];

/// Light grey: the colour of a model that says nothing about its colour.
pub(super) const NEUTRAL: Rgb = [0.55, 0.55, 0.55];

/// Which model axis points up, so previews stand models on their feet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Up {
    /// glTF (2.0 §3.4) and the usual OBJ exporters.
    Y,
    /// STL, by the CAD and 3D-printing convention.
    Z,
}

/// Triangles over a list of positions, in one colour.
pub(super) struct Mesh {
    /// Vertex positions in model units.
    pub positions: Vec<[f32; 3]>,
    /// Triangles as indices into `positions`; all are in range (checked by [`Mesh::new`]).
    pub triangles: Vec<[u32; 3]>,
    /// The material's colour.
    pub color: Rgb,
}

impl Mesh {
    /// Checks what the renderer relies on: finite positions and indices that point into them.
    /// `what` names the mesh in error messages.
    pub fn new(
        what: &str,
        positions: Vec<[f32; 3]>,
        triangles: Vec<[u32; 3]>,
        color: Rgb,
    ) -> Result<Self, MediaError> {
        if let Some((i, p)) = positions
            .iter()
            .enumerate()
            .find(|(_, p)| p.iter().any(|c| !c.is_finite()))
        {
            return Err(MediaError::Invalid(format!(
                "{what}: vertex {i} is not finite ({} {} {}); coordinates must be finite numbers",
                p[0], p[1], p[2]
            )));
        }
        let len = positions.len();
        if let Some(t) = triangles
            .iter()
            .find(|t| t.iter().any(|&i| i as usize >= len))
        {
            return Err(MediaError::Invalid(format!(
                "{what}: triangle {t:?} has a vertex index out of range; there are {len} vertices"
            )));
        }
        Ok(Self {
            positions,
            triangles,
            color,
        })
    }
}

/// An affine transform as a column-major 4×4 matrix, the layout of glTF's `node.matrix`
/// (glTF 2.0 §3.5.3). Kept in `f64` so that composing and applying it cannot overflow.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Transform([[f64; 4]; 4]);

impl Transform {
    pub const IDENTITY: Self = Self([
        [1.0, 0.0, 0.0, 0.0],
        [0.0, 1.0, 0.0, 0.0],
        [0.0, 0.0, 1.0, 0.0],
        [0.0, 0.0, 0.0, 1.0],
    ]);

    /// A transform from glTF's column-major matrix, or `None` when an entry is not finite.
    pub fn from_columns(columns: [[f32; 4]; 4]) -> Option<Self> {
        columns
            .iter()
            .flatten()
            .all(|v| v.is_finite())
            .then(|| Self(columns.map(|column| column.map(f64::from))))
    }

    /// `self × child`: the child's local transform applied first, as down a node hierarchy.
    pub fn then(&self, child: &Self) -> Self {
        let (a, b) = (&self.0, &child.0);
        let mut out = [[0.0; 4]; 4];
        for (col, out_col) in out.iter_mut().enumerate() {
            for (row, cell) in out_col.iter_mut().enumerate() {
                *cell = (0..4).map(|k| a[k][row] * b[col][k]).sum();
            }
        }
        Self(out)
    }

    /// The matrix as glTF's `node.matrix`: 16 numbers, column by column.
    pub fn columns(&self) -> Vec<f64> {
        self.0.iter().flatten().copied().collect()
    }

    /// The point `p` moved by the transform.
    pub fn apply(&self, p: [f32; 3]) -> [f64; 3] {
        let m = &self.0;
        let [x, y, z] = p.map(f64::from);
        [0, 1, 2].map(|row| m[0][row] * x + m[1][row] * y + m[2][row] * z + m[3][row])
    }
}

/// One placement of a mesh in the world.
pub(super) struct Instance {
    /// Index into [`Scene::meshes`].
    pub mesh: usize,
    /// Model space to world space.
    pub transform: Transform,
}

/// Everything a model draws.
pub(super) struct Scene {
    /// The meshes, each stored once however often it is placed.
    pub meshes: Vec<Mesh>,
    /// Where the meshes are drawn; every `mesh` index is in range.
    pub instances: Vec<Instance>,
    /// The model's up axis.
    pub up: Up,
}

impl Scene {
    /// A scene of one mesh where it stands.
    pub fn single(mesh: Mesh, up: Up) -> Result<Self, MediaError> {
        Self::new(
            vec![mesh],
            vec![Instance {
                mesh: 0,
                transform: Transform::IDENTITY,
            }],
            up,
        )
    }

    /// Checks the instances' mesh indices and that the drawn geometry is within
    /// [`MAX_VERTICES`] and [`MAX_TRIANGLES`].
    pub fn new(meshes: Vec<Mesh>, instances: Vec<Instance>, up: Up) -> Result<Self, MediaError> {
        let (mut vertices, mut triangles) = (0u64, 0u64);
        for instance in &instances {
            let mesh = meshes.get(instance.mesh).ok_or_else(|| {
                MediaError::Invalid(format!("mesh {} does not exist", instance.mesh))
            })?;
            vertices += mesh.positions.len() as u64;
            triangles += mesh.triangles.len() as u64;
            check_limits(vertices, triangles, "as placed in the scene")?;
        }
        Ok(Self {
            meshes,
            instances,
            up,
        })
    }

    /// Every drawn vertex in world space, once per instance.
    pub fn world_positions(&self) -> impl Iterator<Item = [f64; 3]> + '_ {
        self.instances.iter().flat_map(|instance| {
            let transform = instance.transform;
            let positions = self
                .meshes
                .get(instance.mesh)
                .map(|m| m.positions.as_slice());
            positions
                .unwrap_or_default()
                .iter()
                .map(move |&p| transform.apply(p))
        })
    }

    /// The bounds of [`Scene::world_positions`], or `None` for an empty scene.
    pub fn bounding_box(&self) -> Option<BoundingBox> {
        self.world_positions().fold(None, |bounds, p| {
            let BoundingBox { min, max } = bounds.unwrap_or(BoundingBox { min: p, max: p });
            Some(BoundingBox {
                min: [0, 1, 2].map(|i| min[i].min(p[i])),
                max: [0, 1, 2].map(|i| max[i].max(p[i])),
            })
        })
    }
}

/// Refuses geometry over [`MAX_VERTICES`] or [`MAX_TRIANGLES`]; `how` says how it was counted.
pub(super) fn check_limits(vertices: u64, triangles: u64, how: &str) -> Result<(), MediaError> {
    if vertices > MAX_VERTICES {
        return Err(MediaError::OverLimit(format!(
            "the model has more than {MAX_VERTICES} vertices {how} ({vertices} counted so far); \
             simplify or split it"
        )));
    }
    if triangles > MAX_TRIANGLES {
        return Err(MediaError::OverLimit(format!(
            "the model has more than {MAX_TRIANGLES} triangles {how} ({triangles} counted so \
             far); simplify or split it"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transforms_compose_parent_first() {
        // Translate x by 10 after scaling by 2: (1, 0, 0) → (12, 0, 0).
        let mut translate = Transform::IDENTITY.0.map(|c| c.map(|v| v as f32));
        translate[3][0] = 10.0;
        let mut scale = Transform::IDENTITY.0.map(|c| c.map(|v| v as f32));
        scale[0][0] = 2.0;
        let (t, s) = (
            Transform::from_columns(translate).unwrap(),
            Transform::from_columns(scale).unwrap(),
        );
        assert_eq!(t.then(&s).apply([1.0, 0.0, 0.0]), [12.0, 0.0, 0.0]);
        assert_eq!(s.then(&t).apply([1.0, 0.0, 0.0]), [22.0, 0.0, 0.0]);
        scale[1][1] = f32::INFINITY;
        assert!(Transform::from_columns(scale).is_none());
    }

    #[test]
    fn meshes_and_scenes_check_what_the_renderer_relies_on() {
        let bad = Mesh::new("m", vec![[0.0, f32::NAN, 0.0]], vec![], NEUTRAL);
        assert!(bad.is_err_and(|e| e.to_string().contains("not finite")));
        let out = Mesh::new("m", vec![[0.0; 3]; 2], vec![[0, 1, 2]], NEUTRAL);
        assert!(out.is_err_and(|e| e.to_string().contains("out of range")));
        let mesh = Mesh::new("m", vec![[0.0; 3], [1.0, 2.0, 3.0]], vec![], NEUTRAL).unwrap();
        let scene = Scene::single(mesh, Up::Y).unwrap();
        let bounds = scene.bounding_box().unwrap();
        assert_eq!((bounds.min, bounds.max), ([0.0; 3], [1.0, 2.0, 3.0]));
        assert!(
            Scene::new(
                vec![],
                vec![Instance {
                    mesh: 0,
                    transform: Transform::IDENTITY
                }],
                Up::Y
            )
            .is_err()
        );
    }
}
