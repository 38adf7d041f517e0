"""The CLV section of ``python -m cxkit demo``."""
from __future__ import annotations

import numpy as np


def _demo_section() -> str:
    """Text of the CLV demo on CDNOW (the 2,357-customer sample, 39-week calibration to 1997-09-30, weeks): fitted
    BG/NBD and Gamma-Gamma parameters with 95% intervals, the top 10 customers by 12-month CLV (1% monthly
    discount) and the distribution of P(alive)."""
    from .. import datasets
    from ._models import BetaGeoModel, GammaGammaModel, customer_lifetime_value
    from ._rfm import rfm_summary

    tx = datasets.load_cdnow(sample=True)
    s = rfm_summary(tx, value="value", freq="D", freq_multiplier=7, observation_end="1997-09-30")
    bg = BetaGeoModel().fit(s)
    repeat = s[s["frequency"] > 0]
    gg = GammaGammaModel().fit(repeat)
    clv = customer_lifetime_value(bg, gg, s, months=12, discount_rate=0.01, freq="W")
    alive = bg.probability_alive(s["frequency"], s["recency"], s["T"])

    lines = ["## Customer lifetime value (CDNOW sample: 2,357 customers, calibration 1997-01-01 to 1997-09-30, weeks)",
             ""]
    for title, m, n in (("BG/NBD purchases", bg, len(s)), ("Gamma-Gamma spend", gg, len(repeat))):
        lines.append(f"{title} ({n:,} customers, log-likelihood {m.log_likelihood_:.2f}, "
                     f"converged: {m.converged_}):")
        sm = m.summary
        for name, row in sm.iterrows():
            lines.append(f"  {name:<6} {row['coef']:9.4f}   95% CI [{row['lower 95%']:.4f}, {row['upper 95%']:.4f}]")
        lines.append("")
    top = clv.sort_values(ascending=False).head(10)
    lines.append("Top 10 customers by 12-month CLV (1% monthly discount):")
    lines.append(f"  {'customer':>8} {'frequency':>9} {'recency':>8} {'T':>6} {'mean $':>8} {'P(alive)':>8} "
                 f"{'CLV $':>9}")
    for cid, v in top.items():
        r = s.loc[cid]
        lines.append(f"  {cid!s:>8} {r['frequency']:9.0f} {r['recency']:8.2f} {r['T']:6.2f} "
                     f"{r['monetary_value']:8.2f} {alive.loc[cid]:8.3f} {v:9.2f}")
    lines.append(f"  total 12-month CLV of all customers: ${clv.sum():,.0f}")
    lines.append("")
    edges = np.array([0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0])
    counts, _ = np.histogram(alive.to_numpy(), bins=edges)
    lines.append(f"P(alive) at 1997-09-30: mean {alive.mean():.3f}, median {alive.median():.3f}")
    for lo, hi, c in zip(edges[:-1], edges[1:], counts):
        bar = "#" * int(round(40 * c / len(alive)))
        lines.append(f"  [{lo:4.2f}, {hi:4.2f}{']' if hi == 1 else ')'} {c:5d} {bar}")
    return "\n".join(lines)
