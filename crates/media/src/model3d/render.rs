//! The preview renderer: an orthographic three-quarter view fitted to the image, a z-buffered
//! triangle rasterizer, flat two-sided Lambert shading, 2×2 supersampling, PNG out.
//!
//! Orthographic rather than perspective because a preview should show proportions, and
//! because fitting the projected vertices then fills and centres the frame exactly.

use medialib_core::OutputFormat;

use super::MAX_PREVIEW_SIDE;
use super::scene::{Rgb, Scene, Up};
use crate::encode::encode;
use crate::raster::Raster;
use crate::{EncodeSettings, MediaError};

/// Samples per pixel along each axis: rendering at twice the size and averaging smooths edges.
const SUPERSAMPLE: usize = 2;
/// The view: 45° round from the front towards the right, 30° above the horizon.
const AZIMUTH_DEGREES: f64 = 45.0;
const ELEVATION_DEGREES: f64 = 30.0;
/// The share of each side left empty around the model.
const MARGIN: f64 = 0.05;
const BACKGROUND: [u8; 3] = [242, 242, 242];
/// Light that reaches every face, and the share that depends on the face's angle.
const AMBIENT: f32 = 0.3;
const DIFFUSE: f32 = 0.7;
/// Towards the light, in camera space (x right, y up, z towards the viewer): from the upper
/// left and in front, so the sides a three-quarter view shows are shaded differently.
const LIGHT: [f32; 3] = [-0.42, 0.6, 0.68];

/// Refuses preview sizes the renderer does not draw, before any work is done.
pub(super) fn check_size(width: u32, height: u32) -> Result<(), MediaError> {
    let side = 1..=MAX_PREVIEW_SIDE;
    if side.contains(&width) && side.contains(&height) {
        Ok(())
    } else {
        Err(MediaError::OverLimit(format!(
            "a {width}×{height} preview was asked for; each side must be 1 to \
             {MAX_PREVIEW_SIDE} pixels"
        )))
    }
}

/// Renders the scene as an RGB PNG of `width` × `height` pixels (sizes passed
/// [`check_size`]).
pub(super) fn render(scene: &Scene, width: u32, height: u32) -> Result<Vec<u8>, MediaError> {
    let camera = Camera::three_quarter(scene.up);
    let Some(fit) = Fit::new(scene, &camera, width, height) else {
        return Err(MediaError::Invalid(
            "the model has no triangles to draw".into(),
        ));
    };
    let mut frame = Frame::new(width as usize * SUPERSAMPLE, height as usize * SUPERSAMPLE);
    let mut vertices = Vec::new();
    for instance in &scene.instances {
        let Some(mesh) = scene.meshes.get(instance.mesh) else {
            continue;
        };
        if mesh.triangles.is_empty() {
            continue;
        }
        vertices.clear();
        vertices.extend(
            mesh.positions
                .iter()
                .map(|&p| fit.to_view(camera.project(instance.transform.apply(p)))),
        );
        for triangle in &mesh.triangles {
            let corners = triangle.map(|i| vertices.get(i as usize).copied());
            if let [Some(a), Some(b), Some(c)] = corners {
                frame.triangle([a, b, c], mesh.color);
            }
        }
    }
    let raster = Raster::new(width, height, false, frame.downsample())
        .map_err(|e| MediaError::Invalid(format!("rendering the preview failed: {e}")))?;
    encode(&raster, OutputFormat::Png, &EncodeSettings::default())
}

/// An orthonormal camera frame: `right` and `up` span the image, `back` points at the viewer.
struct Camera {
    right: [f64; 3],
    up: [f64; 3],
    back: [f64; 3],
}

impl Camera {
    fn three_quarter(up: Up) -> Self {
        // The world's right, up and front (towards the default viewer): front = right × up.
        let (world_right, world_up) = match up {
            Up::Y => ([1.0, 0.0, 0.0], [0.0, 1.0, 0.0]),
            Up::Z => ([1.0, 0.0, 0.0], [0.0, 0.0, 1.0]),
        };
        let world_front = cross(world_right, world_up);
        let (azimuth, elevation) = (AZIMUTH_DEGREES.to_radians(), ELEVATION_DEGREES.to_radians());
        let back: [f64; 3] = std::array::from_fn(|i| {
            elevation.cos() * (azimuth.sin() * world_right[i] + azimuth.cos() * world_front[i])
                + elevation.sin() * world_up[i]
        });
        let right = normalise(cross(world_up, back));
        let up = cross(back, right);
        Self { right, up, back }
    }

    /// A world point in camera coordinates: x right, y up, z towards the viewer.
    fn project(&self, p: [f64; 3]) -> [f64; 3] {
        [dot(p, self.right), dot(p, self.up), dot(p, self.back)]
    }
}

