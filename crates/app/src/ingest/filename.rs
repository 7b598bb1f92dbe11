//! Client filenames: made safe to store, show and put in `Content-Disposition`.

/// Longest filename kept, in bytes.
const MAX_BYTES: usize = 255;

/// Keeps only the last path component, drops control characters and quotes, trims
/// dots and spaces at the ends, and caps the length at 255 bytes (on a character
/// boundary). An empty result becomes `upload`.
pub fn sanitize(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .collect();
    let trimmed = cleaned.trim_matches(|c: char| c == '.' || c.is_whitespace());
    let mut end = trimmed.len().min(MAX_BYTES);
    while !trimmed.is_char_boundary(end) {
        end -= 1;
    }
    match &trimmed[..end] {
        "" => "upload".to_owned(),
        name => name.to_owned(),
    }
}

/// The filename without its last extension (`IMG_1.jpg` → `IMG_1`).
pub fn stem(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_traversal_and_control_characters_are_removed() {
        assert_eq!(sanitize("../../etc/passwd"), "passwd");
        assert_eq!(sanitize("C:\\Users\\me\\photo.jpg"), "photo.jpg");
        assert_eq!(
            sanitize("evil\r\nSet-Cookie: x\".jpg"),
            "evilSet-Cookie: x.jpg"
        );
        assert_eq!(sanitize(".."), "upload");
        assert_eq!(sanitize(""), "upload");
        assert_eq!(sanitize(" .hidden. "), "hidden");
        let long = "é".repeat(200);
        let s = sanitize(&long);
        assert!(s.len() <= MAX_BYTES && s.chars().all(|c| c == 'é'));
    }

    #[test]
    fn stems_drop_the_last_extension() {
        assert_eq!(stem("a.b.jpg"), "a.b");
        assert_eq!(stem("noext"), "noext");
    }
}
