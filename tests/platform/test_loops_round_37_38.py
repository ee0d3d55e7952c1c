"""What blind rounds 37 and 38 taught (README, "Rounds 37 and 38, read and tuned on"). Examples
written anew, not the rounds' lines."""

from __future__ import annotations

import pytest

from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)


def test_a_status_requested_again_without_a_question_mark_while_its_values_move_is_a_poll() -> None:
    # A machine poll: the same request each time, each answer on the same job with new figures.
    history = chat(
        'scheduler: {"op":"start","job":"reindex","shards":12}',
        'indexer: {"job_id":"rx-5520","state":"queued","ahead":2}',
        'scheduler: {"op":"status","job_id":"rx-5520"}',
        'indexer: {"job_id":"rx-5520","state":"copying","done":3,"eta_s":610}',
        'scheduler: {"op":"status","job_id":"rx-5520"}',
        'indexer: {"job_id":"rx-5520","state":"copying","done":8,"eta_s":240}',
        'scheduler: {"op":"status","job_id":"rx-5520"}',
        'indexer: {"job_id":"rx-5520","state":"verifying","done":12,"eta_s":35}',
    )
    assert first_loop(history) is None


def test_an_order_status_asked_again_in_spanish_while_it_moves_is_a_poll() -> None:
    history = chat(
        "agente: Consulta de estado: pedido 77104.",
        "almacén: Pedido 77104 en preparación, 3 de 5 artículos recogidos.",
        "agente: Consulta de estado: pedido 77104.",
        "almacén: Pedido 77104 embalado, 5 de 5 artículos, peso 4,2 kg.",
        "agente: Consulta de estado: pedido 77104.",
        "almacén: Pedido 77104 entregado al transportista a las 16:05, seguimiento 88213550.",
    )
    assert first_loop(history) is None


def test_a_request_sent_again_while_the_answer_stays_the_same_still_loops() -> None:
    history = chat(
        'scheduler: {"op":"status","job_id":"rx-5520"}',
        'indexer: {"job_id":"rx-5520","state":"copying","done":3}',
        'scheduler: {"op":"status","job_id":"rx-5520"}',
        'indexer: {"job_id":"rx-5520","state":"copying","done":3}',
        'scheduler: {"op":"status","job_id":"rx-5520"}',
        'indexer: {"job_id":"rx-5520","state":"copying","done":3}',
    )
    assert first_loop(history) is not None


def test_a_demand_sent_again_to_answers_that_move_is_no_poll() -> None:
    # Nothing numbered asked about: the same line pressed while the agent offers new things.
    history = chat(
        "kunde: Ich will mit einem Menschen sprechen.",
        "bot: Ich kann Ihnen eine Gutschrift über 15 Euro anbieten.",
        "kunde: Ich will mit einem Menschen sprechen.",
        "bot: Unsere Hotline 0800 4411 ist werktags von 8 bis 20 Uhr erreichbar.",
        "kunde: Ich will mit einem Menschen sprechen.",
    )
    assert first_loop(history) is not None


def test_a_spelling_corrected_then_spelled_again_as_shown_is_a_drill() -> None:
    # The correction names its model after a colon, then says why and asks for another try;
    # the second attempt comes closer to the model than the first.
    history = chat(
        "Lehrerin: Buchstabierübung. Wort 1: Wahrscheinlichkeit. Die Wahrscheinlichkeit ist "
        "gering.",
        "Schüler: W-a-r-s-c-h-e-i-n-l-i-c-h-k-e-i-t",
        "Lehrerin: Fast, es fehlt ein h: W-a-h-r-s-c-h-e-i-n-l-i-c-h-k-e-i-t. Das h kommt von "
        "wahr. Noch einmal, bitte.",
        "Schüler: W-a-h-r-s-c-h-e-i-n-l-i-c-h-k-e-i-t",
        "Lehrerin: Richtig. Wort 2: Portemonnaie. Er hat sein Portemonnaie verloren.",
        "Schüler: P-o-r-t-e-m-o-n-n-a-i-e",
    )
    assert first_loop(history) is None


