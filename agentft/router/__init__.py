"""The router: which skill adapter should produce the next step of an agent loop."""

from agentft.router.router import Route, Router, step_text

__all__ = ["Route", "Router", "step_text"]
