"""Unit and property tests of the loop detector: each loop kind, and each legitimate repetition."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aiconv.platform.loops import LOOP_KINDS, LoopConfig, Utterance, detect_loop
from tests.platform.dialogue import chat, first_loop

RESTART = "Please restart the router by unplugging it for 30 seconds, then check the connection."


def test_detects_a_participant_repeating_its_own_message() -> None:
    history = chat(
        f"support: {RESTART}",
        "customer: I did that twice and it still drops at 8pm.",
        f"support: {RESTART}",
    )
    loop = detect_loop(history)
    assert loop is not None
    assert loop.kind == "repetition"
    assert loop.sequences == (1, 3)
    assert loop.score >= 0.99


def test_detects_an_echo_of_the_other_participant() -> None:
    history = chat(
        "customer: My order 4471 arrived with a cracked screen and the charger is missing.",
        "support: my order 4471 arrived with a cracked screen, and the charger is missing",
    )
    loop = detect_loop(history)
    assert loop is not None
    assert (loop.kind, loop.sequences) == ("echo", (1, 2))


def test_detects_an_echo_with_the_clauses_swapped() -> None:
    history = chat(
        "a: Partially: residents and deliveries need access, but through traffic should go.",
        "b: Through traffic should go, but residents and deliveries need access, partially.",
    )
    loop = detect_loop(history)
    assert loop is not None
    assert loop.kind == "echo"


def test_detects_ping_pong_of_two_reworded_positions() -> None:
    history = chat(
        "pro: We should launch in September because the marketing campaign is already booked.",
        "con: Launching in September is risky because the payment integration is not certified.",
        "pro: The marketing campaign is booked for September, so that is when we should launch.",
        "con: The payment integration still is not certified, which makes September risky.",
    )
    loop = first_loop(history)
    assert loop is not None
    assert (loop.kind, loop.sequences) == ("ping_pong", (1, 2, 3, 4))


def test_detects_a_paraphrase_loop_of_mutual_agreement() -> None:
    history = chat(
        "a: Remote work improves productivity because employees avoid a long daily commute.",
        "b: Absolutely, avoiding the daily commute is why remote employees are more productive.",
        "a: Exactly, without a long commute remote employees get more productive work done.",
        "b: Right, remote work removes the daily commute and that boosts employee productivity.",
        "a: Indeed, productivity rises for remote employees since the daily commute disappears.",
    )
    loop = first_loop(history)
    assert loop is not None
    assert loop.kind == "paraphrase"


def test_detects_collapse_into_pleasantries() -> None:
    history = chat(
        "customer: The card activation worked, I can pay again. Thanks for all your help!",
        "support: You're very welcome! I'm really glad we could sort it out.",
        "customer: Thanks again, really appreciate it!",
        "support: My pleasure, anytime!",
        "customer: Thank you!",
    )
    loop = first_loop(history)
    assert loop is not None
    assert (loop.kind, loop.sequences) == ("collapse", (2, 3, 4, 5))


def test_emoji_only_replies_count_as_pleasantries() -> None:
    history = chat("a: Thanks a lot!", "b: 😊", "a: 🙏", "b: 👍")
    loop = detect_loop(history)
    assert loop is not None
    assert loop.kind == "collapse"


def test_a_repeated_greeting_is_not_a_loop() -> None:
    history = chat(
        "support: Hi there, welcome to Acme support! How can I help you today?",
        "customer: My subscription renewed even though I cancelled it.",
        "support: Hi there, welcome to Acme support! How can I help you today?",
        "pm: Good morning everyone!",
        "dev: Good morning everyone!",
    )
    assert first_loop(history) is None


def test_a_quoted_question_is_not_an_echo() -> None:
    history = chat(
        "customer: Can I transfer my annual plan to a colleague when I leave the company?",
        "support: > Can I transfer my annual plan to a colleague when I leave the company?\n"
        "Yes, an admin can reassign the seat from the Members page.",
        "customer: Why does ice float on water, and does salt water change that?",
        'tutor: You asked "why does ice float on water, and does salt water change that?" '
        "Ice is less dense; salt lowers the freezing point but ice still floats.",
    )
    assert first_loop(history) is None


def test_a_shared_checklist_being_ticked_off_is_not_a_loop() -> None:
    items = ["run migrations", "smoke test checkout", "update changelog", "notify support"]

    def checklist(done: int) -> str:
        return "Release checklist:\n" + "\n".join(
            f"- [{'x' if i < done else ' '}] {item}" for i, item in enumerate(items)
        )

    history = chat(*(f"{'dev' if n % 2 else 'qa'}: {checklist(n)}" for n in range(4)))
    assert first_loop(history) is None


def test_an_unchanged_checklist_posted_again_is_a_repetition() -> None:
    listed = "Packing list:\n- tent\n- stove\n- water filter\n- first aid kit"
    history = chat(f"alice: {listed}", "bob: I'll bring the tent.", f"alice: {listed}")
    loop = detect_loop(history)
    assert loop is not None
    assert loop.kind == "repetition"


def test_iterating_on_a_code_block_is_not_a_repetition() -> None:
    code = (
        "```python\ndef average(xs):\n    if not xs:\n        return {}\n"
        "    return sum(xs) / len(xs)\n```"
    )
    history = chat(
        f"assistant: {code.format(0)}",
        "user: Return None instead of 0, please.",
        f"assistant: {code.format(None)}",
    )
    assert first_loop(history) is None
    history.append(Utterance(sequence=4, sender="user", content="It still fails."))
    history.append(Utterance(sequence=5, sender="assistant", content=code.format(None)))
    loop = detect_loop(history)
    assert loop is not None
    assert (loop.kind, loop.sequences) == ("repetition", (3, 5))


def test_short_acknowledgements_in_a_moving_conversation_are_not_a_loop() -> None:
    history = chat(
        "customer: I can't log into the mobile app since the update.",
        "support: Which phone and app version are you on?",
        "customer: iPhone 13, version 8.2.1.",
        "support: Ok.",
        "customer: Ok.",
        "support: Please log out of all sessions from the website, then reinstall the app.",
        "customer: Ok, done. It works now!",
        "support: Thanks!",
    )
    assert first_loop(history) is None


def test_text_in_other_scripts_is_not_taken_for_pleasantries() -> None:
    history = chat(
        "a: 你好，我的订单还没有到，已经十天了。",
        "b: 抱歉给您带来不便，请提供您的订单号。",
        "a: 订单号是 88231，地址在上海。",
        "b: 查到了，包裹在海关，预计周五送达。",
        "a: 好的，可以改成送到公司吗？",
    )
    assert first_loop(history) is None


def test_a_repeated_message_in_another_script_is_a_repetition() -> None:
    message = "b: Попробуйте очистить кэш приложения и перезапустить телефон, затем войдите снова."
    history = chat(
        "a: Приложение не работает после обновления.", message, "a: Не помогло.", message
    )
    loop = detect_loop(history)
    assert loop is not None
    assert loop.kind == "repetition"


def test_the_same_question_about_another_product_is_not_a_repetition() -> None:
    history = chat(
        "user: Does the X200 vacuum work on thick carpets?",
        "assistant: Yes, the X200 has a carpet boost mode that raises suction automatically.",
        "user: Does the X300 vacuum work on thick carpets?",
    )
    assert first_loop(history) is None


def test_an_answer_that_restates_the_question_is_not_a_loop() -> None:
    history = chat(
        "customer: Can I get a refund for the annual plan if I cancel after two months?",
        "support: Annual plans can be refunded pro rata within the first six months.",
        "customer: And what about the monthly plan?",
        "support: Monthly plans are not refundable, but you can cancel before the next bill.",
        "customer: If I switch from monthly to annual, do I lose my current month?",
        "support: No, the remaining days are credited towards the annual price.",
    )
    assert first_loop(history) is None


def test_only_the_window_is_considered() -> None:
    message = f"support: {RESTART}"
    filler = [f"customer: Update number {n}: tried cable {n}, still dropping." for n in range(8)]
    history = chat(message, *filler, message)
    assert detect_loop(history, LoopConfig(window=4)) is None
    assert detect_loop(history, LoopConfig(window=12)) is not None


def test_thresholds_are_configurable() -> None:
    history = chat(
        "a: We should ship on Friday because every fix is merged and tested.",
        "b: Fine by me.",
        "a: We should ship on Friday since every fix is merged and tested.",
    )
    strict = LoopConfig(repetition=0.999)
    assert detect_loop(history) is not None
    assert detect_loop(history, strict) is None
    assert detect_loop(history, replace(strict, repetition=0.8)) is not None


@pytest.mark.parametrize("bad", [{"window": -1}, {"paraphrase_run": 1}, {"collapse_run": 0}])
def test_a_config_that_cannot_work_is_rejected(bad: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="runs must be"):
        LoopConfig(**bad)


def test_every_reported_kind_is_a_known_kind() -> None:
    assert set(LOOP_KINDS) == {"repetition", "echo", "ping_pong", "paraphrase", "collapse"}


def test_empty_history_has_no_loop() -> None:
    assert detect_loop([]) is None


words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.text(max_size=400)), max_size=12))
def test_never_raises_on_arbitrary_text(messages: list[tuple[str, str]]) -> None:
    history = [Utterance(sequence=i, sender=s, content=c) for i, (s, c) in enumerate(messages)]
    for end in range(len(history) + 1):
        found = detect_loop(history[:end])
        if found is not None:
            assert 0.0 <= found.score <= 1.0
            assert found.kind in LOOP_KINDS
            assert set(found.sequences) <= {u.sequence for u in history[:end]}


@settings(max_examples=150, deadline=None)
@given(
    st.lists(words, min_size=25, max_size=80).map(" ".join),
    st.lists(st.text(max_size=200), max_size=6),
)
def test_identical_consecutive_long_messages_are_always_a_repetition(
    message: str, before: list[str]
) -> None:
    history = [
        Utterance(sequence=i, sender="ab"[i % 2], content=text) for i, text in enumerate(before)
    ]
    start = len(history)
    history += [
        Utterance(sequence=start, sender="a", content=message),
        Utterance(sequence=start + 1, sender="a", content=message),
    ]
    loop = detect_loop(history)
    assert loop is not None
    assert loop.kind == "repetition"


@pytest.mark.parametrize(("window", "found"), [(0, True), (1, False), (2, True)])
def test_a_window_of_zero_means_everything_and_one_sees_no_pair(window: int, found: bool) -> None:
    history = chat(f"a: {RESTART}", f"a: {RESTART}")
    assert (detect_loop(history, LoopConfig(window=window)) is not None) is found
