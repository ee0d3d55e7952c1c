"""Thin vendor adapters: each maps one vendor SDK onto the ChatProvider port."""
