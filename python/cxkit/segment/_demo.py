"""The segmentation section of ``python -m cxkit demo``."""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
import pandas as pd

# A small catalogue for the recommendation example: each planted persona of the simulator favours one shelf.
_SHELVES = {
    "bargain_hunter": ["value socks 6-pack", "store-brand detergent", "discount headphones", "clearance mug"],
    "loyal_regular": ["premium coffee beans", "loyalty gift box", "classic notebook", "leather wallet"],
    "digital_native": ["smartwatch", "wireless earbuds", "phone case", "usb-c charger"],
    "support_heavy": ["extended warranty", "setup service", "replacement cable", "printed manual"],
}
_BESTSELLERS = ["gift card", "tote bag"]


def adjusted_rand_index(a: ArrayLike, b: ArrayLike) -> float:
    """Adjusted Rand index of two labelings (Hubert & Arabie 1985), from the contingency table."""
    table = pd.crosstab(pd.Series(np.asarray(a)), pd.Series(np.asarray(b))).to_numpy().astype(np.float64)

    def pairs(x: np.ndarray) -> float:
        return (x * (x - 1) / 2).sum()

    n = table.sum()
    index = pairs(table)
    rows, cols = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    expected = rows * cols / (n * (n - 1) / 2)
    top = (rows + cols) / 2
    return 1.0 if top == expected else float((index - expected) / (top - expected))


