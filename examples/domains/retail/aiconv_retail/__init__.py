"""An example domain: a shop's customers and orders, and the tools a support agent uses on them.

A domain is three things (see ``aiconv.environments.domain``):

* a **state**: one pydantic model holding everything the tools may read or change;
* **tools**: plain functions ``tool(state, **typed_arguments) -> result``. The first parameter is
  the state, changed in place; the others are typed and documented (their hints and docstring
  become the JSON schema the model sees). Raise ``ToolError`` to refuse. A tool must be a
  function of the state and its arguments only — no clock, no randomness, no I/O — because the
  environment of a conversation is rebuilt by replaying the calls it recorded;
* a **policy**: the text the agent under test is given.

``retail_domain`` puts them together with the default state and the shipped task files; the
``aiconv.domains`` entry point in ``pyproject.toml`` registers it as ``retail``.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aiconv.agents.toolbox import ToolError
from aiconv.environments.domain import Domain

HERE = Path(__file__).parent
RETURN_WINDOW_DAYS = 30


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Customer(_Model):
    customer_id: str
    name: str
    email: str
    zip_code: str


class Item(_Model):
    item_id: str
    name: str
    price: Decimal
    returned: bool = False


class Order(_Model):
    order_id: str
    customer_id: str
    status: Literal["pending", "delivered", "cancelled"]
    placed_on: date
    delivered_on: date | None = None
    items: list[Item]
    refunded: Decimal = Decimal("0.00")
    refund_to: Literal["original_payment", "gift_card"] | None = None


class Session(_Model):
    customer_id: str | None = None


class Shop(_Model):
    """The whole shop."""

    today: date
    customers: dict[str, Customer] = {}
    orders: dict[str, Order] = {}
    session: Session = Field(default_factory=Session)


def authenticate(state: Shop, email: str, zip_code: str) -> dict[str, str]:
    """Find the customer by e-mail address and ZIP code; required before any order action.

    Args:
        email: The customer's e-mail address.
        zip_code: The ZIP code of the customer's address.
    """
    for customer in state.customers.values():
        if customer.email == email.strip().lower() and customer.zip_code == zip_code.strip():
            state.session.customer_id = customer.customer_id
            return {"customer_id": customer.customer_id, "name": customer.name}
    raise ToolError("no customer with that e-mail address and ZIP code")


def get_order(state: Shop, order_id: str) -> dict[str, object]:
    """An order: its status, dates and items (with prices and whether each was returned).

    Args:
        order_id: The order number, e.g. W-1042.
    """
    order = state.orders.get(order_id)
    if order is None:
        raise ToolError(f"no order {order_id!r}")
    return order.model_dump(mode="json")


def cancel_order(
    state: Shop, order_id: str, reason: Literal["no longer needed", "ordered by mistake"]
) -> dict[str, str]:
    """Cancel an order that has not been delivered yet.

    Args:
        order_id: The order to cancel.
        reason: Why the customer cancels.
    """
    order = _own_order(state, order_id)
    if order.status != "pending":
        raise ToolError(f"order {order_id} is {order.status}: only a pending order is cancelled")
    order.status = "cancelled"
    return {"order_id": order_id, "status": "cancelled", "refund": f"{_total(order):.2f}"}


def return_items(
    state: Shop,
    order_id: str,
    item_ids: list[str],
    refund_to: Literal["original_payment", "gift_card"],
) -> dict[str, str]:
    """Return delivered items for a refund.

    Args:
        order_id: The delivered order.
        item_ids: The items to return, e.g. ["B-1"].
        refund_to: original_payment or gift_card.
    """
    order = _own_order(state, order_id)
    if order.status != "delivered":
        raise ToolError(f"order {order_id} is {order.status}, not delivered")
    chosen = [i for i in order.items if i.item_id in item_ids and not i.returned]
    if len(chosen) != len(set(item_ids)):
        raise ToolError("an item is not in the order, or was already returned")
    refund = sum((i.price for i in chosen), Decimal("0.00"))
    for item in chosen:
        item.returned = True
    order.refunded += refund
    order.refund_to = refund_to
    return {"order_id": order_id, "refund": f"{refund:.2f}", "refund_to": refund_to}


def _own_order(state: Shop, order_id: str) -> Order:
    order = state.orders.get(order_id)
    if order is None or order.customer_id != state.session.customer_id:
        raise ToolError(f"no order {order_id!r} for the authenticated customer")
    return order


def _total(order: Order) -> Decimal:
    return sum((i.price for i in order.items), Decimal("0.00"))


def default_shop() -> Shop:
    """The shop every task starts from (tasks change it with ``agent_data``)."""
    today = date(2026, 3, 16)
    return Shop.model_validate(
        {
            "today": today,
            "customers": {
                "c-1": {"customer_id": "c-1", "name": "Mia Li", "email": "mia.li@example.com",
                        "zip_code": "28236"},
            },
            "orders": {
                "W-1042": {"order_id": "W-1042", "customer_id": "c-1", "status": "delivered",
                           "placed_on": today - timedelta(days=12),
                           "delivered_on": today - timedelta(days=9),
                           "items": [{"item_id": "B-1", "name": "Blender", "price": "89.99"},
                                     {"item_id": "T-7", "name": "Toaster", "price": "34.50"}]},
                "W-1077": {"order_id": "W-1077", "customer_id": "c-1", "status": "pending",
                           "placed_on": today - timedelta(days=1),
                           "items": [{"item_id": "K-3", "name": "Kettle", "price": "42.00"}]},
                "W-0911": {"order_id": "W-0911", "customer_id": "c-1", "status": "delivered",
                           "placed_on": today - timedelta(days=70),
                           "delivered_on": today - timedelta(days=66),
                           "items": [{"item_id": "L-2", "name": "Lamp", "price": "25.00"}]},
            },
        }
    )


def retail_domain() -> Domain:
    """The ``retail`` domain."""
    return Domain(
        name="retail",
        state_type=Shop,
        tools=[authenticate, get_order, cancel_order, return_items],
        policy=(HERE / "policy.md").read_text(encoding="utf-8"),
        initial_state=default_shop,
        read_only=["get_order"],
        task_files=[HERE / "tasks.yaml"],
    )
