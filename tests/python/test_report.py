"""cxkit.report (issue 14): one self-contained HTML page in five sections; sections the data cannot support say
why in one line; the command line writes it from CSV and Parquet."""
from __future__ import annotations

import re

import pandas as pd
import pytest

import cxkit
from cxkit.reporting import SECTIONS


@pytest.fixture(scope="module")
def sim_log():
    return cxkit.datasets.simulate(3_000, seed=2, as_log=True)


@pytest.fixture(scope="module")
def sim_html(sim_log):
    return cxkit.reporting.report_html(sim_log, source="simulated")


@pytest.fixture(scope="module")
def tickets_html():
    log = cxkit.EventLog.from_pandas(cxkit.datasets.load_support_tickets(as_events=True), errors="drop")
    return cxkit.reporting.report_html(log, source="tickets")


def test_every_section_in_reading_order(sim_html):
    at = [sim_html.index(f">{h}</h2>") for _, h in SECTIONS]
    assert at == sorted(at)
    for sub in ("Journey map", "Main paths", "Funnel", "Attribution", "Moments of truth", "Customer lifetime value",
                "RFM segments", "Personas", "Sentiment", "Complaint themes", "Empathy map", "Retention cohorts",
                "Survival", "By channel", "By persona", "Trend per month"):
        assert f"<h3>{sub}</h3>" in sim_html, sub


def test_self_contained_and_small(sim_html):
    # no network: no script, stylesheet or image fetched from anywhere; every image inline with an alt text
    assert "<script" not in sim_html and "<link" not in sim_html
    assert not re.search(r'(src|href)="(?!data:|#)', sim_html)
    imgs = re.findall(r"<img [^>]*>", sim_html)
    assert len(imgs) >= 10
    for tag in imgs:
        assert re.search(r'alt="[^"]{10,}"', tag), tag[:80]
        assert 'src="data:image/png;base64,' in tag
    assert len(sim_html.encode()) < 5_000_000


def test_numbers_are_formatted(sim_html):
    text = re.sub(r"<img [^>]*>", "", sim_html)
    assert "3,000" in text                           # thousands separators
    assert not re.search(r"\d\.\d{7,}", text)        # no 4615.300000000001 or -29.782658786036354
    assert re.search(r'NPS</div><div class="v">[-0-9.]+</div><div class="i">points, -100 to 100 · \[', text)


def test_absent_kpis_and_sections_say_why(tickets_html):
    """The tickets have CSAT and response times but no NPS, CES, FCR, complaints or values, and cover three days:
    no silent NaN or 0.0 column, each says why."""
    for reason in ("no answers", "no event has kind &#x27;complaint&#x27;", "monthly retention needs at least two months",
                   "no value column"):
        assert reason in tickets_html, reason
    assert "Complaints</div>" not in tickets_html  # no KPI card of a KPI the data cannot support
    assert tickets_html.count('class="absent"') >= 5
    for _, heading in SECTIONS:
        assert f">{heading}</h2>" in tickets_html
    # the texts were scored: sentiment is shown
    assert "Sentiment was scored from the text column" in tickets_html
    assert "<h3>Complaint themes</h3>" in tickets_html


def test_report_writes_the_file(tmp_path, sim_log):
    out = cxkit.report(sim_log, tmp_path / "r.html", feasibility={"first_delivery": 0.3, "phone_support": 0.8})
    text = out.read_text()
    assert "quick win" in text or "major project" in text  # impact x feasibility with the team's feasibility


def test_refusals(sim_log):
    with pytest.raises(TypeError, match="EventLog"):
        cxkit.report(pd.DataFrame({"a": [1]}))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="persona column 'nope'"):
        cxkit.reporting.report_html(sim_log, persona="nope")


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_command_line(tmp_path, fmt, capsys):
    from cxkit.__main__ import main

    df = cxkit.datasets.simulate(800, seed=4).rename(columns={"customer_id": "user", "time": "ts", "nps": "score"})
    src = tmp_path / f"events.{fmt}"
    df.to_csv(src, index=False) if fmt == "csv" else df.to_parquet(src)
    out = tmp_path / "r.html"
    rc = main(["report", str(src), "--customer", "user", "--time", "ts", "--nps", "score", "--persona", "persona",
               "--column", "persona", "-o", str(out)])
    assert rc == 0
    text = out.read_text()
    assert "<h3>By persona</h3>" in text and "NPS" in text
    assert "Wrote" in capsys.readouterr().out


