//! Near-duplicate detection over 64-bit perceptual hashes.

use crate::AssetId;

/// Groups assets whose perceptual hashes differ in at most `max_distance` bits (Hamming
/// distance), joined transitively: if A is near B and B near C, all three are one group.
/// Only groups of two or more are returned, largest first, each in input order.
///
/// Compares every pair: n(n-1)/2 XOR-and-popcounts, 50 million for 10 000 hashes.
pub fn near_duplicate_groups(hashes: &[(AssetId, u64)], max_distance: u32) -> Vec<Vec<AssetId>> {
    let n = hashes.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for i in 0..n {
        for j in i + 1..n {
            if (hashes[i].1 ^ hashes[j].1).count_ones() <= max_distance {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                if a != b {
                    parent[b.max(a)] = a.min(b);
                }
            }
        }
    }
    let mut groups: Vec<Vec<AssetId>> = Vec::new();
    let mut group_of_root = std::collections::HashMap::new();
    for (i, (id, _)) in hashes.iter().enumerate() {
        let r = root(&mut parent, i);
        let g = *group_of_root.entry(r).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(*id);
    }
    groups.retain(|g| g.len() > 1);
    groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    groups
}

/// `groups` with `pairs` joined in, transitively: a pair links the groups its two assets
/// are in (or joins an asset to a group, or makes a new group). Groups of two or more,
/// largest first, each in the order its assets were first met.
pub fn join_pairs(groups: Vec<Vec<AssetId>>, pairs: &[(AssetId, AssetId)]) -> Vec<Vec<AssetId>> {
    let mut order: Vec<AssetId> = groups.iter().flatten().copied().collect();
    order.extend(pairs.iter().flat_map(|(a, b)| [*a, *b]));
    let mut index = std::collections::HashMap::new();
    let mut ids = Vec::new();
    for id in order {
        index.entry(id).or_insert_with(|| {
            ids.push(id);
            ids.len() - 1
        });
    }
    let mut parent: Vec<usize> = (0..ids.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let links = groups
        .iter()
        .flat_map(|g| g.windows(2).map(|w| (w[0], w[1])))
        .chain(pairs.iter().copied());
    for (a, b) in links {
        let (a, b) = (root(&mut parent, index[&a]), root(&mut parent, index[&b]));
        if a != b {
            parent[a.max(b)] = a.min(b);
        }
    }
    let mut joined: Vec<Vec<AssetId>> = Vec::new();
    let mut group_of_root = std::collections::HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        let r = root(&mut parent, i);
        let g = *group_of_root.entry(r).or_insert_with(|| {
            joined.push(Vec::new());
            joined.len() - 1
        });
        joined[g].push(*id);
    }
    joined.retain(|g| g.len() > 1);
    joined.sort_by_key(|g| std::cmp::Reverse(g.len()));
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_hashes_group_transitively_and_far_ones_stay_apart() {
        let ids: Vec<AssetId> = (0..5).map(|_| AssetId::new()).collect();
        let hashes = vec![
            (ids[0], 0b0000),
            (ids[1], 0xffff_0000_0000_0000),
            (ids[2], 0b0011),                // 2 bits from ids[0]
            (ids[3], 0b1111),                // 2 bits from ids[2], 4 from ids[0]
            (ids[4], 0xffff_0000_0000_0001), // 1 bit from ids[1]
        ];
        let groups = near_duplicate_groups(&hashes, 2);
        assert_eq!(
            groups,
            vec![vec![ids[0], ids[2], ids[3]], vec![ids[1], ids[4]]]
        );
        assert!(near_duplicate_groups(&hashes, 0).is_empty());
    }

    #[test]
    fn pairs_join_groups_and_make_new_ones() {
        let ids: Vec<AssetId> = (0..6).map(|_| AssetId::new()).collect();
        let groups = vec![vec![ids[0], ids[1]], vec![ids[2], ids[3]]];
        let joined = join_pairs(groups.clone(), &[(ids[1], ids[3]), (ids[4], ids[5])]);
        assert_eq!(
            joined,
            vec![vec![ids[0], ids[1], ids[2], ids[3]], vec![ids[4], ids[5]]]
        );
        assert_eq!(join_pairs(groups.clone(), &[]), groups);
    }
}