/// Where the camera-space bounds of the drawn vertices land in the supersampled frame.
struct Fit {
    centre: [f64; 3],
    /// Supersampled pixels per model unit.
    scale: f64,
    half: [f64; 2],
}

impl Fit {
    /// `None` when no instance draws a triangle.
    fn new(scene: &Scene, camera: &Camera, width: u32, height: u32) -> Option<Self> {
        let mut bounds: Option<([f64; 3], [f64; 3])> = None;
        for instance in &scene.instances {
            let Some(mesh) = scene.meshes.get(instance.mesh) else {
                continue;
            };
            if mesh.triangles.is_empty() {
                continue;
            }
            for &p in &mesh.positions {
                let q = camera.project(instance.transform.apply(p));
                let (lo, hi) = bounds.get_or_insert((q, q));
                for i in 0..3 {
                    lo[i] = lo[i].min(q[i]);
                    hi[i] = hi[i].max(q[i]);
                }
            }
        }
        let (lo, hi) = bounds?;
        let size = [width, height].map(|side| f64::from(side) * SUPERSAMPLE as f64);
        let usable = size.map(|side| side * (1.0 - 2.0 * MARGIN));
        let extent = [hi[0] - lo[0], hi[1] - lo[1]];
        // A point or a line seen end-on has no extent to fit; any scale draws it.
        let scale = (0..2)
            .filter(|&i| extent[i] > 0.0)
            .map(|i| usable[i] / extent[i])
            .fold(f64::INFINITY, f64::min);
        Some(Self {
            centre: std::array::from_fn(|i| (lo[i] + hi[i]) / 2.0),
            scale: if scale.is_finite() { scale } else { 1.0 },
            half: size.map(|side| side / 2.0),
        })
    }

    /// Camera space to the frame: x and y in supersampled pixels (y down), z in model units
    /// towards the viewer, relative to the centre so that `f32` keeps its precision.
    fn to_view(&self, q: [f64; 3]) -> View {
        View {
            camera: std::array::from_fn(|i| (q[i] - self.centre[i]) as f32),
            x: (self.half[0] + (q[0] - self.centre[0]) * self.scale) as f32,
            y: (self.half[1] - (q[1] - self.centre[1]) * self.scale) as f32,
        }
    }
}

/// A vertex as the rasterizer needs it.
#[derive(Debug, Clone, Copy)]
struct View {
    /// Camera-space position relative to the view centre, for the face normal and depth.
    camera: [f32; 3],
    /// Frame position in supersampled pixels.
    x: f32,
    y: f32,
}

/// The supersampled colour and depth buffers.
struct Frame {
    width: usize,
    height: usize,
    color: Vec<[u8; 3]>,
    /// Camera-space z of the nearest surface so far (larger is nearer).
    depth: Vec<f32>,
}

impl Frame {
    fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            color: vec![BACKGROUND; width * height],
            depth: vec![f32::NEG_INFINITY; width * height],
        }
    }

    /// Fills the samples whose centres lie in the triangle and are nearer than what is there.
    fn triangle(&mut self, [a, b, c]: [View; 3], color: Rgb) {
        let area = edge(a, b, c.x, c.y);
        // Degenerate (or seen edge-on): no sample lies inside, and depth would divide by ~0.
        // Small triangles are kept: a dense mesh is made of nothing else.
        if area.is_nan() || area.abs() <= 1e-6 {
            return;
        }
        // Counter-clockwise in frame coordinates, so that inside means all edges ≥ 0.
        let (b, c, area) = if area < 0.0 {
            (c, b, -area)
        } else {
            (b, c, area)
        };
        let rgb = shade(a, b, c, color);
        let x0 = a.x.min(b.x).min(c.x).floor().max(0.0) as usize;
        let y0 = a.y.min(b.y).min(c.y).floor().max(0.0) as usize;
        let x1 = (a.x.max(b.x).max(c.x).ceil().max(0.0) as usize).min(self.width);
        let y1 = (a.y.max(b.y).max(c.y).ceil().max(0.0) as usize).min(self.height);
        // Edge functions are linear: step them by their x and y coefficients.
        let steps = [(b, c), (c, a), (a, b)].map(|(p, q)| (p.y - q.y, q.x - p.x));
        let depths = [a, b, c].map(|v| v.camera[2] / area);
        for y in y0..y1 {
            let py = y as f32 + 0.5;
            let px = x0 as f32 + 0.5;
            let mut w = [edge(b, c, px, py), edge(c, a, px, py), edge(a, b, px, py)];
            let row = y * self.width;
            for x in x0..x1 {
                if w[0] >= 0.0 && w[1] >= 0.0 && w[2] >= 0.0 {
                    let z = w[0] * depths[0] + w[1] * depths[1] + w[2] * depths[2];
                    let i = row + x;
                    if let (Some(depth), Some(pixel)) =
                        (self.depth.get_mut(i), self.color.get_mut(i))
                        && z > *depth
                    {
                        *depth = z;
                        *pixel = rgb;
                    }
                }
                for (wk, (dx, _)) in w.iter_mut().zip(steps) {
                    *wk += dx;
                }
            }
        }
    }

    /// Averages each `SUPERSAMPLE`² block into one RGB pixel.
    fn downsample(&self) -> Vec<u8> {
        let (width, height) = (self.width / SUPERSAMPLE, self.height / SUPERSAMPLE);
        let mut out = Vec::with_capacity(width * height * 3);
        let samples = (SUPERSAMPLE * SUPERSAMPLE) as u32;
        for y in 0..height {
            for x in 0..width {
                let mut sum = [0u32; 3];
                for sy in 0..SUPERSAMPLE {
                    let row = (y * SUPERSAMPLE + sy) * self.width;
                    for sx in 0..SUPERSAMPLE {
                        let pixel = self.color.get(row + x * SUPERSAMPLE + sx);
                        let pixel = pixel.copied().unwrap_or(BACKGROUND);
                        for (s, p) in sum.iter_mut().zip(pixel) {
                            *s += u32::from(p);
                        }
                    }
                }
                out.extend(sum.map(|s| ((s + samples / 2) / samples) as u8));
            }
        }
        out
    }
}

