//! Counting the words search suggestions are drawn from, split as the full-text index
//! splits them (`medialib_core::store::search_words`).

use std::collections::HashMap;

use medialib_core::store::search_words;

/// Each word of `texts` with how many times it occurs.
pub(crate) fn count(texts: &[String]) -> Vec<(String, u64)> {
    let mut counts: HashMap<String, u64> = HashMap::new();
    for text in texts {
        for word in search_words(text) {
            *counts.entry(word).or_default() += 1;
        }
    }
    counts.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn words_are_counted_as_the_index_splits_them() {
        let mut counted = count(&["Flower field IMG_0042.jpg".into(), "flower".into()]);
        counted.sort();
        assert_eq!(
            counted,
            [
                ("0042".into(), 1),
                ("field".into(), 1),
                ("flower".into(), 2),
                ("img".into(), 1),
                ("jpg".into(), 1)
            ]
        );
    }
}
