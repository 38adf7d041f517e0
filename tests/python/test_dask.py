"""Issue 13, point 3: cxkit.dask on a real cluster (a scheduler and two worker processes on 127.0.0.1, started by
the test): scorecard, cohorts, rfm_summary + BG/NBD fit, recommender state over a multi-file Parquet dataset equal
the in-memory results with 1, 3 and 7 partitions; a failing worker surfaces its error."""
from __future__ import annotations

from typing import Iterator

import numpy as np
import pandas as pd
import pytest

import cxkit

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
import cxkit.dask  # noqa: E402 - after the skips


@pytest.fixture(scope="module")
def client() -> Iterator["distributed.Client"]:
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, worker_dashboard_address=None)
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    df = cxkit.datasets.simulate(800, seed=11).drop(columns=["persona", "text"])
    for c in ("channel", "stage", "touchpoint", "kind"):  # plain strings: categories would differ per file
        df[c] = df[c].astype(str)
    return df.sample(frac=1.0, random_state=5).reset_index(drop=True)


@pytest.fixture(scope="module")
def dataset(events: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("dask-events")
    for i, rows in enumerate(np.array_split(np.arange(len(events)), 4)):
        pq.write_table(pa.Table.from_pandas(events.iloc[rows], preserve_index=False), root / f"part-{i}.parquet")
    return str(root)


@pytest.fixture(scope="module")
def log(events: pd.DataFrame) -> cxkit.EventLog:
    return cxkit.EventLog.from_pandas(events)


def _frame(dataset: str, n: int) -> "dd.DataFrame":
    return dd.read_parquet(dataset).repartition(npartitions=n)


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("channel", "period") if c in df.columns]
    return df.sort_values(keys).reset_index(drop=True) if keys else df


@pytest.mark.parametrize("n", [1, 3, 7])
def test_scorecard(client: "distributed.Client", dataset: str, log: cxkit.EventLog, n: int) -> None:
    got = cxkit.dask.scorecard(_frame(dataset, n), by="channel", period="M", split_every=2)
    want = cxkit.scorecard(log, by="channel", period="M")
    pd.testing.assert_frame_equal(_sorted(got), _sorted(want), rtol=1e-12, atol=0)
    counts = [c for c in want.columns if c.endswith("_n") or c in ("customers", "events", "complaints")]
    pd.testing.assert_frame_equal(_sorted(got)[counts], _sorted(want)[counts])


@pytest.mark.parametrize("n", [1, 3, 7])
def test_cohorts(client: "distributed.Client", dataset: str, log: cxkit.EventLog, n: int) -> None:
    got, want = cxkit.dask.cohorts(_frame(dataset, n)), cxkit.retention.cohorts(log)
    pd.testing.assert_frame_equal(got.counts, want.counts)
    pd.testing.assert_frame_equal(got.retention, want.retention, rtol=1e-12)


@pytest.mark.parametrize("n", [1, 3, 7])
def test_rfm_summary_and_bgnbd_fit(client: "distributed.Client", dataset: str, log: cxkit.EventLog, n: int) -> None:
    got = cxkit.dask.rfm_summary(_frame(dataset, n))
    want = cxkit.clv.rfm_summary(log)
    pd.testing.assert_frame_equal(got, want)
    unique = got.groupby(["frequency", "recency", "T"]).size().rename("weights").reset_index()
    a = cxkit.clv.BetaGeoModel().fit(want)
    b = cxkit.clv.BetaGeoModel().fit(unique["frequency"], unique["recency"], unique["T"], weights=unique["weights"])
    pa_, pb = a.params_, b.params_
    for k in (pa_ if isinstance(pa_, dict) else range(len(pa_))):
        assert pb[k] == pytest.approx(pa_[k], rel=1e-6)


@pytest.mark.parametrize("n", [1, 3, 7])
def test_recommender_state(client: "distributed.Client", dataset: str, log: cxkit.EventLog, n: int) -> None:
    from cxkit.segment._recommender import RecommenderState

    got = cxkit.dask.recommender_state(_frame(dataset, n), item="touchpoint")
    assert got == RecommenderState(log, item="touchpoint") and len(got) > 0


def test_a_failing_worker_surfaces_its_error(client: "distributed.Client", events: pd.DataFrame, tmp_path) -> None:
    bad = events.copy()
    bad.loc[10, "nps"] = 11.0
    ddf = dd.from_pandas(bad, npartitions=3)
    with pytest.raises(ValueError, match=r"column 'nps', row \d+: .*0.*10"):
        cxkit.dask.scorecard(ddf)
    card = cxkit.dask.scorecard(ddf, errors="drop")
    assert int(card["events"].iloc[0]) == len(bad) - 1


def test_split_every_is_checked(dataset: str) -> None:
    with pytest.raises(ValueError, match="split_every"):
        cxkit.dask.scorecard(_frame(dataset, 2), split_every=1, scheduler="sync")


@pytest.mark.parametrize("n", [1, 3, 7])
def test_paths_and_markov(client: "distributed.Client", dataset: str, log: cxkit.EventLog, n: int) -> None:
    from cxkit.journey import attribution

    got, want = cxkit.dask.paths(_frame(dataset, n), by="channel"), cxkit.journey.paths(log, by="channel")
    g = got.to_pandas().sort_values("path").reset_index(drop=True)
    w = want.to_pandas().sort_values("path").reset_index(drop=True)
    pd.testing.assert_frame_equal(g, w, rtol=1e-12)
    a, b = attribution.markov(got).credits, attribution.markov(want).credits
    extra = b.index.difference(a.index)  # in the log's dictionary, in no path: zero credit in memory
    assert (b.loc[extra].to_numpy() == 0).all()
    pd.testing.assert_frame_equal(a.sort_index(), b.drop(index=extra).sort_index(), rtol=1e-12)


def test_customers_and_score_text(client: "distributed.Client", dataset: str, log: cxkit.EventLog) -> None:
    pd.testing.assert_frame_equal(cxkit.dask.customers(_frame(dataset, 3)), log.customers())
    texts = pd.DataFrame({"customer_id": [1, 2, 3, 4], "text": ["great service", None, "awful, slow", ""]})
    got = cxkit.dask.score_text(dd.from_pandas(texts, npartitions=2)).compute()
    want = cxkit.voc.sentiment(texts["text"])["compound"].to_numpy()
    np.testing.assert_array_equal(got["sentiment"].to_numpy(), want)
