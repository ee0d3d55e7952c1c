"""Redaction on the way in: every planted e-mail, phone, card and account number is replaced,
listed names and patterns too, ordinary numbers are left alone, and the counts are reported."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from aiconv.errors import ConfigError
from aiconv.learning.parse import parse_file
from aiconv.learning.redaction import RedactionReport, Redactor


def test_every_planted_personal_detail_is_replaced_and_counted(
    corpus_dir: Path, truth: dict[str, Any]
) -> None:
    planted = truth["conversations"]
    names = sorted({value for c in planted.values() for kind, value in c["pii"] if kind == "name"})
    redactor = Redactor(names=names)
    report = RedactionReport()
    expected: Counter[str] = Counter()
    for transcript in parse_file(corpus_dir / "chats.jsonl").transcripts:
        texts = []
        for message in transcript.messages:
            redacted = redactor.redact(message.text)
            report.add(redacted, message.line)
            texts.append(redacted.text)
        joined = "\n".join(texts).lower()
        for kind, value in planted[transcript.source_id]["pii"]:
            assert value.lower() not in joined, (transcript.source_id, kind)
            expected[kind.upper()] += 1
    assert expected["EMAIL"] > 50 and expected["CARD"] > 20 and expected["ACCOUNT"] > 20
    assert report.counts == expected
    assert report.total == sum(expected.values())
    assert all(lines == sorted(lines) for lines in report.lines.values())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail jo.doe+x@mail.example.co.uk now", "mail [EMAIL] now"),
        # an apostrophe in the local part left "o'" of the address behind
        ("write to o'brien@example.ie or 'jo@example.com'", "write to [EMAIL] or '[EMAIL]'"),
        ("call +1 (212) 555-0142 or 07700 900123", "call [PHONE] or [PHONE]"),
        ("ring 2125550142 please", "ring [PHONE] please"),
        ("card 4111-1111-1111-1111 expires", "card [CARD] expires"),
        ("amex 3782 822463 10005", "amex [CARD]"),
        ("IBAN DE89 3704 0044 0532 0130 00 ok", "IBAN [ACCOUNT] ok"),
        ("my account number is 31926819", "my account number is [ACCOUNT]"),
        ("sort code: 12-34-56", "sort code: [ACCOUNT]"),
        # "is" was read only after "account number": the commonest way to say one was kept
        (
            "my account is 31926819, our acct was 12345678",
            "my account is [ACCOUNT], our acct was [ACCOUNT]",
        ),
        ("the phone on the account is 07700 900754", "the phone on the account is [PHONE]"),
        ("on 2025-03-04 call 020 7946 0958", "on 2025-03-04 call [PHONE]"),
        ("ring 06-12-34 56 78 at 10:00", "ring [PHONE] at 10:00"),
        # international numbers with a 00 prefix were kept verbatim
        ("call 0049 30 1234567 today", "call [PHONE] today"),
        ("or 0033 1 23 45 67 89.", "or [PHONE]."),
        ("from Spain 0034-912-345-678", "from Spain [PHONE]"),
        # groups of 7 or 8 digits (German, Japanese numbers), a lone digit after the country
        # code, a (0) trunk prefix and a leading 1- of a North American number were kept
        ("call 030 1234567 or 0151 23456789", "call [PHONE] or [PHONE]"),
        ("mobile +49 151 23456789.", "mobile [PHONE]."),
        ("office +49 (0)30 1234567", "office [PHONE]"),
        ("Paris +33 6 12 34 56 78, Tokyo +81 3-1234-5678", "Paris [PHONE], Tokyo [PHONE]"),
        ("toll free 1-800-555-0199 or 1 (800) 555-0199", "toll free [PHONE] or [PHONE]"),
        ("just in case 415-555-0132", "just in case [PHONE]"),
        # social security numbers were labelled as phone numbers
        ("ssn 123-45-6789 ok", "ssn [SSN] ok"),
        ("my SSN is 123456789", "my SSN is [SSN]"),
        ("social security number: 078 05 1120", "social security number: [SSN]"),
        # keys pasted into a chat were stored in events and exports as they were
        ("my key sk-ant-api03-Abc123xyz_987654321 fails", "my key [SECRET] fails"),
        ("OPENAI_API_KEY=sk-proj-ABCDEFGHIJKLMNOPQRSTUV", "OPENAI_API_KEY=[SECRET]"),
        ("see https://bob:hunter22@example.com/x", "see https://[SECRET]@example.com/x"),
        ("the desk-reservation-confirmation page", "the desk-reservation-confirmation page"),
        # tokens of other services customers paste were stored as they were
        ("aws key AKIAIOSFODNN7EXAMPLE here", "aws key [SECRET] here"),
        ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789", "token [SECRET]"),
        ("pat github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "pat [SECRET]"),
        ("gitlab glpat-abcdefghij0123456789 ok", "gitlab [SECRET] ok"),
        ("slack xoxb-123456789012-1234567890123-abcdefghijkl", "slack [SECRET]"),
        ("stripe sk_live_51Habcdefghijklmnopqrstuv", "stripe [SECRET]"),
        ("hf hf_abcdefghijklmnopqrstuvwxyzABCDEF", "hf [SECRET]"),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dBjftJeZ4CVPmB92K27", "jwt [SECRET]"),
        (
            "key -----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK\n-----END RSA PRIVATE KEY----- ok",
            "key [SECRET] ok",
        ),
    ],
)
def test_builtin_rules_find_common_formats(text: str, expected: str) -> None:
    assert Redactor().redact(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "on 2025-03-04 at 10:30 I paid 1,250.00 for order #483920",
        "it has been 3 weeks and 48 hours",
        "card ending 4111 1111 1111 1112 (not a valid card number)",
        "version 10.4.2 of the app",
        "it was due 2025-03-04 10:00 and came 2025.03.06 14:45:10",
        "booked for 04.03.2025 10:30, the 2025-03-04T09:15 slot was gone",
        # hard negatives for the 00-prefix phone and SSN rules
        "order 00123456 shipped, invoice 00123",
        "paid 1,250.00 USD at 00:30 on 12-31-2025, total 100.00",
        "version 00.12.3 and build 2025.03.04",
        "scores 00 12 and 00 7",
        "reference 4000 0013 1738 6075 (no card: its check digit is wrong)",
        # numbers named as an order, ticket or other reference, and IP addresses, are no phones
        "order number 1234567890 and reference 12345678901",
        "ticket #4155550132, case no. 020 7946 0958, invoice: 12345-67890",
        "the router at 192.168.100.200",
        "in 2024 we sold 1 234 567 units",
        # hard negatives for the token rules
        "the AKIA office, ghp_short, sk_live_ and xoxb- alone, eyJhb.eyJ.x, -----BEGIN-----",
    ],
)
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    assert Redactor().redact(text).text == text


def test_names_and_labelled_patterns_are_configurable() -> None:
    redactor = Redactor(names=["Maria Lopez", "maria"], patterns=["EMPLOYEE=EMP-\\d{4}", "secret"])
    redacted = redactor.redact("MARIA LOPEZ (EMP-1234) said the secret; Mariana stays")
    assert redacted.text == "[NAME] ([EMPLOYEE]) said the [REDACTED]; Mariana stays"
    assert redacted.counts == Counter({"NAME": 1, "EMPLOYEE": 1, "REDACTED": 1})


def test_builtin_rules_can_be_turned_off() -> None:
    assert Redactor(builtin=False).redact("a@example.com").text == "a@example.com"


@pytest.mark.parametrize(("pattern", "error"), [("(", "not a regular expression"), ("x*", "empty")])
def test_bad_patterns_are_refused_up_front(pattern: str, error: str) -> None:
    with pytest.raises(ConfigError, match=error):
        Redactor(patterns=[pattern])
