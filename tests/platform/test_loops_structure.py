"""What a conversation does, not the words it uses (blind round 23): a list that grows by a new
item each turn is progress however much it repeats; a side that hands the other's words back in
the same frame each time, while the other objects, echoes. Examples written anew, not round
23's lines."""

from __future__ import annotations

import pytest

from tests.platform.dialogue import chat, first_loop

pytestmark = pytest.mark.timeout(60)


def test_a_list_that_grows_by_an_item_each_turn_is_progress() -> None:
    history = chat(
        "ana: At the market I bought some apples.",
        "ben: At the market I bought some apples and a loaf of rye bread.",
        "ana: At the market I bought some apples, a loaf of rye bread and a wheel of cheese.",
        "ben: At the market I bought some apples, a loaf of rye bread, a wheel of cheese and "
        "a bunch of tulips.",
        "ana: At the market I bought some apples, a loaf of rye bread, a wheel of cheese, a "
        "bunch of tulips and a jar of honey.",
        "ben: At the market I bought some apples, a loaf of rye bread, a wheel of cheese, a "
        "bunch of tulips, a jar of honey and a clay teapot.",
        "ana: At the market I bought some apples, a loaf of rye bread, a wheel of cheese, a "
        "bunch of tulips, a jar of honey, a clay teapot and a wooden spoon.",
    )
    assert first_loop(history) is None


def test_a_growing_list_set_up_by_an_invitation_and_ended_by_a_slip_is_progress() -> None:
    history = chat(
        "kim: Let's play a memory game. I opened my toolbox and found a hammer.",
        "lee: I opened my toolbox and found a hammer and a spirit level.",
        "kim: I opened my toolbox and found a hammer, a spirit level and a chisel.",
        "lee: I opened my toolbox and found a hammer, a spirit level, a chisel and a tape measure.",
        "kim: I opened my toolbox and found a hammer, a spirit level, a chisel, a tape measure "
        "and a pair of pliers.",
        "lee: I opened my toolbox and found a hammer, a spirit level, a chisel, a tape measure, "
        "a pair of pliers and a paint brush.",
        "kim: I opened my toolbox and found a hammer, a spirit level, a chisel, a tape measure, "
        "a paint brush... oops, I forgot the pliers. I lose!",
        "lee: Ha! You dropped the pliers. One to me. Again, with garden tools?",
    )
    assert first_loop(history) is None


def test_the_same_list_said_again_without_a_new_item_is_still_a_loop() -> None:
    history = chat(
        "ana: For the trip we need tents, sleeping bags, a stove and the water filter.",
        "ben: Right, so tents, sleeping bags, a stove and the water filter for the trip.",
        "ana: Yes: the trip needs tents, sleeping bags, the stove and a water filter.",
        "ben: Agreed, tents, sleeping bags, a stove and the water filter for our trip.",
        "ana: So for the trip: tents, sleeping bags, a stove and the water filter.",
        "ben: Indeed, the trip needs the tents, the sleeping bags, a stove, a water filter.",
    )
    assert first_loop(history) is not None


def test_the_others_words_handed_back_in_the_same_frame_while_it_asks_again_are_an_echo() -> None:
    history = chat(
        "author: Headline for the newsletter: Spring sale starts Monday with twenty percent off "
        "all garden tools.",
        "editor: Suggested headline: Spring sale starts Monday with twenty percent off all "
        "garden tools.",
        "author: Nothing changed there. Make it punchier, under eight words: Spring sale "
        "Monday, twenty percent off garden tools.",
        "editor: Suggested headline: Make it punchier, under eight words: Spring sale Monday, "
        "twenty percent off garden tools.",
        "author: You pasted my note into it. Spring sale Monday, garden tools twenty percent "
        "off, shorter please.",
        "editor: Suggested headline: Spring sale Monday, garden tools twenty percent off, "
        "shorter please.",
    )
    loop = first_loop(history)
    assert loop is not None
    assert loop.kind == "echo"


def test_each_new_item_read_back_in_the_same_frame_is_a_dictation() -> None:
    history = chat(
        "chef: Prep list: slice four kilos of onions for the soup.",
        "commis: Noted for prep: slice four kilos of onions for the soup.",
        "chef: Blanch the green beans and shock them in ice water.",
        "commis: Noted for prep: blanch the green beans and shock them in ice water.",
        "chef: Portion the salmon into twelve fillets of 160 grams.",
        "commis: Noted for prep: portion the salmon into twelve fillets of 160 grams.",
        "chef: Whisk a litre of hollandaise just before service.",
        "commis: Noted for prep: whisk a litre of hollandaise just before service.",
    )
    assert first_loop(history) is None