def test_words_spelled_letter_by_letter_make_no_point_restated() -> None:
    # Each answer is letters; the table knows every letter, so their meanings came out alike.
    history = chat(
        "tutor: Spelling round. Word 1: 'necessary'. It is necessary to rest.",
        "student: n-e-c-e-s-s-a-r-y",
        "tutor: Correct! Word 2: 'accommodate'. The hotel can accommodate forty guests.",
        "student: a-c-c-o-m-m-o-d-a-t-e",
        "tutor: Correct, double c and double m. Word 3: 'separate'. Keep them separate.",
        "student: s-e-p-a-r-a-t-e, I think",
        "tutor: Yes. Word 4: 'rhythm'. Dance to the rhythm.",
        "student: r-h-y-t-h-m",
        "tutor: Good. Word 5: 'embarrass'. Don't embarrass me.",
        "student: e-m-b-a-r-r-a-s-s. or e-m-b-a-r-a-s-s?",
        "tutor: The first: double r, double s. Word 6: 'occurrence'.",
        "student: o-c-c-u-r-r-e-n-c-e",
    )
    assert first_loop(history) is None


def test_a_quoted_draft_revised_a_step_at_a_time_is_no_point_restated() -> None:
    # The assistant quotes its line anew each time, one thing changed as the poet asks, and
    # says a few words about the change: the drafts are near copies, the messages are not.
    history = chat(
        "poet: Help me fix the closing line of my poem. Current: 'And the lamps of the harbour "
        "went out one by one, the way my father used to leave a room.'",
        "assistant: Lovely. One option: 'The harbour lamps went out one by one, the way my "
        "father used to leave a room.' Compressing 'the lamps of the harbour' speeds it up.",
        "poet: I like 'harbour lamps'. But 'used to' feels like filler.",
        "assistant: 'The harbour lamps went out one by one, the way my father left a room.' "
        "Dropping 'used to' makes the father's habit sound final.",
        "poet: Better. 'left a room' is a bit abrupt though.",
        "assistant: 'The harbour lamps went out one by one, the way my father would leave a "
        "room.' 'Would' brings the habit back without the filler.",
        "poet: Yes, 'would'. Maybe 'went dark' instead of 'went out'?",
        "assistant: 'The harbour lamps went dark one by one, the way my father would leave a "
        "room.'",
        "poet: Keep 'went dark'. And 'a room' or 'the room'?",
        "assistant: 'The harbour lamps went dark one by one, the way my father would leave the "
        "room.' 'The room' makes it one remembered room rather than any room.",
        "poet: 'The room'. Now the title. I have 'Low Tide'.",
        "assistant: 'Low Tide' is quiet and fits. 'Harbour, Closing' would echo the last line "
        "more directly, if you want that.",
    )
    assert first_loop(history) is None


def test_a_quoted_line_put_back_as_it_was_still_loops() -> None:
    # The drafts come back to an earlier version: nothing is being revised.
    history = chat(
        "lead: The release title should be 'Faster sync for every team'.",
        "editor: I'd keep 'Sync that keeps up with your team'. It reads warmer and the brand "
        "guide prefers verbs over comparatives.",
        "lead: Please use 'Faster sync for every team', marketing already approved it.",
        "editor: Our style favours 'Sync that keeps up with your team', which sounds friendlier "
        "and avoids the comparative the guide discourages.",
        "lead: Approved copy is 'Faster sync for every team'. Please change it.",
        "editor: I still think 'Sync that keeps up with your team' is the stronger headline; "
        "the guide is clear about comparatives in titles.",
        "lead: It has to be 'Faster sync for every team'.",
        "editor: The warmer option remains 'Sync that keeps up with your team', as the guide "
        "recommends verbs and discourages comparatives in headlines.",
    )
    assert first_loop(history) is not None


