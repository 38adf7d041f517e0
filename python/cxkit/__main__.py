"""Command line: ``python -m cxkit demo``, ``python -m cxkit scorecard FILE ...`` and
``python -m cxkit report SOURCE ... -o report.html``."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

_SHOW = ["customers", "events", "nps", "nps_low", "nps_high", "csat", "ces", "fcr", "response_time_median",
         "complaint_rate", "sentiment", "retention_rate", "churn_rate", "clv", "revenue"]


def _print_card(title: str, card: pd.DataFrame, keys: list[str]) -> None:
    cols = [c for c in keys + _SHOW if c in card.columns]
    shown = card[cols].copy()
    for c in shown.columns:
        if shown[c].dtype.kind == "f":
            shown[c] = shown[c].round(3 if c in ("complaint_rate", "sentiment", "retention_rate", "churn_rate") else 1)
    print(f"\n== {title}")
    with pd.option_context("display.width", 200, "display.max_columns", 30, "display.max_rows", 60):
        print(shown.to_string(index=False))


def _write(card: pd.DataFrame, out: Path, name: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    card.to_csv(path, index=False)
    return path


def demo(args: argparse.Namespace) -> int:
    import cxkit

    out = Path(args.out)
    written = []

    tickets_frame = cxkit.datasets.load_support_tickets(as_events=True)
    tickets = cxkit.EventLog.from_pandas(tickets_frame, errors="drop")
    print(f"Support tickets: {tickets!r}")
    if tickets.n_dropped:
        print("  rows skipped (errors='drop'):")
        print(tickets.dropped.to_string(index=False))
    card = cxkit.scorecard(tickets)
    _print_card("Support tickets: overall", card, [])
    written.append(_write(card, out, "tickets_overall.csv"))
    card = cxkit.scorecard(tickets, by="channel")
    _print_card("Support tickets: by channel", card, ["channel"])
    written.append(_write(card, out, "tickets_by_channel.csv"))

    sim = cxkit.datasets.simulate(args.customers, seed=args.seed, as_log=True)
    print(f"\nSimulated CX log (seed {args.seed}): {sim!r}")
    card = cxkit.scorecard(sim)
    _print_card("Simulated log: overall", card, [])
    written.append(_write(card, out, "simulated_overall.csv"))
    card = cxkit.scorecard(sim, by="channel")
    _print_card("Simulated log: by channel", card, ["channel"])
    written.append(_write(card, out, "simulated_by_channel.csv"))
    card = cxkit.scorecard(sim, by="persona")
    _print_card("Simulated log: by persona (the simulator's planted customer types)", card, ["persona"])
    written.append(_write(card, out, "simulated_by_persona.csv"))
    card = cxkit.scorecard(sim, period="M")
    _print_card("Simulated log: by month", card, ["period"])
    if card["nps_change_significant"].any():
        moved = card.loc[card["nps_change_significant"], "period"].astype(str).tolist()
        print(f"  NPS changed significantly (95%) from the previous month in: {', '.join(moved)}")
    else:
        print("  No month's NPS differs significantly (95%) from the previous month's.")
    written.append(_write(card, out, "simulated_by_month.csv"))
    card = cxkit.scorecard(sim, by="touchpoint")
    worst = card.dropna(subset=["csat"]).sort_values("csat").head(3)
    _print_card("Simulated log: the three touchpoints with the lowest CSAT", worst, ["touchpoint"])
    written.append(_write(card, out, "simulated_by_touchpoint.csv"))

    written += _journey_section(sim, out)

    print("\n== Customer lifetime value (CDNOW)")
    print(cxkit.clv._demo_section())
    print("\n== Segments and personas")
    print(cxkit.segment._demo_section())

    print("\n== Voice of the customer and retention")
    print(cxkit.voc._demo_section())

    if not args.no_report:
        print("\n== The CX reports (one self-contained HTML page each; open in any browser)")
        tickets_label = (f"Support tickets ({len(tickets_frame):,} of the 8,469 with a first response; open ones "
                         "have no time)")
        for name, log, label in (("report_tickets.html", tickets, tickets_label),
                                 ("report_simulated.html", sim, f"Simulated CX log (seed {args.seed})")):
            out.mkdir(parents=True, exist_ok=True)
            path = cxkit.report(log, out / name, title=f"CX report: {label.split(' (')[0]}", source=label)
            written.append(path)

    print("\nWrote:")
    for p in written:
        print(f"  {p}")
    if not args.no_report:
        print(f"\nOpen the report: {(out / 'report_simulated.html').resolve()}")
    return 0


def _journey_section(sim, out: Path) -> list:
    import cxkit

    truth = cxkit.datasets.SIMULATOR_TRUTH
    written = []
    print("\n== Journeys (simulated log)")
    jm = cxkit.journey.journey_map(sim)
    pains = jm[jm["pain_point"]]["touchpoint"].tolist()
    print(f"  pain points found (CSAT significantly below the journey, Holm-corrected): {', '.join(pains) or 'none'}")
    print(f"  planted: worst CSAT at {truth['worst_csat_touchpoint']}; pain points {', '.join(truth['pain_point_touchpoints'])}")
    written.append(_write(jm, out, "journey_map.csv"))
    mot = cxkit.journey.moments_of_truth(sim, outcome="nps", n_boot=50)
    print("  moments of truth for NPS (share of explained variance, effect of a bad experience on NPS):")
    for tp, r in mot.head(3).iterrows():
        print(f"    {tp:<16} {r['share']:5.1f}%  effect {r['effect']:+.2f} NPS points  (bad for {r['bad_rate']:.0%})")
    print(f"  planted moment of truth: {truth['moment_of_truth']}")
    paths = cxkit.journey.paths(sim, by="channel")
    credits = cxkit.journey.attribution.heuristic(paths, half_life="7D")[
        ["first_touch", "last_touch", "linear", "time_decay"]]
    credits["markov"] = cxkit.journey.attribution.markov(paths).credits["conversions"]
    credits["markov_2"] = cxkit.journey.attribution.markov(paths, order=2).credits["conversions"]
    credits["shapley"] = cxkit.journey.attribution.shapley(paths)["conversions"]
    print(f"\n  attribution of {paths._core.conversions.sum():,.0f} conversions by channel "
          f"(planted conversion driver: {truth['conversion_channel']}):")
    print(credits.round(1).sort_values("markov", ascending=False).to_string())
    written.append(_write(credits.reset_index(), out, "attribution.csv"))
    items = pd.DataFrame({"touchpoint": mot.index[:6], "impact": mot["share"].head(6).to_numpy()})
    # feasibility is the team's judgement; the demo assumes fixing a process is easier than a channel
    items["feasibility"] = [0.4, 0.8, 0.6, 0.9, 0.3, 0.7][: len(items)]
    pri = cxkit.prioritise(items, name="touchpoint")
    print("\n  what to fix first (impact = share of NPS variance; feasibility = assumed for the demo):")
    print(pri[["impact", "feasibility", "quadrant", "rank"]].round(2).to_string())
    written.append(_write(pri.reset_index(), out, "priorities.csv"))
    return written


def scorecard_cmd(args: argparse.Namespace) -> int:
    import cxkit

    mapping = {k: getattr(args, k) for k in ("channel", "stage", "touchpoint", "kind", "value", "nps", "csat", "ces",
                                             "response_time", "fcr", "sentiment", "text")
               if getattr(args, k) is not None}
    by = [b for b in (args.by or [])]
    # a --by column that is also mapped (--channel ch --by ch) is grouped by as the mapped column: read once,
    # shown under the user's name
    canonical = {col: key for key, col in mapping.items() if key in ("channel", "stage", "touchpoint", "kind")}
    by_keys = [canonical.get(b, b) for b in by]
    extra = [b for b in by_keys if b not in ("channel", "stage", "touchpoint", "kind")]
    try:
        log = cxkit.EventLog.from_csv(args.file, args.customer, args.time, sep=args.sep, errors=args.errors,
                                      categoricals=extra, **mapping)
        card = cxkit.scorecard(log, by=by_keys or None, period=args.period, confidence=args.confidence)
        card = card.rename(columns={k: b for k, b in zip(by_keys, by) if k != b})
    except (ValueError, OSError) as e:
        print(f"cxkit scorecard: error: {e}", file=sys.stderr)
        return 2
    print(f"{log!r}")
    if log.n_dropped:
        print(log.dropped.to_string(index=False))
    keys = by + (["period"] if args.period else [])
    _print_card(f"Scorecard of {args.file}", card, keys)
    if args.out:
        card.to_csv(args.out, index=False)
        print(f"\nWrote {args.out}")
    return 0


_MAPPED = ("channel", "stage", "touchpoint", "kind", "value", "nps", "csat", "ces", "response_time", "fcr",
           "sentiment", "text")


def report_cmd(args: argparse.Namespace) -> int:
    import cxkit

    mapping = {k: getattr(args, k) for k in _MAPPED if getattr(args, k) is not None}
    source = Path(args.source)
    # extra categoricals: --column and --persona, minus columns already mapped (never read one column twice)
    extra = [c for c in dict.fromkeys((args.column or []) + ([args.persona] if args.persona else []))
             if c not in mapping.values()]
    try:
        if source.suffix.lower() in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            log = cxkit.EventLog.from_arrow(pq.read_table(source), args.customer, args.time, errors=args.errors,
                                            categoricals=extra, **mapping)
        else:
            log = cxkit.EventLog.from_csv(source, args.customer, args.time, sep=args.sep, errors=args.errors,
                                          categoricals=extra, **mapping)
        feasibility = None
        if args.feasibility:
            f = pd.read_csv(args.feasibility)
            feasibility = dict(zip(f.iloc[:, 0].astype(str), f.iloc[:, 1].astype(float)))
        path = cxkit.report(log, args.out, title=args.title, period=args.period, confidence=args.confidence,
                            feasibility=feasibility, persona=args.persona, source=source.name)
    except (ValueError, OSError) as e:
        print(f"cxkit report: error: {e}", file=sys.stderr)
        return 2
    print(f"{log!r}")
    print(f"Wrote {path} ({path.stat().st_size / 1e6:.1f} MB); open it in a browser: {path.resolve()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cxkit", description="cxkit: customer-experience analytics")
    sub = parser.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="scorecards of the support tickets and a simulated log")
    d.add_argument("--out", default="demo-output", help="folder for the CSV files (default: demo-output)")
    d.add_argument("--customers", type=int, default=20_000, help="customers in the simulated log")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--no-report", action="store_true", help="skip the two HTML reports")
    d.set_defaults(func=demo)

    s = sub.add_parser("scorecard", help="the KPI scorecard of your own CSV of events")
    s.add_argument("file")
    s.add_argument("--customer", required=True, help="customer id column")
    s.add_argument("--time", required=True, help="timestamp column")
    for col in ("channel", "stage", "touchpoint", "kind", "value", "nps", "csat", "ces", "response-time", "fcr",
                "sentiment", "text"):
        s.add_argument(f"--{col}", dest=col.replace("-", "_"), metavar="COL", help=f"the {col} column")
    s.add_argument("--by", action="append", metavar="COL", help="group by this column (repeatable)")
    s.add_argument("--period", choices=["D", "W", "M", "Q", "Y"])
    s.add_argument("--confidence", type=float, default=0.95)
    s.add_argument("--sep", default=",")
    s.add_argument("--errors", choices=["raise", "drop"], default="raise")
    s.add_argument("--out", help="write the scorecard to this CSV")
    s.set_defaults(func=scorecard_cmd)

    r = sub.add_parser("report", help="the CX report of your own CSV or Parquet file of events: one HTML page",
                       description="Writes one self-contained HTML report (no network needed to open it). The "
                                   "column options map your column names as EventLog.from_csv/from_arrow do.")
    r.add_argument("source", help="a CSV file, or a Parquet file (.parquet/.pq)")
    r.add_argument("-o", "--out", default="report.html", help="the HTML file to write (default: report.html)")
    r.add_argument("--customer", help="customer id column (default: customer_id)")
    r.add_argument("--time", help="timestamp column (default: time)")
    for col in _MAPPED:
        r.add_argument(f"--{col.replace('_', '-')}", dest=col, metavar="COL", help=f"the {col.replace('_', ' ')} column")
    r.add_argument("--column", action="append", metavar="COL",
                   help="another categorical column to compare by (e.g. region; repeatable)")
    r.add_argument("--persona", metavar="COL", help="column of each customer's persona/segment (empathy maps)")
    r.add_argument("--feasibility", metavar="CSV", help="a CSV of touchpoint,feasibility (0-1): what to fix first")
    r.add_argument("--title")
    r.add_argument("--period", choices=["D", "W", "M", "Q", "Y"], help="trend period (default: from the data)")
    r.add_argument("--confidence", type=float, default=0.95)
    r.add_argument("--sep", default=",")
    r.add_argument("--errors", choices=["raise", "drop"], default="drop",
                   help="bad rows: skip and list them in the report (drop, default) or stop (raise)")
    r.set_defaults(func=report_cmd)

    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
