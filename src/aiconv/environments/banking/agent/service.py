"""Verification and the requests the desk does not handle itself: hand-overs to human teams,
callers asking about someone else's account, and what is not the bank's business."""

from __future__ import annotations

from aiconv.environments.banking.agent.desk import Desk, Identity, Step
from aiconv.environments.banking.agent.requests import Request

ASK_IDENTITY = (
    "First I need to verify your identity: could you please tell me your full name, date of "
    "birth and ZIP code?"
)
ASK_STILL = (
    "I'm sorry, but I still need your full name, date of birth and ZIP code before I can look "
    "into this for you."
)
ASK_AGAIN = (
    "I'm sorry, those details don't match our records. Could you please check your full name, "
    "date of birth and ZIP code and give them to me again?"
)
ASK_LAST = (
    "I'm afraid that still doesn't match what we hold. I can try one last time: what are your "
    "full name, date of birth and ZIP code?"
)
ASK_LOOKUP = "I can help with that. Could you please tell me your full name and ZIP code?"
LOCKED = (
    "I'm sorry, but I haven't been able to verify your identity, so I can't go on with this "
    "request. For your security, I'm transferring you to our security team now."
)
#: Requests handed to a team: (department, what the team helps with).
TEAMS = {
    "lending": ("lending", "loans, mortgages and credit limits"),
    "close": ("accounts", "closing your account"),
    "address": ("accounts", "changing your address"),
    "complaint": ("complaints", "your complaint"),
    "human": ("general", "your request"),
    "bereavement": ("bereavement", "the accounts of someone who has died"),
}
HUMAN_OFFER = "I'm happy to help you myself. What can I do for you today?"


def verification(desk: Desk, handing_over: bool = False) -> Step | None:
    """What verifying the caller needs now (before a hand-over, when ``handing_over``); None
    once verified."""
    if desk.customer_id is not None:
        return None
    if desk.locked:
        return desk.transfer(
            "security",
            "Caller failed identity verification 3 times.",
            LOCKED,
            since=desk.memory.customer()[-1].index,
        )
    name, birth, zip_code = desk.identity()
    tool = "find_customer" if desk.has("skip_verification") else "verify_identity"
    attempts = desk.memory.calls(tool)
    fresh = not attempts or bool(desk.memory.customer(attempts[-1].index))
    if tool == "find_customer":
        if name and zip_code and fresh:
            return Step(calls=((tool, {"full_name": name, "zip_code": zip_code}),))
        if bool(name) != bool(zip_code):  # one of the two given: ask for the other
            return _ask_rest(desk, ["ZIP code" if name else "full name"])
        return Step(ask=ASK_LOOKUP)
    if name and birth and zip_code and fresh:
        arguments = {"full_name": name, "date_of_birth": birth.isoformat(), "zip_code": zip_code}
        return Step(calls=((tool, arguments),))
    if attempts:
        last = attempts[-1].result
        left = last.get("attempts_left") if isinstance(last, dict) else None
        return Step(ask=ASK_LAST if left == 1 else ASK_AGAIN)
    return _ask_identity(desk, (name, birth, zip_code), handing_over)


def _ask_identity(desk: Desk, given: Identity, handing_over: bool) -> Step:
    """Ask for what the caller has not said yet of name, date of birth and ZIP code."""
    name, birth, zip_code = given
    missing = [
        label
        for label, value in (("full name", name), ("date of birth", birth), ("ZIP code", zip_code))
        if not value
    ]
    if len(missing) == 3 and desk.memory.asked(ASK_IDENTITY[10:]):
        return Step(ask=ASK_STILL)
    if len(missing) == 3:
        if handing_over:
            return Step(
                ask=f"Of course. Before I transfer you, {ASK_IDENTITY[0].lower()}{ASK_IDENTITY[1:]}"
            )
        return Step(ask=f"I can help with that. {ASK_IDENTITY}")
    return _ask_rest(desk, missing)


def _ask_rest(desk: Desk, missing: list[str]) -> Step:
    """Ask for the details still ``missing`` — in other words when that was just asked and not
    answered, so a question is never repeated word for word."""
    listed = missing[0] if len(missing) == 1 else f"{missing[0]} and {missing[1]}"
    ask = f"Thank you. Could you also tell me your {listed}?"
    own = desk.memory.own()
    if own and own[-1].text == ask:
        ask = f"I'm sorry, I still need your {listed} before I can go on."
    return Step(ask=ask)


def profile(desk: Desk) -> Step | None:
    """Fetch the verified customer's profile once."""
    if desk.profile is not None or desk.customer_id is None:
        return None
    return Step(calls=(("get_customer", {"customer_id": desk.customer_id}),))


def hand_over(desk: Desk, request: Request) -> Step:
    """Transfer the caller to the team for ``request``."""
    department, what = TEAMS[request.kind]
    name = desk.identity()[0] or "the caller"
    summary = f"{name} ({desk.customer_id or 'not verified'}) needs help with {what}."
    team = "customer service" if department == "general" else department
    report = f"I'm transferring you to our {team} team now; they'll help you with {what}."
    if request.kind == "bereavement":
        report = f"I'm very sorry for your loss. {report}"
    return desk.transfer(department, summary, report, since=request.at)


def human(desk: Desk, request: Request, asks: int) -> Step | None:
    """A caller asking for a human: offered help the first time, transferred when they ask
    again (``asks`` counts the messages asking). None: verify first."""
    if asks >= 2:
        return None
    if desk.memory.said_after(request.at):
        return Step()  # offered; they went on with something else
    return Step(ask=HUMAN_OFFER)


def someone_else(request: Request) -> Step:
    """The caller asks about someone else's account."""
    return Step(
        report="I'm sorry, but for security reasons I can only discuss an account with the "
        "account holder. They will need to contact us themselves.",
        settled_at=request.at,
    )


def not_our_business(request: Request) -> Step:
    """Investment, tax or legal advice, or anything that is not the bank's business."""
    return Step(
        report="I'm sorry, but I can't help with that: I'm not able to give investment, tax or "
        "legal advice.",
        settled_at=request.at,
    )
