//! 3D model formats by content: binary and ASCII STL, glTF JSON, Wavefront OBJ and PLY.
//!
//! GLB has a magic number (`glTF`, glTF 2.0 §4.4.3) and is recognised with the other magic
//! numbers; the formats here have none, so they are told apart by structure.

/// Binary STL: an 80-byte header, a little-endian `u32` triangle count, then 50 bytes per
/// triangle. The header is free text (and often starts with `solid`, like ASCII STL), so the
/// exact file size is the only signal. A count of zero is not accepted: an 84-byte file whose
/// last four bytes are zero says too little, and an empty model has nothing to show anyway.
pub(super) fn is_binary_stl(head: &[u8], len: u64) -> bool {
    let Some(count) = head.get(80..84) else {
        return false;
    };
    let triangles = u32::from_le_bytes([count[0], count[1], count[2], count[3]]);
    triangles > 0 && len == 84 + 50 * u64::from(triangles)
}

/// PLY (Paul Bourke's description of Greg Turk's format): the line `ply`, then a `format`
/// line naming `ascii`, `binary_little_endian` or `binary_big_endian`, in the text header
/// that binary files have too.
pub(super) fn is_ply(head: &[u8]) -> bool {
    let Some(rest) = head
        .strip_prefix(b"ply\n")
        .or_else(|| head.strip_prefix(b"ply\r\n"))
    else {
        return false;
    };
    [
        &b"format ascii "[..],
        b"format binary_little_endian ",
        b"format binary_big_endian ",
    ]
    .iter()
    .any(|format| contains(rest, format))
}

/// ASCII STL: `solid [name]`, then `facet normal …` blocks, ending with `endsolid`.
pub(super) fn looks_like_ascii_stl(head: &[u8]) -> bool {
    let rest = trim_start(head);
    let Some(after) = rest.strip_prefix(b"solid") else {
        return false;
    };
    after.first().is_none_or(u8::is_ascii_whitespace)
        && (contains(rest, b"facet") || contains(rest, b"endsolid"))
}

/// glTF JSON (glTF 2.0 §3.2): a JSON object with the required `asset` property and either the
/// properties that carry geometry or `asset.version`.
pub(super) fn looks_like_gltf_json(head: &[u8]) -> bool {
    let rest = trim_start(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head));
    rest.starts_with(b"{")
        && contains(rest, b"\"asset\"")
        && [
            &b"\"accessors\""[..],
            b"\"meshes\"",
            b"\"buffers\"",
            b"\"scenes\"",
            b"\"nodes\"",
            b"\"version\"",
        ]
        .iter()
        .any(|key| contains(rest, key))
}

/// Statements of the Wavefront OBJ format (Wavefront *Advanced Visualizer* manual, appendix B1):
/// vertex data, elements, free-form curves and surfaces, grouping and render attributes.
const OBJ_KEYWORDS: &[&str] = &[
    "v",
    "vt",
    "vn",
    "vp",
    "cstype",
    "deg",
    "bmat",
    "step",
    "p",
    "l",
    "f",
    "curv",
    "curv2",
    "surf",
    "parm",
    "trim",
    "hole",
    "scrv",
    "sp",
    "end",
    "con",
    "g",
    "s",
    "mg",
    "o",
    "bevel",
    "c_interp",
    "d_interp",
    "lod",
    "usemtl",
    "mtllib",
    "shadow_obj",
    "trace_obj",
    "ctech",
    "stech",
];

