"""The feedback loop, complaints, negative terms, empathy map, VoC plots and the demo section."""
import numpy as np
import pandas as pd
import pytest

import cxkit


@pytest.fixture()
def fb():
    t = pd.to_datetime(["2024-01-03", "2024-01-10", "2024-01-20", "2024-02-02", "2024-02-15", "2024-03-01"])
    return pd.DataFrame({
        "customer_id": ["a", "b", "a", "c", "d", "b"],
        "time": t,
        "channel": ["email", "phone", "email", "chat", "phone", "email"],
        "type": ["complaint", "complaint", "praise", "complaint", "question", "complaint"],
        "text": ["The refund is late, awful and useless", "Terrible hold time, awful support",
                 "Great help, thanks!", "App crashes, refund is late", "How do I change my plan?",
                 "Refund still late, terrible and sad"],
        "acted_time": t + pd.to_timedelta([2, 5, np.nan, 1, 3, np.nan], unit="h"),
        "closed_time": t + pd.to_timedelta([10, 50, 1, np.nan, 4, np.nan], unit="h"),
        "customer_informed": [True, False, True, False, True, False],
    })


def test_feedback_summary(fb):
    s = cxkit.voc.feedback_summary(fb)
    assert s.n == 6
    assert s.closed_loop_rate == pytest.approx(3 / 6)  # a (closed, informed), a praise, d
    assert s.times.loc["close", "median_hours"] == pytest.approx(np.median([10, 50, 1, 4]))
    assert s.times.loc["act", "p90_hours"] == pytest.approx(np.quantile([2, 5, 1, 3], 0.9))
    b = s.backlog
    assert b["opened"].tolist() == [3, 2, 1] and b["closed"].tolist() == [3, 1, 0]
    assert b["open_at_end"].tolist() == [0, 1, 2]
    # complaints per 1,000 customers: January 2 complaints (email, phone) over 2 customers (a, b)
    r = s.complaint_rate
    assert r.loc[pd.Period("2024-01", "M"), "email"] == 500 and r.loc[pd.Period("2024-02", "M"), "chat"] == 500
    assert r.loc[pd.Period("2024-03", "M"), "email"] == 1000
    nt = s.negative_terms
    assert "refund" in nt[nt.segment == "email"].term.tolist()
    assert "<b>" in s._repr_html_()


def test_closed_before_opened(fb):
    fb.loc[2, "closed_time"] = fb.loc[2, "time"] - pd.Timedelta("1h")
    with pytest.raises(ValueError, match=r"column 'closed_time', row 2: .* before the item was opened"):
        cxkit.voc.feedback_summary(fb)


def test_top_terms_and_stop_words():
    t = cxkit.voc.top_terms(["the refund is late", "my refund is late again", None], n=3)
    assert set(t.term) == {"refund", "late", "refund late"}
    assert (t["count"] == 2).all() and "the" not in t.term.tolist()


def test_empathy_map():
    ev = cxkit.datasets.load_support_tickets(as_events=True)
    log = cxkit.EventLog.from_pandas(ev)
    m = cxkit.voc.empathy_map(log, segment="channel")
    assert set(m.cards) == {"chat", "email", "phone", "social"}
    c = m["email"]
    assert len(c["says"]) == 5 and set(c["feels"]) == {"negative", "neutral", "positive", "mean_compound"}
    assert sum(v for k, v in c["feels"].items() if k != "mean_compound") == pytest.approx(1)
    assert "csat" in c["thinks"] and any(k.startswith("touchpoint") for k in c["does"])
    h = m._repr_html_()
    assert h.count("Says") == 4 and "Feels" in h
    with pytest.raises(ValueError, match="no column"):
        cxkit.voc.empathy_map(log, segment="persona")


def test_plots(fb, tmp_path):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt
    ax = cxkit.voc.feedback_summary(fb).plot_backlog()
    assert ax.get_title() == "Complaint and feedback backlog"
    ax = cxkit.voc.plot_sentiment(cxkit.datasets.simulate(500, seed=2, as_log=True))
    assert len(ax.lines) >= 2
    plt.close("all")


def test_demo_section():
    s = cxkit.voc._demo_section()
    assert "support tickets by channel" in s and "CDNOW" in s and "1997-01" in s
