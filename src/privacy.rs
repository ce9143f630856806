//! The one disclosure rule for counts of people that leave the core.
//!
//! - **Tables with totals** ([`protect_table`]): a count above zero and
//!   below `k` is suppressed (primary); then every suppressed count that the
//!   published totals would give back is protected by suppressing three more
//!   counts that close a rectangle with it (secondary). A suppressed count is
//!   given back by the totals exactly when, in the bipartite graph whose
//!   vertices are the rows and columns of the table (totals included) and
//!   whose edges are the suppressed counts, its edge is a bridge: on a cycle,
//!   adding and subtracting the same amount around the cycle keeps every
//!   total, so no suppressed value on a cycle is determined.
//! - **Breakdowns of a published count** ([`merged_breakdown`]): the parts
//!   below `k` are merged into one "other" part, which takes the smallest
//!   remaining parts until it is zero or at least `k`; when the whole is
//!   below `k` nothing is published. A breakdown of a suppressed count is not
//!   published at all.

/// Counts of a table with its totals, and which of them are suppressed.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtectedTable {
    /// `rows + 1` rows of `columns + 1` counts: the last column holds the row
    /// totals, the last row the column totals, the corner the grand total.
    pub counts: Vec<Vec<f64>>,
    /// Same shape as `counts`: `true` where a count must not be published.
    pub suppressed: Vec<Vec<bool>>,
}

impl ProtectedTable {
    /// The count at `(row, column)` as published: `None` when suppressed.
    pub fn published(&self, row: usize, column: usize) -> Option<f64> {
        (!self.suppressed[row][column]).then_some(self.counts[row][column])
    }
}

/// Applies the rule to a table of counts (`cells[row][column]`, all rows the
/// same length); see the module documentation. `forced` counts (row, column
/// of the table with its totals) are suppressed as if primary: totals that
/// another table publishes and suppressed there.
///
/// # Units
/// `cells` and `k` in persons (or requests): the same unit.
pub fn protect_table(cells: &[Vec<f64>], k: f64, forced: &[(usize, usize)]) -> ProtectedTable {
    let rows = cells.len();
    let columns = cells.first().map_or(0, Vec::len);
    let mut counts = vec![vec![0.0; columns + 1]; rows + 1];
    for (r, row) in cells.iter().enumerate() {
        for (c, &value) in row.iter().enumerate().take(columns) {
            counts[r][c] = value;
            counts[r][columns] += value;
            counts[rows][c] += value;
            counts[rows][columns] += value;
        }
    }
    let mut suppressed: Vec<Vec<bool>> =
        counts.iter().map(|row| row.iter().map(|&v| v > 0.0 && v < k).collect()).collect();
    for &(r, c) in forced {
        suppressed[r][c] = true;
    }
    while let Some((r, c)) = first_bridge(&suppressed) {
        close_rectangle(&counts, &mut suppressed, r, c);
    }
    ProtectedTable { counts, suppressed }
}

/// A suppressed count whose edge is a bridge (it would be given back), if any.
fn first_bridge(suppressed: &[Vec<bool>]) -> Option<(usize, usize)> {
    let rows = suppressed.len();
    let columns = suppressed.first().map_or(0, Vec::len);
    (0..rows)
        .flat_map(|r| (0..columns).map(move |c| (r, c)))
        .find(|&(r, c)| suppressed[r][c] && !connected_without(suppressed, r, c))
}

/// Whether row `r` reaches column `c` through suppressed counts other than `(r, c)`.
fn connected_without(suppressed: &[Vec<bool>], r: usize, c: usize) -> bool {
    let rows = suppressed.len();
    let columns = suppressed[0].len();
    // vertices: rows 0..rows, then columns rows..rows + columns
    let mut seen = vec![false; rows + columns];
    let mut stack = vec![r];
    seen[r] = true;
    while let Some(vertex) = stack.pop() {
        let neighbours: Vec<usize> = if vertex < rows {
            (0..columns).filter(|&j| suppressed[vertex][j] && (vertex, j) != (r, c)).map(|j| rows + j).collect()
        } else {
            let j = vertex - rows;
            (0..rows).filter(|&i| suppressed[i][j] && (i, j) != (r, c)).collect()
        };
        for next in neighbours {
            if next == rows + c {
                return true;
            }
            if !seen[next] {
                seen[next] = true;
                stack.push(next);
            }
        }
    }
    false
}

