//! Faces a face detector found in an asset's picture, and where a crop keeps them.

use serde::{Deserialize, Serialize};

/// A point of the upright picture, as fractions (0–1) of its width and height from the
/// top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FacePoint {
    /// From the left edge.
    pub x: f64,
    /// From the top edge.
    pub y: f64,
}

/// The six key points BlazeFace gives (MediaPipe's face detection), named from the
/// subject's side: the right eye is on the viewer's left.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FaceLandmarks {
    /// The centre of the subject's right eye.
    pub right_eye: FacePoint,
    /// The centre of the subject's left eye.
    pub left_eye: FacePoint,
    /// The tip of the nose.
    pub nose: FacePoint,
    /// The centre of the mouth.
    pub mouth: FacePoint,
    /// The right ear's tragion.
    pub right_ear: FacePoint,
    /// The left ear's tragion.
    pub left_ear: FacePoint,
}

/// One face in the upright picture (EXIF orientation applied): its box as fractions
/// (0–1) of the picture's width and height, clipped to the picture.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Face {
    /// The box's left edge.
    pub x: f64,
    /// The box's top edge.
    pub y: f64,
    /// The box's width.
    pub width: f64,
    /// The box's height.
    pub height: f64,
    /// The detector's score, 0–1.
    pub confidence: f64,
    /// Eyes, nose, mouth and ears.
    pub landmarks: FaceLandmarks,
}

/// The most faces one result keeps, the most confident first: a crowd's 300 faces would
/// bloat the asset for nothing a crop or a search needs.
pub const MAX_FACES: usize = 100;

/// The point a face-aware crop (`g_face`) keeps in view: the centre of the box around
/// every face, as fractions (x, y); `None` without faces.
pub fn focus(faces: &[Face]) -> Option<(f64, f64)> {
    let left = faces.iter().map(|f| f.x).reduce(f64::min)?;
    let top = faces.iter().map(|f| f.y).reduce(f64::min)?;
    let right = faces.iter().map(|f| f.x + f.width).reduce(f64::max)?;
    let bottom = faces.iter().map(|f| f.y + f.height).reduce(f64::max)?;
    Some(((left + right) / 2.0, (top + bottom) / 2.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(x: f64, y: f64, side: f64) -> Face {
        let p = FacePoint { x, y };
        Face {
            x,
            y,
            width: side,
            height: side,
            confidence: 0.9,
            landmarks: FaceLandmarks {
                right_eye: p,
                left_eye: p,
                nose: p,
                mouth: p,
                right_ear: p,
                left_ear: p,
            },
        }
    }

    #[test]
    fn the_focus_is_the_centre_of_the_box_around_every_face() {
        assert_eq!(focus(&[]), None);
        assert_eq!(
            focus(&[face(0.1, 0.2, 0.2)]),
            Some((0.2, 0.30000000000000004))
        );
        let (x, y) = focus(&[face(0.0, 0.0, 0.2), face(0.6, 0.4, 0.2)]).unwrap();
        assert!((x - 0.4).abs() < 1e-9 && (y - 0.3).abs() < 1e-9);
    }
}
