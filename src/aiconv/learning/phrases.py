"""Phrase banks of the synthetic support corpus (declarative lists, no logic).

Each intent has openings, details the customer gives when asked and the agent's handling lines
(each outcome's closing lines are in ``closings``). ``{name}``, ``{email}``,
``{phone}``, ``{card}``, ``{account}``, ``{order}`` and ``{city}`` are filled per conversation
with fictitious values (reserved example domains, fictional phone ranges, test card numbers).
"""

from __future__ import annotations

OPENINGS: dict[str, tuple[str, ...]] = {
    "cancel_subscription": (
        "I want to cancel my subscription, I was billed twice this month",
        "How do I cancel my membership subscription? I don't use it anymore",
        "Please cancel my subscription plan before the next renewal date",
        "I'd like to end my subscription and stop the monthly payments",
        "cancel my subscription please, the renewal charge went through again",
        "Can you stop my subscription from renewing? I want to cancel",
        "I need to cancel the premium plan, it's too expensive for me",
    ),
    "lost_card": (
        "I lost my debit card yesterday, can you block it?",
        "My card was stolen at the train station, please freeze it",
        "I can't find my credit card anywhere, I think it's lost",
        "someone stole my wallet with my bank card in it, block the card now",
        "I need a replacement card, mine went missing last night",
        "My bank card is gone, lost it somewhere in town. Can you cancel it and send a new one?",
        "Please block my card, I think I left it in a taxi",
    ),
    "refund_request": (
        "I returned the blender two weeks ago and still haven't got my refund",
        "Where is my refund? I returned the jacket last month",
        "I'd like a refund for the headphones, they arrived broken",
        "The item I returned was received but the refund is not on my account yet",
        "refund for my return please, it's been 3 weeks",
        "I was promised a refund for the damaged lamp and nothing has arrived",
        "Can I get a refund for the shoes? They don't fit and I returned them",
    ),
    "delivery_delay": (
        "My parcel was supposed to arrive on Monday and it still hasn't come",
        "Where is my order? The delivery tracking hasn't moved in five days",
        "my parcel is late, it says out for delivery since Tuesday",
        "The delivery was due last week and I have nothing. What is going on with my order?",
        "my order never arrived, the courier says the parcel was delivered but it's not here",
        "Tracking says my parcel is stuck at the depot, when will it be delivered?",
        "I'm still waiting for my parcel delivery, it's been ten days since I ordered",
    ),
    "password_reset": (
        "I can't log in to my account, the password reset email never arrives",
        "I forgot my password and the reset link says it has expired",
        "locked out of my account after too many password attempts",
        "The app keeps saying my password is wrong even after I reset it",
        "How do I reset my password? I don't get the verification code",
        "I can't sign in to reset my password, the code never comes to my phone",
        "My login password stopped working this morning, please help me reset it",
    ),
    "update_address": (
        "I moved house and need to change my delivery address",
        "Can you update the billing address on my account?",
        "I need to change my address before my next order ships",
        "please update my address, I've moved to a new flat",
        "How do I change the address on my account? I moved last month",
        "My address is wrong on the account, it still shows my old street",
        "I want to update my shipping address and my phone number",
    ),
}

DETAILS: dict[str, tuple[str, ...]] = {
    "cancel_subscription": (
        "The account email is {email}",
        "It's under {name}, email {email}",
        "My account number is {account}",
        "The charge was on my card {card}",
    ),
    "lost_card": (
        "The card number is {card}",
        "My name is {name} and my phone is {phone}",
        "Account number {account}, the card ends in the last four digits of {card}",
        "You can reach me on {phone}",
    ),
    "refund_request": (
        "The order number is {order} and my email is {email}",
        "Order {order}, paid with card {card}",
        "It's {name}, order {order}",
        "The refund should go to account {account}",
    ),
    "delivery_delay": (
        "Order {order}, delivery to {city}",
        "My name is {name}, order number {order}",
        "The tracking number is {order} and my phone is {phone}",
        "Email is {email}, order {order}",
    ),
    "password_reset": (
        "My login email is {email}",
        "The account is registered to {name}, {email}",
        "My phone number on the account is {phone}",
        "Username is my email {email}",
    ),
    "update_address": (
        "The new address is in {city}, my email is {email}",
        "It's {name}, phone {phone}",
        "Account {account}, new address in {city}",
        "My email is {email} and the new phone number is {phone}",
    ),
}

HANDLING: dict[str, tuple[str, ...]] = {
    "cancel_subscription": (
        "I can help with cancelling. Could you confirm the email on the account?",
        "Sorry about the double charge. Let me look at your subscription.",
    ),
    "lost_card": (
        "I'm sorry to hear that. Let me block the card right away. Can you confirm your details?",
        "No problem, I'll freeze the card first. Which card is it?",
    ),
    "refund_request": (
        "Let me check the status of your return. What's the order number?",
        "Sorry for the wait on the refund. Can you give me the order details?",
    ),
    "delivery_delay": (
        "I'm sorry your parcel is late. Could you share the order number?",
        "Let me check with the courier. What's your order number?",
    ),
    "password_reset": (
        "I can help you get back in. What email is the account registered to?",
        "Let's reset that together. Which email or phone is on the account?",
    ),
    "update_address": (
        "Happy to update that. Can you confirm the account email first?",
        "Sure, I can change the address. Which account is it?",
    ),
}

#: Reasons a customer may add to an opening, by intent ("" = none).
REASONS: dict[str, tuple[str, ...]] = {
    "cancel_subscription": (
        "",
        "",
        "I'm moving abroad.",
        "I found a cheaper option.",
        "I barely use it.",
        "The price went up again.",
    ),
    "lost_card": (
        "",
        "",
        "I'm travelling next week.",
        "I need it for rent on Friday.",
        "I already checked everywhere.",
        "There might be strange payments.",
    ),
    "refund_request": (
        "",
        "",
        "I have the return receipt.",
        "The courier confirmed it.",
        "I need the money back.",
        "It's been ages.",
    ),
    "delivery_delay": (
        "",
        "",
        "It was a birthday present.",
        "I paid for express shipping.",
        "I've been home all week.",
        "The courier won't answer.",
    ),
    "password_reset": (
        "",
        "",
        "I need to pay a bill today.",
        "I tried three times.",
        "I checked the spam folder.",
        "It worked fine yesterday.",
    ),
    "update_address": (
        "",
        "",
        "I moved last week.",
        "The old flat is empty now.",
        "My next order ships soon.",
        "The postcode changed too.",
    ),
}

FOLLOW_UPS = (
    "hello?",
    "are you there?",
    "also it's quite urgent",
    "sorry, one more thing",
    "??",
    "any update?",
    "I've been waiting a while",
)

GREETINGS = ("", "", "Hi, ", "Hello, ", "hey ", "Good afternoon. ", "Hi there. ")
SIGN_OFFS = ("", "", "", " Can you help?", " Thanks", " asap", " Please help.")
POLITE_WRAPS = (
    ("Hello, ", " Thank you very much for your help."),
    ("Good morning, ", ". I would really appreciate it, thanks."),
    ("Hi there, I hope you're well. ", ", please. Many thanks in advance."),
)
FRUSTRATED_WRAPS = (
    ("", "!! This is ridiculous"),
    ("Seriously, ", ". I'm really annoyed"),
    ("", "!!! Fix it NOW"),
)
