//! "Did you mean …": when a search matches nothing, each of its words that the
//! namespace's vocabulary lacks (as a word or the start of one) becomes the closest word
//! it holds. The vocabulary is the namespace's own, so no suggestion reveals another
//! tenant's words.

use std::cmp::Reverse;
use std::sync::Arc;
use std::time::{Duration, Instant};

use medialib_core::access::{Access, Principal};
use medialib_core::store::search_words;
use medialib_core::{AppError, NamespaceId};
use quick_cache::sync::Cache;

use crate::Catalog;
use crate::access::authorize::require;

/// How long a namespace's vocabulary is reused before it is read again: a suggestion may
/// miss the words of the last minute's uploads, and a burst of searches reads it once.
const FRESH_FOR: Duration = Duration::from_secs(60);
/// Namespaces whose vocabularies are kept at once.
const KEPT: usize = 64;
/// Searches with more words than this get no suggestion.
const MAX_WORDS: usize = 8;

/// A namespace's words with how often each occurs.
type Vocabulary = Arc<Vec<(String, u64)>>;

/// The vocabularies of recently searched namespaces, each with when it was read.
pub struct Vocabularies(Cache<NamespaceId, (Instant, Vocabulary)>);

impl Default for Vocabularies {
    fn default() -> Self {
        Self(Cache::new(KEPT))
    }
}

/// A search text to try instead of `text`, which matched nothing: each word that is
/// neither a word of the namespace's assets and tags nor the start of one becomes the
/// closest word that is (see [`closest`]). `None` when no word changes.
///
/// Errors: `forbidden` without read access.
pub async fn suggest(
    catalog: &Catalog,
    caller: &Principal,
    text: &str,
) -> Result<Option<String>, AppError> {
    require(caller, Access::Read)?;
    let words = search_words(text);
    if words.is_empty() || words.len() > MAX_WORDS {
        return Ok(None);
    }
    let vocabulary = vocabulary(catalog, caller.namespace).await?;
    let mut changed = false;
    let corrected: Vec<String> = words
        .into_iter()
        .map(|word| match closest(&vocabulary, &word) {
            Some(better) => {
                changed = true;
                better.to_owned()
            }
            None => word,
        })
        .collect();
    Ok(changed.then(|| corrected.join(" ")))
}

async fn vocabulary(catalog: &Catalog, namespace: NamespaceId) -> Result<Vocabulary, AppError> {
    if let Some((read, words)) = catalog.vocabularies.0.get(&namespace)
        && read.elapsed() < FRESH_FOR
    {
        return Ok(words);
    }
    let words = Arc::new(catalog.store.search_vocabulary(namespace).await?);
    catalog
        .vocabularies
        .0
        .insert(namespace, (Instant::now(), Arc::clone(&words)));
    Ok(words)
}

/// The word of `vocabulary` closest to `word`, unless `word` is one of them or the start
/// of one (search matches prefixes): at most one edit away (a letter added, dropped or
/// changed, or two neighbours swapped; optimal string alignment) for words of 3–5
/// letters, two for longer ones. Of equally close words, the most frequent wins, then the
/// first in alphabetical order. Words of one or two letters are left as they are.
fn closest<'v>(vocabulary: &'v [(String, u64)], word: &str) -> Option<&'v str> {
    let length = word.chars().count();
    if length < 3 || vocabulary.iter().any(|(known, _)| known.starts_with(word)) {
        return None;
    }
    let allowed = if length <= 5 { 1 } else { 2 };
    vocabulary
        .iter()
        .filter(|(known, _)| known.chars().count().abs_diff(length) <= allowed)
        .map(|(known, n)| {
            (
                strsim::osa_distance(word, known),
                Reverse(*n),
                known.as_str(),
            )
        })
        .filter(|(distance, _, _)| *distance <= allowed)
        .min()
        .map(|(_, _, known)| known)
}

#[cfg(test)]
mod tests {
    use super::closest;

    fn words(list: &[(&str, u64)]) -> Vec<(String, u64)> {
        list.iter().map(|(w, n)| ((*w).to_owned(), *n)).collect()
    }

    #[test]
    fn a_misspelt_word_becomes_the_closest_known_one() {
        let known = words(&[("flower", 3), ("field", 2), ("sunset", 1), ("flowers", 1)]);
        assert_eq!(
            closest(&known, "flwoer"),
            Some("flower"),
            "two letters swapped"
        );
        assert_eq!(closest(&known, "feild"), Some("field"));
        assert_eq!(closest(&known, "sunst"), Some("sunset"), "a letter dropped");
        assert_eq!(closest(&known, "flow"), None, "the start of a known word");
        assert_eq!(closest(&known, "field"), None, "a known word");
        assert_eq!(closest(&known, "zebra"), None, "nothing close");
        assert_eq!(closest(&known, "fx"), None, "too short to guess");
    }

    #[test]
    fn equally_close_words_go_by_frequency_then_alphabet() {
        let known = words(&[("cart", 1), ("card", 5), ("care", 5)]);
        assert_eq!(closest(&known, "carx"), Some("card"));
    }
}
