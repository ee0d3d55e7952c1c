"""The event-sourced core: events, codec, state fold, turn policy, stop rules, the conductor.

Pure except for the conductor, which sees only the ``ChatProvider`` and ``ConversationLog`` ports.
"""