/// Twice the signed area of (a, b, p), positive when p is left of a→b in frame coordinates.
fn edge(a: View, b: View, px: f32, py: f32) -> f32 {
    (b.x - a.x) * (py - a.y) - (b.y - a.y) * (px - a.x)
}

/// The triangle's sRGB colour: flat Lambert shading from its face normal, two-sided (|n·l|)
/// because models are often open or inconsistently wound.
fn shade(a: View, b: View, c: View, color: Rgb) -> [u8; 3] {
    let sub = |p: [f32; 3], q: [f32; 3]| [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
    let n = cross(sub(b.camera, a.camera), sub(c.camera, a.camera));
    let length = dot(n, n).sqrt();
    let light_length = dot(LIGHT, LIGHT).sqrt();
    let lambert = if length > 0.0 {
        (dot(n, LIGHT) / (length * light_length)).abs()
    } else {
        0.0
    };
    let intensity = AMBIENT + DIFFUSE * lambert;
    color.map(|channel| to_srgb(channel * intensity))
}

/// Linear light to an 8-bit sRGB value (IEC 61966-2-1 transfer function).
fn to_srgb(linear: f32) -> u8 {
    let v = linear.clamp(0.0, 1.0);
    let encoded = if v <= 0.003_130_8 {
        12.92 * v
    } else {
        1.055 * v.powf(1.0 / 2.4) - 0.055
    };
    (encoded * 255.0).round() as u8
}

fn cross<T>(a: [T; 3], b: [T; 3]) -> [T; 3]
where
    T: Copy + std::ops::Mul<Output = T> + std::ops::Sub<Output = T>,
{
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn dot<T>(a: [T; 3], b: [T; 3]) -> T
where
    T: Copy + std::ops::Mul<Output = T> + std::ops::Add<Output = T>,
{
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn normalise(v: [f64; 3]) -> [f64; 3] {
    let length = dot(v, v).sqrt();
    v.map(|c| c / length)
}

/// How many pixels of a preview are not background, once it is checked to be a PNG of
/// `width` × `height`: how the format tests tell that their model was drawn.
#[cfg(test)]
pub(super) fn drawn_pixels(png: &[u8], width: u32, height: u32) -> usize {
    let image = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .expect("the preview is a PNG")
        .to_rgb8();
    assert_eq!(image.dimensions(), (width, height));
    image.pixels().filter(|p| p.0 != BACKGROUND).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_camera_looks_from_front_right_above() {
        let camera = Camera::three_quarter(Up::Y);
        let back = camera.back;
        assert!(back[0] > 0.0 && back[1] > 0.0 && back[2] > 0.0, "{back:?}");
        assert!((back[1] - ELEVATION_DEGREES.to_radians().sin()).abs() < 1e-12);
        // Up in the image is up in the world, and the frame is orthonormal and right-handed.
        assert!(camera.up[1] > 0.0);
        let z = cross(camera.right, camera.up);
        assert!((0..3).all(|i| (z[i] - back[i]).abs() < 1e-12));
        let camera = Camera::three_quarter(Up::Z);
        assert!(camera.back[2] > 0.0 && camera.up[2] > 0.0);
    }

    #[test]
    fn srgb_ends_and_midpoint() {
        assert_eq!((to_srgb(0.0), to_srgb(1.0), to_srgb(2.0)), (0, 255, 255));
        assert_eq!(to_srgb(0.2158), 128);
    }
}
