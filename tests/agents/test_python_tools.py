"""Typed Python functions as tools: schemas from hints and docstrings, validation, loading."""

from __future__ import annotations

import asyncio
import json
import keyword
import textwrap
from enum import Enum
from pathlib import Path
from typing import Any, Literal

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiconv.agents.toolbox import ToolCallContext, ToolError, open_tools
from aiconv.agents.tools.python import PythonTools, python_tools, tool
from aiconv.agents.tools.schema import parse_docstring
from aiconv.errors import ConfigError

CONTEXT = ToolCallContext(conversation_id="c", participant="p", call_id="k1")


class Channel(Enum):
    POST = "post"
    COURIER = "courier"


class Address(pydantic.BaseModel):
    street: str
    city: str


def order_replacement(
    card_id: str, channel: Channel, address: Address, express: bool = False
) -> dict[str, Any]:
    """Order a replacement card.

    Args:
        card_id: The blocked card to replace.
        channel (Channel): How to deliver it.
        address: Where to send it;
            must be a verified address.
        express: Next-day delivery.

    Returns:
        The order.
    """
    return {"card_id": card_id, "channel": channel.value, "city": address.city, "express": express}


def test_the_schema_comes_from_hints_and_the_docstring() -> None:
    spec = PythonTools([order_replacement]).specs()[0]
    assert spec.name == "order_replacement"
    assert spec.description == "Order a replacement card."
    params = spec.parameters
    assert params["type"] == "object"
    assert params["required"] == ["card_id", "channel", "address"]
    assert params["properties"]["card_id"] == {
        "type": "string",
        "description": "The blocked card to replace.",
    }
    assert params["properties"]["address"]["description"] == (
        "Where to send it; must be a verified address."
    )
    assert params["properties"]["express"]["default"] is False
    assert params["additionalProperties"] is False
    assert "title" not in json.dumps(params).replace('"title":', "")  # no pydantic titles left


async def test_a_call_validates_and_converts_arguments() -> None:
    tools = PythonTools([order_replacement])
    arguments = {
        "card_id": "c9",
        "channel": "courier",
        "address": {"street": "1 A", "city": "Oslo"},
    }
    out = await tools.call("order_replacement", arguments, CONTEXT)
    assert json.loads(out.content) == {
        "card_id": "c9",
        "channel": "courier",
        "city": "Oslo",
        "express": False,
    }
    bad = await tools.call("order_replacement", {**arguments, "channel": "pigeon"}, CONTEXT)
    assert bad.is_error and "channel" in bad.content
    extra = await tools.call("order_replacement", {**arguments, "pin": "1234"}, CONTEXT)
    assert extra.is_error and "pin" in extra.content


async def test_async_tools_and_tool_errors() -> None:
    @tool(name="check_balance", idempotent=True)
    async def balance(account: str) -> float:
        """Current balance."""
        if account == "closed":
            raise ToolError("account closed")
        await asyncio.sleep(0)
        return 1288.65

    tools = PythonTools([balance])
    assert tools.specs()[0].name == "check_balance" and tools.is_idempotent("check_balance")
    assert (await tools.call("check_balance", {"account": "a"}, CONTEXT)).content == "1288.65"
    failed = await tools.call("check_balance", {"account": "closed"}, CONTEXT)
    assert (failed.is_error, failed.content) == (True, "account closed")


def test_a_parameter_without_a_type_hint_is_refused() -> None:
    def block(card_id, reason: str) -> str:  # type: ignore[no-untyped-def]
        return ""

    with pytest.raises(ConfigError, match="parameter 'card_id' has no type hint"):
        PythonTools([block])


@pytest.mark.parametrize("default", [float("nan"), float("inf"), float("-inf")])
def test_a_default_json_cannot_carry_is_refused(default: float) -> None:
    """A schema with NaN or an infinity is not JSON: `aic tools list --json` printed `NaN` and a
    vendor would get an invalid body."""

    def scale(factor: float = default) -> str:
        return ""

    with pytest.raises(ConfigError, match="tool 'scale': its schema holds a number JSON cannot"):
        PythonTools([scale])


def test_two_tools_with_one_name_are_refused() -> None:
    @tool(name="lookup")
    def a(x: int) -> int:
        return x

    @tool(name="lookup")
    def b(x: int) -> int:
        return x

    with pytest.raises(ConfigError, match="two tools are called 'lookup'"):
        PythonTools([a, b])


def test_sphinx_and_numpy_docstrings() -> None:
    sphinx = "Send money.\n\n:param amount: In the account's currency.\n:param to: An IBAN.\n"
    assert parse_docstring(sphinx) == (
        "Send money.",
        {"amount": "In the account's currency.", "to": "An IBAN."},
    )
    numpy = (
        "Send money.\n\nParameters\n----------\n"
        "amount : float\n    How much.\nto : str\n    Whom.\n"
    )
    assert parse_docstring(numpy) == ("Send money.", {"amount": "How much.", "to": "Whom."})


