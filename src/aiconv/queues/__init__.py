"""The conversation log port and its backends (memory, SQLite, Redis)."""
