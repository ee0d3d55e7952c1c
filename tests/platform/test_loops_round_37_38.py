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