def test_command_line_error_names_the_problem(tmp_path, capsys):
    from cxkit.__main__ import main

    src = tmp_path / "e.csv"
    src.write_text("user,ts\n1,2024-01-01\n")
    assert main(["report", str(src), "--customer", "nope", "--time", "ts", "-o", str(tmp_path / "r.html")]) == 2
    assert "nope" in capsys.readouterr().err


def test_feedback_loop_section(sim_log):
    t = pd.to_datetime(["2024-01-03", "2024-01-10", "2024-02-02", "2024-02-15"])
    fb = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "time": t, "channel": ["email", "phone", "chat", "phone"],
                       "type": ["complaint", "complaint", "praise", "question"],
                       "text": ["The refund is late", "Terrible hold time", "Great help", "How do I pay?"],
                       "acted_time": t + pd.to_timedelta([2, 5, 1, None], unit="h"),
                       "closed_time": t + pd.to_timedelta([10, None, 1, 4], unit="h"),
                       "customer_informed": [True, False, True, True]})
    html = cxkit.reporting.report_html(sim_log, feedback=fb)
    start = html.index("<h3>Feedback loop</h3>")
    section = html[start:html.index("<h3>", start + 5)]
    assert 'class="absent"' not in section and len(section) > 200


@pytest.mark.parametrize("extra", ["bare", "nps", "channel+nps", "purchases", "one row", "stage"])
def test_any_log_gets_a_report(extra):
    """Whatever columns a log has, every section heading is there and the missing ones say why."""
    import numpy as np

    rng = np.random.default_rng(0)
    n = 400
    df = pd.DataFrame({"customer_id": rng.integers(0, 80, n),
                       "time": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 200 * 86400, n), unit="s")})
    if "nps" in extra:
        df["nps"] = rng.integers(0, 11, n).astype(float)
    if "channel" in extra or extra == "purchases":
        df["channel"] = rng.choice(["web", "store"], n)
    if extra == "purchases":
        df["kind"] = rng.choice(["purchase", "visit"], n)
        df["value"] = rng.gamma(2, 20, n)
    if extra == "stage":
        df["stage"] = rng.choice(["awareness", "purchase"], n)
    if extra == "one row":
        df = df.head(1)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fits' warnings go into the page, not to the console
        html = cxkit.reporting.report_html(cxkit.EventLog.from_pandas(df))
    for _, h in SECTIONS:
        assert f">{h}</h2>" in html
    assert html.count('class="absent"') >= 5
    if extra == "purchases":  # 80 customers: the CLV fits do not converge, and the page says so
        assert "Caution: BetaGeoModel.fit did not converge" in html


def test_scorecard_command_reads_a_mapped_and_grouped_column_once(tmp_path, capsys):
    """Issue 14: `--channel ch --by ch` read the column twice (as channel and as a categorical named ch)."""
    from cxkit.__main__ import main

    df = cxkit.datasets.simulate(300, seed=2).rename(columns={"customer_id": "user", "time": "ts", "channel": "ch"})
    src = tmp_path / "e.csv"
    df.to_csv(src, index=False)
    out = tmp_path / "card.csv"
    assert main(["scorecard", str(src), "--customer", "user", "--time", "ts", "--channel", "ch", "--by", "ch",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "columns: channel," in printed and " ch," not in printed.splitlines()[0]
    card = pd.read_csv(out)
    assert "ch" in card.columns and "channel" not in card.columns
    assert sorted(card["ch"]) == sorted(df["ch"].unique())
