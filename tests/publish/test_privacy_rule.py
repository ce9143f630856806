"""The disclosure rule of the public copy (``publish.privacy.suppress``), which
is the core's ``protect_table`` applied to each group: checked against a
linear-algebra oracle, no servers."""

from __future__ import annotations

import capacitymetro as cm
import numpy as np
from capacitymetro.publish.privacy import suppress


def determined(hidden: list, rows: int, columns: int, withheld_totals: list = ()) -> list:
    """The hidden cells of a ``rows`` x ``columns`` table that the published
    cells and totals give back. Unknowns: the ``hidden`` cells and the
    ``withheld_totals`` (positions in the table with its totals: column
    ``columns`` holds the row totals, row ``rows`` the column totals); every
    other count is known. Unknown ``i`` is determined iff the unit vector
    ``e_i`` is in the row space of the constraint matrix restricted to the
    unknowns (the rank does not grow when ``e_i`` is added)."""
    width = columns + 1
    equations = []
    for r in range(rows + 1):  # each row, the totals row included, adds up to its total
        equation = np.zeros((rows + 1) * width)
        equation[[r * width + c for c in range(columns)]] = 1
        equation[r * width + columns] = -1
        equations.append(equation)
    for c in range(width):  # each column, the row totals included, adds up to its total
        equation = np.zeros((rows + 1) * width)
        equation[[r * width + c for r in range(rows)]] = 1
        equation[rows * width + c] = -1
        equations.append(equation)
    unknowns = [r * width + c for r, c in [*hidden, *withheld_totals]]
    matrix = np.array(equations)[:, unknowns]
    rank = np.linalg.matrix_rank(matrix)
    unit = np.eye(len(unknowns))
    return [cell for i, cell in enumerate(hidden) if np.linalg.matrix_rank(np.vstack([matrix, unit[i]])) == rank]


def random_layout(rng: np.random.Generator) -> tuple[dict, dict, float]:
    """Cells (row, column) -> count or None, rows -> group (None is a group too), threshold."""
    rows, columns, groups = int(rng.integers(1, 10)), int(rng.integers(1, 5)), int(rng.integers(1, 4))
    names = [None, "a", "b"][:groups]
    group_of = {f"r{r}": names[int(rng.integers(groups))] for r in range(rows)}
    cells = {}
    for row in group_of:
        for c in range(columns):
            u = rng.random()
            cells[(row, f"c{c}")] = (None if u < 0.05 else 0 if u < 0.3 else int(rng.integers(1, 10)) if u < 0.6
                                     else round(float(rng.uniform(10, 300)), 1))
    return cells, group_of, float(rng.choice([1, 5, 10]))


def test_random_layouts_publish_no_small_count_and_give_no_hidden_one_back():
    """~200 layouts: no published count is above zero and below the threshold,
    every None stays hidden, and within each group no hidden cell follows from
    the published cells and the row and column totals (the totals that the
    core's rule withholds too -- only small ones, or ones it needs to close a
    rectangle -- count as unknown: the layer never publishes totals)."""
    rng = np.random.default_rng(20240611)
    checked = 0
    for _ in range(200):
        cells, group_of, threshold = random_layout(rng)
        hidden = suppress(cells, group_of, threshold)
        assert hidden <= cells.keys()
        for key, value in cells.items():
            if key not in hidden:
                assert value is not None and not 0 < value < threshold, (key, value, threshold)
        columns = sorted({column for _, column in cells})
        for group in set(group_of.values()):
            rows = [row for row in group_of if group_of[row] == group]
            table = [[0.5 if cells[(row, c)] is None else cells[(row, c)] for c in columns] for row in rows]
            _, suppressed = cm.protect_table(table, threshold)
            withheld = [(r, c) for r in range(len(rows) + 1) for c in range(len(columns) + 1)
                        if (r == len(rows) or c == len(columns)) and suppressed[r][c]]
            group_hidden = [(r, c) for r, row in enumerate(rows) for c, column in enumerate(columns)
                            if (row, column) in hidden]
            assert {(r, c) for r, c in group_hidden} == {
                (r, c) for r in range(len(rows)) for c in range(len(columns)) if suppressed[r][c]}
            assert determined(group_hidden, len(rows), len(columns), withheld) == [], (table, threshold)
            checked += bool(group_hidden)
    assert checked > 100  # most layouts do hide something


def test_a_bridge_between_two_cycles_is_not_given_back():
    """Small counts in two 2x2 blocks joined by one small cell, (1, 2): every
    row and column holds none or at least two hidden cells, so the old
    heuristic ("no row or group column with exactly one") stopped there; yet
    (1, 2) is a bridge: rows 0 and 1 minus columns 0 and 1 give it back."""
    values = [[4, 6, 80, 90],
              [5, 7, 3, 70],
              [60, 85, 8, 2],
              [75, 95, 6, 9]]
    small = [(r, c) for r in range(4) for c in range(4) if values[r][c] < 10]
    assert small == [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 2), (2, 3), (3, 2), (3, 3)]
    lines = [[(r, c) for c in range(4)] for r in range(4)] + [[(r, c) for r in range(4)] for c in range(4)]
    assert all(sum(cell in small for cell in line) != 1 for line in lines)  # the old rule's fixed point
    assert determined(small, 4, 4) == [(1, 2)]  # what the old rule left: 3 given back by the totals

    cells = {(r, c): values[r][c] for r in range(4) for c in range(4)}
    hidden = suppress(cells, dict.fromkeys(range(4), "category"), 10)
    assert set(small) < hidden
    # every total known (the core withholds none here), and still nothing is given back
    _, suppressed = cm.protect_table(values, 10)
    assert not any(suppressed[4]) and not any(row[4] for row in suppressed)
    assert determined(sorted(hidden), 4, 4) == []


def test_a_published_group_total_does_not_give_a_small_cell_back():
    """3 and a zero in one row, a zero and 50 in the other: the rectangle that
    protects the 3 is made of cells (the zeros and the 50), not of the group's
    grand total (53), which another layer may publish: 53 - 50 - 0 would be 3."""
    cells = {("z1", "p"): 3, ("z1", "q"): 0, ("z2", "p"): 0, ("z2", "q"): 50}
    hidden = suppress(cells, {"z1": "category", "z2": "category"}, 10)
    keys = [("z1", "p"), ("z1", "q"), ("z2", "p"), ("z2", "q")]
    position = {key: divmod(i, 2) for i, key in enumerate(keys)}
    small_totals = [(0, 2), (2, 0)]  # 3 and 3: no layer may publish them
    assert determined(sorted(position[key] for key in hidden), 2, 2, small_totals) == []
