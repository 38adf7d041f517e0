"""cxkit.retention.cohorts against an independent pandas computation, the mergeable state, and the plot."""
import pickle

import numpy as np
import pandas as pd
import pytest

import cxkit


def _pandas_cohorts(df, freq):
    p = df["time"].dt.to_period(freq)
    d = pd.DataFrame({"c": df["customer_id"], "p": p}).drop_duplicates()
    first = d.groupby("c")["p"].transform("min")
    d["cohort"] = first
    d["age"] = (d["p"] - first).apply(lambda x: x.n)
    counts = d.groupby(["cohort", "age"]).size().unstack(fill_value=0)
    return counts


@pytest.fixture(scope="module")
def events():
    return cxkit.datasets.simulate(3_000, seed=4)


@pytest.mark.parametrize("period,freq", [("M", "M"), ("W", "W-SUN"), ("Q", "Q"), ("D", "D")])
def test_equals_pandas(events, period, freq):
    log = cxkit.EventLog.from_pandas(events)
    got = cxkit.retention.cohorts(log, period=period)
    df = log.to_pandas()
    ref = _pandas_cohorts(df, freq)
    ref.index.name, ref.columns.name = "cohort", "age"
    ref = ref.reindex(columns=range(got.counts.shape[1]), fill_value=0)
    pd.testing.assert_frame_equal(got.counts, ref, check_dtype=False, check_index_type=False,
                                  check_column_type=False)
    assert (got.sizes == df.groupby(df.groupby("customer_id")["time"].transform("min").dt.to_period(freq))
            ["customer_id"].nunique()).all()
    r = got.retention
    assert (r[0] == 1).all()
    np.testing.assert_allclose(r.to_numpy()[~np.isnan(r.to_numpy())],
                               (ref.div(ref[0], axis=0)).to_numpy()[~np.isnan(r.to_numpy())])


def test_merge_of_customer_partitions(events):
    ids = events["customer_id"].unique()
    a = events[events["customer_id"].isin(ids[::2])]
    b = events[~events["customer_id"].isin(ids[::2]) & (events["time"] > "2024-03-01")]
    sa = cxkit.retention.cohort_state(cxkit.EventLog.from_pandas(a))
    sb = cxkit.retention.cohort_state(cxkit.EventLog.from_pandas(b))
    su = cxkit.retention.cohort_state(cxkit.EventLog.from_pandas(pd.concat([a, b])))
    assert sa != sb and sa + sb == su
    assert pickle.loads(pickle.dumps(su)) == su
    assert cxkit.retention.CohortState.deserialize(su.serialize()) == su
    pd.testing.assert_frame_equal(cxkit.retention.Cohorts(sa + sb).counts, cxkit.retention.Cohorts(su).counts)


def test_dataframe_input_and_bad_period(events):
    c = cxkit.retention.cohorts(events.head(500), period="M")
    assert c.counts.index.name == "cohort" and c.counts.columns.name == "age"
    with pytest.raises(ValueError, match="period"):
        cxkit.retention.cohorts(events.head(10), period="H")
    assert "<table" in c._repr_html_()


def test_heatmap(events):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    ax = cxkit.retention.cohorts(events).plot()
    assert ax.get_ylabel() == "acquisition cohort"
    import matplotlib.pyplot as plt
    plt.close("all")