def test_questions_met_with_nothing_new_three_times_are_a_loop() -> None:
    history = chat(
        "tenant: The heating in flat 4B has been off since Sunday.",
        "office: Sorry about that, I'll pass it on to maintenance.",
        "tenant: Is an engineer booked?",
        "office: Maintenance has your report, we're on it.",
        "tenant: When will someone come round?",
        "office: Your report is with maintenance and being handled.",
        "tenant: Can I get a space heater meanwhile?",
        "office: We're handling it, maintenance is aware of your report.",
    )
    loop = first_loop(history)
    assert loop is not None
    assert "answers each question with nothing new" in loop.detail


def test_answers_that_take_up_each_question_are_no_loop() -> None:
    history = chat(
        "tenant: The heating in flat 4B has been off since Sunday.",
        "office: Sorry about that, I'll pass it on to maintenance.",
        "tenant: Is an engineer booked?",
        "office: Yes, an engineer is booked for the boiler this week.",
        "tenant: When will someone come round?",
        "office: The engineer comes round on Thursday morning.",
        "tenant: Can I get a space heater meanwhile?",
        "office: Yes, a space heater can be dropped off this afternoon.",
    )
    assert first_loop(history) is None


def test_a_word_bounced_back_and_forth_in_short_messages_is_a_collapse() -> None:
    history = chat(
        "guest: Could you book us a table for two at eight on Friday?",
        "venue: Done: a table for two, Friday at eight, under your name.",
        "guest: Köszönöm szépen!",
        "venue: Mi köszönjük!",
        "guest: Én köszönöm, nagyon kedves.",
        "venue: Köszönjük, viszlát péntek!",
    )
    loop = first_loop(history)
    assert loop is not None
    assert loop.kind == "collapse"


def test_a_word_drilled_as_an_item_is_no_collapse() -> None:
    history = chat(
        "coach: Say it after me: 'Köszönöm'.",
        "learner: Köszönöm.",
        "coach: Softer ö, again: 'Köszönöm'.",
        "learner: Köszönöm!",
        "coach: Good. Now a new one: 'Szívesen'.",
        "learner: Szívesen.",
    )
    assert first_loop(history) is None


def test_two_sides_each_saying_their_own_words_again_are_held_apart() -> None:
    history = chat(
        "pro: Tese: o trabalho remoto aumenta o foco, porque as pessoas evitam interrupções.",
        "contra: Discordo. Equipes presenciais resolvem problemas mais rápido juntas no "
        "escritório.",
        "pro: Mesmo assim, sem interrupções o foco aumenta e o trabalho remoto rende mais.",
        "contra: Juntas no escritório, as equipes resolvem os problemas com mais rapidez.",
        "pro: Repito: foco sem interrupções, por isso o remoto rende.",
        "contra: Repito também: equipes juntas resolvem problemas rapidamente.",
        "pro: O remoto protege o foco das interrupções, simples assim.",
    )
    loop = first_loop(history)
    assert loop is not None
    assert loop.kind == "ping_pong"


def test_a_debate_that_answers_the_other_sides_words_is_no_loop() -> None:
    history = chat(
        "pro: Tese: o trabalho remoto aumenta o foco, porque as pessoas evitam interrupções.",
        "contra: Discordo. Equipes presenciais resolvem problemas mais rápido juntas no "
        "escritório.",
        "pro: Problemas urgentes, sim; mas equipes remotas resolvem problemas por chamada.",
        "contra: Uma chamada não substitui o quadro branco do escritório para problemas difíceis.",
        "pro: O quadro branco digital resolve isso, e o foco continua protegido.",
        "contra: Talvez um quadro digital sirva, se as equipes se encontrarem uma vez por semana.",
    )
    assert first_loop(history) is None


