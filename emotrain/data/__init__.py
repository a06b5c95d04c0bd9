"""Data sources: each yields whole tensors of (input, target) sequences for one model."""
