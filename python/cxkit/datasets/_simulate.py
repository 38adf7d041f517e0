"""Vectorised simulator of a customer-experience (CX) event log with planted effects.

Everything is generated with numpy arrays (no Python loop over customers or
events); the only loops are over the handful of event *blocks* and the four
personas. See :func:`simulate` for the model and :data:`SIMULATOR_TRUTH` for
the planted effects.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["simulate", "SIMULATOR_TRUTH"]

# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------

PERSONAS = ("bargain_hunter", "loyal_regular", "digital_native", "support_heavy")
PERSONA_SHARES = np.array([0.35, 0.20, 0.30, 0.15])
CHANNELS = ("web", "app", "email", "phone", "chat", "store", "social", "sms")
STAGES = ("awareness", "consideration", "purchase", "onboarding", "usage",
          "support", "loyalty")
KINDS = ("interaction", "purchase", "survey", "ticket", "complaint", "feedback")

_CH = {c: i for i, c in enumerate(CHANNELS)}
_ST = {s: i for i, s in enumerate(STAGES)}
_KI = {k: i for i, k in enumerate(KINDS)}

# Channel affinity per persona (rows: PERSONAS, columns: CHANNELS). The weight
# of a (touchpoint, channel) slot for a persona is base weight x affinity.
#                      web  app  email phone chat store social sms
_AFFINITY = np.array([[1.0, 0.5, 1.5, 0.2, 0.3, 0.6, 0.8, 1.5],   # bargain_hunter
                      [0.8, 0.8, 1.0, 0.6, 0.4, 1.8, 0.3, 0.4],   # loyal_regular
                      [0.8, 2.5, 0.5, 0.05, 1.2, 0.1, 1.8, 0.2],  # digital_native
                      [0.6, 0.5, 0.8, 3.0, 0.8, 0.5, 0.2, 0.3]])  # support_heavy

# Slot groups: (stage, touchpoint, channel, base weight).
_GROUPS = {
    "awareness": [
        ("awareness", "ad_click", "social", 1.0),
        ("awareness", "ad_click", "web", 1.0),
        ("awareness", "promo_email", "email", 0.7),
        ("awareness", "promo_sms", "sms", 0.3),
        ("awareness", "social_post", "social", 0.5),
        ("awareness", "store_visit", "store", 0.4),
    ],
    "consideration": [
        ("consideration", "product_page", "web", 1.0),
        ("consideration", "product_page", "app", 0.8),
        ("consideration", "review_read", "web", 0.4),
        ("consideration", "comparison", "web", 0.3),
        ("consideration", "newsletter", "email", 0.5),
        ("consideration", "store_visit", "store", 0.4),
        ("consideration", "presales_chat", "chat", 0.3),
        ("consideration", "sms_offer", "sms", 0.2),
        ("consideration", "social_post", "social", 0.3),
    ],
    "purchase": [
        ("purchase", "checkout", "web", 1.0),
        ("purchase", "checkout", "app", 0.9),
        ("purchase", "store_purchase", "store", 0.7),
        ("purchase", "phone_order", "phone", 0.15),
    ],
    "welcome": [("onboarding", "welcome_email", "email", 1.0)],
    "setup": [
        ("onboarding", "account_setup", "app", 1.0),
        ("onboarding", "account_setup", "web", 1.0),
    ],
    "delivery": [
        ("onboarding", "first_delivery", "web", 1.0),
        ("onboarding", "first_delivery", "app", 1.0),
        ("onboarding", "first_delivery", "email", 0.8),
        ("onboarding", "first_delivery", "sms", 0.5),
    ],
    "usage": [
        ("usage", "app_login", "app", 1.0),
        ("usage", "feature_use", "app", 0.8),
        ("usage", "web_visit", "web", 1.0),
        ("usage", "newsletter_open", "email", 0.6),
        ("usage", "sms_reminder", "sms", 0.3),
        ("usage", "store_visit", "store", 0.4),
        ("usage", "social_engagement", "social", 0.4),
    ],
    "support": [
        ("support", "help_center", "web", 1.0),
        ("support", "phone_support", "phone", 1.0),
        ("support", "live_chat", "chat", 1.0),
        ("support", "email_support", "email", 0.8),
        ("support", "social_support", "social", 0.3),
        ("support", "store_service", "store", 0.3),
        ("support", "in_app_support", "app", 0.5),
    ],
    "complaint": [
        ("purchase", "checkout", "web", 2.0),
        ("purchase", "checkout", "app", 1.5),
        ("support", "phone_support", "phone", 1.5),
        ("support", "live_chat", "chat", 0.4),
        ("support", "email_support", "email", 0.5),
        ("support", "store_service", "store", 0.4),
        ("support", "social_support", "social", 0.5),
    ],
    "nps": [
        ("loyalty", "nps_survey", "email", 1.0),
        ("loyalty", "nps_survey", "sms", 0.5),
        ("loyalty", "nps_survey", "app", 0.7),
    ],
    "feedback": [
        ("loyalty", "review_written", "web", 1.0),
        ("loyalty", "app_review", "app", 0.8),
        ("loyalty", "social_mention", "social", 0.6),
        ("loyalty", "store_feedback", "store", 0.3),
    ],
    "loyalty": [
        ("loyalty", "referral", "social", 0.6),
        ("loyalty", "referral", "email", 0.6),
        ("loyalty", "loyalty_reward", "app", 0.8),
        ("loyalty", "loyalty_reward", "email", 0.6),
        ("loyalty", "loyalty_reward", "store", 0.5),
    ],
}

# Global slot table (unique (stage, touchpoint, channel)).
_SLOTS: list = []
_SLOT_ID: dict = {}
for _g in _GROUPS.values():
    for _s, _t, _c, _w in _g:
        if (_s, _t, _c) not in _SLOT_ID:
            _SLOT_ID[(_s, _t, _c)] = len(_SLOTS)
            _SLOTS.append((_s, _t, _c))
TOUCHPOINTS = tuple(dict.fromkeys(t for _, t, _ in _SLOTS))
_TP = {t: i for i, t in enumerate(TOUCHPOINTS)}
_SLOT_STAGE = np.array([_ST[s] for s, _, _ in _SLOTS], dtype=np.int8)
_SLOT_TP = np.array([_TP[t] for _, t, _ in _SLOTS], dtype=np.int8)
_SLOT_CH = np.array([_CH[c] for _, _, c in _SLOTS], dtype=np.int8)


def _group_tables():
    out = {}
    for name, g in _GROUPS.items():
        ids = np.array([_SLOT_ID[(s, t, c)] for s, t, c, _ in g], dtype=np.int16)
        base = np.array([w for *_, w in g])
        w = base[None, :] * _AFFINITY[:, [_CH[c] for _, _, c, _ in g]]
        cum = np.cumsum(w, axis=1)
        cum /= cum[:, -1:]
        out[name] = (ids, cum)
    return out


_GROUP_TABLES = _group_tables()

# --------------------------------------------------------------------------
# Model parameters (per persona, in PERSONAS order; rates are per month)
# --------------------------------------------------------------------------

_SEC_DAY = 86400.0
_SEC_MONTH = 30.4375 * _SEC_DAY

_PRE_TOUCHES = np.array([3.0, 2.0, 2.5, 2.5])      # mean pre-purchase touches
_CONV_OFFSET = np.array([0.0, 0.3, 0.0, -0.2])     # persona logit offset
_CONV_BASE = -1.75                                 # logit without an email touch
_CONV_EMAIL = 3.5                                  # logit lift of an email touch
_LIFETIME_MONTHS = np.array([5.0, 20.0, 10.0, 7.0])  # mean of exponential lifetime
_SPEND_MEDIAN = np.array([22.0, 70.0, 45.0, 50.0])
_SPEND_SIGMA = 0.55
_NPS_BASE = np.array([7.6, 9.0, 8.3, 6.6])
_RATES = {  # events per active month
    "marketing": np.array([1.2, 0.5, 0.6, 0.4]),
    "browse": np.array([2.0, 0.9, 1.3, 0.7]),
    "purchase": np.array([1.5, 1.8, 1.1, 0.7]),
    "usage": np.array([1.3, 2.2, 4.6, 1.7]),
    "ticket": np.array([0.15, 0.12, 0.10, 1.0]),
    "nps": np.array([0.15, 0.15, 0.15, 0.15]),
    "complaint": np.array([0.05, 0.02, 0.04, 0.25]),
    "feedback": np.array([0.08, 0.12, 0.15, 0.10]),
    "loyalty": np.array([0.08, 0.35, 0.15, 0.05]),
}

_MOT_BAD_RATE = 0.20
_MOT_NPS_DROP = 3.0
_MOT_HAZARD = 3.0
_MOT_SURVEY_RATE = 0.85
_MOT_COMPLAINT_RATE = 0.6

_CSAT_DEFAULT = 4.15
_CSAT_TOUCHPOINT = {"checkout": 2.9, "store_purchase": 4.3, "phone_order": 4.0}
_CSAT_SD = 0.85

_RT_BASE = 1800.0  # median seconds to first response
_RT_MULT = {"web": 1.0, "app": 0.9, "email": 1.0, "phone": 4.0, "chat": 0.7,
            "store": 0.8, "social": 1.0, "sms": 1.0}
_RT_SIGMA = 0.9
_FCR_P = {"web": 0.6, "app": 0.65, "email": 0.55, "phone": 0.75, "chat": 0.7,
          "store": 0.8, "social": 0.5, "sms": 0.6}
_RESOLVED_P = 0.9

# --------------------------------------------------------------------------
# Text templates: (text, sentiment score). Scores are in the spirit of VADER.
# --------------------------------------------------------------------------

_POSITIVE = [
    ("Great service, thank you!", 0.80),
    ("Delivery was fast and the product works perfectly.", 0.70),
    ("Love the app, it is very easy to use.", 0.85),
    ("The staff were friendly and helpful.", 0.75),
    ("Excellent value for money, I will buy again.", 0.70),
    ("Happy with my purchase, highly recommended.", 0.80),
]
_NEUTRAL = [
    ("The product is okay.", 0.0),
    ("Delivery arrived as expected.", 0.0),
    ("I ordered the blue one.", 0.0),
]
_NEGATIVE = [
    ("Very disappointed with the quality.", -0.65),
    ("Terrible experience, I want a refund.", -0.75),
    ("The product broke after a week, not happy.", -0.60),
    ("Poor service and nobody seems to care.", -0.70),
]
_COMPLAINT_CHECKOUT = [
    ("Checkout kept failing, very frustrating.", -0.70),
    ("The payment page crashed twice before my order went through, awful.", -0.65),
]
_COMPLAINT_PHONE = [
    ("Waited far too long on the phone to get help.", -0.55),
    ("Nobody answered the phone for ages, unacceptable.", -0.65),
]
_COMPLAINT_DELIVERY = [
    ("My first delivery arrived late and damaged.", -0.70),
    ("Still waiting for my first delivery, very disappointed.", -0.65),
]
_TEXT_GROUPS = {
    "positive": _POSITIVE,
    "neutral": _NEUTRAL,
    "negative": _NEGATIVE,
    "checkout": _COMPLAINT_CHECKOUT,
    "phone": _COMPLAINT_PHONE,
    "delivery": _COMPLAINT_DELIVERY,
}
_TEXTS: list[str] = []
_text_scores: list[float] = []
_TEXT_GROUP_RANGE: dict[str, tuple[int, int]] = {}
for _name, _tg in _TEXT_GROUPS.items():
    _TEXT_GROUP_RANGE[_name] = (len(_TEXTS), len(_tg))
    for _txt, _sc in _tg:
        _TEXTS.append(_txt)
        _text_scores.append(_sc)
_TEXT_SCORE = np.array(_text_scores)
_TEXT_OBJ = np.array(_TEXTS + [None], dtype=object)  # code -1 -> None

#: Average number of events per customer at the defaults (months=12), measured
#: on simulate(n_customers=700_000, seed=0).
EVENTS_PER_CUSTOMER = 14.31

# values of mixed kinds (names, lists, numbers, dicts): readers index it by key
SIMULATOR_TRUTH: dict[str, Any] = {
    "personas": list(PERSONAS),
    "persona_shares": dict(zip(PERSONAS, PERSONA_SHARES.tolist())),
    "channels": list(CHANNELS),
    "stages": list(STAGES),
    "kinds": list(KINDS),
    "touchpoints": {s: list(dict.fromkeys(t for st, t, _ in _SLOTS if st == s))
                    for s in STAGES},
    "worst_csat_touchpoint": "checkout",
    "worst_csat_delta": -1.0,
    "slow_response_channel": "phone",
    "slow_response_factor": 4.0,
    "median_response_time_seconds": _RT_BASE,
    "moment_of_truth": "first_delivery",
    "moment_of_truth_bad_rate": _MOT_BAD_RATE,
    "moment_of_truth_nps_drop": _MOT_NPS_DROP,
    "moment_of_truth_churn_hazard_ratio": _MOT_HAZARD,
    "pain_point_touchpoints": ["checkout", "first_delivery", "phone_support"],
    "conversion_channel": "email",
    "conversion_probability": {"without_email_touch": 0.15, "with_email_touch": 0.85},
    "conversion_closing_touch": "a buyer with an email touch buys right after the last one",
    "persona_traits": {
        "bargain_hunter": "lowest spend (median $22) but many purchases, short lifetime "
                          "(5 months), promotional channels email/sms",
        "loyal_regular": "highest spend (median $70), longest lifetime (20 months), "
                         "store heavy, highest NPS, most referrals",
        "digital_native": "app/social/chat heavy, many usage events, few calls",
        "support_heavy": "many tickets and complaints, phone heavy, low NPS",
    },
    "events_per_customer": EVENTS_PER_CUSTOMER,
}


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def _pick(rng, group, persona_ev):
    """Sample global slot ids of a group for events with the given personas."""
    ids, cum = _GROUP_TABLES[group]
    u = rng.random(persona_ev.size)
    out = np.empty(persona_ev.size, dtype=np.int16)
    if ids.size == 1:
        out[:] = ids[0]
        return out
    for p in range(len(PERSONAS)):
        m = persona_ev == p
        out[m] = ids[np.minimum(np.searchsorted(cum[p], u[m], side="right"),
                                ids.size - 1)]
    return out


def _int_scale(rng, mu, sd, lo, hi):
    return np.clip(np.rint(mu + rng.normal(0.0, sd, size=np.shape(mu))), lo, hi)


def _text_codes(rng, group, n):
    start, size = _TEXT_GROUP_RANGE[group]
    return (start + rng.integers(0, size, n)).astype(np.int16)


def _sentiment_of(rng, codes):
    s = _TEXT_SCORE[codes] + rng.uniform(-0.08, 0.08, codes.size)
    neutral = np.abs(_TEXT_SCORE[codes]) < 1e-9
    s[neutral] = rng.uniform(-0.04, 0.04, int(neutral.sum()))
    return np.clip(s, -1.0, 1.0)


def _csat_mu_for_slots(slots):
    tp_mu = np.full(len(TOUCHPOINTS), _CSAT_DEFAULT)
    for tp, mu in _CSAT_TOUCHPOINT.items():
        tp_mu[_TP[tp]] = mu
    return tp_mu[_SLOT_TP[slots]]


class _Blocks:
    """Accumulates event blocks, drops events past the end of the window."""

    def __init__(self, horizon):
        self.horizon = horizon
        self.cust, self.t, self.slot, self.kind, self.payload = [], [], [], [], []

    def add(self, cust, t, slot, kind, **payload):
        keep = t < self.horizon
        if not keep.all():
            cust, t, slot = cust[keep], t[keep], slot[keep]
            payload = {k: v[keep] for k, v in payload.items()}
        self.cust.append(cust.astype(np.int64, copy=False))
        self.t.append(t.astype(np.int64))
        self.slot.append(slot.astype(np.int16, copy=False))
        self.kind.append(np.full(cust.size, _KI[kind], dtype=np.int8))
        self.payload.append(payload)


# --------------------------------------------------------------------------
# Public function
# --------------------------------------------------------------------------

def simulate(n_customers=10_000, seed=0, start="2024-01-01", months=12, as_log=False):
    """Simulate a realistic CX event log with known, planted effects.

    Fully vectorised numpy; ``simulate(n_customers=700_000)`` gives about 10
    million events (on average **~14.31 events per customer** with
    ``months=12``; fewer for shorter windows).

    Parameters
    ----------
    n_customers : int, default 10_000
        Number of customers (prospects). Every customer has at least one
        event; customer ids are ``1..n_customers``.
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`; the same seed (and the same
        other arguments) gives an identical frame.
    start : str or Timestamp, default "2024-01-01"
        Start of the observation window.
    months : int, default 12
        Length of the window in calendar months; no event at or after
        ``start + months``.
    as_log : bool, default False
        Return ``cxkit.EventLog.from_pandas(df, categoricals=["persona"])``
        (canonical columns auto-detected, ``persona`` kept as an extra
        categorical) instead of the DataFrame.

    Returns
    -------
    pandas.DataFrame or cxkit.EventLog
        Sorted by ``(customer_id, time)``, columns ``customer_id`` (int64),
        ``time`` (datetime64[ns], second resolution), ``channel``, ``stage``,
        ``touchpoint``, ``kind`` (categoricals), ``value`` (float64, purchase
        revenue), ``nps`` (0-10), ``csat`` (1-5), ``ces`` (1-7),
        ``response_time`` (seconds to first response of a ticket), ``fcr``
        (1.0 resolved at first contact, 0.0 resolved later, NaN unresolved or
        not a ticket), ``sentiment`` ([-1, 1]), ``text`` (object: str or None)
        and ``persona`` (categorical, constant per customer). Scores are whole
        numbers stored as float64 with NaN where not asked.

    Notes
    -----
    **Model.** Customers are assigned one of four personas
    (``bargain_hunter`` 35 %, ``loyal_regular`` 20 %, ``digital_native``
    30 %, ``support_heavy`` 15 %) and are acquired uniformly over the window
    (first event = first awareness touch). Channels are
    web, app, email, phone, chat, store, social, sms; touchpoints by journey
    stage (store_visit and social_post occur in more than one stage):
    awareness (ad_click, promo_email, promo_sms, social_post, store_visit) ->
    consideration (product_page, review_read, comparison, newsletter,
    store_visit, presales_chat, sms_offer, social_post) ->
    purchase (checkout, store_purchase, phone_order) ->
    onboarding (welcome_email, account_setup, first_delivery) ->
    usage (app_login, feature_use, web_visit, newsletter_open, sms_reminder,
    store_visit, social_engagement) ->
    support (help_center, phone_support, live_chat, email_support,
    social_support, store_service, in_app_support) ->
    loyalty (nps_survey, review_written, app_review, social_mention,
    store_feedback, referral, loyalty_reward). The (touchpoint, channel)
    of an event is drawn with persona-specific channel affinities.

    1. *Pre-purchase journey*: 1 + Poisson touches (mean 3.0 / 2.0 / 2.5 /
       2.5 by persona), exponential gaps of mean 2 days, the first ~40 %
       awareness, the rest consideration (``kind="interaction"``).
    2. *Conversion*: P = logistic(-1.75 + 3.5 [any email touch] + persona
       offset (0, +0.3, 0, -0.2)), i.e. about 0.15 without and 0.85 with an
       email touch (overall ~42 % of prospects buy). Email is the closing
       touch: a buyer who had an email touch buys right after the last one
       (later planned touches are dropped); other buyers buy after their last
       touch. Prospects who do not convert have no further events.
    3. *Onboarding*: welcome_email, account_setup (60 %), first_delivery
       1-3 days after purchase, followed by a survey (85 %, csat + ces,
       nps 30 %).
    4. *Active life*: exponential lifetime (mean 5 / 20 / 10 / 7 months by
       persona); afterwards the customer has no events (churn). While active,
       Poisson streams per month (bargain / loyal / digital / support):
       marketing touches 1.2/0.5/0.6/0.4, browsing 2.0/0.9/1.3/0.7,
       purchases 1.5/1.8/1.1/0.7 (value log-normal, median $22/70/45/50,
       sigma 0.55), usage 1.3/2.2/4.6/1.7, tickets 0.15/0.12/0.10/1.0,
       NPS surveys 0.15, complaints 0.05/0.02/0.04/0.25, feedback
       0.08/0.12/0.15/0.10, loyalty actions (referral, loyalty_reward)
       0.08/0.35/0.15/0.05 scaled by the customer's NPS propensity.
       25 % of purchases are followed by a survey (csat + ces, nps 30 %),
       35 % of tickets by a survey (csat + ces). Complaints are about
       checkout (web/app), phone_support or another support touchpoint and
       carry a matching negative sentence. Events falling after the window
       end are dropped; times have second resolution.
    5. *Scores*: csat = round(mu + N(0, 0.85)) clipped to 1-5, mu 4.15 by
       default; ces = round(5.3 + 0.9 (csat - 4) + N(0, 0.9)) in 1-7; nps =
       round(customer NPS propensity (persona base 7.6/9.0/8.3/6.6 + N(0,1))
       [+ 0.7 (csat - 4) in transactional surveys] + N(0, 1.3)) in 0-10.
       Tickets: response_time log-normal with median 1800 s x channel factor,
       sigma 0.9; 90 % resolved, FCR probability 0.5-0.8 by channel. Ticket
       survey csat mu = 4.3 - 0.35 max(0, ln(rt / 1800)) - 0.6 [not FCR]
       - 0.8 [unresolved]. Feedback/complaint text comes from short template
       sentences with a sentiment score of the same sign (+- 0.08 noise;
       neutral sentences within +-0.04); feedback is positive with
       probability logistic(NPS propensity - 7) (15 % neutral).

    **Planted effects** (also in :data:`SIMULATOR_TRUTH`):

    (a) *Worst CSAT touchpoint* ``checkout``: csat mu 2.9 instead of 4.15,
        about 1 point below the mean CSAT of all other touchpoints.
    (b) *Slow response channel* ``phone``: median response time 4 x 1800 s
        versus 0.7-1.0 x 1800 s on every other channel (>= 4x each).
    (c) *Moment of truth* ``first_delivery``: 20 % of buyers have a bad
        first delivery (survey csat mu 1.4, complaint with probability 0.6);
        their NPS propensity drops by 3 points and their churn hazard is
        3 x higher (lifetime mean divided by 3).
    (d) *Conversion channel* ``email``: an email touch before the first
        purchase lifts the conversion probability from ~0.15 to ~0.85
        (within every persona) and closes the sale, so email has by far the
        largest Markov removal effect (~0.8, next ~0.3) and conversion lift.
    (e) *Personas* separable by behaviour: bargain hunters low spend and
        email/sms share; loyal regulars highest spend, longest lifetime and
        store share; digital natives highest app/social share and usage;
        support-heavy highest ticket rate, phone share and lowest NPS.

    ``pain_point_touchpoints`` = checkout (CSAT), first_delivery (moment of
    truth) and phone_support (slow responses lower its CSAT).

    Examples
    --------
    >>> from cxkit.datasets import simulate, SIMULATOR_TRUTH
    >>> df = simulate(n_customers=1_000, seed=1)
    >>> df["customer_id"].nunique()
    1000
    >>> df.groupby("touchpoint", observed=True)["csat"].mean().idxmin()
    'checkout'
    >>> SIMULATOR_TRUTH["slow_response_channel"]
    'phone'
    """
    n = int(n_customers)
    if n < 1:
        raise ValueError("n_customers must be >= 1")
    months = int(months)
    if months < 1:
        raise ValueError("months must be >= 1")
    t0 = pd.Timestamp(start)
    t_end = t0 + pd.DateOffset(months=months)
    horizon = float((t_end - t0).total_seconds())
    rng = np.random.default_rng(seed)
    B = _Blocks(horizon)

    # ---- customers -----------------------------------------------------
    persona = rng.choice(len(PERSONAS), size=n, p=PERSONA_SHARES).astype(np.int8)
    acq = rng.random(n) * horizon

    # ---- 1. pre-purchase journey ----------------------------------------
    n_pre = 1 + rng.poisson(_PRE_TOUCHES[persona] - 1.0)
    ends = np.cumsum(n_pre)
    starts = ends - n_pre
    cust = np.repeat(np.arange(n, dtype=np.int64), n_pre)
    j = np.arange(cust.size) - starts[cust]
    gaps = rng.exponential(2.0 * _SEC_DAY, cust.size)
    gaps[j == 0] = 0.0
    cs = np.cumsum(gaps)
    t = acq[cust] + (cs - cs[starts][cust])
    del gaps, cs
    is_aw = j < np.ceil(0.4 * n_pre[cust])
    pev = persona[cust]
    slot = np.where(is_aw, _pick(rng, "awareness", pev), _pick(rng, "consideration", pev))
    is_email = _SLOT_CH[slot] == _CH["email"]
    has_email = np.bincount(cust, weights=is_email, minlength=n) > 0

    # ---- 2. conversion ------------------------------------------------
    logit = _CONV_BASE + _CONV_EMAIL * has_email + _CONV_OFFSET[persona]
    conv = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    # An email is the closing touch: a buyer with an email touch converts right
    # after the last one (the touches after it never happen).
    last_email_j = np.full(n, np.iinfo(np.int64).max)
    ce = conv & has_email
    ej = np.where(is_email, j, -1)
    mx = np.maximum.reduceat(ej, starts)
    last_email_j[ce] = mx[ce]
    keep = j <= last_email_j[cust]
    cust, t, slot = cust[keep], t[keep], slot[keep]
    n_kept = np.bincount(cust, minlength=n)
    last_touch = t[np.cumsum(n_kept) - 1]
    B.add(cust, t, slot, "interaction")
    del cust, t, j, is_aw, pev, slot, is_email, ej, mx, keep

    buyers = np.flatnonzero(conv)
    pb = persona[buyers]
    t_buy = last_touch[buyers] + 60.0 + rng.exponential(0.5 * _SEC_DAY, buyers.size)

    # customer-level latent traits
    bad_mot = rng.random(n) < _MOT_BAD_RATE
    nps_mu = _NPS_BASE[persona] + rng.normal(0.0, 1.0, n) - _MOT_NPS_DROP * bad_mot
    lifetime = rng.exponential(1.0, n) * _LIFETIME_MONTHS[persona] * _SEC_MONTH
    lifetime = np.where(bad_mot, lifetime / _MOT_HAZARD, lifetime)

    # ---- 3. onboarding ------------------------------------------------
    nb = buyers.size
    B.add(buyers, t_buy + rng.uniform(60.0, 3600.0, nb),
          _pick(rng, "welcome", pb), "interaction")
    m = rng.random(nb) < 0.6
    B.add(buyers[m], t_buy[m] + rng.exponential(6 * 3600.0, int(m.sum())),
          _pick(rng, "setup", pb[m]), "interaction")
    t_del = t_buy + _SEC_DAY + rng.exponential(2.0 * _SEC_DAY, nb)
    del_slot = _pick(rng, "delivery", pb)
    B.add(buyers, t_del, del_slot, "interaction")
    m = rng.random(nb) < _MOT_SURVEY_RATE
    cb = buyers[m]
    bad = bad_mot[cb]
    csat = np.where(bad, _int_scale(rng, np.full(cb.size, 1.4), 0.6, 1, 5),
                    _int_scale(rng, np.full(cb.size, 4.3), _CSAT_SD, 1, 5))
    ces = _int_scale(rng, 5.3 + 0.9 * (csat - 4.0), 0.9, 1, 7)
    nps = _int_scale(rng, nps_mu[cb] + 0.7 * (csat - 4.0), 1.3, 0, 10)
    nps[rng.random(cb.size) >= 0.3] = np.nan
    B.add(cb, t_del[m] + rng.uniform(2 * 3600.0, 2 * _SEC_DAY, cb.size),
          del_slot[m], "survey", csat=csat, ces=ces, nps=nps)
    m = bad_mot[buyers] & (rng.random(nb) < _MOT_COMPLAINT_RATE)
    k = int(m.sum())
    tc = _text_codes(rng, "delivery", k)
    B.add(buyers[m], t_del[m] + rng.uniform(3600.0, 2 * _SEC_DAY, k), del_slot[m],
          "complaint", text=tc, sentiment=_sentiment_of(rng, tc))

    # ---- 4. active life -----------------------------------------------
    w_start = t_buy + _SEC_DAY
    w_len = np.maximum(0.0, np.minimum(t_buy + lifetime[buyers], horizon) - w_start)
    w_months = w_len / _SEC_MONTH

    def stream(rate, mult=None):
        lam = rate[pb] * w_months
        if mult is not None:
            lam = lam * mult
        cnt = rng.poisson(lam)
        idx = np.repeat(np.arange(nb), cnt)
        tt = w_start[idx] + rng.random(idx.size) * w_len[idx]
        return buyers[idx], tt, pb[idx]

    c, tt, pe = stream(_RATES["marketing"])
    B.add(c, tt, _pick(rng, "awareness", pe), "interaction")
    c, tt, pe = stream(_RATES["browse"])
    B.add(c, tt, _pick(rng, "consideration", pe), "interaction")
    c, tt, pe = stream(_RATES["usage"])
    B.add(c, tt, _pick(rng, "usage", pe), "interaction")
    del c, tt, pe

    # purchases (first + repeat) and post-purchase surveys
    c, tt, pe = stream(_RATES["purchase"])
    pc = np.concatenate([buyers, c])
    pt = np.concatenate([t_buy, tt])
    pp = np.concatenate([pb, pe])
    ps = _pick(rng, "purchase", pp)
    val = np.round(_SPEND_MEDIAN[pp] * np.exp(rng.normal(0.0, _SPEND_SIGMA, pc.size)), 2)
    B.add(pc, pt, ps, "purchase", value=val)
    m = rng.random(pc.size) < 0.25
    sc, ss = pc[m], ps[m]
    csat = _int_scale(rng, _csat_mu_for_slots(ss), _CSAT_SD, 1, 5)
    ces = _int_scale(rng, 5.3 + 0.9 * (csat - 4.0), 0.9, 1, 7)
    nps = _int_scale(rng, nps_mu[sc] + 0.7 * (csat - 4.0), 1.3, 0, 10)
    nps[rng.random(sc.size) >= 0.3] = np.nan
    B.add(sc, pt[m] + rng.uniform(600.0, _SEC_DAY, sc.size), ss, "survey",
          csat=csat, ces=ces, nps=nps)
    del c, tt, pe, pc, pt, pp, ps, val, sc, ss

    # tickets and ticket surveys
    c, tt, pe = stream(_RATES["ticket"])
    ts = _pick(rng, "support", pe)
    tch = _SLOT_CH[ts]
    mult = np.array([_RT_MULT[ch] for ch in CHANNELS])[tch]
    rt = np.round(_RT_BASE * mult * np.exp(rng.normal(0.0, _RT_SIGMA, c.size)))
    resolved = rng.random(c.size) < _RESOLVED_P
    fcr_p = np.array([_FCR_P[ch] for ch in CHANNELS])[tch]
    fcr = np.where(resolved, (rng.random(c.size) < fcr_p).astype(float), np.nan)
    B.add(c, tt, ts, "ticket", response_time=rt, fcr=fcr)
    m = rng.random(c.size) < 0.35
    mu = (4.3 - 0.35 * np.maximum(0.0, np.log(rt[m] / _RT_BASE))
          - 0.6 * (fcr[m] == 0.0) - 0.8 * np.isnan(fcr[m]))
    csat = _int_scale(rng, mu, _CSAT_SD, 1, 5)
    ces = _int_scale(rng, 5.3 + 0.9 * (csat - 4.0), 0.9, 1, 7)
    B.add(c[m], tt[m] + rt[m] + rng.uniform(3600.0, _SEC_DAY, int(m.sum())), ts[m],
          "survey", csat=csat, ces=ces)
    del c, tt, pe, ts, tch, mult, rt, resolved, fcr_p, fcr

    # relationship NPS surveys
    c, tt, pe = stream(_RATES["nps"])
    nps = _int_scale(rng, nps_mu[c], 1.3, 0, 10)
    B.add(c, tt, _pick(rng, "nps", pe), "survey", nps=nps)

    # complaints
    c, tt, pe = stream(_RATES["complaint"])
    cs_ = _pick(rng, "complaint", pe)
    tp = _SLOT_TP[cs_]
    tc = _text_codes(rng, "negative", c.size)
    g = tp == _TP["checkout"]
    tc[g] = _text_codes(rng, "checkout", int(g.sum()))
    g = tp == _TP["phone_support"]
    tc[g] = _text_codes(rng, "phone", int(g.sum()))
    B.add(c, tt, cs_, "complaint", text=tc, sentiment=_sentiment_of(rng, tc))

    # feedback
    c, tt, pe = stream(_RATES["feedback"])
    u = rng.random(c.size)
    p_pos = 1.0 / (1.0 + np.exp(-(nps_mu[c] - 7.0)))
    neutral = u < 0.15
    positive = ~neutral & (rng.random(c.size) < p_pos)
    tc = _text_codes(rng, "negative", c.size)
    tc[positive] = _text_codes(rng, "positive", int(positive.sum()))
    tc[neutral] = _text_codes(rng, "neutral", int(neutral.sum()))
    B.add(c, tt, _pick(rng, "feedback", pe), "feedback", text=tc,
          sentiment=_sentiment_of(rng, tc))

    # loyalty actions (more for promoters)
    prop = np.clip((nps_mu[buyers] - 5.0) / 3.0, 0.1, 2.0)
    c, tt, pe = stream(_RATES["loyalty"], mult=prop)
    B.add(c, tt, _pick(rng, "loyalty", pe), "interaction")
    del c, tt, pe

    df = _assemble(B, persona, t0)
    if as_log:
        import cxkit  # lazy: the compiled core is only needed here

        return cxkit.EventLog.from_pandas(df, categoricals=["persona"])
    return df


def _assemble(B, persona, t0):
    """Sort all blocks by (customer, time) and build the DataFrame."""
    cust = np.concatenate(B.cust)
    B.cust = None
    tsec = np.concatenate(B.t)
    B.t = None
    key = cust * (1 << 32) + tsec
    order = np.argsort(key, kind="stable")
    del key
    cust = cust[order]
    tsec = tsec[order]
    slot = np.concatenate(B.slot)[order]
    kind = np.concatenate(B.kind)[order]
    total = order.size
    inv = np.empty(total, dtype=np.int64)
    inv[order] = np.arange(total, dtype=np.int64)
    del order

    cols = {}
    for name in ("value", "nps", "csat", "ces", "response_time", "fcr", "sentiment"):
        cols[name] = np.full(total, np.nan)
    text = np.full(total, -1, dtype=np.int16)
    off = 0
    for payload, blk in zip(B.payload, B.slot):
        size = blk.size
        if payload:
            pos = inv[off:off + size]
            for name, v in payload.items():
                if name == "text":
                    text[pos] = v
                else:
                    cols[name][pos] = v
        off += size
    del inv

    time = (tsec * 1_000_000_000 + t0.value).view("datetime64[ns]")
    del tsec
    data = {
        "customer_id": cust + 1,
        "time": time,
        "channel": pd.Categorical.from_codes(_SLOT_CH[slot], categories=list(CHANNELS)),
        "stage": pd.Categorical.from_codes(_SLOT_STAGE[slot], categories=list(STAGES)),
        "touchpoint": pd.Categorical.from_codes(_SLOT_TP[slot],
                                                categories=list(TOUCHPOINTS)),
        "kind": pd.Categorical.from_codes(kind, categories=list(KINDS)),
    }
    data.update(cols)
    data["text"] = pd.Series(_TEXT_OBJ[text], dtype=object, copy=False)
    data["persona"] = pd.Categorical.from_codes(persona[cust], categories=list(PERSONAS))
    return pd.DataFrame(data, copy=False)