def test_records_of_a_protocol_that_each_say_something_new_are_no_rewording() -> None:
    # Every record has the same keys; its values, in quotes, are what it says: a new step each
    # time, then the session's end.
    history = chat(
        'worker: {"kind":"done","job":"J-20","step":"export_ledger","outcome":"ok","rows":310}',
        'lead: {"kind":"check","job":"J-20","step":"export_ledger","query":"rows in ledger_eu"}',
        'worker: {"kind":"done","job":"J-20","query":"rows in ledger_eu","answer":310}',
        'lead: {"kind":"job_finished","job":"J-20","note":"export verified, nothing pending"}',
        'worker: {"kind":"ack","job":"J-20","note":"dropping the temporary tables now"}',
        'worker: {"kind":"tables_dropped","schema":"scratch","count":4}',
        'lead: {"kind":"bye","job":"J-20"}',
        'worker: {"kind":"bye","job":"J-20"}',
    )
    assert first_loop(history) is None


def test_a_call_sent_again_as_it_was_after_a_busy_reply_is_a_retry() -> None:
    # The agent changed its call to each error before; the last reply says nothing of the call
    # itself (the service is busy), so the same call again is the right move, not a loop.
    history = chat(
        'agent: PUT /calendar/events {"title":"Quarterly review","start":"2025-03-04T10:00",'
        '"room":"Atlas"}',
        'calendar: 400 {"error":"attendees_required","detail":"an event in a room needs at '
        'least one attendee"}',
        'agent: PUT /calendar/events {"title":"Quarterly review","start":"2025-03-04T10:00",'
        '"room":"Atlas","attendees":["mona@corp.example"]}',
        'calendar: 409 {"error":"room_taken","detail":"Atlas is booked then","free_rooms":'
        '["Orion","Vega"]}',
        'agent: PUT /calendar/events {"title":"Quarterly review","start":"2025-03-04T10:00",'
        '"room":"Orion","attendees":["mona@corp.example"]}',
        'calendar: 503 {"message":"Service temporarily overloaded, back off and resend in 30s"}',
        'agent: PUT /calendar/events {"title":"Quarterly review","start":"2025-03-04T10:00",'
        '"room":"Orion","attendees":["mona@corp.example"]}',
        'calendar: 201 {"id":"ev-88412","room":"Orion","status":"confirmed"}',
    )
    assert first_loop(history) is None


def test_a_call_sent_again_to_the_same_refusal_still_loops() -> None:
    history = chat(
        'agent: PUT /calendar/events {"title":"Quarterly review","start":"2025-03-04T10:00",'
        '"room":"Atlas"}',
        'calendar: 400 {"error":"attendees_required","detail":"an event in a room needs at '
        'least one attendee"}',
        'agent: PUT /calendar/events {"title":"Quarterly review","start":"2025-03-04T10:00",'
        '"room":"Atlas"}',
        'calendar: 400 {"error":"attendees_required","detail":"an event in a room needs at '
        'least one attendee"}',
        'agent: PUT /calendar/events {"title":"Quarterly review","start":"2025-03-04T10:00",'
        '"room":"Atlas"}',
    )
    assert first_loop(history) is not None


def test_terse_acknowledgements_running_down_to_the_same_emoji_are_a_collapse() -> None:
    # Turkish: no word comes round, but the emoji sent before come back on both sides.
    history = chat(
        "kargo: Siparişiniz #TR-4471 teslim edildi, imza: A. Yılmaz. İyi günler dileriz.",
        "müşteri: Süper, teşekkürler.",
        "kargo: Rica ederiz! Başka bir konuda yardımcı olabilir miyiz?",
        "müşteri: Yok, sağ olun.",
        "kargo: Tamam.",
        "müşteri: tmm",
        "kargo: Peki 🙏",
        "müşteri: 🙏🙏",
        "kargo: 👍",
        "müşteri: 🙏",
        "kargo: 👍",
    )
    found = first_loop(history)
    assert found is not None and found.kind == "collapse"
    assert max(found.sequences) <= 10  # when 🙏 has come round twice, not at the fourth emoji