def persona_features(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Behaviour features per buyer of a simulated log (rates per month of activity, order value, NPS, channel mix)
    and the planted persona of each."""
    g = df.groupby("customer_id", observed=True)
    months = ((g["time"].max() - g["time"].min()) / pd.Timedelta(days=30)).clip(lower=1)
    kinds = pd.crosstab(df["customer_id"], df["kind"])
    stages = pd.crosstab(df["customer_id"], df["stage"])
    channels = pd.crosstab(df["customer_id"], df["channel"], normalize="index").add_prefix("share_")
    spend = df[df["kind"] == "purchase"].groupby("customer_id")["value"]
    features = pd.DataFrame({
        "events_per_month": g.size() / months,
        "log_order_value": np.log(spend.median()).reindex(months.index),
        "purchases_per_month": kinds["purchase"] / months,
        "tickets_per_month": kinds["ticket"] / months,
        "usage_per_month": stages["usage"] / months,
        "nps": g["nps"].mean(),
    }).join(channels)
    buyers = (kinds["purchase"] > 0).to_numpy()
    features = features[buyers]
    features = features.fillna(features.median())  # NPS never asked: the median
    return features, g["persona"].first()[buyers]


def _demo_section() -> str:
    """Text of the segmentation demo: RFM segments of CDNOW (all 23,570 customers), k-means personas of the
    simulated log against its planted personas (adjusted Rand index), and personalised recommendations."""
    import cxkit

    from ._kmeans import KMeans
    from ._personas import personas
    from ._recommender import Recommender
    from ._rfm import rfm_scores

    lines = ["## Segments and personas", ""]

    # RFM of CDNOW, from the purchase log (recency in days to the last purchase in the data)
    tx = cxkit.datasets.load_cdnow()
    log = cxkit.EventLog.from_pandas(tx.assign(kind="purchase"))
    rfm = rfm_scores(log)
    counts = rfm["segment"].value_counts(sort=False)
    revenue = rfm.groupby("segment", observed=False)["monetary"].sum()
    lines.append(f"RFM segments of CDNOW ({len(rfm):,} customers, quintile scores, first matching rule):")
    lines.append(f"  {'segment':<20} {'customers':>9} {'share':>6} {'revenue':>8} {'mean R F M':>12}")
    for seg, n in counts.items():
        if n == 0:
            continue
        s = rfm[rfm["segment"] == seg]
        lines.append(f"  {seg!s:<20} {n:9,d} {n / len(rfm):6.1%} {revenue[seg] / revenue.sum():8.1%} "
                     f"{s['r'].mean():4.1f} {s['f'].mean():3.1f} {s['m'].mean():3.1f}")
    lines.append("")

    # personas of the simulated log
    df = cxkit.datasets.simulate(4000, seed=3)
    features, truth = persona_features(df)
    km = KMeans(4, n_init=10, standardize=True, seed=0).fit(features)
    ari = adjusted_rand_index(truth, km.labels_)
    per = personas(features, km)
    majority = pd.crosstab(km.labels_, truth.to_numpy()).idxmax(axis=1)
    lines.append(f"Personas of the simulated log ({len(features):,} buyers, k-means k=4 on "
                 f"{features.shape[1]} standardised behaviour features): adjusted Rand index vs the planted "
                 f"personas {ari:.3f}")
    for p in per:
        lines.append(f"  cluster {p.label}: {p.size:5,d} ({p.share:5.1%}) mostly {majority[p.label]:<15} "
                     f"{p.summary}")
    lines.append("")

    # recommendations: the simulated purchases get items from a catalogue where each persona favours one shelf
    rng = np.random.default_rng(7)
    buys = df[df["kind"] == "purchase"][["customer_id", "persona"]]
    shelf = np.array([_SHELVES[str(p)] for p in buys["persona"]], dtype=object)
    own = rng.random(len(buys)) < 0.75
    item = np.where(own, shelf[np.arange(len(buys)), rng.integers(0, 4, len(buys))],
                    np.array(sum(_SHELVES.values(), []) + _BESTSELLERS, dtype=object)[
                        rng.integers(0, 18, len(buys))])
    buys = buys.assign(item=item)
    crm = pd.DataFrame({"customer_id": features.index, "persona": [f"cluster {v}" for v in km.labels_],
                        "consent_personalisation": rng.random(len(features)) < 0.8})
    rec = Recommender("cosine").fit(buys, item="item", customers=crm, consent="consent_personalisation",
                                    segment="persona")
    lines.append(f"Recommendations (item-item cosine on {len(buys):,} simulated purchases of {rec.n_buyers_:,} "
                 f"customers, {len(rec.items_)} items; 80% consented to personalisation). The simulator has no "
                 "items: each purchase gets one from a seeded catalogue where every persona favours one shelf:")
    basket = buys.groupby("customer_id")["item"].agg(lambda s: sorted(set(s)))
    consenting = crm.loc[crm["consent_personalisation"], "customer_id"]
    declined = crm.loc[~crm["consent_personalisation"], "customer_id"]
    shown = [c for c in consenting if len(basket.get(c, [])) >= 2][:1] + list(declined[:1])
    out = rec.recommend(shown, n=3)
    for cid in shown:
        r = out[out["customer_id"] == cid]
        lines.append(f"  customer {cid} ({crm.set_index('customer_id').loc[cid, 'persona']}, bought "
                     f"{', '.join(basket.get(cid, []))}):")
        lines.append(f"    {r['source'].iloc[0]}: " + ", ".join(f"{i} ({s:.2f})" for i, s in zip(r["item"], r["score"])))
    # when to contact them: a BG/NBD fitted on the same purchases (weeks) gives each customer's chance of buying
    # within the next four weeks and the median wait for the next purchase
    summary = cxkit.clv.rfm_summary(df[df["kind"] == "purchase"], freq="W")
    bgnbd = cxkit.clv.BetaGeoModel().fit(summary)
    when = rec.recommend(shown, n=1, timing=(bgnbd, summary), horizon=4)
    lines.append("  when to contact them (BG/NBD fitted on the simulated purchases, in weeks):")
    for w in when.itertuples():
        wait = (f"median wait for the next purchase {w.median_time_to_next_purchase:.1f} weeks"
                if np.isfinite(w.median_time_to_next_purchase) else "a next purchase is less likely than not")
        lines.append(f"    customer {w.customer_id}: P(alive) {w.p_alive:.2f}, P(buys within 4 weeks) "
                     f"{w.p_purchase:.2f}, {wait}")
    sim = rec.similar_items("smartwatch", n=3)
    lines.append("  similar to smartwatch: " + ", ".join(f"{i} ({s:.2f})" for i, s in zip(sim["item"], sim["score"])))
    return "\n".join(lines)
