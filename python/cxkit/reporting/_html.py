"""The building blocks of the report page: figures as embedded PNG, formatted tables, the page itself.

Everything is inline (CSS in a <style>, images as base64 data URIs): the file opens offline and can be mailed."""
from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

Formatter = Callable[[object], str]

CSS = """
body{font-family:-apple-system,'Segoe UI',Roboto,'DejaVu Sans',Arial,sans-serif;color:#1f2328;margin:0;
     background:#f6f8fa;font-size:15px;line-height:1.45}
main{max-width:1140px;margin:0 auto;padding:24px 28px 60px;background:#fff}
h1{font-size:28px;margin:8px 0 4px}
h2{font-size:22px;margin:36px 0 8px;padding-top:12px;border-top:3px solid #4C72B0}
h3{font-size:17px;margin:22px 0 6px}
p.lead{color:#57606a;margin:0 0 12px}
p.absent{color:#6e4b00;background:#fff8c5;border-left:4px solid #d4a72c;padding:6px 10px;margin:6px 0}
p.note{color:#57606a;font-size:13px;margin:4px 0 10px}
nav{font-size:14px;margin:10px 0 4px}
nav a{margin-right:14px;color:#0969da;text-decoration:none}
table.t{border-collapse:collapse;margin:6px 0 14px;font-size:14px}
div.tw{overflow-x:auto;max-width:100%}
table.t th{background:#f0f3f6;text-align:left;padding:5px 10px;border-bottom:2px solid #d0d7de;vertical-align:bottom}
table.t td{padding:4px 10px;border-bottom:1px solid #eaeef2}
table.t td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.t tr.flag td{background:#fff1f0}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}
.card{border:1px solid #d0d7de;border-radius:8px;padding:10px 14px;flex:1 1 170px;max-width:260px;
      background:#fbfcfd}
.card .k{font-size:13px;color:#57606a}
.card .v{font-size:24px;font-weight:600}
.card .i{font-size:12px;color:#57606a}
img.fig{max-width:100%;height:auto;display:block;margin:8px 0 14px}
.sig{color:#cf222e;font-weight:600}
.em>div>div{width:500px!important}
footer{color:#57606a;font-size:12px;margin-top:40px}
"""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def figure_html(fig: Figure, alt: str, dpi: int = 96) -> str:
    """The figure as an <img> with a base64 PNG and its alt text; the figure is closed afterwards."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)  # a figure made with matplotlib.figure.Figure has no canvas of its own
    buf = io.BytesIO()
    # no bbox_inches="tight": it draws the figure twice; the constrained layout already fits the labels
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    try:
        import matplotlib.pyplot as plt

        plt.close(fig)
    except Exception:  # pragma: no cover - pyplot unusable: the Figure is garbage-collected anyway
        pass
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img class="fig" alt="{esc(alt)}" src="data:image/png;base64,{data}">'


def new_figure(width: float, height: float) -> Figure:
    """A figure not registered with pyplot (no global state, no GUI backend needed)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


# --- number formats ------------------------------------------------------------------------------------------

def _finite(v: object) -> bool:
    try:
        return v is not None and not pd.isna(v) and math.isfinite(float(v))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def fmt_int(v: object) -> str:
    return f"{float(v):,.0f}" if _finite(v) else "–"  # type: ignore[arg-type]


def fmt_num(decimals: int) -> Formatter:
    def f(v: object) -> str:
        return f"{float(v):,.{decimals}f}" if _finite(v) else "–"  # type: ignore[arg-type]
    return f


def fmt_pct(decimals: int = 1, scale: float = 100.0) -> Formatter:
    """A share (0..1 with scale=100) or a percentage (scale=1) as "12.3%"."""
    def f(v: object) -> str:
        return f"{float(v) * scale:,.{decimals}f}%" if _finite(v) else "–"  # type: ignore[arg-type]
    return f


def fmt_money(v: object) -> str:
    return f"{float(v):,.2f}" if _finite(v) else "–"  # type: ignore[arg-type]


def fmt_duration(v: object) -> str:
    """Seconds as the largest sensible unit: 45 s, 12.5 min, 6.3 h, 2.1 days."""
    if not _finite(v):
        return "–"
    s = float(v)  # type: ignore[arg-type]
    if abs(s) < 90:
        return f"{s:.0f} s"
    if abs(s) < 90 * 60:
        return f"{s / 60:.1f} min"
    if abs(s) < 48 * 3600:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} days"


def fmt_text(v: object) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    return str(v)


def table_html(df: pd.DataFrame, formats: Mapping[str, Formatter] | None = None, *,
               flag: pd.Series | None = None, index: bool = False, max_rows: int = 40) -> str:
    """An HTML table: numbers right-aligned with the given formats (thousands separators by default), text
    escaped; ``flag`` (bool per row) highlights rows; at most ``max_rows`` rows (the rest counted below)."""
    formats = dict(formats or {})
    if index:
        df = df.reset_index()
    more = len(df) - max_rows
    df = df.head(max_rows)
    flags = [False] * len(df) if flag is None else list(flag.head(max_rows).fillna(False).astype(bool))
    out = ['<div class="tw"><table class="t"><thead><tr>']
    out += [f"<th>{esc(c)}</th>" for c in df.columns]
    out.append("</tr></thead><tbody>")
    for (_, row), fl in zip(df.iterrows(), flags):
        out.append('<tr class="flag">' if fl else "<tr>")
        for c in df.columns:
            v = row[c]
            f = formats.get(str(c))
            numeric = isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)
            if f is None:
                f = (fmt_num(2) if isinstance(v, (float, np.floating)) and not float(v).is_integer() else fmt_int) \
                    if numeric else fmt_text
            cls = ' class="num"' if numeric or str(c) in formats and f is not fmt_text else ""
            out.append(f"<td{cls}>{esc(f(v))}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    if more > 0:
        out.append(f'<p class="note">… and {more:,} more rows.</p>')
    return "".join(out)


def absent(text: str) -> str:
    return f'<p class="absent">{esc(text)}</p>'


def note(text: str) -> str:
    return f'<p class="note">{esc(text)}</p>'


def page(title: str, subtitle: str, nav: list[tuple[str, str]], body: str, footer: str) -> str:
    links = "".join(f'<a href="#{esc(a)}">{esc(t)}</a>' for a, t in nav)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body><main>"
            f"<h1>{esc(title)}</h1><p class=\"lead\">{esc(subtitle)}</p><nav>{links}</nav>{body}"
            f"<footer>{esc(footer)}</footer></main></body></html>\n")