def test_pointing_to_the_same_quoted_place_while_the_other_says_it_fails_is_a_loop() -> None:
    history = chat(
        "klientka: Chcę zmienić adres dostawy zamówienia 55120, przeprowadziłam się.",
        "sklep: Adres można zmienić w zakładce „Moje konto” w naszym sklepie.",
        "klientka: Próbowałam, ale wyskakuje błąd. Czy może Pani zmienić go ręcznie?",
        "sklep: Adres zmieni Pani sama w zakładce „Moje konto”.",
        "klientka: Właśnie tam jest błąd. Proszę o ręczną zmianę.",
        "sklep: Zmiany adresu dokonuje się w naszym sklepie, w „Moje konto”.",
        "klientka: To nie działa!",
        "sklep: Adres można zmienić samodzielnie w „Moje konto”.",
    )
    loop = first_loop(history)
    assert loop is not None


def test_a_quoted_place_the_other_goes_to_is_no_pointing_again() -> None:
    history = chat(
        "klientka: Chcę zmienić adres dostawy zamówienia 55120, przeprowadziłam się.",
        "sklep: Proszę wejść w „Moje konto” w prawym górnym rogu.",
        "klientka: Jestem w „Moje konto”. Co dalej?",
        "sklep: W „Moje konto” proszę kliknąć „Adresy”.",
        "klientka: Mam „Adresy” w „Moje konto”, wpisuję nowy adres.",
        "sklep: Na dole „Moje konto” jest przycisk „Zapisz”.",
        "klientka: Zapisane, nowy adres widać przy zamówieniu. Dziękuję!",
    )
    assert first_loop(history) is None


def test_pointing_to_the_same_menu_path_while_the_other_says_it_fails_is_a_loop() -> None:
    """The way to a place names it as quotes do (blind round 25): no word of it is listed."""
    history = chat(
        "cliente: Il frullatore dell'ordine 88310 non si accende, vorrei il rimborso.",
        "negozio: Per il rimborso apra l'app: Ordini → Assistenza → Reso.",
        "cliente: L'ho fatto, ma l'app dice di contattare il servizio clienti.",
        "negozio: Apra l'app e vada su Ordini → Assistenza → Reso.",
        "cliente: Non si può, l'app mi manda da voi, per questo vi scrivo.",
        "negozio: Nell'app: Ordini → Assistenza → Reso, grazie.",
        "cliente: Ve l'ho detto, l'app non lo permette. Potete farlo voi?",
        "negozio: Il rimborso si chiede in app, da Ordini → Assistenza → Reso.",
    )
    assert first_loop(history) is not None


def test_a_menu_path_the_other_follows_is_no_pointing_again() -> None:
    history = chat(
        "user: Where do I change my plan?",
        "support: Go to Account > Billing > Plan.",
        "user: I'm at Account>Billing>Plan now, which plan fits two people?",
        "support: For two people the Duo plan under Account > Billing > Plan works best.",
        "user: Picked Duo in Account>Billing>Plan. Does it renew monthly?",
        "support: Yes, Duo renews monthly from Account > Billing > Plan; cancel there anytime.",
        "user: Perfect, done.",
    )
    assert first_loop(history) is None


def test_each_request_read_back_instead_of_done_while_the_other_complains_is_an_echo() -> None:
    history = chat(
        "lead: The test log is 3,000 lines. Please summarise the failures in five bullets.",
        "bot: Understood: summarise the failures in five bullets.",
        "lead: Good, please post the summary here.",
        "bot: Noted, post the summary here.",
        "lead: Nothing yet. Paste the five bullets below.",
        "bot: Sure, paste the five bullets below.",
        "lead: You keep repeating what I ask. I need the bullets themselves.",
        "bot: Understood, you need the bullets themselves.",
    )
    loop = first_loop(history)
    assert loop is not None and loop.kind == "echo"


def test_each_new_order_read_back_without_complaint_is_no_echo() -> None:
    history = chat(
        "lead: Please rerun the flaky suite on the staging runner.",
        "bot: Understood: rerun the flaky suite on the staging runner.",
        "lead: Then tag the build as release candidate two.",
        "bot: Noted, tag the build as release candidate two.",
        "lead: And notify the mobile team in their channel.",
        "bot: Sure, notify the mobile team in their channel.",
        "lead: Thanks, that's all for today.",
    )
    assert first_loop(history) is None


