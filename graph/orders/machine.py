"""The order state machine: which action is legal in which state, and where it leads.

::

    已下发 ──签收──▶ 已签收 ──反馈──▶ 已反馈 ──办结──▶ 已办结
       │  ╰────────────反馈─────────────▲        │
       │            ◀──退回（附理由）── 已签收 / 已反馈
       ╰──撤销（附理由）──▶ 已撤销   （已下发、已签收、已反馈 均可撤销）

Feedback implies signing: a body may answer an order it has not signed for explicitly, so
create → feedback → close leaves three events (下发, 反馈, 办结).
"""

from __future__ import annotations

import datetime as dt

from graph.errors import KgError
from graph.schema import OrderAction, OrderState

__all__ = [
    "TRANSITIONS",
    "REASON_REQUIRED",
    "OPEN_STATES",
    "ANSWERED_STATES",
    "IllegalTransition",
    "allowed_actions",
    "next_state",
    "is_overdue",
]

A, S = OrderAction, OrderState

TRANSITIONS: dict[OrderAction, tuple[frozenset[OrderState], OrderState]] = {
    A.SIGN: (frozenset({S.ISSUED}), S.SIGNED),
    A.FEEDBACK: (frozenset({S.ISSUED, S.SIGNED}), S.ANSWERED),
    A.CLOSE: (frozenset({S.ANSWERED}), S.CLOSED),
    A.RETURN: (frozenset({S.SIGNED, S.ANSWERED}), S.ISSUED),
    A.CANCEL: (frozenset({S.ISSUED, S.SIGNED, S.ANSWERED}), S.CANCELLED),
}
"""action → (states it may start from, state it leads to). 下发 only creates an order."""

REASON_REQUIRED = frozenset({A.FEEDBACK, A.RETURN, A.CANCEL})
"""Actions whose text (the feedback, the reason) may not be empty."""

OPEN_STATES = frozenset({S.ISSUED, S.SIGNED})
"""Not yet answered: past the deadline in one of these states, an order is overdue."""

ANSWERED_STATES = frozenset({S.ANSWERED, S.CLOSED})


class IllegalTransition(KgError):
    """An action the state machine does not allow in the order's current state (HTTP 409)."""

    def __init__(self, order_no: str, state: OrderState, action: OrderAction) -> None:
        self.order_no, self.state, self.action = order_no, state, action
        self.allowed = allowed_actions(state)
        names = "、".join(f"{a.value}→{to.value}" for a, to in self.allowed.items()) or "无（已终结）"
        en = (
            ", ".join(f"{a.name.lower()}→{to.name.lower()}" for a, to in self.allowed.items())
            or "none (final)"
        )
        super().__init__(
            f"督办单 {order_no} 当前为“{state.value}”，不能“{action.value}”；可以：{names} / "
            f"order {order_no} is {state.name.lower()}: {action.name.lower()} is not allowed; "
            f"allowed: {en}"
        )


def allowed_actions(state: OrderState) -> dict[OrderAction, OrderState]:
    """The actions legal in ``state`` and the state each leads to.

    >>> {a.value: s.value for a, s in allowed_actions(OrderState.ANSWERED).items()}
    {'办结': '已办结', '退回': '已下发', '撤销': '已撤销'}
    >>> allowed_actions(OrderState.CLOSED)
    {}
    """
    return {a: to for a, (froms, to) in TRANSITIONS.items() if state in froms}


def next_state(order_no: str, state: OrderState, action: OrderAction) -> OrderState:
    """The state after ``action``, or ``IllegalTransition`` naming the allowed next states."""
    froms, to = TRANSITIONS.get(action, (frozenset(), state))
    if state not in froms:
        raise IllegalTransition(order_no, state, action)
    return to


def is_overdue(deadline: dt.date, state_at: OrderState | None, as_of: dt.date) -> bool:
    """Overdue at ``as_of``: past the deadline and, at that date, neither answered, closed nor cancelled.

    ``state_at`` is the state the order had on ``as_of`` (None: not yet issued then).

    >>> d = dt.date(2026, 3, 31)
    >>> is_overdue(d, OrderState.SIGNED, dt.date(2026, 4, 1)), is_overdue(d, OrderState.SIGNED, d)
    (True, False)
    """
    return state_at in OPEN_STATES and deadline < as_of