/// Wavefront OBJ: text in which every non-empty line is an OBJ statement or a comment, with at
/// least one vertex (`v x y z`) and one face (`f …`).
///
/// `text` is the head as text; `cut` says whether the file goes on after it, in which case the
/// last line may be incomplete and is ignored, and no face is required: exporters write all
/// vertices first, so the first 8 KiB of a large model often hold nothing else.
pub(super) fn looks_like_obj(text: &str, cut: bool) -> bool {
    let mut lines: Vec<&str> = text.lines().collect();
    if cut {
        lines.pop();
    }
    let (mut vertices, mut faces) = (0usize, 0usize);
    for line in lines {
        let mut words = line.split_whitespace();
        let Some(keyword) = words.next() else {
            continue;
        };
        if keyword.starts_with('#') {
            continue;
        }
        match keyword {
            // x y z, an optional w, or r g b colours after x y z.
            "v" => {
                let numbers: Vec<&str> = words.collect();
                if !(3..=7).contains(&numbers.len())
                    || numbers.iter().any(|n| n.parse::<f64>().is_err())
                {
                    return false;
                }
                vertices += 1;
            }
            // v, v/vt, v//vn or v/vt/vn references, 1-based or negative (relative).
            "f" => {
                let refs: Vec<&str> = words.collect();
                if refs.is_empty()
                    || !refs.iter().all(|r| {
                        r.bytes()
                            .all(|b| b.is_ascii_digit() || b == b'/' || b == b'-')
                    })
                {
                    return false;
                }
                faces += 1;
            }
            _ if OBJ_KEYWORDS.contains(&keyword) => {}
            _ => return false,
        }
    }
    vertices > 0 && (faces > 0 || cut)
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use medialib_core::AssetKind;

    use crate::sniff;

    fn mime(bytes: &[u8]) -> Option<&'static str> {
        sniff(bytes, bytes.len() as u64).map(|d| d.mime)
    }

    fn binary_stl(header: &[u8], triangles: u32) -> Vec<u8> {
        let mut bytes = header.to_vec();
        bytes.resize(80, 0);
        bytes.extend_from_slice(&triangles.to_le_bytes());
        bytes.resize(84 + 50 * triangles as usize, 0);
        bytes
    }

    #[test]
    fn binary_stl_whose_header_starts_with_solid_is_binary() {
        let bytes = binary_stl(b"solid exported by a CAD tool", 2);
        let detected = sniff(&bytes, bytes.len() as u64).unwrap();
        assert_eq!(detected.mime, "model/stl");
        assert_eq!(detected.kind, AssetKind::Model3d);
        assert_eq!(detected.format, None);
        // The size is what decides: one byte more and it is neither binary STL nor text.
        assert_eq!(sniff(&bytes, bytes.len() as u64 + 1), None);
        // A header with a weak image magic (`BM` is BMP's) stays STL.
        let bmp_like = binary_stl(b"BMW bracket", 1);
        assert_eq!(mime(&bmp_like), Some("model/stl"));
        // An empty binary STL is not claimed.
        assert_eq!(mime(&binary_stl(b"", 0)), None);
    }

    #[test]
    fn ascii_stl() {
        let stl = b"solid cube\n  facet normal 0 0 1\n    outer loop\n";
        assert_eq!(mime(stl), Some("model/stl"));
        assert_eq!(mime(b"  solid\nendsolid\n"), Some("model/stl"));
        assert_eq!(mime(b"solidarity forever\n"), Some("text/plain"));
        assert_eq!(mime(b"solid ground\n"), Some("text/plain"));
    }

    #[test]
    fn ply_by_its_first_line_and_format() {
        let ascii = b"ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\n";
        assert_eq!(mime(ascii), Some("model/x-ply"));
        let mut binary = b"ply\r\nformat binary_little_endian 1.0\nend_header\n".to_vec();
        binary.extend_from_slice(&[0, 0, 128, 63, 0, 0, 0, 0]);
        assert_eq!(mime(&binary), Some("model/x-ply"));
        assert_eq!(mime(b"ply\nwood and glue\n"), Some("text/plain"));
        assert_eq!(mime(b"plywood\nformat ascii 1.0\n"), Some("text/plain"));
    }

    #[test]
    fn gltf_json_but_not_any_json() {
        let gltf = b"\xEF\xBB\xBF {\n  \"asset\": {\"version\": \"2.0\"},\n  \"meshes\": []\n}";
        assert_eq!(mime(gltf), Some("model/gltf+json"));
        assert_eq!(
            mime(br#"{"asset":{"version":"2.0"}}"#),
            Some("model/gltf+json")
        );
        let json = br#"{"name": "medialib", "version": "0.1.0", "assets": []}"#;
        assert_eq!(mime(json), Some("text/plain"));
        assert_eq!(mime(br#"["asset", "meshes"]"#), Some("text/plain"));
    }

    #[test]
    fn obj_needs_obj_statements_vertices_and_faces() {
        let obj = b"# cube\nmtllib cube.mtl\no cube\nv 0 0 0\nv 1 0 0\nv 1 1 0 1.0\n\
                    vt 0 0\nvn 0 0 1\nusemtl red\ns off\nf 1/1/1 2//1 -1\n";
        assert_eq!(mime(obj), Some("model/obj"));
        // No face in a complete file, or a word that is not an OBJ statement: not OBJ.
        assert_eq!(mime(b"v 0 0 0\nv 1 0 0\n"), Some("text/plain"));
        assert_eq!(mime(b"v 0 0 0\nf 1 1 1\nvertex 1\n"), Some("text/plain"));
        // Version notes look like `v` lines but carry no coordinates.
        assert_eq!(
            mime(b"v 1.2.3 released\nf fixed a bug\n"),
            Some("text/plain")
        );
        let text = b"This is a text file.\nv is a letter.\nf too.\n";
        assert_eq!(mime(text), Some("text/plain"));
        // The head of a long file: vertices only, and the last line cut mid-number.
        let head = b"# big\nv 0 0 0\nv 1 0 0\nv 1 1";
        assert_eq!(sniff(head, 1_000_000).map(|d| d.mime), Some("model/obj"));
    }
}
