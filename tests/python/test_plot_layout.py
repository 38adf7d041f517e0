"""The plots named in issue 14, drawn with labels of realistic length: no text outside the figure (clipped), no
label hidden in or cut by a bar, different units never on one axis, no stage dropped, no empty column."""
from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.text import Text  # noqa: E402

import cxkit  # noqa: E402
from cxkit.journey import plotting as jp  # noqa: E402
from cxkit.retention import plotting as rp  # noqa: E402

LONG = {"web": "website (desktop and mobile)", "app": "mobile app (iOS and Android)", "email": "email newsletter",
        "store": "flagship store visit", "social": "social media campaign", "sms": "SMS promotion",
        "phone": "phone support line", "chat": "live chat with an agent"}


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def log():
    df = cxkit.datasets.simulate(2_000, seed=5)
    df["channel"] = df["channel"].map(LONG).astype("category")
    df["touchpoint"] = df["touchpoint"].astype(str) + " (self-service)"
    return cxkit.EventLog.from_pandas(df)


def _texts(fig):
    """The texts the figure draws with their extents (tick labels of ticks outside the view are not drawn)."""
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not lo - 1e-9 * abs(hi - lo) <= tick.get_loc() <= hi + 1e-9 * abs(hi - lo):
                    hidden.update({id(tick.label1), id(tick.label2)})
    out = []
    for t in fig.findobj(Text):
        if t.get_visible() and t.get_text().strip() and id(t) not in hidden:
            out.append((t, t.get_window_extent(r)))
    return out


def assert_all_text_inside(fig, tol=1.0):
    fb = fig.bbox
    bad = [(t.get_text(), tuple(np.round(b.extents))) for t, b in _texts(fig)
           if b.x0 < fb.x0 - tol or b.y0 < fb.y0 - tol or b.x1 > fb.x1 + tol or b.y1 > fb.y1 + tol]
    assert bad == [], f"text outside the {fb.width:.0f}x{fb.height:.0f} figure: {bad}"


def test_funnel_labels_are_inside_and_beside_the_bars(log):
    """Issue 14: plot_funnel clipped its labels (white text centred in bars narrower than the text)."""
    f = cxkit.journey.paths(log, by="stage", conversion="none").funnel(
        ["awareness", "consideration", "purchase", "onboarding", "usage", "support", "loyalty"])
    ax = jp.plot_funnel(f)
    assert_all_text_inside(ax.figure)
    r = ax.figure.canvas.get_renderer()
    axbox = ax.get_window_extent(r)
    bars = [p.get_window_extent(r) for p in ax.patches]
    labels = [t for t in ax.texts if "%" in t.get_text()]
    assert len(labels) == len(f)
    for t in labels:
        b = t.get_window_extent(r)
        assert axbox.x0 <= b.x0 and b.x1 <= axbox.x1 + 1, t.get_text()  # not cut by the axes
        assert not any(b.overlaps(p) for p in bars), f"{t.get_text()} drawn over a bar"
    assert [t.get_text() for t in ax.get_yticklabels()] == list(f["step"])


def test_attribution_never_mixes_conversions_and_money(log):
    """Issue 14: plot_attribution(heuristic(...)) put conversions and money on one axis."""
    paths = cxkit.journey.paths(log, by="channel")
    h = cxkit.journey.attribution.heuristic(paths, half_life="7D")
    ax = jp.plot_attribution(h)
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    assert names and not any("value" in n for n in names)
    heights = [p.get_height() for p in ax.patches]
    conv_cols = [c for c in h.columns if not c.endswith("_value")]
    assert max(heights) == pytest.approx(h[conv_cols].to_numpy().max())
    assert "conversions" in ax.get_ylabel()
    assert_all_text_inside(ax.figure)
    ax2 = jp.plot_attribution(h, unit="value")
    assert max(p.get_height() for p in ax2.patches) == pytest.approx(
        h[[c for c in h.columns if c.endswith("_value")]].to_numpy().max())
    assert "value" in ax2.get_ylabel()
    with pytest.raises(ValueError, match="unit"):
        jp.plot_attribution(h, unit="euros")


def test_journey_map_keeps_every_stage_and_spreads_labels(log):
    """Issue 14: plot_journey_map dropped the stages without CSAT and overlapped the touchpoint labels."""
    jm = cxkit.journey.journey_map(log)
    ax = jp.plot_journey_map(jm)
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert set(ticks) == set(jm["stage"].astype(str))
    no_csat = set(jm.groupby("stage", observed=True)["csat_n"].sum().loc[lambda s: s == 0].index.astype(str))
    assert no_csat, "the simulated journey has stages without CSAT questions"
    assert sum("no csat" in t.get_text() for t in ax.texts) == len(no_csat)
    assert_all_text_inside(ax.figure)
    r = ax.figure.canvas.get_renderer()
    # the label itself, without the leader line (an Annotation's extent includes its arrow)
    boxes = [(t.get_text(), Text.get_window_extent(t, r)) for t in ax.texts if "self-service" in t.get_text()]
    assert len(boxes) == jm["csat"].notna().sum()
    overlaps = [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes, 2) if ba.overlaps(bb)]
    assert overlaps == []


