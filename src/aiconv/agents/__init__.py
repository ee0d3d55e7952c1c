"""Who speaks, and through which provider: vendor-neutral messages, the provider port, adapters."""
