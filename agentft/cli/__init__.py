"""The `agentft` command line: `app` mounts one module per command (group)."""

from agentft.cli.app import app, main

__all__ = ["app", "main"]
