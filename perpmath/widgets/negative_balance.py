"""Explorer for section 05: how book depth, a price gap and leverage decide the fill."""

from __future__ import annotations

import ipywidgets as w

from perpmath.exchange import execute_liquidation
from perpmath.liquidation import bankruptcy_price, liquidation_price
from perpmath.orderbook import make_book
from perpmath.plots.negative_balance import plot_book_fill
from perpmath.widgets._common import explorer, fixed_axes, leverage_slider, named

__all__ = ["liquidation_fill_explorer", "liquidation_fill_summary"]


#: Tick of each named depth profile (its default in perpmath.orderbook); the
#: explorer asks for enough levels to cover ``_SPAN`` USDT below the mid.
_TICKS = {"deep": 1.0, "thin": 10.0, "thinning": 5.0}
_SPAN = 5_000.0
#: The explorer's gap slider goes up to ``_GAP_MAX`` USDT; its price axis shows from
#: ``_BELOW`` under to ``_ABOVE`` over the liquidation price (room for the widest
#: gap and for the thinnest thin book's 1 BTC to fill under it).
_GAP_MAX = 1_500
_BELOW, _ABOVE = 3_200.0, 300.0


def liquidation_fill_summary(
    *,
    profile: str = "thin",
    depth: float = 1.0,
    gap: float = 0.0,
    leverage: float = 50.0,
    entry_price: float = 96_000.0,
    quantity: float = 1.0,
    convention: str = "binance_usdm",
):
    """Liquidate a long of ``quantity`` BTC opened at ``entry_price`` with ``leverage``.

    The engine acts when the mark reaches the liquidation price (``convention``);
    the book is the named ``profile`` ('deep', 'thin', 'thinning', with
    perpmath.orderbook's default sizes and ticks) centred there, its sizes
    multiplied by ``depth``, and every bid within ``gap`` USDT below the
    liquidation price removed (a gap between two ticks). Returns
    ``(outcome, book, liquidation price)`` with the outcome of
    ``perpmath.exchange.execute_liquidation``.
    """
    if profile not in _TICKS:
        raise ValueError(f"profile must be one of {', '.join(map(repr, _TICKS))}, got {profile!r}")
    lp = float(liquidation_price("long", entry_price, leverage, quantity, convention=convention))
    tick = _TICKS[profile]
    book = make_book(profile, lp, levels=int(_SPAN / tick)).scaled(depth)
    if gap > 0:
        book = book.with_gap("bid", lp, max(lp - gap, tick))
    outcome = execute_liquidation("long", quantity, entry_price, book, leverage=leverage)
    return outcome, book, lp


def _fill_controls(profile: str, depth: float, gap: float, leverage: int) -> list[w.Widget]:
    """The explorer's controls, each named after the keyword render receives."""
    return [
        named(
            w.Dropdown(options=["deep", "thin", "thinning"], value=profile, description="book"),
            "profile",
        ),
        named(
            w.FloatLogSlider(
                value=depth,
                base=10,
                min=-1.5,
                max=1,
                step=0.1,
                description="depth x",
                continuous_update=True,
            ),
            "depth",
        ),
        named(
            w.IntSlider(
                value=int(gap),
                min=0,
                max=_GAP_MAX,
                step=50,
                description="gap (USDT)",
                continuous_update=True,
            ),
            "gap",
        ),
        leverage_slider(leverage, low=2),
    ]


def liquidation_fill_explorer(
    entry_price: float = 96_000.0,
    quantity: float = 1.0,
    leverage: int = 50,
    depth: float = 1.0,
    gap: float = 0.0,
    profile: str = "thin",
) -> w.VBox:
    """Book profile, depth (sizes x factor), gap below the liquidation price and leverage
    -> the liquidation fill, the bankruptcy price and the deficit (if any).

    A long of ``quantity`` BTC from ``entry_price``; the liquidation price follows
    the Binance USDⓈ-M convention (tiered maintenance margin). Settings the
    tier table forbids are reported as not possible. Every slider redraws
    while it moves; the scales stay fixed except that the price axis follows
    the liquidation price when the leverage changes.
    """
    controls = _fill_controls(profile, depth, gap, leverage)

    def render(profile: str, depth: float, gap: int, leverage: int):
        try:
            out, book, lp = liquidation_fill_summary(
                profile=profile,
                depth=depth,
                gap=gap,
                leverage=leverage,
                entry_price=entry_price,
                quantity=quantity,
            )
        except ValueError as err:
            if "larger than the" not in str(err):
                raise
            raise ValueError(
                f"this book holds less than the {quantity:g} BTC to sell: the position cannot "
                "be closed in it. Choose a deeper book (a larger depth) or a smaller gap."
            ) from None
        bp = float(bankruptcy_price("long", entry_price, leverage, quantity=quantity))
        top_depth = 10.0 ** controls[1].max  # the depth slider's largest factor
        widest = float(make_book(profile, lp, levels=1).side_levels("bid")[1][0]) * top_depth
        fig = plot_book_fill(
            book,
            out.fill,
            liquidation=lp,
            bankruptcy=bp,
            title=f"{quantity:g} BTC long at {leverage}x, liquidated in a {profile} book",
        )
        # Fixed scales: prices from the bottom of the book to just above the
        # liquidation price (they follow it as the leverage moves), resting
        # size up to the largest level at the deepest setting, cumulative size
        # up to twice the order: a gap or a thinner book moves the fill down.
        fixed_axes(
            fig,
            {
                0: {"x": (0.0, 1.05 * widest), "y": (lp - _BELOW, lp + _ABOVE)},
                1: {"x": (0.0, 2.0 * quantity)},
            },
        )
        fig.axes[0].get_legend().set_loc("lower right")
        if out.deficit > 0:
            verdict = (
                f"the fill is worse than bankruptcy: a deficit of {out.deficit:,.2f} USDT "
                "(a negative balance unless the insurance fund pays it)"
            )
        else:
            verdict = (
                f"{out.surplus:,.2f} USDT of margin is left over (Binance-style venues pay it "
                "into the insurance fund; Hyperliquid leaves it with the trader)"
            )
        text = (
            f"liquidation ${lp:,.2f}, average fill ${out.vwap:,.2f}, "
            f"bankruptcy ${out.bankruptcy_price:,.2f}: {verdict}."
        )
        return fig, text

    return explorer(controls, render, title="Where does the liquidation fill?")
