"""The command line: `python -m cxkit demo` and `python -m cxkit scorecard FILE ...`."""
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import cxkit
from cxkit.__main__ import main


def test_demo_prints_and_writes_scorecards(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--customers", "1500", "--seed", "4"]) == 0
    out = capsys.readouterr().out
    for title in ("Support tickets: overall", "Support tickets: by channel", "Simulated log: by month",
                  "Simulated log: by channel"):
        assert title in out
    by_month = pd.read_csv(tmp_path / "simulated_by_month.csv")
    assert len(by_month) == 12 and {"nps", "nps_low", "nps_high", "retention_rate", "clv"} <= set(by_month.columns)
    tickets = pd.read_csv(tmp_path / "tickets_by_channel.csv")
    assert sorted(tickets["channel"]) == ["chat", "email", "phone", "social"]
    # the written file holds what the library computes
    frame = cxkit.datasets.load_support_tickets(as_events=True)
    expect = cxkit.scorecard(cxkit.EventLog.from_pandas(frame, errors="drop"), by="channel")
    np.testing.assert_allclose(tickets.sort_values("channel")["csat"].to_numpy(),
                               expect.sort_values("channel")["csat"].to_numpy())


def _csv(tmp_path, rows):
    p = tmp_path / "events.csv"
    p.write_text("user,ts,ch,score\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return p


def test_scorecard_command_on_a_users_csv(tmp_path, capsys):
    p = _csv(tmp_path, ["u1,2024-01-03,web,10", "u2,2024-01-05,web,3", "u1,2024-02-01,app,9", "u3,2024-02-07,app,8"])
    out_csv = tmp_path / "card.csv"
    rc = main(["scorecard", str(p), "--customer", "user", "--time", "ts", "--channel", "ch", "--nps", "score",
               "--by", "channel", "--period", "M", "--out", str(out_csv)])
    assert rc == 0
    card = pd.read_csv(out_csv)
    web = card[card["channel"] == "web"].iloc[0]
    # web, January: one promoter (10) and one detractor (3) -> NPS 0
    assert web["nps"] == 0 and web["nps_n"] == 2 and web["customers"] == 2
    app = card[card["channel"] == "app"].iloc[0]
    assert app["nps"] == 50  # (1 promoter - 0 detractors) / 2 answers


def test_scorecard_command_reports_bad_input(tmp_path, capsys):
    p = _csv(tmp_path, ["u1,2024-01-03,web,10", "u2,2024-01-05,web,12"])
    rc = main(["scorecard", str(p), "--customer", "user", "--time", "ts", "--nps", "score"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "score" in err and "line 3" in err and "0 to 10" in err


def test_module_runs_as_a_program():
    r = subprocess.run([sys.executable, "-m", "cxkit", "--help"], capture_output=True, text=True)
    assert r.returncode == 0 and "demo" in r.stdout and "scorecard" in r.stdout