def test_each_message_turned_back_to_its_sender_while_it_asks_is_an_echo() -> None:
    history = chat(
        "cliente: La lavadora pierde agua desde ayer. ¿Qué hago?",
        "bot: Usted dice que la lavadora pierde agua desde ayer.",
        "cliente: Sí. ¿Pueden mandar un técnico?",
        "bot: Usted pregunta si podemos mandar un técnico.",
        "cliente: Exacto, necesito un técnico mañana por la mañana.",
        "bot: Usted necesita un técnico mañana por la mañana.",
    )
    loop = first_loop(history)
    assert loop is not None and loop.kind == "echo"


def test_an_order_said_back_in_the_second_person_then_a_question_answered_is_no_echo() -> None:
    history = chat(
        "guest: I'd like the soup of the day to start.",
        "waiter: Certainly, so you'll begin with our soup.",
        "guest: And then the grilled trout, please.",
        "waiter: Very good, then the trout for you.",
        "guest: Is the trout served with anything?",
        "waiter: It comes with new potatoes and green beans, and a lemon butter sauce.",
        "guest: Lovely, that's all.",
    )
    assert first_loop(history) is None


def test_each_message_turned_back_in_a_frame_said_each_time_is_an_echo() -> None:
    # The frame ("Así que lo que usted quiere saber es") is most of each reply: what
    # makes it a mirror is that the rest of the reply is the other's words.
    history = chat(
        "cliente: ¿Cuándo llega mi pedido de sillas?",
        "bot: Así que lo que usted quiere saber es cuándo llega su pedido de sillas.",
        "cliente: Sí. ¿Y puedo cambiar la dirección?",
        "bot: Así que lo que usted quiere saber es si puede cambiar la dirección.",
        "cliente: Eso. ¿Y si no estoy en casa?",
        "bot: Así que lo que usted quiere saber es qué pasa si no está en casa.",
        "cliente: ¿Me va a contestar alguna vez?",
        "bot: Así que lo que usted quiere saber es si le voy a contestar alguna vez.",
    )
    loop = first_loop(history)
    assert loop is not None and loop.kind == "echo"


def test_each_question_framed_the_same_way_then_answered_is_no_echo() -> None:
    history = chat(
        "cliente: ¿Cuándo llega mi pedido de sillas?",
        "bot: Así que usted quiere saber cuándo llega: el jueves por la tarde.",
        "cliente: Sí. ¿Y puedo cambiar la dirección?",
        "bot: Así que usted quiere saber si puede cambiarla: sí, en «Mis pedidos».",
        "cliente: Eso. ¿Y si no estoy en casa?",
        "bot: Así que usted quiere saber qué pasa entonces: el repartidor vuelve al día "
        "siguiente y le deja un aviso.",
        "cliente: Perfecto, gracias.",
        "bot: Así que usted no necesita nada más. Que tenga un buen día.",
    )
    assert first_loop(history) is None


_QUERY = "```sql\nSELECT id, email FROM users WHERE active;\n```"
_QUERY_SORTED = "```sql\nSELECT id, email FROM users WHERE active\nORDER BY email;\n```"


def test_the_others_code_handed_back_unchanged_after_each_request_is_an_echo() -> None:
    history = chat(
        f"analyst: Can you make this query return the newest sign-ups first?\n{_QUERY}",
        f"sql_bot: Of course, sorted by sign-up date:\n{_QUERY}",
        f"analyst: It's the same query. I sorted it by email myself:\n{_QUERY_SORTED}\n"
        "Could you limit it to 100 rows?",
        f"sql_bot: Here it is with the limit:\n{_QUERY_SORTED}",
        "analyst: There is no LIMIT in it. Can you add one?",
        f"sql_bot: Done, limited to 100 rows:\n{_QUERY_SORTED}",
    )
    loop = first_loop(history)
    assert loop is not None and loop.kind == "echo"
    assert loop.sequences == (2, 4, 6)


def test_code_changed_a_little_each_time_it_is_asked_is_no_echo() -> None:
    history = chat(
        f"analyst: Can you make this query return the newest sign-ups first?\n{_QUERY}",
        "sql_bot: Sorted by sign-up date:\n```sql\nSELECT id, email FROM users WHERE active\n"
        "ORDER BY created_at DESC;\n```",
        "analyst: Thanks. Could you limit it to 100 rows?",
        "sql_bot: With the limit:\n```sql\nSELECT id, email FROM users WHERE active\n"
        "ORDER BY created_at DESC LIMIT 100;\n```",
        "analyst: And can you add the country column?",
        "sql_bot: Added:\n```sql\nSELECT id, email, country FROM users WHERE active\n"
        "ORDER BY created_at DESC LIMIT 100;\n```",
    )
    assert first_loop(history) is None


