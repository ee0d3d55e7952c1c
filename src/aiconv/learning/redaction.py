"""Privacy on the way in: replace personal data in imported text and count what was replaced.

Built in: keys and URL credentials ``[SECRET]`` (the formats the logs scrub, and other
services' tokens by their prefixes: AWS, GitHub, GitLab, Slack, Stripe, JWTs …), e-mail addresses
``[EMAIL]``, card numbers ``[CARD]`` (13–19 digits, spaces or dashes
allowed, valid Luhn check digit), account numbers ``[ACCOUNT]`` (IBANs with valid check digits,
and digits after words such as "account number", "acct", "sort code", "routing"), US social
security numbers ``[SSN]`` (``123-45-6789`` with a valid area, group and serial, or 9 digits
after "SSN" or "social security number"), phone numbers ``[PHONE]`` (7–15 digits with the
usual separators, or a ``00`` international prefix such as ``0049 30 1234567``; dates, dates
with a time of day, IP addresses, plain short numbers and numbers named as an order, ticket,
reference … are left alone). Configurable: a list of names
``[NAME]`` (whole words, any case) and patterns (``LABEL=REGEX`` → ``[LABEL]``, or a bare
regex → ``[REDACTED]``). The originals are never kept or reported, only how many of each kind
were replaced and where.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from aiconv.errors import ConfigError
from aiconv.observability.redaction import KEY_PATTERNS

#: Tokens of other services customers paste into a chat, each by its own prefix: AWS access
#: keys, GitHub, GitLab, Slack, Stripe and Hugging Face tokens, JWTs, PEM private keys.
_TOKENS = (
    r"(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z])",
    r"gh[pousr]_[A-Za-z0-9]{30,}",
    r"github_pat_[A-Za-z0-9_]{30,}",
    r"glpat-[A-Za-z0-9_\-]{20,}",
    r"xox[abposr]-[A-Za-z0-9\-]{20,}",
    r"[sr]k_(?:live|test)_[A-Za-z0-9]{16,}",
    r"hf_[A-Za-z0-9]{30,}",
    r"eyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
)
#: Only where a key starts a word: "desk-reservation-confirmation" holds ``sk-`` and 16 more.
_SECRET = re.compile(rf"(?<![\w-])(?:{'|'.join((*KEY_PATTERNS, *_TOKENS))})")
_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-][\w.+'-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)
_CARD = re.compile(r"(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])")
_IBAN = re.compile(r"(?i)\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b")
_ACCOUNT = re.compile(
    r"(?i)\b(?:(?:account|acct|a/c)(?:\s+(?:number|no\.?|num|#)(?:\s+(?:is|was))?)?"
    # "my account is …", not "the phone number on the account is …"
    r"|(?:my|our)\s+(?:account|acct)\s+(?:is|was)"
    r"|(?:sort\s+code|routing(?:\s+number)?)(?:\s+(?:is|was))?)"
    r"\s*[:#=]?\s*(\d(?:[ -]?\d){4,16})(?!\d)"
)
#: Area 001-899 but 666, group 01-99, serial 0001-9999: 000-12-3456 is no SSN (left to the
#: phone rule).
_SSN_DIGITS = r"(?!000|666|9)\d{3}[ -]?(?!00)\d{2}[ -]?(?!0000)\d{4}"
_SSN = re.compile(
    rf"(?i)\b(?:ssn|social\s+security(?:\s+(?:number|no\.?|num|#))?)(?:\s+(?:is|was))?"
    rf"\s*[:#=]?\s*({_SSN_DIGITS})(?!\d)"
    rf"|(?<![\w-])(\d{{3}}-\d{{2}}-\d{{4}})(?![\w-])"
)
#: A phone number dialled with the ``00`` international prefix: groups of any length, which the
#: general rule below would not take ("0049 30 1234567", "0033 1 23 45 67 89"); never a later
#: group of a longer number (the "0013" of a card "4000 0013 1738 6076").
_INTL_PHONE = re.compile(r"(?<![\w+.-])(?<!\d[ .-])00[1-9]\d{0,2}(?:[ .-]\d{1,8}){1,6}(?![\w-])")
#: A date followed by a time of day ("2025-03-04 10:00", "04.03.2025 10:30"): never a phone.
_DATE_TIME = r"(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})[ T]\d{1,2}:\d{2}"
_PHONE = re.compile(
    rf"(?<![\w+.-])(?!{_DATE_TIME})"  # not inside a number, nor at a date with a time
    # a country code, then an area such as (0) or (30), then a group of any length ("+33 6 …")
    r"(?:\+\d{1,3}[ .-]?(?:\(\d{1,5}\)[ .-]?)?\d{1,12}"
    # or a North American 1- before (800) 555-0199, an area in brackets, two digits or more
    r"|(?:1[ .-](?=\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}))?(?:\(\d{1,5}\)[ .-]?)?\d{2,12})"
    r"(?:[ .-]\d{2,8}){0,4}(?![\w-])"
)
_DATE = re.compile(r"^\d{4}[-./]\d{1,2}[-./]\d{1,2}$|^\d{1,2}[-./]\d{1,2}[-./]\d{2,4}$")
_IP = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
#: Words that name the number after them as a reference, not a phone ("order number 1234567890").
_REFERENCE = re.compile(
    r"(?i)\b(?:(?:order|ticket|ref|reference|invoice|tracking|booking|confirmation|transaction"
    r"|reservation|receipt|shipment|parcel)(?:\s*(?:number|no\.?|num|id))?"
    r"|(?:case|claim|serial)\s*(?:number|no\.?|num|id|#))\s*[:#]?\s*#?\s*$"
)
_LABEL = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,30}$")


def luhn_valid(digits: str) -> bool:
    """Whether ``digits`` end in a valid Luhn check digit."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def iban_valid(text: str) -> bool:
    """Whether ``text`` (spaces allowed) is an IBAN with valid check digits."""
    compact = text.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Redacted:
    """Text with personal data replaced, and how many of each kind."""

    text: str
    counts: Counter[str] = field(default_factory=Counter)


