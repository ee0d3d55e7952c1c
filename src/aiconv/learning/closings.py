"""Closing lines of the synthetic support corpus, by outcome (declarative lists, no logic): the
lines that make each outcome recognisable at the end of a conversation.
"""

from __future__ import annotations

#: Closing lines by outcome, composed from fragment pools (one pick from each pool, "" = skip):
#: (agent pools, customer pools). Each outcome's fragments share its key words.
CLOSINGS: dict[str, tuple[tuple[tuple[str, ...], ...], tuple[tuple[str, ...], ...]]] = {
    "resolved": (
        (
            ("All done.", "Done!", "Great news.", "Right,", "OK,", ""),
            (
                "That's sorted on our side",
                "Everything is sorted now",
                "Your request is sorted",
                "I've sorted that for you",
            ),
            (
                "and you'll get a confirmation email shortly.",
                "and the confirmation should reach you in a few minutes.",
                "and a confirmation is on its way to you.",
            ),
            (
                "Anything else?",
                "Is there anything else I can help with?",
                "Anything else today?",
                "",
            ),
        ),
        (
            ("No that's all,", "Perfect,", "great,", "Brilliant,", "That's everything,"),
            (
                "thank you so much!",
                "thanks for your help",
                "thanks!",
                "many thanks.",
                "thank you, sorted",
            ),
        ),
    ),
    "escalated": (
        (
            (
                "I'm not able to do this from here,",
                "This needs our escalations team,",
                "I can't change that myself,",
                "Sorry, this is beyond what I can do,",
            ),
            (
                "so I'm transferring you to our specialist team.",
                "so I'll transfer you to a supervisor.",
                "so I'll escalate this and transfer you to a senior specialist.",
            ),
            (
                "A supervisor will take over the chat.",
                "Please hold while I transfer you.",
                "The specialist will join shortly.",
                "",
            ),
        ),
        (
            ("ok,", "Fine,", "Alright,", "sure,"),
            (
                "I'll wait for the supervisor",
                "transfer me to the specialist then",
                "I'll hold for the supervisor",
                "put me through to the specialist",
            ),
        ),
    ),
    "follow_up": (
        (
            (
                "I've opened a ticket",
                "I've logged a ticket for you",
                "I've raised a ticket with the team",
                "There's now a ticket for this",
            ),
            (
                "and our back office will email you within 48 hours.",
                "and someone will email you within two working days.",
                "so expect an email update within 48 hours.",
            ),
            ("The ticket number is in your inbox.", "Sorry I can't do more right now.", ""),
        ),
        (
            ("ok", "Alright,", "fine,", "Right,"),
            (
                "I'll wait for the email then",
                "I'll look out for the email about the ticket",
                "please make sure someone actually emails me",
                "I'll watch my email",
            ),
        ),
    ),
    "abandoned": (
        (
            ("Hello?", "Hi,", "Sorry,", ""),
            (
                "are you still there?",
                "I haven't heard back, are you still there?",
                "are you still with me there?",
            ),
            ("I'll need those details to continue.", "I can't continue without the details.", ""),
        ),
        (
            ("Forget it,", "forget it.", "Honestly, forget it,", "Just forget it."),
            ("this is taking forever.", "I give up.", "this is useless.", "waste of time."),
            ("I'll go somewhere else.", "Bye.", "I'm done.", ""),
        ),
    ),
}
