"""LoRA-as-Tools agent loop: a router picks the skill adapter for every step."""

from agentft.agent.agent import Agent, StepResult, StepTrace

__all__ = ["Agent", "StepResult", "StepTrace"]