def test_sankey_has_no_empty_column_and_names_every_node(log):
    """Issue 14: plot_sankey drew empty columns and unlabelled nodes."""
    paths = cxkit.journey.paths(log, by="channel")
    ax = jp.plot_sankey(paths, max_steps=4)
    assert_all_text_inside(ax.figure)
    legend = {t.get_text() for t in ax.get_legend().get_texts()}
    assert {"(end)"} <= legend and len(legend) >= 4
    # one-step journeys only: a single column pair, no step 3..5 columns
    short = cxkit.journey.Paths.from_pandas(pd.DataFrame({"path": ["a", "b", "a > b"], "total_conversions": [1, 0, 2],
                                                          "total_null": [3, 4, 1]}))
    ax = jp.plot_sankey(short, max_steps=4)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["step 1", "step 2", "step 3"]
    # a stray long journey (under 1% of them) gets no columns of its own: it ends in "(more)"
    stray = cxkit.journey.Paths.from_pandas(pd.DataFrame({"path": ["a", "b", "a > b > a > b > a"],
                                                          "total_conversions": [100, 50, 0],
                                                          "total_null": [300, 400, 1]}))
    ax = jp.plot_sankey(stray, max_steps=4)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["step 1", "step 2"]
    assert "(more)" in {t.get_text() for t in ax.get_legend().get_texts()}


def test_cohort_heatmap_colour_bar_is_in_percent_like_its_title(log):
    """Issue 14: the cohort heatmap's title says % while its colour bar ran 0-0.4."""
    coh = cxkit.retention.cohorts(log)
    ax = rp.plot_cohorts(coh)
    assert "%" in ax.get_title()
    im = ax.images[0]
    later = coh.retention.iloc[:, 1:].to_numpy(dtype=float)
    assert im.norm.vmax == pytest.approx(100 * np.nanmax(later) * 1.05)
    assert "%" in im.colorbar.ax.get_ylabel()
    assert_all_text_inside(ax.figure)


@pytest.fixture(scope="module")
def parts(log):
    """The inputs of the other plotting functions, from the long-label log."""
    feats = cxkit.segment.rfm_scores(log)[["recency", "frequency", "monetary"]]
    km = cxkit.segment.KMeans(4, seed=0, standardize=True).fit(feats)
    mot = cxkit.journey.moments_of_truth(log, n_boot=10)
    flags = cxkit.retention.churn_flags(log, inactive_days=90)
    groups = np.where(np.arange(len(flags)) % 2, "acquired by a paid social campaign", "acquired in a flagship store")
    summary = cxkit.clv.rfm_summary(log.to_pandas().query("kind == 'purchase'"), value="value", freq="W")
    t = pd.to_datetime(["2024-01-03", "2024-01-10", "2024-02-02", "2024-03-15"])
    fb = pd.DataFrame({"customer_id": list("abcd"), "time": t, "channel": ["email newsletter"] * 2 + ["live chat"] * 2,
                       "type": ["complaint", "complaint", "praise", "question"],
                       "text": ["The refund is late", "Terrible hold time", "Great help", "How do I pay?"],
                       "acted_time": t + pd.to_timedelta([2, 5, 1, None], unit="h"),
                       "closed_time": t + pd.to_timedelta([10, None, 1, 4], unit="h"),
                       "customer_informed": [True, False, True, True]})
    return {"paths": cxkit.journey.paths(log, by="channel"), "mot": mot, "feats": feats, "km": km,
            "personas": cxkit.segment.personas(feats, km, log), "rfm": cxkit.segment.rfm_scores(log),
            "km_fit": cxkit.retention.kaplan_meier(flags["days_inactive"].to_numpy(), observed=flags["churned"]),
            "km_groups": cxkit.retention.kaplan_meier(flags["days_inactive"].to_numpy(), observed=flags["churned"],
                                                      groups=groups),
            "bgf": cxkit.clv.BetaGeoModel().fit(summary), "summary": summary,
            "feedback": cxkit.voc.feedback_summary(fb)}


OTHER_PLOTS = {
    "transition_heatmap": lambda log, p: jp.plot_transition_heatmap(p["paths"]),
    "drivers": lambda log, p: jp.plot_drivers(p["mot"]),
    "priority_matrix": lambda log, p: jp.plot_priority_matrix(cxkit.prioritise(
        p["mot"].reset_index().assign(feasibility=np.linspace(0.1, 0.9, len(p["mot"]))), impact="share",
        name="touchpoint"), impact="share"),
    "survival": lambda log, p: rp.plot_survival(p["km_fit"]),
    "survival_groups": lambda log, p: rp.plot_survival_groups(p["km_groups"]),
    "rfm_segments": lambda log, p: cxkit.segment.plotting.plot_rfm_segments(p["rfm"]),
    "persona_profiles": lambda log, p: cxkit.segment.plotting.plot_persona_profiles(p["personas"]),
    "k_selection": lambda log, p: cxkit.segment.plotting.plot_k_selection(
        cxkit.segment.choose_k(p["feats"], k=range(2, 6), standardize=True)),
    "sentiment": lambda log, p: cxkit.voc.plotting.plot_sentiment(log),
    "backlog": lambda log, p: cxkit.voc.plotting.plot_backlog(p["feedback"]),
    "frequency_recency_matrix": lambda log, p: cxkit.clv.plotting.plot_frequency_recency_matrix(p["bgf"]),
    "probability_alive_matrix": lambda log, p: cxkit.clv.plotting.plot_probability_alive_matrix(p["bgf"]),
    "period_transactions": lambda log, p: cxkit.clv.plotting.plot_period_transactions(p["bgf"], p["summary"]),
}


@pytest.mark.parametrize("name", sorted(OTHER_PLOTS))
def test_other_plots_keep_their_text_inside(log, parts, name):
    """Every other plotting function, with the long channel and touchpoint names: nothing drawn off the figure."""
    out = OTHER_PLOTS[name](log, parts)
    fig = out.figure if hasattr(out, "figure") else out
    assert fig.axes and all(ax.get_title() or ax.get_ylabel() or ax.get_xlabel() for ax in fig.axes
                            if ax.get_visible() and ax.get_label() != "<colorbar>")
    assert_all_text_inside(fig)
