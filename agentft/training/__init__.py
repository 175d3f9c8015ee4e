"""`agentft train`: LoRA-family adapters with TRL (SFT, DPO, distillation), one config + trainer module per stage."""