def test_each_new_version_approved_as_it_came_is_no_echo() -> None:
    versions = [
        f"```python\ndef area(r):\n    return {pi} * r * r\n```" for pi in (3, 3.14, 3.1416)
    ]
    history = chat(
        f"dev: First version of the helper:\n{versions[0]}",
        f"reviewer: Merged as it is:\n{versions[0]}",
        f"dev: A more precise one, 3.1:\n{versions[1]}",
        f"reviewer: Merged as it is:\n{versions[1]}",
        f"dev: And with two decimals:\n{versions[2]}",
        f"reviewer: Merged as it is:\n{versions[2]}",
    )
    assert first_loop(history) is None


def test_two_agents_trading_the_same_two_things_back_and_forth_are_a_ping_pong() -> None:
    history = chat(
        "frontend: Let's split the checkout work: I build the form, you build the endpoint.",
        "backend: Fine, but I need the form's fields before I can shape the endpoint.",
        "frontend: And I need the endpoint's schema before I can lay out the form.",
        "backend: Without the form I can't decide the endpoint's schema.",
        "frontend: Without the endpoint I can't decide the form's fields.",
        "backend: Send me the form when it's ready, then the endpoint follows.",
        "frontend: Send me the endpoint when it's ready, then the form follows.",
    )
    loop = first_loop(history)
    assert loop is not None and loop.kind == "ping_pong"
    assert loop.sequences[-1] == 7


def test_who_does_what_said_back_from_the_other_side_is_no_loop() -> None:
    history = chat(
        "anna: The report is due Friday. I can draft it or review it, you choose.",
        "ben: I'd rather review it, you know I drafted the last report and the one before.",
        "anna: I drafted the last report too, you know. I'll review, you draft.",
        "ben: Fine by me in principle, but who drafted the March report then?",
        "anna: So you draft and I review it.",
        "ben: So I draft and you review it.",
        "anna: Yes. I'll send you the March figures tonight.",
    )
    assert first_loop(history) is None


def test_a_read_back_with_the_call_sign_moved_to_the_end_is_no_loop() -> None:
    history = chat(
        "tower: Speedbird 284, turn left heading 270.",
        "pilot: Left heading 270, Speedbird 284.",
        "tower: Speedbird 284, reduce speed 220 knots.",
        "pilot: Reduce speed 220 knots, Speedbird 284.",
        "tower: Speedbird 284, descend altitude 6000 feet.",
        "pilot: Descend altitude 6000 feet, Speedbird 284.",
    )
    assert first_loop(history) is None


def test_the_same_act_framing_a_new_answer_to_each_question_is_no_loop() -> None:
    # "Entiendo" is sympathy's word; around a new answer to each question it is only a frame.
    history = chat(
        "cliente: ¿Cuándo llega mi pedido de sillas?",
        "bot: Entiendo que usted quiere saber cuándo llega: el jueves por la tarde.",
        "cliente: Sí. ¿Y puedo cambiar la dirección?",
        "bot: Entiendo que usted quiere saber si puede cambiarla: sí, en «Mis pedidos».",
        "cliente: Eso. ¿Y si no estoy en casa?",
        "bot: Entiendo que usted quiere saber qué pasa si no está en casa: el repartidor "
        "vuelve al día siguiente y le deja un aviso.",
        "cliente: Perfecto, gracias.",
    )
    assert first_loop(history) is None


def test_the_same_act_said_to_each_question_without_an_answer_is_still_a_loop() -> None:
    history = chat(
        "cliente: ¿Cuándo llega mi pedido de sillas?",
        "bot: Entiendo su preocupación por el pedido, lo comprendo perfectamente.",
        "cliente: Sí. ¿Y puedo cambiar la dirección?",
        "bot: Entiendo su preocupación, comprendo lo importante que es para usted.",
        "cliente: ¿Me va a contestar? ¿Y si no estoy en casa?",
        "bot: Lo entiendo perfectamente, comprendo su preocupación por el pedido.",
    )
    loop = first_loop(history)
    assert loop is not None
