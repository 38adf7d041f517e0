"""Small-cell suppression (issue 15): on a real scorecard, no shown cell describes fewer than k customers and no
hidden cell follows from its row or column total."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import cxkit
from cxkit import privacy


@pytest.fixture(scope="module")
def card() -> pd.DataFrame:
    log = cxkit.EventLog.from_pandas(cxkit.datasets.simulate(n_customers=250, seed=11))
    return cxkit.scorecard(log, by="channel", period="M")


@pytest.mark.parametrize("k", [2, 5, 10, 25])
def test_scorecard_cells_under_k_are_hidden_with_their_complements(card, k):
    out = privacy.suppress_small_cells(card, k, rows=["channel"], cols="period")
    assert len(out) == len(card)
    small = (card["customers"] > 0) & (card["customers"] < k)
    assert out.loc[small, "suppressed"].all()
    hidden = out["suppressed"].to_numpy()
    assert out.loc[hidden, ["nps", "csat", "customers", "events", "nps_n"]].isna().all().all()
    shown = ~hidden
    pd.testing.assert_frame_equal(out.loc[shown, card.columns].astype(card.dtypes.to_dict()),
                                  card.loc[shown], check_dtype=False)
    for key in ("channel", "period"):
        per_line = out.groupby(key)["suppressed"].sum()
        nonempty = card.groupby(key)["customers"].apply(lambda s: int((s > 0).sum()))
        # a line with one hidden cell must be a line with one non-empty cell (its total is then the one to hide)
        assert ((per_line != 1) | (nonempty == 1)).all(), per_line


def test_nothing_small_nothing_hidden_and_bad_k(card):
    out = privacy.suppress_small_cells(card, 1, rows=["channel"], cols="period")
    assert not out["suppressed"].any()
    with pytest.raises(ValueError, match="min_customers"):
        privacy.suppress_small_cells(card, 0, rows=["channel"], cols="period")
    with pytest.raises(ValueError, match="column 'buyers'"):
        privacy.suppress_small_cells(card, 5, rows=["channel"], cols="period", customers="buyers")


def test_hidden_cells_of_a_grid():
    grid = np.array([[3, 40, 12], [30, 50, 60], [25, 0, 9]])
    assert privacy.hidden_cells(grid, 5).tolist() == [[True, False, True], [False, False, False],
                                                      [True, False, True]]
    with pytest.raises(ValueError):
        privacy.hidden_cells(np.array([1, 2]), 5)
