"""aiconv: autonomous conversations between AI agents, on an event-sourced log."""