/// Suppresses the three counts that, with `(r, c)`, form the cheapest
/// rectangle: avoiding totals first (other layers may publish them), then
/// zeros (a suppressed zero protects less: it can only grow), then the least
/// of the counts newly hidden.
fn close_rectangle(counts: &[Vec<f64>], suppressed: &mut [Vec<bool>], r: usize, c: usize) {
    let rows = counts.len();
    let columns = counts[0].len();
    let cost = |i: usize, j: usize, suppressed: &[Vec<bool>]| -> (u32, u32, f64) {
        if suppressed[i][j] {
            return (0, 0, 0.0);
        }
        let total = u32::from(i + 1 == rows || j + 1 == columns);
        let zero = u32::from(counts[i][j] == 0.0);
        (total, zero, counts[i][j])
    };
    let add = |a: (u32, u32, f64), b: (u32, u32, f64)| (a.0 + b.0, a.1 + b.1, a.2 + b.2);
    let best = (0..rows)
        .filter(|&i| i != r)
        .flat_map(|i| (0..columns).filter(move |&j| j != c).map(move |j| (i, j)))
        .map(|(i, j)| {
            let total = add(add(cost(r, j, suppressed), cost(i, c, suppressed)), cost(i, j, suppressed));
            (total, i, j)
        })
        .min_by(|a, b| a.0 .0.cmp(&b.0 .0).then(a.0 .1.cmp(&b.0 .1)).then(a.0 .2.total_cmp(&b.0 .2)));
    if let Some((_, i, j)) = best {
        suppressed[r][j] = true;
        suppressed[i][c] = true;
        suppressed[i][j] = true;
    }
}

/// The parts of a published count that may be published, and the merged rest.
#[derive(Debug, Clone, PartialEq)]
pub struct Breakdown<K> {
    /// Parts of at least `k`, largest first.
    pub parts: Vec<(K, f64)>,
    /// The other parts together: zero, or at least `k`.
    pub other: f64,
    /// How many parts went into `other`.
    pub other_parts: usize,
}

/// Splits `parts` (keys with counts) into those that may be published and an
/// "other" sum, so that no published number is above zero and below `k`.
/// `None` when the whole is above zero and below `k`: nothing is published.
///
/// # Units
/// counts and `k` in the same unit (persons, requests).
pub fn merged_breakdown<K: Ord>(parts: Vec<(K, f64)>, k: f64) -> Option<Breakdown<K>> {
    let (mut kept, small): (Vec<_>, Vec<_>) = parts.into_iter().partition(|(_, v)| *v >= k);
    let mut other: f64 = small.iter().map(|(_, v)| v).sum();
    let mut other_parts = small.iter().filter(|(_, v)| *v > 0.0).count();
    // largest first; equal parts in key order, so that the same records always
    // publish the same part (a tie broken at random would show both across runs)
    kept.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    while other > 0.0 && other < k {
        let (_, smallest) = kept.pop()?;
        other += smallest;
        other_parts += 1;
    }
    Some(Breakdown { parts: kept, other, other_parts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_small_cell_is_hidden_with_a_rectangle_of_others() {
        // by hand: 3 is primary; its row total and column total would give it
        // back, so the cheapest rectangle (3, 20 in its row, 30 in its column,
        // 40 opposite) is hidden with it
        let table = protect_table(&[vec![3.0, 20.0], vec![30.0, 40.0]], 10.0, &[]);
        assert_eq!(table.counts[2], vec![33.0, 60.0, 93.0]);
        assert_eq!(table.suppressed[0][..2], [true, true]);
        assert_eq!(table.suppressed[1][..2], [true, true]);
        assert!(!table.suppressed[0][2] && !table.suppressed[2][2]);
        assert_eq!(table.published(0, 2), Some(23.0));
    }

    #[test]
    fn a_table_without_small_counts_is_published_whole() {
        let table = protect_table(&[vec![0.0, 20.0], vec![30.0, 40.0]], 10.0, &[]);
        assert!(table.suppressed.iter().flatten().all(|s| !s));
    }

    #[test]
    fn a_small_total_is_suppressed_with_its_only_cell() {
        // one column: the row total equals the cell, so both go, with another row
        let table = protect_table(&[vec![4.0], vec![50.0], vec![60.0]], 10.0, &[]);
        assert!(table.suppressed[0][0] && table.suppressed[0][1]);
        assert!(table.suppressed[1][0] && table.suppressed[1][1], "the cheapest other row closes the rectangle");
        assert!(!table.suppressed[2][0] && !table.suppressed[3][0]);
    }

    #[test]
    fn breakdown_merges_small_parts_until_other_is_safe() {
        let parts = vec![("a", 50.0), ("b", 12.0), ("c", 4.0), ("d", 3.0)];
        let merged = merged_breakdown(parts, 10.0).unwrap();
        // other = 4 + 3 = 7 < 10, so it takes the smallest kept part, b
        assert_eq!(merged.parts, vec![("a", 50.0)]);
        assert_eq!((merged.other, merged.other_parts), (19.0, 3));
        assert_eq!(merged_breakdown(vec![("a", 5.0), ("b", 3.0)], 10.0), None);
        assert_eq!(merged_breakdown(vec![("a", 12.0), ("b", 0.0)], 10.0).unwrap().other, 0.0);
    }
}
