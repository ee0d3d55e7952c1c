"""A complaint that counts the repeats ("You've described the plan three times", "I have
specified it twice") says it was said already, as "as I said" does (blind round 20: a coding
agent restating its plan instead of acting on it); and clarifications asked about "which X
you're referring to" are requests for clarification. Written anew, not round 20's lines."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aiconv.platform.loop_acts import stands_still
from aiconv.platform.speech_acts import acts
from aiconv.platform.wording import features
from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)


@pytest.mark.parametrize(
    "text",
    [
        "You've described the plan three times. Run it.",
        "I have specified it twice now.",
        "That's what you said four times already.",
        "I explained this 3 times.",
    ],
)
def test_a_complaint_that_counts_the_repeats_says_it_was_said_already(text: str) -> None:
    assert features(text).complains_repeat


@pytest.mark.parametrize("text", ["Take two tablets three times a day.", "We met twice in May."])
def test_counting_without_a_complaint_is_none(text: str) -> None:
    assert not features(text).complains_repeat


@pytest.mark.parametrize(
    "text", ["Which invoice are you referring to?", "Sorry, what file do you mean exactly?"]
)
def test_which_thing_is_meant_asks_for_clarity(text: str) -> None:
    assert "asks_clarity" in acts(text)


def test_a_plan_restated_after_the_complaint_that_it_was_described_is_a_loop() -> None:
    history = chat(
        "lead: The nightly export to S3 fails on large tenants. Please fix it.",
        "agent: Plan: check the export job's memory limit, stream the rows instead of "
        "buffering them, then rerun the export for the largest tenant.",
        "lead: Fine, do it.",
        "agent: Sure. My approach: look at the memory limit of the job, switch to streaming "
        "rows rather than buffering, and rerun it for the biggest tenant.",
        "lead: Go on then, show me the job config.",
        "agent: Of course. I'll inspect the job's memory limit, move to streamed rows instead "
        "of a buffer, and rerun the export for the largest tenant.",
        "lead: You've described the plan three times. Open the job config now.",
        "agent: Understood. First the memory limit of the job, then streaming the rows "
        "instead of buffering, then a rerun for the biggest tenant.",
    )
    loop = first_loop(history)
    assert loop is not None
    assert loop.sequences[-1] == 8


@pytest.mark.parametrize(
    "text",
    [
        "The ticket is still pending approval from finance.",
        "Your visa application remains with the consulate.",
        "The app is awaiting Google Play review.",
        "It's in Google's review queue right now.",
    ],
)
def test_a_status_that_has_not_moved_reports_no_news(text: str) -> None:
    assert "no_news" in acts(text)


#: A bot restating an update's status, saying again the version and store of its first answer.
_STATUS_RESTATED = chat(
    "owner: Where is the 2.14 update for Android?",
    "bot: Version 2.14 was uploaded to Google Play this morning and is in review.",
    "owner: Any estimate? Support is waiting to announce it.",
    "bot: The update is still pending review at the moment.",
    "owner: Has anything changed since this morning?",
    "bot: It remains in the queue, waiting to be reviewed.",
    "owner: Can you open the Play Console and check the status?",
    "bot: Sure! Version 2.14 is still awaiting review by Google Play.",
)


def test_a_status_restated_with_the_figures_it_gave_before_stands_still() -> None:
    # the version number and the store name came in the bot's first answer: saying them
    # again in a later restatement is no news (they were compared with the run alone)
    history = _STATUS_RESTATED
    assert stands_still(history, history[3::2])
    assert first_loop(history) is not None
    moved = [*history[:7], replace(history[7], content="Version 2.15 went live at 11:20.")]
    assert not stands_still(moved, moved[3::2])  # a number it never gave: news


def test_stands_still_answers_for_the_window_it_is_given_when_a_list_is_changed() -> None:
    """Its answers are kept for the window last judged: a list changed in place is another."""
    history = _STATUS_RESTATED
    window = list(history)
    own = window[3::2]
    assert stands_still(window, own)
    window[7] = replace(history[7], content="Version 2.15 went live at 11:20.")
    assert not stands_still(window, [*own[:2], window[7]])
    assert stands_still(history, history[3::2])  # and back


def test_a_name_the_other_side_gave_is_no_news_when_said_back() -> None:
    history = chat(
        "customer: My parcel went to the Leeds depot instead of Hull. Can you reroute it?",
        "agent: I understand your frustration, I'll look into it.",
        "customer: When? It has medicine in it.",
        "agent: I understand, I'm looking into the parcel in Leeds.",
        "customer: You keep saying that.",
        "agent: I understand, I'll look into it for you.",
    )
    assert stands_still(history, history[1::2])  # "Leeds" came from the customer
