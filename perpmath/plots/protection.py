"""Figures for section 06: who pays for a liquidation deficit, and the ledger that proves it.

All figures read the output of ``perpmath.exchange.simulate_exchange`` (a
``SimulationResult``): its ``waterfall()`` table, its per-step ``history``
(fund, balances, the conservation check) and its ``adl`` table. Nothing is
recomputed here; the helpers only arrange and label.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from perpmath import _validate as v
from perpmath.exchange import SimulationResult
from perpmath.plots.style import PALETTE, format_price_axis, new_figure

__all__ = [
    "PAYERS",
    "payers",
    "plot_adl_victims",
    "plot_fund_balance",
    "plot_ledger_check",
    "plot_loss_waterfall",
    "plot_regime_comparison",
    "plot_who_pays_by_venue",
    "who_pays_by_venue",
]

#: Rows of ``SimulationResult.waterfall()`` that pay for deficits, in the order
#: the layers act, with the short label and colour used in every figure.
PAYERS: dict[str, tuple[str, str]] = {
    "paid by insurance fund": ("insurance fund", PALETTE["blue"]),
    "ADL: cost to counterparties vs mark": ("ADL counterparties", PALETTE["orange"]),
    "socialized: clawed back from profitable accounts": ("profitable accounts", PALETTE["green"]),
    "written off by the venue": ("venue (bad debt)", PALETTE["purple"]),
    "left as traders' negative balances": ("liquidated traders (debt)", PALETTE["vermillion"]),
}


def _waterfall_frame(result: SimulationResult | pd.DataFrame) -> pd.DataFrame:
    if isinstance(result, SimulationResult):
        return result.waterfall()
    if isinstance(result, pd.DataFrame) and {"item", "amount"} <= set(result.columns):
        return result
    raise ValueError(
        "expected a SimulationResult or its waterfall() table (columns item, amount), "
        f"got {type(result).__name__}"
    )


def payers(result: SimulationResult | pd.DataFrame) -> pd.Series:
    """Who paid for the deficits, in USDT, labelled as in the figures.

    A relabelled subset of ``result.waterfall()`` (which already shows float
    crumbs as 0 and never a negative write-off). The insurance fund's income
    from liquidations filled better than bankruptcy is not a payment and is
    left out.
    """
    frame = _waterfall_frame(result).set_index("item")["amount"]
    missing = [k for k in PAYERS if k not in frame.index]
    if missing:
        raise ValueError(f"the waterfall table lacks the rows {missing}")
    values = [float(frame[k]) for k in PAYERS]
    return pd.Series(values, index=[label for label, _ in PAYERS.values()], name="USDT")


def plot_loss_waterfall(
    result: SimulationResult | pd.DataFrame,
    *,
    title: str = "Who pays for the deficit",
) -> Figure:
    """A waterfall chart: the total loss to cover, then each layer's share.

    The first bar is the sum of the layers; each following bar hangs from
    where the previous one ended, so the last one reaches zero. Layers are
    the rows of ``PAYERS`` (insurance fund, ADL counterparties, profitable
    accounts, venue, liquidated traders); the fund's income from liquidations
    filled better than bankruptcy is written in the corner.
    """
    paid = payers(result)
    frame = _waterfall_frame(result).set_index("item")["amount"]
    total = float(paid.sum())
    labels = ["loss to cover", *paid.index]
    fig, ax = new_figure(title, "", "amount of the loss (USDT)", figsize=(9.0, 4.5))
    ax.bar(0, total, color=PALETTE["grey"], width=0.6)
    top = total
    for i, (label, colour) in enumerate(PAYERS.values(), start=1):
        value = float(paid[label])
        ax.bar(i, value, bottom=top - value, color=colour, width=0.6)
        # an empty label where a layer paid nothing: every run has the same artists
        label = f"{value:,.0f}" if value > 0 else ""
        ax.text(i, top, label, ha="center", va="bottom", fontsize=8)
        top -= value
    ax.text(0, total, f"{total:,.0f}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(labels)), labels, rotation=20, ha="right", fontsize=8)
    ax.set_xlabel("who pays")
    format_price_axis(ax, "y", "")
    surplus = float(frame.get("surplus to insurance fund", 0.0))
    ax.text(
        0.99,
        0.97,
        f"paid into the fund by liquidations\nfilled before bankruptcy: {surplus:,.0f} USDT",
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=8,
    )
    ax.set_ylim(0, max(total, 1.0) * 1.15)
    return fig


def plot_regime_comparison(
    results: Mapping[str, SimulationResult | pd.DataFrame],
    *,
    title: str = "The same crash under each regime: who pays",
) -> Figure:
    """One stacked horizontal bar per regime, split by who paid (``PAYERS``)."""
    if not results:
        raise ValueError("results must name at least one regime")
    table = pd.DataFrame({name: payers(r) for name, r in results.items()}).T
    fig, ax = new_figure(title, "USDT", "", figsize=(10.0, 0.9 * len(table) + 2.2))
    left = np.zeros(len(table))
    y = np.arange(len(table))[::-1]
    for label, colour in PAYERS.values():
        values = table[label].to_numpy()
        ax.barh(y, values, left=left, color=colour, label=label, height=0.6)
        left += values
    for yi, total in zip(y, left, strict=True):
        ax.text(total, yi, f" {total:,.0f}", va="center", fontsize=8)
    ax.set_yticks(y, list(table.index))
    ax.set_xlabel("deficit paid (USDT)")
    format_price_axis(ax, "x", "")
    ax.set_xlim(0, max(float(left.max()), 1.0) * 1.15)
    fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize=8)
    return fig


def _time_axis(step_minutes: float | None) -> tuple[str, float]:
    """The label of the time axis and the minutes per step (1 when steps have no length).

    With ``step_minutes`` the label gives the unit and the step the run
    assumed; without, it says that a step is not a time.
    """
    if step_minutes is None:
        return "simulation step (steps in order, not a time)", 1.0
    m = float(v.scalar("step_minutes", v.positive("step_minutes", step_minutes)))
    return f"time (minutes, simulated {m:g}-minute steps)", m


def _as_results(results: SimulationResult | Mapping[str, SimulationResult]) -> dict:
    if isinstance(results, SimulationResult):
        return {"": results}
    if not results:
        raise ValueError("results must name at least one regime")
    for name, r in results.items():
        if not isinstance(r, SimulationResult):
            raise ValueError(
                f"results[{name!r}] must be a SimulationResult, got {type(r).__name__}"
            )
    return dict(results)


def plot_fund_balance(
    results: SimulationResult | Mapping[str, SimulationResult],
    *,
    title: str = "Mark price and insurance fund",
    step_minutes: float | None = None,
) -> Figure:
    """Mark price (left) and the insurance fund after each step (right), one
    line per regime (distinct line styles, since regimes agree until the
    fund is first drawn on). The mark is one black line when every run saw
    the same one; runs whose marks differ (with and without price feedback)
    get one mark line each, styled like their fund line. ``step_minutes``
    gives the time axis in minutes (the length a scenario gives one step);
    without it the axis counts steps."""
    runs = _as_results(results)
    unit, scale = _time_axis(step_minutes)
    fig, (ax_m, ax_f) = new_figure(title, unit, "mark price (USDT)", figsize=(11.0, 4.3), ncols=2)
    histories = [r.history for r in runs.values()]
    one_mark = all(np.array_equal(h["mark"], histories[0]["mark"]) for h in histories)
    if one_mark:
        first = histories[0]
        ax_m.plot(first["step"] * scale, first["mark"], color=PALETTE["black"], linewidth=1.3)
    format_price_axis(ax_m, "y", "$")
    ax_m.set_title("mark price")
    styles = ["-", "--", ":", "-.", (0, (5, 1, 1, 1))]
    for i, (name, r) in enumerate(runs.items()):
        h = r.history
        style = {"linewidth": 2.6 - 0.4 * (i % 4), "linestyle": styles[i % len(styles)]}
        line = ax_f.plot(
            h["step"] * scale, h["fund"].clip(lower=0.0), label=name or "fund", **style
        )
        if not one_mark:
            ax_m.plot(h["step"] * scale, h["mark"], color=line[0].get_color(), label=name, **style)
    if not one_mark:
        ax_m.legend(fontsize=8, loc="best")
    ax_f.set_ylabel("insurance fund (USDT)")
    ax_f.set_title("insurance fund balance")
    format_price_axis(ax_f, "y", "")
    ax_f.set_ylim(bottom=0)
    if len(runs) > 1 or "" not in runs:
        ax_f.legend(fontsize=8, loc="best")
    return fig


def plot_adl_victims(
    result: SimulationResult,
    *,
    top: int = 15,
    title: str = "Auto-deleveraging: the profitable positions closed",
) -> Figure:
    """The accounts closed by ADL, in the order they were first hit.

    Left: quantity closed (BTC); right: what closing at the bankrupt
    position's price instead of the mark cost each of them (USDT; negative
    means the close was in their favor). At most ``top`` accounts.
    """
    if not isinstance(result, SimulationResult):
        raise ValueError(f"result must be a SimulationResult, got {type(result).__name__}")
    if not isinstance(top, int | np.integer) or isinstance(top, bool) or top < 1:
        if not (isinstance(top, float) and np.isfinite(top) and top == int(top) and top >= 1):
            raise ValueError(f"top must be a whole number >= 1, got {top!r}")
    adl = result.adl
    fig, (ax_q, ax_c) = new_figure(
        title, "account (in ADL order)", "quantity closed (BTC)", figsize=(11.0, 4.3), ncols=2
    )
    ax_c.set_ylabel("cost vs closing at the mark (USDT)")
    if adl.empty:
        for ax in (ax_q, ax_c):
            ax.text(
                0.5, 0.5, "no ADL in this run", ha="center", va="center", transform=ax.transAxes
            )
        return fig
    grouped = adl.groupby("counterparty", sort=False).agg(
        quantity=("quantity", "sum"), cost=("cost_vs_mark", "sum")
    )
    grouped = grouped.head(int(top))
    x = np.arange(len(grouped))
    names = [str(a) for a in grouped.index]
    ax_q.bar(x, grouped["quantity"], color=PALETTE["orange"])
    ax_c.bar(x, grouped["cost"], color=PALETTE["vermillion"])
    for ax in (ax_q, ax_c):
        ax.set_xticks(x, names, rotation=90, fontsize=7)
    n_all = adl["counterparty"].nunique()
    shown = f"the first {len(grouped)} of {n_all}" if n_all > len(grouped) else f"all {n_all}"
    ax_q.set_title(f"{shown} accounts deleveraged")
    ax_c.set_title("cost of closing at the bankruptcy price")
    format_price_axis(ax_c, "y", "")
    return fig


def plot_ledger_check(
    result: SimulationResult,
    *,
    title: str = "The ledger balances at every step",
    step_minutes: float | None = None,
) -> Figure:
    """Left: change of each pool since the start (traders' balances, unrealized
    PnL, insurance fund, fees, venue). Right: their sum minus the deposits,
    the conservation check, which stays at rounding level. ``step_minutes``
    gives the time axis in minutes; without it the axis counts steps."""
    if not isinstance(result, SimulationResult):
        raise ValueError(f"result must be a SimulationResult, got {type(result).__name__}")
    h = result.history
    unit, scale = _time_axis(step_minutes)
    fig, (ax_c, ax_d) = new_figure(
        title, unit, "change since the start (USDT)", figsize=(11.0, 4.3), ncols=2
    )
    pools = {
        "traders' balances": "balances",
        "unrealized PnL": "unrealized_pnl",
        "insurance fund": "fund",
        "fees": "fees",
        "venue": "venue",
    }
    for label, col in pools.items():
        ax_c.plot(h["step"] * scale, h[col] - h[col].iloc[0], linewidth=1.5, label=label)
    ax_c.axhline(0.0, color=PALETTE["grey"], linewidth=0.8)
    format_price_axis(ax_c, "y", "")
    ax_c.legend(fontsize=8, loc="best")
    ax_c.set_title("money moves between pools")
    ax_d.plot(h["step"] * scale, h["difference"], color=PALETTE["black"], linewidth=1.3)
    ax_d.set_ylabel("sum of pools - deposits (USDT)")
    ax_d.set_title(f"largest gap {float(h['difference'].abs().max()):.1e} USDT")
    bound = max(float(h["difference"].abs().max()) * 2, 1e-6)
    ax_d.set_ylim(-bound, bound)
    return fig


def who_pays_by_venue(results: Mapping[str, SimulationResult]) -> pd.DataFrame:
    """Who bore the crash under each venue's rules, in USDT (one column per run).

    Rows: what the liquidated traders lost (deposit minus what they hold at
    the end), the insurance fund's net change (Hyperliquid: the liquidator
    vault's cash), the backstop vault's open position's PnL at the last mark,
    the ADL counterparties' cost vs the mark, the clawback from profitable
    accounts, the venue's write-off, the liquidated traders' debts, and the
    liquidity providers' PnL (the book's side of every fill).
    """
    runs = _as_results(results)
    rows = {}
    for name, r in runs.items():
        a, h, w = r.accounts, r.history, r.waterfall().set_index("item")["amount"]
        hit = a["liquidations"] > 0
        last = h.iloc[-1]
        rows[name] = {
            "liquidated traders: lost": float((a["deposit"] - a["equity"])[hit].sum()),
            "margin the liquidated kept": float(w["margin kept by the liquidated trader"]),
            "insurance fund (or vault cash): change": float(last["fund"])
            - float(r.config["insurance_fund"]),
            "backstop vault: PnL of its position": float(last["backstop_pnl"]),
            "ADL counterparties: cost vs mark": float(w["ADL: cost to counterparties vs mark"]),
            "profitable accounts: clawed back": float(
                w["socialized: clawed back from profitable accounts"]
            ),
            "venue: written off": float(w["written off by the venue"]),
            "liquidated traders: debts": float(w["left as traders' negative balances"]),
        }
    return pd.DataFrame(rows)


def plot_who_pays_by_venue(
    results: Mapping[str, SimulationResult],
    *,
    title: str = "The same crash under each venue's rules: who pays",
) -> Figure:
    """Grouped bars of who_pays_by_venue (rows as groups, one bar per venue)."""
    table = who_pays_by_venue(results)
    fig, ax = new_figure(title, "", "USDT (+ = gained, - = lost)", figsize=(11.0, 4.8))
    rows = [
        ("liquidated traders: lost", -1.0),
        ("insurance fund (or vault cash): change", 1.0),
        ("backstop vault: PnL of its position", 1.0),
        ("ADL counterparties: cost vs mark", -1.0),
        ("venue: written off", -1.0),
    ]
    x = np.arange(len(rows))
    width = 0.8 / max(table.shape[1], 1)
    for i, name in enumerate(table.columns):
        values = [sign * float(table.at[row, name]) for row, sign in rows]
        ax.bar(x + (i - (table.shape[1] - 1) / 2) * width, values, width=width, label=name)
    labels = ["liquidated traders", "fund / vault cash", "vault position", "ADL counterparties",
              "venue"]  # fmt: skip
    ax.set_xticks(x, labels, fontsize=9)
    ax.axhline(0.0, color=PALETTE["black"], linewidth=0.8)
    ax.set_xlabel("who (simulated)")
    format_price_axis(ax, "y", "")
    ax.legend(fontsize=8)
    return fig