Rule = Callable[[str, Counter[str]], str]


class Redactor:
    """Applies the built-in rules (unless ``builtin=False``), names and patterns."""

    def __init__(
        self,
        *,
        names: Iterable[str] = (),
        patterns: Iterable[str] = (),
        builtin: bool = True,
    ) -> None:
        # secrets first: a URL's ``user:password@host`` would otherwise read as an e-mail
        rules: list[Rule] = [_sub(_SECRET, "SECRET"), _sub(_EMAIL, "EMAIL")] if builtin else []
        rules += [compile_pattern(p) for p in patterns]
        cleaned = sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True)
        if cleaned:
            alternatives = "|".join(re.escape(n) for n in cleaned)
            rules.append(_sub(re.compile(rf"(?i)(?<!\w)(?:{alternatives})(?!\w)"), "NAME"))
        if builtin:
            rules += [_ibans, _accounts, _ssns, _intl_phones, _cards, _phones]
        self.rules = tuple(rules)

    def redact(self, text: str) -> Redacted:
        """``text`` with every match replaced."""
        counts: Counter[str] = Counter()
        for rule in self.rules:
            text = rule(text, counts)
        return Redacted(text=text, counts=counts)


def compile_pattern(spec: str) -> Rule:
    """A rule for ``LABEL=REGEX`` (replaced by ``[LABEL]``) or a bare regex (``[REDACTED]``);
    ConfigError for a regex that does not compile or matches the empty string."""
    label, regex = "REDACTED", spec
    head, sep, tail = spec.partition("=")
    if sep and _LABEL.match(head):
        label, regex = head.upper(), tail
    try:
        pattern = re.compile(regex)
    except re.error as exc:
        raise ConfigError(f"--redact-pattern {spec!r}: not a regular expression ({exc})") from None
    if pattern.search("") is not None:
        raise ConfigError(f"--redact-pattern {spec!r} matches empty text; make it match something")
    return _sub(pattern, label)


def _sub(pattern: re.Pattern[str], label: str) -> Rule:
    def rule(text: str, counts: Counter[str]) -> str:
        replaced, found = pattern.subn(f"[{label}]", text)
        if found:
            counts[label] += found
        return replaced

    return rule


def _replace_if(
    pattern: re.Pattern[str], label: str, keep: Callable[[re.Match[str]], bool], group: int = 0
) -> Rule:
    def rule(text: str, counts: Counter[str]) -> str:
        def swap(match: re.Match[str]) -> str:
            if keep(match):
                return match.group(0)
            counts[label] += 1
            start, end = match.start(group) - match.start(), match.end(group) - match.start()
            whole = match.group(0)
            return f"{whole[:start]}[{label}]{whole[end:]}"

        return pattern.sub(swap, text)

    return rule


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


_cards = _replace_if(_CARD, "CARD", lambda m: not luhn_valid(_digits(m.group(0))))
_ibans = _replace_if(_IBAN, "ACCOUNT", lambda m: not iban_valid(m.group(0)))
_accounts = _replace_if(_ACCOUNT, "ACCOUNT", lambda m: False, group=1)


def _not_phone(match: re.Match[str]) -> bool:
    text = match.group(0)
    digits = _digits(text)
    if not 7 <= len(digits) <= 15 or _DATE.match(text) or _IP.match(text):
        return True
    if _REFERENCE.search(match.string, max(0, match.start() - 40), match.start()):
        return True
    separated = text.startswith(("+", "(")) or any(c in text for c in " .-")
    return not separated and not 10 <= len(digits) <= 11


_phones = _replace_if(_PHONE, "PHONE", _not_phone)
#: 8–15 digits after the ``00`` (a country code and a national number).
_intl_phones = _replace_if(_INTL_PHONE, "PHONE", lambda m: not 10 <= len(_digits(m[0])) <= 17)


def _ssns(text: str, counts: Counter[str]) -> str:
    def swap(match: re.Match[str]) -> str:
        group = 1 if match.group(1) is not None else 2
        if group == 2 and not re.fullmatch(_SSN_DIGITS, match.group(2)):
            return match.group(0)
        counts["SSN"] += 1
        start, end = match.start(group) - match.start(), match.end(group) - match.start()
        return f"{match.group(0)[:start]}[SSN]{match.group(0)[end:]}"

    return _SSN.sub(swap, text)


@dataclass(slots=True, kw_only=True)
class RedactionReport:
    """What a redaction pass replaced: counts per kind, and the lines where it did."""

    counts: Counter[str] = field(default_factory=Counter)
    lines: dict[str, list[int]] = field(default_factory=dict)

    def add(self, redacted: Redacted, line: int) -> None:
        """Count one redacted message read from ``line``."""
        self.counts.update(redacted.counts)
        for kind in redacted.counts:
            self.lines.setdefault(kind, []).append(line)

    @property
    def total(self) -> int:
        """How many replacements in all."""
        return sum(self.counts.values())

    def describe(self) -> str:
        """``12 EMAIL, 4 PHONE …`` (or ``nothing``), largest first."""
        if not self.counts:
            return "nothing"
        return ", ".join(f"{n} {kind}" for kind, n in self.counts.most_common())
