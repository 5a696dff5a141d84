"""The order state machine, overdue at an as_of, order input parsing and the rights table: no database."""

from __future__ import annotations

import datetime as dt

import pytest

from api.errors import Forbidden
from api.order_rights import check_issue, may_act, rights_of
from api.security import Principal, load_roles
from graph.orders.machine import IllegalTransition, allowed_actions, is_overdue, next_state
from graph.schema import OrderAction, OrderInput, OrderState

A, S = OrderAction, OrderState

# Every (state, action) pair: the state it leads to, or None when illegal.
EXPECTED: dict[tuple[OrderState, OrderAction], OrderState | None] = {
    (S.ISSUED, A.SIGN): S.SIGNED,
    (S.ISSUED, A.FEEDBACK): S.ANSWERED,
    (S.ISSUED, A.CLOSE): None,
    (S.ISSUED, A.RETURN): None,
    (S.ISSUED, A.CANCEL): S.CANCELLED,
    (S.ISSUED, A.ISSUE): None,
    (S.SIGNED, A.SIGN): None,
    (S.SIGNED, A.FEEDBACK): S.ANSWERED,
    (S.SIGNED, A.CLOSE): None,
    (S.SIGNED, A.RETURN): S.ISSUED,
    (S.SIGNED, A.CANCEL): S.CANCELLED,
    (S.SIGNED, A.ISSUE): None,
    (S.ANSWERED, A.SIGN): None,
    (S.ANSWERED, A.FEEDBACK): None,
    (S.ANSWERED, A.CLOSE): S.CLOSED,
    (S.ANSWERED, A.RETURN): S.ISSUED,
    (S.ANSWERED, A.CANCEL): S.CANCELLED,
    (S.ANSWERED, A.ISSUE): None,
    **{(S.CLOSED, a): None for a in A},
    **{(S.CANCELLED, a): None for a in A},
}


def test_every_transition_legal_and_illegal() -> None:
    assert len(EXPECTED) == len(S) * len(A)
    for (state, action), to in EXPECTED.items():
        if to is None:
            with pytest.raises(IllegalTransition) as info:
                next_state("DB1", state, action)
            assert info.value.allowed == {
                a: t for (s, a), t in EXPECTED.items() if s is state and t is not None
            }
            assert state.value in str(info.value) and "allowed" in str(info.value)
        else:
            assert next_state("DB1", state, action) is to
            assert allowed_actions(state)[action] is to


def test_final_states_allow_nothing() -> None:
    assert allowed_actions(S.CLOSED) == {} and allowed_actions(S.CANCELLED) == {}
    with pytest.raises(IllegalTransition, match="无（已终结）"):
        next_state("DB9", S.CLOSED, A.CLOSE)


def test_overdue_at_as_of() -> None:
    deadline = dt.date(2026, 3, 31)
    day = dt.timedelta(days=1)
    for state in (S.ISSUED, S.SIGNED):
        assert is_overdue(deadline, state, deadline + day)
        assert not is_overdue(deadline, state, deadline)  # on the deadline day: not yet
    for later in (S.ANSWERED, S.CLOSED, S.CANCELLED, None):  # None: not issued yet at as_of
        assert not is_overdue(deadline, later, deadline + 100 * day)


def test_order_input_targets_and_actions_accept_both_languages() -> None:
    o = OrderInput.model_validate(
        {
            "kind": "督办单",
            "title": "t",
            "assignee_code": "U1",
            "deadline": "2026年12月31日",
            "targets": "Unit:U1；Officer:010001、Clue:C1, Case:K1",
        }
    )
    assert o.targets == ("Unit:U1", "Officer:010001", "Clue:C1", "Case:K1")
    assert o.deadline == dt.date(2026, 12, 31)
    assert [A(x) for x in ("sign", "feedback", "close", "return", "cancel")] == [
        A.SIGN,
        A.FEEDBACK,
        A.CLOSE,
        A.RETURN,
        A.CANCEL,
    ]
    assert A("反馈") is A.FEEDBACK


def _p(role: str) -> Principal:
    return Principal(f"t-{role}", role, load_roles()[role])


ORDER = {"issuer_code": "B2", "assignee_code": "U2"}


@pytest.mark.parametrize(
    ("role", "bodies", "expected"),
    [
        # role, the units it acts for, {action: may act on ORDER (issued by B2, assigned to U2)}
        (
            "strict_office",
            {"B0"},
            {"sign": False, "feedback": False, "close": True, "return": True, "cancel": True},
        ),
        (
            "strict_office",
            {"B0", "U2"},
            {"sign": True, "feedback": True, "close": True, "return": True, "cancel": True},
        ),
        (
            "inspection",
            {"B2"},
            {"sign": False, "feedback": False, "close": True, "return": True, "cancel": True},
        ),
        (
            "audit",
            {"B3"},
            {"sign": False, "feedback": False, "close": False, "return": False, "cancel": False},
        ),
        ("unit", {"U2"}, {"sign": True, "feedback": True, "close": False, "return": False, "cancel": False}),
        (
            "unit",
            {"U3"},
            {"sign": False, "feedback": False, "close": False, "return": False, "cancel": False},
        ),
        (
            "leader",
            {"B0"},
            {"sign": False, "feedback": False, "close": False, "return": False, "cancel": False},
        ),
        (
            "external",
            {"U2"},
            {"sign": False, "feedback": False, "close": False, "return": False, "cancel": False},
        ),
    ],
)
def test_rights_per_role_and_action(role: str, bodies: set[str], expected: dict[str, bool]) -> None:
    got = {a: may_act(_p(role), frozenset(bodies), A(a), ORDER) for a in expected}
    assert got == expected


def test_issue_rights() -> None:
    office, leader, insp = _p("strict_office"), _p("leader"), _p("inspection")
    assert (
        check_issue(office, frozenset({"B0"}), "纪检建议书", "B3", ["Case"], []) == "B3"
    )  # 从严办: any body's name
    assert check_issue(leader, frozenset({"B0"}), "督办单", None, ["Unit"], []) == "B0"
    with pytest.raises(Forbidden):
        check_issue(leader, frozenset({"B0"}), "工作提示", None, ["Unit"], [])  # leaders: 督办单 only
    assert check_issue(insp, frozenset({"B2"}), "工作提示", None, ["Unit", "Clue"], ["督察发现"]) == "B2"
    with pytest.raises(Forbidden):
        check_issue(
            insp, frozenset({"B2"}), "工作提示", None, ["Clue"], ["信访举报"]
        )  # outside its clue sources
    with pytest.raises(Forbidden):
        check_issue(insp, frozenset({"B2"}), "工作提示", None, ["Case"], [])  # no cases scope
    with pytest.raises(Forbidden):
        check_issue(insp, frozenset({"B2"}), "纪检建议书", None, ["Unit"], [])  # kind not granted
    with pytest.raises(Forbidden):
        check_issue(insp, frozenset({"B2"}), "督办单", "B0", ["Unit"], [])  # another body's name
    for role in ("external", "unit"):
        assert not rights_of(load_roles()[role]).issue