def write(tmp_path: Path, body: str, name: str = "tools.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


def test_a_file_offers_its_own_public_functions_or_its_tools_list(tmp_path: Path) -> None:
    """Imported names and _private helpers are never tools; TOOLS narrows the choice."""
    body = """
        from aiconv import tool
        from os.path import join  # imported: never a tool

        @tool(idempotent=True)
        def lookup(card_id: str) -> str:
            \"\"\"Look up.\"\"\"
            return card_id

        def _helper(x: int) -> int:
            return x

        def escalate(summary: str) -> str:
            return summary
    """
    tools = python_tools(str(write(tmp_path, body)))
    assert [s.name for s in tools.specs()] == ["lookup", "escalate"]
    assert tools.is_idempotent("lookup") and not tools.is_idempotent("escalate")
    narrowed = write(tmp_path, body + "    TOOLS = [escalate]\n", "narrowed.py")
    assert [s.name for s in python_tools(str(narrowed)).specs()] == ["escalate"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (None, "does not exist"),
        ("import no_such_module_here\n", "does not import: ModuleNotFoundError"),
        ("def f(x):\n    return x\n", "has no type hint"),
        ("X = 1\n", "defines no public function"),
    ],
)
async def test_bad_tool_files_are_config_errors(
    tmp_path: Path, body: str | None, message: str
) -> None:
    path = tmp_path / "tools.py"
    if body is not None:
        path.write_text(body)
    with pytest.raises(ConfigError, match=message):
        await open_tools([str(path)])


async def test_two_sources_with_the_same_tool_name_are_refused(tmp_path: Path) -> None:
    one = write(tmp_path, "def lookup(x: int) -> int:\n    return x\n", "one.py")
    two = write(tmp_path, "def lookup(y: str) -> str:\n    return y\n", "two.py")
    with pytest.raises(ConfigError, match="two tools are called 'lookup'"):
        await open_tools([str(one), str(two)])


_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,10}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n)
)
_TYPES: dict[str, tuple[Any, st.SearchStrategy[Any]]] = {
    "int": (int, st.integers(-(10**6), 10**6)),
    "str": (str, st.text(max_size=20)),
    "bool": (bool, st.booleans()),
    "float": (float, st.floats(allow_nan=False, allow_infinity=False, width=32)),
    "list[int]": (list[int], st.lists(st.integers(0, 9), max_size=3)),
    "Literal": (Literal["a", "b"], st.sampled_from(["a", "b"])),
}


@st.composite
def signatures(draw: st.DrawFn) -> tuple[dict[str, str], dict[str, Any]]:
    names = draw(st.lists(_NAMES, min_size=1, max_size=5, unique=True))
    kinds = {n: draw(st.sampled_from(sorted(_TYPES))) for n in names}
    values = {n: draw(_TYPES[k][1]) for n, k in kinds.items()}
    return kinds, values


@given(signatures())
def test_generated_schemas_describe_exactly_the_arguments_the_function_takes(
    drawn: tuple[dict[str, str], dict[str, Any]],
) -> None:
    """For any typed signature: every parameter is a required property of the schema, and
    arguments drawn for those types validate and reach the function unchanged."""
    kinds, values = drawn
    namespace: dict[str, Any] = {"Literal": Literal}
    params = ", ".join(f"{n}: __t_{n}" for n in kinds)
    namespace.update({f"__t_{n}": _TYPES[k][0] for n, k in kinds.items()})
    exec(f"def probe({params}) -> dict:\n    return dict(locals())", namespace)
    tools = PythonTools([namespace["probe"]])
    schema = tools.specs()[0].parameters
    assert sorted(schema["required"]) == sorted(kinds)
    assert set(schema["properties"]) == set(kinds)
    received = json.loads(asyncio.run(tools.call("probe", values, CONTEXT)).content)
    assert received == values


def test_a_tools_module_whose_code_fails_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--tools mymodule`` whose import raises (not an ImportError) was a traceback."""
    (tmp_path / "aiconv_boom_tools.py").write_text("raise RuntimeError('no database')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ConfigError, match="does not import: RuntimeError: no database"):
        python_tools("aiconv_boom_tools")


class Receipt:
    """A backend's own object, which pydantic does not know how to serialize."""

    def __str__(self) -> str:
        return "receipt r-7: card c1 blocked"


async def test_a_result_json_cannot_carry_is_returned_as_its_text_not_as_a_failure() -> None:
    """The tool ran and did its effect: a result pydantic cannot serialize (an object of the
    tool's own class) reaches the model as its text, not as an error the model would retry."""
    effects: list[str] = []

    def block_card(card_id: str) -> Receipt:
        """Block a card."""
        effects.append(card_id)
        return Receipt()

    def nested(card_id: str) -> dict[str, object]:
        """Block a card, with details."""
        return {"card_id": card_id, "receipt": Receipt()}

    tools = PythonTools([block_card, nested])
    output = await tools.call("block_card", {"card_id": "c1"}, CONTEXT)
    assert (output.is_error, output.content) == (False, "receipt r-7: card c1 blocked")
    assert effects == ["c1"]
    details = await tools.call("nested", {"card_id": "c1"}, CONTEXT)
    assert not details.is_error and "receipt r-7" in details.content
