"""Function-calling dataset synthesis from tool schemas (`agentft build-dataset`)."""
